/* conf.c: thumbq.conf and THUMBQ_* overrides, through one table of keys.
 *
 * Every key is declared once in conf-keys.c with its type, bounds, default
 * and help; parsing, environment overrides, defaults and conf_dump() here
 * all walk that table. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf-internal.h"
#include "log.h"
#include "secret.h"
#include "sentinel.h"
#include "xmalloc.h"

/* Files above this size are refused rather than read: a config file is a few
 * kilobytes, and a mistaken path (a log, a disk image) must not be slurped. */
#define CONF_MAX_FILE (256 * 1024)
#define CONF_MAX_LINE 4096

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

/* redis_sentinels must be a list the connection can use, and name a
 * master: a typo would otherwise only show as 503s.  The list is parsed
 * again where it is used (redis.c). */
static int
conf_validate_sentinels(const struct thumbq_conf *conf, char **cause)
{
	struct sentinel_list *list;
	int rc;

	if (conf->redis_sentinels[0] == '\0')
		return 0;
	list = xmalloc(sizeof *list);
	rc = sentinel_parse_list(conf->redis_sentinels, list, cause);
	if (rc == 0 && list->n == 0) {
		*cause = xasprintf("redis_sentinels names no sentinel");
		rc = -1;
	}
	free(list);
	if (rc == 0)
		rc = sentinel_check_name(conf->redis_master_name, cause);
	return rc;
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
	    conf_validate_sentinels(conf, cause) == -1 ||
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
