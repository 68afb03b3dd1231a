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
/* The least severe priority written: LOG_INFO unless log_level or thumbqd
 * -v says otherwise.  Set before any thread starts, read-only after. */
static int log_max = LOG_INFO;

/* The names log_level takes, and the priority each lets through. */
static const struct {
	const char *name;
	int priority;
} log_levels[] = {
	{ "err", LOG_ERR },
	{ "warn", LOG_WARNING },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

void
log_open(const char *prog, int use_syslog)
{
	log_prog = prog;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
		if (strcmp(name, log_levels[i].name) == 0)
			return log_levels[i].priority;
	return -1;
}

void
log_set_level(int priority)
{
	log_max = priority;
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

	if (priority > log_max)
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
