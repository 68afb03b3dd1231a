/* xmalloc.h: allocation that never returns NULL.
 *
 * Out of memory is not a recoverable condition for these small programs: a
 * FastCGI or worker process that cannot allocate a few kilobytes logs and
 * exits, and its supervisor (the web server, the thumbqd master) starts a
 * fresh one.  Every caller can therefore use the result without checking. */
#ifndef THUMBQ_XMALLOC_H
#define THUMBQ_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

#endif
