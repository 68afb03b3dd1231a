/* joberror.c: why a job failed (see joberror.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "joberror.h"

void
job_error_set(struct job_error *err, const char *code, int transient,
    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->transient = transient;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

void
job_error_clear(struct job_error *err)
{
	memset(err, 0, sizeof *err);
}
