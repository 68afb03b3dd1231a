/* conf.c: thumbq.conf and THUMBQ_* overrides, through one table of keys.
 *
 * Every key is declared once below with its type, bounds, default and help;
 * parsing, environment overrides, defaults and conf_dump() all walk the same
 * table, so a key can never be documented but not read, or read but not
 * overridable. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

enum conf_type {
	CONF_STRING,
	CONF_UINT,	/* unsigned int */
	CONF_ULONG,	/* unsigned long */
	CONF_SIZE,	/* size_t, with k/M/G suffixes */
	CONF_BOOL,	/* int: yes/no, true/false, on/off, 1/0 */
	CONF_ALIAS,	/* an old name: def is the key it stands for */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	unsigned long min, max;	/* for numbers */
	const char *def;
	const char *help;
};

#define STR(f) CONF_STRING, offsetof(struct thumbq_conf, f), 0, 0
#define NUM(t, f, lo, hi) t, offsetof(struct thumbq_conf, f), lo, hi
#define BOOL(f) CONF_BOOL, offsetof(struct thumbq_conf, f), 0, 1
#define ALIAS(to) CONF_ALIAS, 0, 0, 0, to, NULL

/* Files above this size are refused rather than read: a config file is a few
 * kilobytes, and a mistaken path (a log, a disk image) must not be slurped. */
#define CONF_MAX_FILE (256 * 1024)
#define CONF_MAX_LINE 4096

static const struct conf_key conf_keys[] = {
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
	  "quality of JPEG and WebP thumbnails (1-100) when a request does "
	  "not say" },
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
#define CONF_NKEYS (sizeof conf_keys / sizeof conf_keys[0])

static const struct conf_key *
conf_find(const char *name, size_t len)
{
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if (strlen(conf_keys[i].name) == len &&
		    strncmp(conf_keys[i].name, name, len) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Parses a decimal number with an optional k/M/G suffix (CONF_SIZE only),
 * rejecting signs, junk and overflow; strtoul alone accepts "-1" and " 12x". */
static int
conf_parse_number(const struct conf_key *key, const char *text,
    unsigned long *out)
{
	unsigned long v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0)
		return -1;
	if (key->type == CONF_SIZE && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1024; end++; break;
		case 'm': case 'M': mult = 1024 * 1024; end++; break;
		case 'g': case 'G': mult = 1024 * 1024 * 1024; end++; break;
		}
	}
	if (*end != '\0' || v > key->max / mult || v * mult < key->min)
		return -1;
	*out = v * mult;
	return 0;
}

/* An old name works as the key it stands for, with a warning wherever it
 * is used, so that the file or unit is mended before the name goes. */
static const struct conf_key *
conf_renamed(const struct conf_key *key, const char *origin)
{
	const struct conf_key *to = conf_find(key->def, strlen(key->def));

	log_warn("event=config_key_renamed where=\"%s\" key=%s use=%s",
	    origin, key->name, key->def);
	return to;
}

static int
conf_set(struct thumbq_conf *conf, const struct conf_key *key,
    const char *value, const char *origin, char **cause)
{
	const char *name = key->name;	/* as written, for the messages */
	char *field;
	unsigned long n;

	if (key->type == CONF_ALIAS)
		key = conf_renamed(key, origin);
	field = (char *)conf + key->offset;
	if (key->type == CONF_STRING) {
		char **s = (char **)(void *)field;

		/* No value needs one, and without them every value can be
		 * written back (conf_dump) and read again unchanged. */
		if (strpbrk(value, "\"\n\r") != NULL) {
			*cause = xasprintf("%s: %s: double quotes and line "
			    "breaks are not allowed in a value", origin, name);
			return -1;
		}
		/* The same for the length: conf_dump writes
		 * 'key = "value"', which must fit in a line. */
		if (strlen(key->name) + strlen(value) + 5 >= CONF_MAX_LINE) {
			*cause = xasprintf("%s: %s: the value is longer than "
			    "%zu bytes", origin, name,
			    CONF_MAX_LINE - 6 - strlen(key->name));
			return -1;
		}
		free(*s);
		*s = xstrdup(value);
		return 0;
	}
	if (key->type == CONF_BOOL) {
		static const char *const yes[] = { "yes", "true", "on", "1" };
		static const char *const no[] = { "no", "false", "off", "0" };

		for (size_t i = 0; i < 4; i++) {
			if (strcasecmp(value, yes[i]) == 0 ||
			    strcasecmp(value, no[i]) == 0) {
				*(int *)(void *)field =
				    strcasecmp(value, yes[i]) == 0;
				return 0;
			}
		}
		*cause = xasprintf("%s: %s = \"%s\" is not yes or no", origin,
		    name, value);
		return -1;
	}
	if (conf_parse_number(key, value, &n) == -1) {
		*cause = xasprintf("%s: %s = \"%s\" is not a number from %lu "
		    "to %lu%s", origin, name, value, key->min, key->max,
		    key->type == CONF_SIZE ?
		    " (k, M, G suffixes allowed)" : "");
		return -1;
	}
	switch (key->type) {
	case CONF_UINT: *(unsigned *)(void *)field = (unsigned)n; break;
	case CONF_ULONG: *(unsigned long *)(void *)field = n; break;
	case CONF_SIZE: *(size_t *)(void *)field = (size_t)n; break;
	case CONF_STRING: case CONF_BOOL: case CONF_ALIAS: break;
	}
	return 0;
}

void
conf_defaults(struct thumbq_conf *conf)
{
	char *cause = NULL;

	memset(conf, 0, sizeof *conf);
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].type != CONF_ALIAS &&
		    conf_set(conf, &conf_keys[i], conf_keys[i].def, "defaults",
		    &cause) == -1)
			abort();	/* a bad default is a bug */
}

void
conf_free(struct thumbq_conf *conf)
{
	for (size_t i = 0; i < CONF_NKEYS; i++) {
		if (conf_keys[i].type == CONF_STRING) {
			char **s = (char **)(void *)((char *)conf +
			    conf_keys[i].offset);

			free(*s);
			*s = NULL;
		}
	}
}

static int
conf_is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One "key = value" line; value runs to the end of the line with outer blanks
 * trimmed, and may be wrapped in double quotes to keep blanks or a '#'. */
static int
conf_parse_line(struct thumbq_conf *conf, char *line, const char *origin,
    unsigned lineno, char **cause)
{
	const struct conf_key *key;
	char *p = line, *name, *value, *end;
	size_t namelen;
	char where[512];

	snprintf(where, sizeof where, "%s:%u", origin, lineno);
	while (conf_is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	name = p;
	while (*p == '_' || isalnum((unsigned char)*p))
		p++;
	namelen = (size_t)(p - name);
	while (conf_is_blank(*p))
		p++;
	if (namelen == 0 || *p != '=') {
		*cause = xasprintf("%s: expected \"key = value\"", where);
		return -1;
	}
	key = conf_find(name, namelen);
	if (key == NULL) {
		*cause = xasprintf("%s: unknown key \"%.*s\"", where,
		    (int)namelen, name);
		return -1;
	}
	value = p + 1;
	while (conf_is_blank(*value))
		value++;
	if (*value == '"') {
		end = strchr(++value, '"');
		if (end == NULL) {
			*cause = xasprintf("%s: unterminated quote", where);
			return -1;
		}
		*end++ = '\0';
		while (conf_is_blank(*end))
			end++;
		if (*end != '\0' && *end != '#') {
			*cause = xasprintf("%s: text after the closing quote",
			    where);
			return -1;
		}
	} else {
		end = strchr(value, '#');
		if (end == NULL)
			end = value + strlen(value);
		while (end > value && conf_is_blank(end[-1]))
			end--;
		*end = '\0';
	}
	return conf_set(conf, key, value, where, cause);
}

int
conf_parse_text(struct thumbq_conf *conf, const char *text, const char *origin,
    char **cause)
{
	char line[CONF_MAX_LINE];
	unsigned lineno = 0;
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len >= sizeof line) {
			*cause = xasprintf("%s:%u: line longer than %d bytes",
			    origin, lineno, CONF_MAX_LINE - 1);
			return -1;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (conf_parse_line(conf, line, origin, lineno, cause) == -1)
			return -1;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

static int
conf_read_file(struct thumbq_conf *conf, const char *path, char **cause)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	f = fopen(path, "r");
	if (f == NULL) {
		*cause = xasprintf("cannot open config %s: %s", path,
		    strerror(errno));
		return -1;
	}
	text = xmalloc(CONF_MAX_FILE + 1);
	len = fread(text, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f)) {
		*cause = xasprintf("cannot read config %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (len > CONF_MAX_FILE) {
		*cause = xasprintf("config %s is larger than %d bytes", path,
		    CONF_MAX_FILE);
		goto out;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		*cause = xasprintf("config %s contains a NUL byte", path);
		goto out;
	}
	rc = conf_parse_text(conf, text, path, cause);
out:
	free(text);
	fclose(f);
	return rc;
}

/* Sets key from THUMBQ_<KEY>, if that is set. */
static int
conf_read_var(struct thumbq_conf *conf, const struct conf_key *key,
    char **cause)
{
	char var[64], origin[80];
	const char *value;
	size_t j;

	memcpy(var, "THUMBQ_", 7);
	for (j = 0; key->name[j] != '\0' && j + 8 < sizeof var; j++)
		var[7 + j] = (char)toupper((unsigned char)key->name[j]);
	var[7 + j] = '\0';
	value = getenv(var);
	if (value == NULL)
		return 0;
	if (strlen(value) >= CONF_MAX_LINE) {
		*cause = xasprintf("environment %s is longer than %d bytes",
		    var, CONF_MAX_LINE - 1);
		return -1;
	}
	snprintf(origin, sizeof origin, "environment %s", var);
	return conf_set(conf, key, value, origin, cause);
}

/* THUMBQ_<KEY> wins over the file, so that one installed file can serve a
 * test or a second instance with a few keys changed.  Old names are read
 * first, so that the new name wins when both are set. */
static int
conf_read_env(struct thumbq_conf *conf, char **cause)
{
	for (int old = 1; old >= 0; old--)
		for (size_t i = 0; i < CONF_NKEYS; i++)
			if ((conf_keys[i].type == CONF_ALIAS) == old &&
			    conf_read_var(conf, &conf_keys[i], cause) == -1)
				return -1;
	return 0;
}

/* A secret file (secret.h), named by key, is read once here, so that a
 * wrong mode or path stops every program at start-up (and thumbqd -t) with
 * the reason, rather than turning into failed connections later; store.c
 * and storage-http.c read it again for each connection or request, so
 * that a changed password needs no restart. */
static int
conf_validate_secret(const char *key, const char *path, char **cause)
{
	char secret[SECRET_BUFSIZE], *why = NULL;

	if (path[0] != '/') {
		*cause = xasprintf("%s = \"%s\": must be an absolute path",
		    key, path);
		return -1;
	}
	if (secret_read(path, secret, &why) == -1) {
		*cause = xasprintf("%s: %s", key, why);
		free(why);
		return -1;
	}
	secret_clear(secret, sizeof secret);
	return 0;
}

static int
conf_validate_password(const struct thumbq_conf *conf, char **cause)
{
	if (conf->redis_password_file[0] == '\0') {
		if (conf->redis_user[0] == '\0')
			return 0;
		*cause = xasprintf("redis_user = \"%s\" needs "
		    "redis_password_file", conf->redis_user);
		return -1;
	}
	return conf_validate_secret("redis_password_file",
	    conf->redis_password_file, cause);
}

/* storage and what it needs.  Credentials go in storage_user and the
 * password file only: a URL is logged and shown by thumbqd -C. */
static int
conf_validate_storage(const struct thumbq_conf *conf, char **cause)
{
	const char *url = conf->storage_url;
	int s3 = strcmp(conf->storage, "s3") == 0;

	if (strcmp(conf->storage, "local") == 0)
		return 0;
	if (!s3 && strcmp(conf->storage, "webdav") != 0) {
		*cause = xasprintf("storage = \"%s\": expected local, webdav "
		    "or s3", conf->storage);
		return -1;
	}
	if ((strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) || strpbrk(url, "@?# \t") !=
	    NULL) {
		*cause = xasprintf("storage_url = \"%s\": storage = %s needs "
		    "an http:// or https:// URL without user, password, query "
		    "or blanks (credentials go in storage_user and "
		    "storage_password_file)", url, conf->storage);
		return -1;
	}
	if (strpbrk(conf->storage_user, ": \t") != NULL ||
	    strspn(conf->storage_region, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != strlen(conf->storage_region) ||
	    conf->storage_region[0] == '\0') {
		*cause = xasprintf("storage_user must not hold a colon or a "
		    "blank, storage_region only a-z, 0-9 and -");
		return -1;
	}
	if (s3 && (conf->storage_user[0] == '\0' ||
	    conf->base_url[0] == '\0')) {
		*cause = xasprintf("storage = s3 needs storage_user (the "
		    "access key id), storage_password_file (the secret key) "
		    "and base_url (the bucket's public URL, or its CDN's)");
		return -1;
	}
	if (conf->storage_user[0] == '\0')
		return 0;
	if (conf->storage_password_file[0] == '\0') {
		*cause = xasprintf("storage_user = \"%s\" needs "
		    "storage_password_file", conf->storage_user);
		return -1;
	}
	return conf_validate_secret("storage_password_file",
	    conf->storage_password_file, cause);
}

/* Checks that need more than one key or more than a range. */
static int
conf_validate(const struct thumbq_conf *conf, char **cause)
{
	if (strcmp(conf->log, "stderr") != 0 &&
	    strcmp(conf->log, "syslog") != 0) {
		*cause = xasprintf("log = \"%s\": expected stderr or syslog",
		    conf->log);
		return -1;
	}
	if (log_level_parse(conf->log_level) == -1) {
		*cause = xasprintf("log_level = \"%s\": expected err, warn, "
		    "info or debug", conf->log_level);
		return -1;
	}
	if (conf->docroot[0] != '/') {
		*cause = xasprintf("docroot = \"%s\": must be an absolute path",
		    conf->docroot);
		return -1;
	}
	/* Key names are built in fixed buffers with room for a 64-byte
	 * prefix. */
	if (strlen(conf->redis_prefix) > 64) {
		*cause = xasprintf("redis_prefix is longer than 64 bytes");
		return -1;
	}
	if (conf->redis[0] == '\0') {
		*cause = xasprintf("redis is empty: expected host:port or "
		    "unix:/path");
		return -1;
	}
	if (conf_validate_password(conf, cause) == -1 ||
	    conf_validate_storage(conf, cause) == -1)
		return -1;
	/* A lease shorter than a download would hand a healthy job to a second
	 * worker while the first is still fetching it. */
	if (conf->lease_seconds <= conf->fetch_timeout + 10) {
		*cause = xasprintf("lease_seconds = %u must exceed "
		    "fetch_timeout = %u by more than 10 seconds",
		    conf->lease_seconds, conf->fetch_timeout);
		return -1;
	}
	/* The lease is renewed when thumbnailing starts: it must outlast the
	 * longest thumbnail. */
	if ((unsigned long long)conf->lease_seconds * 1000 <=
	    conf->decode_cpu_ms) {
		*cause = xasprintf("lease_seconds = %u must exceed "
		    "decode_cpu_ms = %u (in seconds)", conf->lease_seconds,
		    conf->decode_cpu_ms);
		return -1;
	}
	/* A dedupe answer points at an existing file: it must not outlive
	 * it. */
	if (conf->thumbnail_ttl != 0 && (conf->dedupe_ttl == 0 ?
	    0 : conf->dedupe_ttl > conf->thumbnail_ttl)) {
		*cause = xasprintf("dedupe_ttl = %u must not exceed "
		    "thumbnail_ttl = %u", conf->dedupe_ttl,
		    conf->thumbnail_ttl);
		return -1;
	}
	if (conf->base_url[0] != '\0' &&
	    strncmp(conf->base_url, "http://", 7) != 0 &&
	    strncmp(conf->base_url, "https://", 8) != 0) {
		*cause = xasprintf("base_url = \"%s\": must start with http:// "
		    "or https://", conf->base_url);
		return -1;
	}
	return 0;
}

int
conf_load(struct thumbq_conf *conf, const char *path, char **cause)
{
	size_t n;

	conf_defaults(conf);
	if (path != NULL && conf_read_file(conf, path, cause) == -1)
		goto fail;
	if (conf_read_env(conf, cause) == -1)
		goto fail;
	/* A trailing slash would double up in resized_url, and in the
	 * storage's URLs. */
	n = strlen(conf->base_url);
	while (n > 0 && conf->base_url[n - 1] == '/')
		conf->base_url[--n] = '\0';
	n = strlen(conf->storage_url);
	while (n > 0 && conf->storage_url[n - 1] == '/')
		conf->storage_url[--n] = '\0';
	if (conf_validate(conf, cause) == -1)
		goto fail;
	return 0;
fail:
	conf_free(conf);
	return -1;
}

const char *
conf_default_path(void)
{
	const char *env = getenv("THUMBQ_CONF");

	return env != NULL && env[0] != '\0' ? env : SYSCONFDIR "/thumbq.conf";
}

void
conf_dump(const struct thumbq_conf *conf, FILE *out)
{
	for (size_t i = 0; i < CONF_NKEYS; i++) {
		const struct conf_key *key = &conf_keys[i];
		const char *field = (const char *)conf + key->offset;

		if (key->type == CONF_ALIAS)
			continue;
		fprintf(out, "# %s (default: \"%s\")\n", key->help, key->def);
		switch (key->type) {
		case CONF_STRING:
			fprintf(out, "%s = \"%s\"\n", key->name,
			    *(char *const *)(const void *)field);
			break;
		case CONF_UINT:
			fprintf(out, "%s = %u\n", key->name,
			    *(const unsigned *)(const void *)field);
			break;
		case CONF_ULONG:
			fprintf(out, "%s = %lu\n", key->name,
			    *(const unsigned long *)(const void *)field);
			break;
		case CONF_SIZE:
			fprintf(out, "%s = %zu\n", key->name,
			    *(const size_t *)(const void *)field);
			break;
		case CONF_BOOL:
			fprintf(out, "%s = %s\n", key->name,
			    *(const int *)(const void *)field ? "yes" : "no");
			break;
		case CONF_ALIAS:
			break;
		}
	}
}
