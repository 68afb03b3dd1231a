/* sentinel.c: finding the Redis primary through Redis Sentinel (see
 * sentinel.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "redis.h"
#include "sentinel.h"
#include "xmalloc.h"

/* ------------------------------------------------------------ the list */

/* A host as a list or a reply may give it: a name or an address literal,
 * without brackets; ':' only for IPv6 and '%' for its zone. */
static int
sentinel_host_ok(const char *s, size_t len)
{
	if (len == 0 || len > SENTINEL_HOST_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_' &&
		    ch != ':' && ch != '%')
			return 0;
	}
	return 1;
}

/* A decimal port of 1 to 5 digits, 1..65535: 0 with *port, or -1. */
static int
sentinel_port_parse(const char *s, size_t len, unsigned *port)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* One "host:port" or "[v6]:port" item of len bytes at s. */
static int
sentinel_parse_item(const char *s, size_t len, struct sentinel_addr *a)
{
	const char *colon, *host = s;
	size_t hlen;

	if (len > 0 && s[0] == '[') {
		colon = memchr(s, ']', len);
		if (colon == NULL || (size_t)(colon - s) + 1 >= len ||
		    colon[1] != ':')
			return -1;
		host = s + 1;
		hlen = (size_t)(colon - host);
		colon++;
		if (memchr(host, ':', hlen) == NULL)
			return -1;	/* brackets are for IPv6 only */
	} else {
		colon = memchr(s, ':', len);
		if (colon == NULL || memchr(colon + 1, ':',
		    len - (size_t)(colon - s) - 1) != NULL)
			return -1;	/* none, or an IPv6 without brackets */
		hlen = (size_t)(colon - s);
	}
	if (!sentinel_host_ok(host, hlen))
		return -1;
	if (sentinel_port_parse(colon + 1, len - (size_t)(colon + 1 - s),
	    &a->port) == -1)
		return -1;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	return 0;
}

int
sentinel_parse_list(const char *text, struct sentinel_list *list,
    char **cause)
{
	const char *p = text, *end;
	size_t len;

	list->n = 0;
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return 0;
		len = strcspn(p, ", \t");
		end = p + len;
		if (list->n == SENTINEL_MAX) {
			*cause = xasprintf("redis_sentinels: more than %d "
			    "sentinels", SENTINEL_MAX);
			return -1;
		}
		if (sentinel_parse_item(p, len,
		    &list->addr[list->n]) == -1) {
			*cause = xasprintf("redis_sentinels: \"%.*s\": "
			    "expected host:port or [IPv6]:port, port 1-65535",
			    len > 300 ? 300 : (int)len, p);
			return -1;
		}
		list->n++;
		p = end;
	}
}

int
sentinel_check_name(const char *name, char **cause)
{
	size_t len = strlen(name);

	if (len == 0 || len > SENTINEL_NAME_MAX) {
		*cause = xasprintf("redis_master_name: 1 to %d bytes",
		    SENTINEL_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isgraph((unsigned char)name[i])) {
			*cause = xasprintf("redis_master_name = \"%s\": no "
			    "blanks or control characters", name);
			return -1;
		}
	}
	return 0;
}

void
sentinel_format(const struct sentinel_addr *a, char *buf, size_t size)
{
	if (strchr(a->host, ':') != NULL)
		snprintf(buf, size, "[%s]:%u", a->host, a->port);
	else
		snprintf(buf, size, "%s:%u", a->host, a->port);
}

void
sentinel_promote(struct sentinel_list *list, size_t i)
{
	struct sentinel_addr first;

	if (i == 0 || i >= list->n)
		return;
	first = list->addr[i];
	memmove(&list->addr[1], &list->addr[0], i * sizeof list->addr[0]);
	list->addr[0] = first;
}

/* ------------------------------------------------------------ replies */

int
sentinel_master_check(const redisReply *reply, struct sentinel_addr *out,
    char *err, size_t errlen)
{
	const redisReply *h, *p;

	if (reply->type == REDIS_REPLY_NIL) {
		snprintf(err, errlen, "does not know the master name");
		return -1;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%.160s", reply->str);
		return -1;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
		snprintf(err, errlen, "answered something else than a host "
		    "and a port");
		return -1;
	}
	h = reply->element[0];
	p = reply->element[1];
	if (h->type != REDIS_REPLY_STRING || p->type != REDIS_REPLY_STRING ||
	    !sentinel_host_ok(h->str, h->len) ||
	    sentinel_port_parse(p->str, p->len, &out->port) == -1) {
		snprintf(err, errlen, "answered a malformed address");
		return -1;
	}
	memcpy(out->host, h->str, h->len);
	out->host[h->len] = '\0';
	return 0;
}

int
sentinel_role_check(const redisReply *reply, char *err, size_t errlen)
{
	const redisReply *e;

	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "ROLE: %.160s", reply->str);
		return -1;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "ROLE: malformed reply");
		return -1;
	}
	e = reply->element[0];
	if (e->len == 6 && memcmp(e->str, "master", 6) == 0) {
		snprintf(err, errlen, "master");
		return 1;
	}
	if ((e->len == 5 && memcmp(e->str, "slave", 5) == 0) ||
	    (e->len == 7 && memcmp(e->str, "replica", 7) == 0) ||
	    (e->len == 8 && memcmp(e->str, "sentinel", 8) == 0)) {
		snprintf(err, errlen, "%s", e->str);
		return 0;
	}
	snprintf(err, errlen, "ROLE: unknown role");
	return -1;
}

/* ------------------------------------------------------------ asking */

unsigned long long
sentinel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
}

/* One sentinel's answer within ms: 0 with *primary, or -1 with err. */
static int
sentinel_ask_one(const struct sentinel_addr *s, const char *name,
    unsigned ms, struct sentinel_addr *primary, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };
	redisContext *c;
	redisReply *reply = NULL;
	int rc = -1;

	c = redisConnectWithTimeout(s->host, (int)s->port, tv);
	if (c == NULL || c->err) {
		snprintf(err, errlen, "%s", c != NULL ? c->errstr :
		    "out of memory");
		goto out;
	}
	redis_reader_bound(c->reader);
	redisSetTimeout(c, tv);
	reply = redisCommand(c, "SENTINEL get-master-addr-by-name %s", name);
	if (reply == NULL) {
		snprintf(err, errlen, "%s", c->errstr);
		goto out;
	}
	rc = sentinel_master_check(reply, primary, err, errlen);
out:
	if (reply != NULL)
		freeReplyObject(reply);
	if (c != NULL)
		redisFree(c);
	return rc;
}

int
sentinel_ask(struct sentinel_list *list, const char *name,
    unsigned long long deadline_ms, struct sentinel_addr *primary,
    struct sentinel_addr *from, char *err, size_t errlen)
{
	char why[200] = "no time left", where[SENTINEL_HOST_MAX + 10] = "";
	unsigned long long now;
	size_t i;

	if (list->n == 0) {
		snprintf(err, errlen, "redis_sentinels is empty");
		return -1;
	}
	for (i = 0; i < list->n; i++) {
		now = sentinel_now_ms();
		if (now >= deadline_ms)
			break;
		sentinel_format(&list->addr[i], where, sizeof where);
		if (sentinel_ask_one(&list->addr[i], name,
		    deadline_ms - now < SENTINEL_STEP_MS ?
		    (unsigned)(deadline_ms - now) : SENTINEL_STEP_MS,
		    primary, why, sizeof why) == 0) {
			*from = list->addr[i];
			sentinel_promote(list, i);
			return 0;
		}
	}
	snprintf(err, errlen, "no sentinel gave the primary of %s (asked %zu "
	    "of %zu; last, %s: %s)", name, i, list->n,
	    where[0] != '\0' ? where : "none", why);
	return -1;
}
