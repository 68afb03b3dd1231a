/* joberror.h: why a job failed, as the client sees it in error.code and
 * error.message, and whether trying again could help.
 *
 * The message is for clients: it never names a server path, and what
 * only helps an operator (a library's own words, a temporary file) goes
 * in detail, which the worker logs with the job id. */
#ifndef THUMBQ_JOBERROR_H
#define THUMBQ_JOBERROR_H

struct job_error {
	const char *code;	/* static, e.g. "http_error"; NULL: no error */
	char message[256];	/* what failed, and with what value */
	int transient;		/* 1 if a later attempt may succeed */
	/* 1 if thumbq's own infrastructure failed (the storage), not the
	 * image or its origin: retried without using up an attempt. */
	int outage;
	char detail[256];	/* for the log only; "" when none */
};

/* Sets code, transient and the message; any absolute path in the message
 * (a word that starts with '/') is replaced by "(path)", a last guard for
 * what a library may quote.  outage and detail are cleared. */
void job_error_set(struct job_error *err, const char *code, int transient,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The operator's detail of the error err holds, for the log line. */
void job_error_detail(struct job_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replaces each absolute path in s by "(path)", in place. */
void job_error_scrub(char *s, size_t size);
void job_error_clear(struct job_error *err);

#endif
