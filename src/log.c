/* log.c: one line per event, key=value, to stderr or syslog. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "thumbq";
static int log_syslog;
static int log_debug_on;

void
log_open(const char *prog, int use_syslog)
{
	log_prog = prog;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_debug(int on)
{
	log_debug_on = on;
}

static const char *
log_level_name(int priority)
{
	switch (priority) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_NOTICE: return "notice";
	case LOG_WARNING: return "warn";
	case LOG_ERR: return "error";
	default: return "crit";
	}
}

static void __attribute__((format(printf, 2, 0)))
log_vmsg(int priority, const char *fmt, va_list ap)
{
	char line[1024];

	if (priority == LOG_DEBUG && !log_debug_on)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	/* One event must stay one line, whatever a message quoted. */
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_syslog)
		syslog(priority, "level=%s %s", log_level_name(priority), line);
	else
		fprintf(stderr, "%s[%ld]: level=%s %s\n", log_prog,
		    (long)getpid(), log_level_name(priority), line);
}

void
log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
