/* store.h: jobs and queues in Redis, the one header of store*.c.
 *
 * doc/redis-layout.md lists every key under the prefix (default "thumbq:"),
 * every field of a job's hash, and the scripts (src/lua/) that touch each.
 * In short: a job is its hash; while it is queued its id waits in a
 * pending list of its priority, or in the retrying set until its retry is
 * due; while it is processing its id is in the claim list of the worker
 * child that took it, with a lease deadline; a finished job is in none of
 * them.  Claiming is atomic (one script moves an id from pending into a
 * claim list and gives it its lease), so a job is in exactly one of these
 * places at every instant.  The host whose child died, or any host when a
 * whole host went silent, puts the child's jobs back; any host puts back
 * the jobs whose lease ran out.  A result only counts for the holder of
 * the current lease, so a late duplicate cannot overwrite a newer one.
 *
 * The functions are grouped by who calls them, one file each: the API
 * (store-job.c), a worker child (store-worker.c), a host's thumbqd master
 * (store-host.c), the operator (store-admin.c), couriers
 * (store-webhook.c), the API's gate (store-auth.c). */
#ifndef THUMBQ_STORE_H
#define THUMBQ_STORE_H

#include "conf.h"
#include "job.h"

struct store;

/* Outcomes of calls that can meet a missing job or a lost lease. */
enum store_result {
	STORE_OK = 0,
	/* no such job, or nothing to claim before the timeout */
	STORE_NOTFOUND = 1,
	/* our lease was lost: someone else owns the job now */
	STORE_STALE = 2,
	/* store_claim with busy: only high-priority jobs were pending, and
	 * they are left to a child that can start one at once */
	STORE_LEFT = 3,
	/* Redis unreachable or replied nonsense; try later */
	STORE_ERROR = -1,
};

/* ---------------------------------------------------------- store.c */
/* Connects lazily: never fails; each call reconnects if the link is down
 * (redis.h). */
struct store *store_new(const struct thumbq_conf *conf);
void store_free(struct store *st);
/* The last error, for logs ("connection refused", "unexpected reply ..."). */
const char *store_error(const struct store *st);
/* With redis_sentinels: the primary the sentinels named ("host:port")
 * and, in *from, the sentinel that did; "" before a connection. */
const char *store_primary(const struct store *st, const char **from);
/* PING: connects (through the sentinels, if any).  0, or -1. */
int store_ping(struct store *st);

/* ---------------------------------------------------- store-parse.c */
/* The options of a job as its hash keeps them (field opts), and as the
 * dedupe key hashes them: one canonical text,
 * "w=100;h=100;m=fit;f=auto;q=0;bg=-" (q=0: the configured quality; bg=-:
 * none, else eight hex digits RGBA), then ";g=north" for a gravity but
 * center, and ";fx=2500;fy=5000" for focus (ten-thousandths).  Parsing
 * refuses anything formatting would not produce.  The longest text is 74
 * bytes. */
#define STORE_OPTS_MAX 96
void store_opts_format(const struct image_request *opts,
    char out[STORE_OPTS_MAX]);
int store_opts_parse(const char *text, struct image_request *opts);

/* ------------------------------------------------------ store-job.c */
/* The API's jobs and batches. */

/* Creates job (id, url, opts, priority, callback_url, owner set) and
 * queues it, or answers it at once from an identical recent job
 * (dedupe_ttl seconds; 0: off).  On STORE_OK, *job is the record as
 * created: status queued with its times filled in, or, when it was
 * answered from a completed job (or existed already: a retry after a lost
 * reply), replaced by the record Redis holds.  The record expires ttl
 * seconds (0: never) plus a day after creation; the expiry sweep normally
 * removes it before. */
enum store_result store_job_create(struct store *st, struct job *job,
    unsigned ttl, unsigned dedupe_ttl);
/* With redis_min_replicas, waits (WAIT, redis_min_replicas_timeout_ms)
 * until that many replicas hold what this connection wrote last (a job
 * or a batch); STORE_OK, or STORE_ERROR when too few did in time or the
 * connection was lost.  id: the job whose 201 this confirms, or NULL. */
enum store_result store_job_replicated(struct store *st, const char *id);
enum store_result store_job_get(struct store *st, const char *id,
    struct job *job);
/* Cancels a job that is waiting or in progress, or forgets a finished one
 * (DELETE /v1/thumbnails/{id}).  Only that job: identical requests that
 * waited for it (dedupe) go on without it.  On STORE_OK, path is the
 * thumbnails the caller should remove (no job uses them any more): one
 * path, or a job's variants' paths separated by spaces (storage_remove_all
 * takes either), or empty; STORE_NOTFOUND for an unknown id.  Big enough
 * for JOB_MAX_VARIANTS paths of STORAGE_RELPATH_MAX. */
#define STORE_PATH_MAX 1024
enum store_result store_job_delete(struct store *st, const char *id,
    const char *owner, char path[STORE_PATH_MAX]);
/* 1 if a job's record names the thumbnail path, 0 if none does, -1 on
 * error: a worker whose result came too late keeps a file still in use. */
int store_path_in_use(struct store *st, const char *path);
/* Batches: all jobs and the batch record in one step.  ids holds one fresh
 * id per URL.  ttl and dedupe_ttl as for store_job_create. */
#define STORE_MAX_BATCH 1000
enum store_result store_batch_create(struct store *st, const char *batch_id,
    const struct job_batch_request *req, char (*ids)[ID_LEN + 1],
    unsigned ttl, unsigned dedupe_ttl, const char *owner);
/* Calls cb with each job of the batch in order (NULL for one that expired
 * or was deleted).  STORE_NOTFOUND for an unknown batch. */
typedef void store_job_cb(const struct job *job, void *arg);
enum store_result store_batch_get(struct store *st, const char *batch_id,
    const char *owner, long long *created_ms, store_job_cb *cb, void *arg);

/* --------------------------------------------------- store-worker.c */
/* A worker child's side.  wid names one child uniquely across all
 * hosts. */

/* Claims the oldest job of the highest non-empty priority, with a lease of
 * lease_ms: STORE_OK with job, or STORE_NOTFOUND when there is none.  A job
 * claimed for the first time gets job->file, its thumbnail's random name,
 * which its later attempts keep.  busy: the caller's decoder is at work, so
 * high-priority jobs are passed over (STORE_LEFT when one was and nothing
 * else was pending). */
enum store_result store_claim(struct store *st, const char *wid,
    unsigned lease_ms, int busy, struct job *job);
/* Blocks until a job is made ready (taking its wake token) or timeout_s
 * passes: 1 woken, 0 timed out, -1 error.  A worker that is stopping when
 * it wakes hands the token on with store_rewake instead of claiming. */
int store_wait(struct store *st, unsigned timeout_s);
void store_rewake(struct store *st);
/* Whether a high- or normal-priority job is pending: 1 yes, 0 no, -1
 * error.  An interactive child (interactive_workers) claims only then. */
int store_interactive_pending(struct store *st);
/* The job's result, if wid still holds its lease; STORE_STALE if not. */
enum store_result store_complete(struct store *st, const char *wid,
    const struct job *job);
enum store_result store_fail(struct store *st, const char *wid,
    const struct job *job);
/* The worker starts thumbnailing a job it claimed (attempt number
 * attempts) and downloaded: its lease runs lease_ms from now.  STORE_STALE
 * if that claim is no longer current (requeued or cancelled while it
 * waited). */
enum store_result store_renew_lease(struct store *st, const char *id,
    const char *wid, unsigned attempts, unsigned lease_ms);
/* A transient failure: the job is queued again, retrying, with
 * job->error_code and error_message visible, and becomes claimable again
 * after delay_ms. */
enum store_result store_retry(struct store *st, const char *wid,
    const struct job *job, unsigned delay_ms);
/* The same for an outage of thumbq's own storage: no attempt is used up,
 * and the delay grows from base_ms with each such retry of the job, up to
 * max_ms (*delay_ms says which).  STORE_OK with *delay_ms 0, changing
 * nothing, once limit_ms have passed since the job's first outage retry:
 * the caller fails it. */
enum store_result store_retry_outage(struct store *st, const char *wid,
    const struct job *job, unsigned base_ms, unsigned max_ms,
    unsigned long long limit_ms, unsigned *delay_ms);

/* ----------------------------------------------------- store-host.c */
/* A host's side, done by its thumbqd master.  The functions that put jobs
 * back return how many, or -1. */

/* A host not heard from for this long is taken for dead. */
#define STORE_HOST_STALE_MS 15000
/* Once a second: this host lives and has these children, each
 * thumbnailing the job busy[i] names ("" or NULL: none; busy may be NULL),
 * and its storage has been failing for storage_failing_ms (0: it works;
 * see master_breaker); also recovers the claims of hosts that went
 * silent. */
long store_heartbeat(struct store *st, const char *host_id,
    const char *const *wids, const char *const *busy, size_t nwids,
    long long storage_failing_ms);
/* A clean stop: this host is no longer alive. */
void store_goodbye(struct store *st, const char *host_id);
/* A child died: requeues the jobs it held.  culprit: the job it was
 * thumbnailing ("" or NULL if none), the only one that keeps the attempt
 * its claim used. */
long store_recover_worker(struct store *st, const char *wid,
    const char *culprit);
/* Requeues the jobs whose lease ran out (or fails those out of
 * attempts). */
long store_reap_leases(struct store *st);
/* Moves retries that are due into pending. */
long store_promote_retries(struct store *st);

/* ---------------------------------------------------- store-admin.c */
/* The operator's side: thumbqctl, /v1/health, /v1/metrics, and the expiry
 * sweep. */

/* What /v1/health, /v1/metrics and thumbqctl stats report. */
#define STORE_MAX_COUNTERS 128
struct store_stats {
	long long pending;	/* queued, waiting to be claimed */
	long long processing;	/* claimed, with a lease */
	long long retrying;	/* queued, waiting for a retry */
	long long hosts;	/* hosts heard from lately */
	long long children;	/* their worker children */
	/* by enum job_priority */
	long long pending_by_priority[JOB_NPRIORITIES];
	long long now_ms;		/* Redis' clock */
	/* live hosts whose storage circuit breaker is open, and since when
	 * the first one's storage fails (Unix ms; 0: none) */
	long long storage_failing_hosts;
	long long storage_failing_since_ms;
	long long oldest_pending_ms;	/* when it was made (0: none) */
	size_t ncounters;
	struct {
		/* "accepted", "failed:http_error", "e2e_bucket:250", ... */
		char name[64];
		unsigned long long value;
	} counters[STORE_MAX_COUNTERS];
};
enum store_result store_stats(struct store *st, struct store_stats *out);
/* Whether Redis takes a write now (a SET of P health_probe, which expires
 * in 10 s): 0, or -1 (store_error says why: "OOM" at maxmemory, "MISCONF"
 * after a failed save, "READONLY" on a replica, or unreachable). */
int store_write_probe(struct store *st);
typedef void store_id_cb(const char *id, void *arg);
typedef void store_purge_cb(const char *id, const char *path, void *arg);
/* Calls cb for up to limit failed jobs, newest first; returns how many, or
 * -1. */
long store_list_failed(struct store *st, unsigned limit, store_id_cb *cb,
    void *arg);
/* The operator's requeue (thumbqctl requeue): a failed job queued again
 * with fresh attempts: STORE_OK, or STORE_NOTFOUND if it is not failed
 * (or does not exist). */
enum store_result store_requeue_failed(struct store *st, const char *id);
/* Deletes the records of jobs finished before cutoff_ms (Unix ms), calling
 * cb with each one's thumbnail path when it was the last job using it, so
 * that the caller removes the file ("" otherwise, or if unknown).  Stops
 * after about max jobs (a batch at a time, so that a caller with other
 * duties is not held up).  Returns how many, or -1. */
long store_purge(struct store *st, long long cutoff_ms, long max,
    store_purge_cb *cb, void *arg);
/* Requeues those of the n jobs (n <= STORE_MAX_BATCH) that are failed, with
 * fresh attempts; returns how many, or -1. */
long store_requeue_ids(struct store *st, char (*ids)[ID_LEN + 1], size_t n);

/* The console's queries (through src/admin.c). */
/* The trend of the last minutes (see trend() in src/lua/lib.lua): per
 * minute, the jobs that ended and a histogram of the submit->completed
 * times of the completed ones. */
#define STORE_TREND_MAX_MINUTES 120
#define STORE_TREND_MAX_BUCKETS 32
struct store_trend_minute {
	long long start_ms;	/* Unix ms of the minute's start */
	unsigned long long completed, failed, cancelled;
	size_t nbuckets;	/* in increasing order of le_ms */
	struct {
		double ge_ms;	/* lower end (exclusive but for the first, 0) */
		double le_ms;	/* upper end; HUGE_VAL for the last (+Inf) */
		unsigned long long n;
	} buckets[STORE_TREND_MAX_BUCKETS];
};
/* Fills out[0..minutes-1], oldest first, the current minute last, and
 * *now_ms with Redis' clock.  minutes: 1 to STORE_TREND_MAX_MINUTES. */
enum store_result store_trend(struct store *st, unsigned minutes,
    struct store_trend_minute *out, long long *now_ms);
/* What the children of the live hosts are doing: one call of cb per child
 * and job it holds (phase "webhook" for a courier's deliveries); a child
 * holding none: one call with job "" and phase "idle". */
struct store_child_row {
	const char *host;	/* the host's id, "<hostname>:<pid>" */
	long long seen_ms;	/* its last heartbeat */
	const char *child;	/* the child's wid */
	const char *job;	/* a job id, or "" */
	const char *phase;	/* thumbnailing, downloading, webhook, idle */
	long long claimed_ms;	/* when the child claimed the job; 0 if none */
};
typedef void store_child_cb(const struct store_child_row *row, void *arg);
/* Returns the number of rows, or -1; *now_ms is Redis' clock. */
long store_hosts(struct store *st, long long *now_ms, store_child_cb *cb,
    void *arg);
/* Jobs of one kind, newest first, a page at a time. */
enum store_list {
	STORE_LIST_FAILED,	/* failed, by when they failed */
	STORE_LIST_COMPLETED,	/* completed, by when they ended */
	STORE_LIST_RETRYING,	/* queued for a retry, by when it is due */
};
/* "SCORE-ID": where a page ended, to start the next one after it. */
#define STORE_CURSOR_MAX 64
/* Calls cb with each job of the page (or idcb with its id alone: exactly
 * one of them is not NULL) of which, unless code is NULL or "", error_code
 * is code.  cursor is "" for the first page, else a next the previous page
 * set, in its shape (the caller checks one from outside: admin.c).  A page
 * ends after limit jobs or after a bounded walk of the set (fewer jobs
 * then, with a next); next is "" when the set has no more.  Returns the
 * number of jobs, or -1. */
long store_list_jobs(struct store *st, enum store_list which,
    const char *code, const char *cursor, unsigned limit,
    char next[STORE_CURSOR_MAX], store_job_cb *cb, store_id_cb *idcb,
    void *arg);

/* -------------------------------------------------- store-webhook.c */
/* Webhooks.  When a job with a callback_url ends, its delivery is queued
 * in a lane of its owner and receiver host.  A courier takes deliveries
 * into its own list (P courier:{ID}) so that nothing is lost if it dies,
 * owners and receivers in turn (see webhook-claim.lua), delivers them, and
 * records each attempt: done, retried after delay_ms (a thumbqd master
 * promotes it when due, into lanes for retries), or given up after
 * max_attempts. */

/* a lane's owner: the SHA1 of the job's, in hex */
#define STORE_OWNER_LEN 40
/* a lane's receiver host, NUL included */
#define STORE_HOST_MAX 256
/* A claim: up to max deliveries of family ("new": first attempts, or
 * "retry"), passing over the owners that hold owner_max of the courier's
 * deliveries of family and the receivers that hold host_max of all of
 * them; hosts, owners and their counts say what the courier holds. */
struct store_webhook_take {
	const char *family;
	unsigned max, owner_max, host_max;
	const char *const *hosts;
	const unsigned *host_n;
	size_t nhosts;
	const char *const *owners;
	const unsigned *owner_n;
	size_t nowners;
};
/* Called with each delivery taken; it takes job over (job_free). */
typedef void store_webhook_cb(struct job *job, const char *owner,
    const char *host, void *arg);
/* Returns how many deliveries were taken (0: none to take), or -1; after
 * -1, some may sit in the courier's list unknown to it, for
 * store_courier_recover once it holds none. */
long store_webhook_claim(struct store *st, const char *courier_id,
    const struct store_webhook_take *t, store_webhook_cb *cb, void *arg);
/* Blocks until a delivery is queued or timeout_s passes: 1, 0, or -1. */
int store_webhook_wait(struct store *st, unsigned timeout_s);
/* The attempt's number; 0 if the job is gone or the delivery no longer
 * this courier's; STORE_WEBHOOK_AGAIN if the job ended again meanwhile
 * (its new ending is queued for a delivery of its own); -1 on error. */
#define STORE_WEBHOOK_AGAIN (-2)
long store_webhook_done(struct store *st, const char *courier_id,
    const char *id, int delivered, unsigned delay_ms, unsigned max_attempts,
    long http_status);
/* Puts what a courier holds back into the lanes; how many, or -1. */
long store_courier_recover(struct store *st, const char *courier_id);

/* ----------------------------------------------------- store-auth.c */
/* The gate before each API request: is the bearer key known, and is its
 * owner (or the client) within the rate limit?  key_hash is the key's
 * SHA-256 in hex, or NULL; client is the bucket of a request without a key
 * ("addr:..."); rate 0 turns limiting off.  The request takes one
 * token. */
struct store_auth_result {
	int known;		/* the key exists */
	char key_id[64];	/* its id: what owns its jobs and bucket */
	int allowed;		/* within the rate limit */
	long long remaining;	/* tokens left */
	long long retry_after_ms;
	long long reset_s;	/* until the bucket is full again */
	int admin;		/* an admin key: may use /v1/admin/ */
};
enum store_result store_auth(struct store *st, const char *key_hash,
    const char *client, unsigned rate, unsigned burst,
    struct store_auth_result *out);
/* Takes cost more tokens from the bucket subject ("key:ID" or a client's
 * "addr:..."), for a request that took paid already (a batch: one token
 * per URL); out as for store_auth, with known 0. */
enum store_result store_ratelimit_charge(struct store *st,
    const char *subject, unsigned rate, unsigned burst, unsigned cost,
    unsigned paid, struct store_auth_result *out);
/* API keys by name; the key itself is never stored, only its hash.  id is
 * fresh from apikey_id_generate, secret from apikey_secret_generate; an
 * admin key may also use the operator's routes (/v1/admin/).
 * create: STORE_STALE if the name is taken.  revoke: STORE_NOTFOUND. */
enum store_result store_apikey_create(struct store *st, const char *key_hash,
    const char *name, const char *id, const char *secret, int admin);
enum store_result store_apikey_revoke(struct store *st, const char *name);
/* id is "" for a key made before keys had ids. */
typedef void store_apikey_cb(const char *name, const char *id,
    long long created_ms, long long last_used_ms, int admin, void *arg);
long store_apikey_list(struct store *st, store_apikey_cb *cb, void *arg);
/* The webhook secret of the key with this id, into out (size bytes):
 * STORE_NOTFOUND if there is none (the key was revoked, or made before keys
 * had secrets). */
enum store_result store_apikey_secret(struct store *st, const char *id,
    char *out, size_t size);

#endif
