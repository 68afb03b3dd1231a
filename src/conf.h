/* conf.h: thumbq.conf, read by every program.
 *
 * The file is "key = value" lines with "#" comments.  Every key is described
 * once, in the table in conf.c (type, bounds, default, help), and every key K
 * can be overridden by the environment variable THUMBQ_K (upper case), which
 * wins over the file.  Unknown keys and out-of-range values are errors, so a
 * typo never silently falls back to a default. */
#ifndef THUMBQ_CONF_H
#define THUMBQ_CONF_H

#include <stddef.h>
#include <stdio.h>

struct thumbq_conf {
	/* Redis */
	char *redis;			/* "unix:/path" or "host:port" */
	char *redis_prefix;		/* key prefix, e.g. "thumbq:" */
	unsigned redis_timeout_ms;	/* connect and command timeout */
	unsigned redis_db;		/* SELECTed on connecting, unless 0 */
	char *redis_user;		/* ACL user for AUTH; empty: default */
	char *redis_password_file;	/* AUTH password (secret.h), or "" */
	/* Sentinels that name the primary of redis_master_name (sentinel.h);
	 * "": redis is the address. */
	char *redis_sentinels;
	char *redis_master_name;
	/* Replicas WAIT must confirm before a POST answers 201 (0: none),
	 * and how long it waits for them. */
	unsigned redis_min_replicas;
	unsigned redis_min_replicas_timeout_ms;

	/* Output */
	char *docroot;			/* thumbnails in docroot/thumbnails/ */
	char *base_url;			/* docroot's URL; "": the request's */
	/* Where thumbnails are written (storage.h): "local" (docroot),
	 * "webdav" or "s3" (storage_url, with storage_user and the secret in
	 * storage_password_file; storage_region for s3). */
	char *storage;
	char *storage_url;
	char *storage_user;
	char *storage_password_file;
	char *storage_region;
	unsigned storage_timeout;	/* seconds per storage request */
	unsigned thumbnail_width;	/* default box */
	unsigned thumbnail_height;
	unsigned quality;		/* JPEG and WebP, unless asked */

	/* API */
	size_t max_body_bytes;
	size_t max_url_bytes;
	/* Seconds a finished job and its file live (0: forever), and that a
	 * thumbnail answers identical requests (0: off). */
	unsigned thumbnail_ttl;
	unsigned dedupe_ttl;
	unsigned max_thumbnail_size;	/* largest width or height asked */
	unsigned max_batch;		/* URLs one POST /v1/batches may hold */
	unsigned max_variants;		/* option sets in one job's variants */
	int auth_required;		/* Bearer API keys */
	unsigned rate_limit;		/* requests/s per key; 0: off */
	unsigned rate_burst;

	/* Worker */
	unsigned workers;		/* children per thumbqd */
	unsigned downloads;		/* download threads per child */
	unsigned interactive_workers;	/* children kept for high and normal */
	unsigned worker_nice;		/* nice of the other worker children */
	unsigned lease_seconds;		/* a claim's life without finishing */
	unsigned max_attempts;		/* claims before failing for good */
	unsigned retry_delay_ms;	/* first retry's; then doubles */
	unsigned retry_max_delay_ms;
	unsigned outage_retry_delay_ms;	/* storage outages: first retry's */
	unsigned outage_retry_max_delay_ms;
	unsigned outage_max_s;		/* then storage_unavailable */
	unsigned storage_breaker_failures;
	unsigned storage_breaker_probe_s;
	unsigned health_queue_age_s;	/* oldest queued job: degraded */
	unsigned shutdown_timeout;	/* seconds to finish, on SIGTERM */
	char *pidfile;
	char *user;			/* thumbqd drops root to this user */
	char *log;			/* "stderr" or "syslog" */
	char *log_level;		/* "err", "warn", "info", "debug" */

	/* Fetching */
	unsigned fetch_connect_timeout;	/* seconds */
	unsigned fetch_timeout;		/* seconds, whole transfer */
	size_t fetch_max_bytes;
	unsigned fetch_max_redirects;
	char *fetch_allow_networks;	/* CIDRs opening non-public ranges */
	char *fetch_nat64_prefixes;	/* the network's own NAT64 /96s */
	char *fetch_user_agent;

	/* Webhooks */
	unsigned couriers;		/* webhook processes per thumbqd */
	char *webhook_secret;		/* key of X-Thumbq-Signature's HMAC */
	unsigned webhook_timeout;	/* seconds per delivery */
	unsigned webhook_connect_timeout;	/* within webhook_timeout */
	unsigned webhook_max_attempts;
	unsigned webhook_concurrency;	/* first attempts a courier runs */
	unsigned webhook_host_concurrency;	/* deliveries to one host */

	/* Decoding */
	unsigned long max_pixels;
	unsigned max_dimension;
	unsigned decode_cpu_ms;		/* CPU time one thumbnail may take */
	char *formats;			/* source formats: "jpeg png gif" */
};

/* Fills *conf with the defaults, then the file at path (if path is not
 * NULL), then the THUMBQ_* environment.  Returns 0, or -1 with *cause set
 * (free it). */
int conf_load(struct thumbq_conf *conf, const char *path, char **cause);
/* Parses one "key = value" text into conf (used by conf_load and the tests). */
int conf_parse_text(struct thumbq_conf *conf, const char *text,
    const char *origin, char **cause);
void conf_defaults(struct thumbq_conf *conf);
void conf_free(struct thumbq_conf *conf);
/* The path a program reads when not told otherwise: $THUMBQ_CONF, or the
 * compiled-in SYSCONFDIR/thumbq.conf. */
const char *conf_default_path(void);
/* Writes every key with its value and help text, as a valid thumbq.conf. */
void conf_dump(const struct thumbq_conf *conf, FILE *out);

#endif
