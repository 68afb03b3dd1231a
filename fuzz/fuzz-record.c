/* fuzz-record.c: a job's record as Redis answers it, through
 * store_parse_job() (src/store-parse.c).
 *
 * The input is the bytes of a reply in the Redis protocol (RESP), read by
 * hiredis' own reader, bounded as thumbq bounds every connection's; a Redis that is not
 * ours, or a record another program wrote, is untrusted input.  Besides
 * not crashing:
 *  - a refused record leaves the store's error set and nothing allocated;
 *  - an accepted one has an id of an id's length, a URL, a known status
 *    and priority, and options whose canonical text parses back to the
 *    same options;
 *  - its job JSON is NULL (past JOB_JSON_MAX) or shorter than the cap. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "redis.h"
#include "store-int.h"
#include "fuzz.h"

/* A record of about 25 fields with URLs of 64 KiB at most. */
#define FUZZ_MAX_INPUT	(256 * 1024)
static struct thumbq_conf conf;
static struct store *st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_defaults(&conf);
	st = store_new(&conf);	/* never connects: nothing here runs */
	return 0;
}

/* The job's options and fields are what the parser promised. */
static void
fuzz_check_job(const struct job *job)
{
	char text[STORE_OPTS_MAX];
	struct image_request again;
	char *json;

	FUZZ_CHECK(strlen(job->id) == ID_LEN);
	FUZZ_CHECK(job->url != NULL);
	FUZZ_CHECK(strcmp(job_status_name(job->status), "unknown") != 0);
	FUZZ_CHECK((size_t)job->priority < JOB_NPRIORITIES);
	FUZZ_CHECK(job->file[0] == '\0' || id_valid(job->file));
	if (job->opts.width != 0) {
		store_opts_format(&job->opts, text);
		FUZZ_CHECK(store_opts_parse(text, &again) == 0);
		FUZZ_CHECK(memcmp(&again, &job->opts, sizeof again) == 0);
	}
	json = job_to_json(job, "http://localhost");
	FUZZ_CHECK(json == NULL || strlen(json) < JOB_JSON_MAX);
	free(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	void *reply = NULL;
	struct job job;
	char *copy;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	copy = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	rd = redisReaderCreate();
	FUZZ_CHECK(rd != NULL);
	redis_reader_bound(rd);		/* as every connection's reader */
	if (redisReaderFeed(rd, copy, size) == REDIS_OK &&
	    redisReaderGetReply(rd, &reply) == REDIS_OK && reply != NULL) {
		if (store_parse_job(st, reply, &job) == 0) {
			fuzz_check_job(&job);
			job_free(&job);
		} else {
			FUZZ_CHECK(store_error(st)[0] != '\0');
			FUZZ_CHECK(job.url == NULL && job.path == NULL);
		}
		freeReplyObject(reply);
	}
	redisReaderFree(rd);
	free(copy);
	return 0;
}
