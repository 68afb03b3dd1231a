/* conf-keys.c: every key of thumbq.conf, once, with its type, bounds,
 * default and help (the way tmux keeps options-table.c): conf.c's parser,
 * environment overrides, defaults and conf_dump() all walk this table, so a
 * key can never be documented but not read, or read but not overridable.
 * The help texts are what `thumbqd -C` prints and README's table shows. */
#include "config.h"

#include <stddef.h>

#include "conf-internal.h"

const struct conf_key conf_keys[] = {
	{ "redis", STR(redis), "127.0.0.1:6379",
	  "Redis address: host:port, or unix:/path/to/redis.sock" },
	{ "redis_prefix", STR(redis_prefix), "thumbq:",
	  "prefix of every Redis key, so that several services can share one "
	  "Redis" },
	{ "redis_timeout_ms", NUM(CONF_UINT, redis_timeout_ms, 10, 60000),
	  "2000",
	  "connect and command timeout for Redis, in milliseconds" },
	{ "redis_db", NUM(CONF_UINT, redis_db, 0, 65535), "0",
	  "Redis database number (SELECT) to keep thumbq's keys in" },
	{ "redis_user", STR(redis_user), "",
	  "Redis ACL user to log in as (AUTH); empty: the default user" },
	{ "redis_password_file", STR(redis_password_file), "",
	  "file holding the Redis password, not accessible to others; "
	  "empty: no AUTH" },
	{ "redis_sentinels", STR(redis_sentinels), "",
	  "Redis Sentinels (host:port or [IPv6]:port, comma or blank "
	  "separated) that name the primary; empty: redis is the address" },
	{ "redis_master_name", STR(redis_master_name), "mymaster",
	  "the name the sentinels monitor the primary under" },
	{ "redis_min_replicas", NUM(CONF_UINT, redis_min_replicas, 0, 16),
	  "0",
	  "replicas that must hold a new job (WAIT) before the API answers "
	  "201; 0: no wait" },
	{ "redis_min_replicas_timeout_ms",
	  NUM(CONF_UINT, redis_min_replicas_timeout_ms, 1, 60000), "500",
	  "how long a POST waits for redis_min_replicas, in milliseconds "
	  "(503 after)" },
	{ "docroot", STR(docroot), THUMBQ_DOCROOT,
	  "directory the web server serves; thumbnails go to "
	  "docroot/thumbnails/" },
	{ "base_url", STR(base_url), "",
	  "public URL of the docroot (no trailing slash); empty: from the "
	  "request's Host" },
	{ "storage", STR(storage), "local",
	  "where thumbnails are written: local (the docroot), webdav or s3 "
	  "(storage_url)" },
	{ "storage_url", STR(storage_url), "",
	  "webdav: the collection's URL; s3: the bucket's (https://ENDPOINT/"
	  "BUCKET or https://BUCKET.ENDPOINT)" },
	{ "storage_user", STR(storage_user), "",
	  "webdav: the HTTP Basic user; s3: the access key id" },
	{ "storage_password_file", STR(storage_password_file), "",
	  "file holding the webdav password or the s3 secret key, not "
	  "accessible to others" },
	{ "storage_region", STR(storage_region), "us-east-1",
	  "s3: the region requests are signed for" },
	{ "storage_timeout", NUM(CONF_UINT, storage_timeout, 1, 300), "10",
	  "seconds one request to a webdav or s3 storage may take" },
	{ "thumbnail_width", NUM(CONF_UINT, thumbnail_width, 1, 4096), "100",
	  "width of the box a thumbnail fits inside, in pixels" },
	{ "thumbnail_height", NUM(CONF_UINT, thumbnail_height, 1, 4096), "100",
	  "height of the box a thumbnail fits inside, in pixels" },
	{ "quality", NUM(CONF_UINT, quality, 1, 100), "85",
	  "quality of JPEG, WebP, AVIF and JPEG XL thumbnails (1-100) when a "
	  "request does not say" },
	{ "max_body_bytes", NUM(CONF_SIZE, max_body_bytes, 64, 1048576), "16k",
	  "largest request body the API accepts (413 beyond)" },
	{ "max_url_bytes", NUM(CONF_SIZE, max_url_bytes, 16, 65536), "2048",
	  "longest image URL the API accepts (422 beyond)" },
	{ "thumbnail_ttl", NUM(CONF_UINT, thumbnail_ttl, 0, 3650u * 86400),
	  "2592000",
	  "seconds a finished job and its thumbnail are kept; 0 keeps them "
	  "forever" },
	{ "dedupe_ttl", NUM(CONF_UINT, dedupe_ttl, 0, 3650u * 86400), "86400",
	  "seconds a thumbnail answers identical requests (same URL and "
	  "options); 0: off" },
	{ "max_batch", NUM(CONF_UINT, max_batch, 1, 1000), "100",
	  "URLs one POST /v1/batches may hold" },
	{ "max_variants", NUM(CONF_UINT, max_variants, 1, 16),
	  "8", "option sets one job's variants may hold (one file each)" },
	{ "max_thumbnail_size", NUM(CONF_UINT, max_thumbnail_size, 1, 4096),
	  "1024",
	  "largest width or height a client may ask for" },
	{ "auth_required", BOOL(auth_required), "no",
	  "API requests need Authorization: Bearer KEY (keys: thumbqctl key "
	  "create)" },
	{ "rate_limit", NUM(CONF_UINT, rate_limit, 0, 1000000), "0",
	  "API requests per second per key (or client address without auth); "
	  "0: no limit" },
	{ "rate_burst", NUM(CONF_UINT, rate_burst, 1, 1000000), "20",
	  "API requests a key (or client) may make at once before the rate "
	  "applies" },
	{ "workers", NUM(CONF_UINT, workers, 1, 256), "2",
	  "worker children each thumbqd runs (one per core is best)" },
	{ "interactive_workers", NUM(CONF_UINT, interactive_workers, 0, 256),
	  "1",
	  "worker children each thumbqd runs besides workers that take only "
	  "high- and normal-priority jobs, so that a low-priority batch never "
	  "makes them wait; 0: none" },
	{ "worker_nice", NUM(CONF_UINT, worker_nice, 0, 19), "10",
	  "added to the nice level of the worker children that are not "
	  "interactive: an interactive child's thumbnail takes the CPU first" },
	{ "downloads", NUM(CONF_UINT, downloads, 1, 64), "16",
	  "downloads each worker child runs at once, while it thumbnails one "
	  "image" },
	{ "lease_seconds", NUM(CONF_UINT, lease_seconds, 5, 86400), "120",
	  "how long a claimed job may take before another worker may take it" },
	{ "max_attempts", NUM(CONF_UINT, max_attempts, 1, 100), "3",
	  "attempts a job gets (a crashed or timed-out worker uses one up)" },
	{ "retry_delay_ms", NUM(CONF_UINT, retry_delay_ms, 0, 3600000), "2000",
	  "delay before the first retry of a transient failure; doubles, with "
	  "jitter" },
	{ "retry_max_delay_ms", NUM(CONF_UINT, retry_max_delay_ms, 0, 86400000),
	  "300000",
	  "longest delay between retries" },
	{ "outage_retry_delay_ms",
	  NUM(CONF_UINT, outage_retry_delay_ms, 1, 3600000), "1000",
	  "delay before a job's first retry after a storage failure (uses "
	  "up no attempt); doubles" },
	{ "outage_retry_max_delay_ms",
	  NUM(CONF_UINT, outage_retry_max_delay_ms, 1, 86400000), "300000",
	  "longest delay between a job's retries after storage failures" },
	{ "storage_breaker_failures",
	  NUM(CONF_UINT, storage_breaker_failures, 1, 1000), "3",
	  "storage failures in a row in one worker child that make thumbqd "
	  "stop claiming until a probe write works" },
	{ "storage_breaker_probe_s",
	  NUM(CONF_UINT, storage_breaker_probe_s, 1, 3600), "5",
	  "seconds between probe writes while the storage is failing" },
	{ "health_queue_age_s",
	  NUM(CONF_UINT, health_queue_age_s, 1, 30u * 86400), "600",
	  "seconds the oldest queued job may have waited before /v1/health "
	  "says degraded" },
	{ "outage_max_s", NUM(CONF_UINT, outage_max_s, 1, 30u * 86400),
	  "21600",
	  "seconds a job is retried through storage failures before it fails "
	  "as storage_unavailable" },
	{ "shutdown_timeout", NUM(CONF_UINT, shutdown_timeout, 1, 3600), "30",
	  "seconds jobs in flight get to finish after SIGTERM" },
	{ "pidfile", STR(pidfile), "",
	  "where thumbqd writes its pid; empty: no pid file" },
	{ "user", STR(user), "",
	  "user thumbqd runs as when started as root; empty: stay as started" },
	{ "log", STR(log), "stderr",
	  "where the programs log: stderr or syslog" },
	{ "log_level", STR(log_level), "info",
	  "least severe messages logged: err, warn, info or debug (thumbqd "
	  "-v: debug)" },
	{ "fetch_connect_timeout",
	  NUM(CONF_UINT, fetch_connect_timeout, 1, 300), "5",
	  "seconds to connect to an image origin" },
	{ "fetch_timeout", NUM(CONF_UINT, fetch_timeout, 1, 3600), "30",
	  "seconds for a whole download" },
	{ "fetch_max_bytes", NUM(CONF_SIZE, fetch_max_bytes, 1024, 1073741824),
	  "20M",
	  "largest image download, enforced while streaming" },
	{ "fetch_max_redirects", NUM(CONF_UINT, fetch_max_redirects, 0, 20),
	  "5",
	  "redirects followed per download" },
	{ "fetch_allow_networks", STR(fetch_allow_networks), "",
	  "CIDR list of non-public networks images may come from; empty: "
	  "none" },
	{ "fetch_nat64_prefixes", STR(fetch_nat64_prefixes), "",
	  "this network's own NAT64 /96 prefixes, judged by the IPv4 address "
	  "they carry" },
	{ "fetch_user_agent", STR(fetch_user_agent), "thumbq/" PACKAGE_VERSION,
	  "User-Agent header of downloads" },
	{ "couriers", NUM(CONF_UINT, couriers, 0, 64), "2",
	  "webhook delivery processes each thumbqd runs; 0: this host delivers "
	  "none" },
	{ "webhook_secret", STR(webhook_secret), "",
	  "key of the HMAC-SHA256 in X-Thumbq-Signature; empty: webhooks are "
	  "not signed" },
	{ "webhook_timeout", NUM(CONF_UINT, webhook_timeout, 1, 300), "10",
	  "seconds one webhook delivery may take" },
	{ "webhook_connect_timeout",
	  NUM(CONF_UINT, webhook_connect_timeout, 1, 300), "3",
	  "seconds to connect to a webhook receiver (within webhook_timeout)" },
	{ "webhook_max_attempts", NUM(CONF_UINT, webhook_max_attempts, 1, 100),
	  "12",
	  "delivery attempts per webhook (exponential backoff between them)" },
	{ "webhook_concurrency", NUM(CONF_UINT, webhook_concurrency, 1, 256),
	  "32",
	  "deliveries each courier runs at once, and half as many retries "
	  "besides" },
	{ "webhook_host_concurrency",
	  NUM(CONF_UINT, webhook_host_concurrency, 1, 256), "4",
	  "deliveries each courier runs at once to one receiver host" },
	{ "max_pixels", NUM(CONF_ULONG, max_pixels, 1, 1000000000), "50000000",
	  "largest source image, in pixels (width x height), checked before "
	  "decoding" },
	{ "max_dimension", NUM(CONF_UINT, max_dimension, 1, 1000000), "20000",
	  "largest source width or height, in pixels" },
	{ "decode_cpu_ms", NUM(CONF_UINT, decode_cpu_ms, 10, 600000), "10000",
	  "CPU time one image may take to decode and thumbnail, in "
	  "milliseconds" },
	{ "formats", STR(formats), "jpeg png gif webp",
	  "source formats the worker decodes" },

	/* Old names, still read (with a warning) so that a file written for
	 * an earlier release keeps working. */
	{ "jpeg_quality", ALIAS("quality") },
};

const size_t conf_nkeys = sizeof conf_keys / sizeof conf_keys[0];
