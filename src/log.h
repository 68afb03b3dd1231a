/* log.h: one line per event, key=value, to stderr or syslog.
 *
 * Messages are written as "prog[pid]: level=LEVEL msg..." on stderr, or handed
 * to syslog(3) with the matching priority.  Callers write the rest of the line
 * as key=value pairs, e.g. log_info("job=%s event=completed ms=%ld", ...). */
#ifndef THUMBQ_LOG_H
#define THUMBQ_LOG_H

#include <syslog.h>

void log_open(const char *prog, int use_syslog);
void log_msg(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The syslog priority that log_level NAME ("err", "warn", "info" or
 * "debug") lets through at least, or -1 for any other name. */
int log_level_parse(const char *name);
/* Drops messages less severe than priority (LOG_INFO until told). */
void log_set_level(int priority);
/* Logs at LOG_CRIT and exits 1: only at start-up or when a process cannot
 * go on. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)

#endif
