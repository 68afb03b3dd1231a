/* joberror.h: why a job failed, as the client sees it in error.code and
 * error.message, and whether trying again could help. */
#ifndef THUMBQ_JOBERROR_H
#define THUMBQ_JOBERROR_H

struct job_error {
	const char *code;	/* static, e.g. "http_error"; NULL: no error */
	char message[256];	/* what failed, and with what value */
	int transient;		/* 1 if a later attempt may succeed */
};

void job_error_set(struct job_error *err, const char *code, int transient,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void job_error_clear(struct job_error *err);

#endif
