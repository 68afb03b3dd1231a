/* joberror.c: why a job failed (see joberror.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "joberror.h"

/* Where a path may start: the start of the text, or after a space, a
 * quote, a bracket or a separator ("file=/x", "(/x)", "'/x'", ": /x"). */
static int
job_error_boundary(const char *s, size_t i)
{
	return i == 0 || strchr(" \t'\"(=:,[<", s[i - 1]) != NULL;
}

void
job_error_scrub(char *s, size_t size)
{
	static const char repl[] = "(path)";
	char out[1024];
	size_t len = strnlen(s, size), i = 0, o = 0, end;

	if (size == 0)
		return;
	if (size > sizeof out)
		size = sizeof out;
	while (i < len && o < size - 1) {
		if (s[i] == '/' && job_error_boundary(s, i) &&
		    (isalnum((unsigned char)s[i + 1]) || s[i + 1] == '.' ||
		    s[i + 1] == '_' || s[i + 1] == '~')) {
			/* To a space, a closing quote or bracket, or the
			 * ": " after a file name. */
			for (end = i; end < len &&
			    !isspace((unsigned char)s[end]) &&
			    strchr("'\"),;]>", s[end]) == NULL &&
			    !(s[end] == ':' && (s[end + 1] == ' ' ||
			    s[end + 1] == '\0')); end++)
				;
			/* Cut short rather than let part of a path through. */
			for (size_t k = 0; k < sizeof repl - 1 && o < size - 1;
			    k++)
				out[o++] = repl[k];
			i = end;
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
}

void
job_error_set(struct job_error *err, const char *code, int transient,
    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->transient = transient;
	err->outage = 0;
	err->detail[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	job_error_scrub(err->message, sizeof err->message);
}

void
job_error_detail(struct job_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof err->detail, fmt, ap);
	va_end(ap);
}

void
job_error_clear(struct job_error *err)
{
	memset(err, 0, sizeof *err);
}
