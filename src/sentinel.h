/* sentinel.h: finding the Redis primary through Redis Sentinel.
 *
 * hiredis has no Sentinel support, so this follows Redis's "Sentinel
 * client spec" on plain hiredis: each sentinel of redis_sentinels is asked
 * in turn, with a short timeout, SENTINEL get-master-addr-by-name NAME;
 * the first that answers moves to the front of the list (so the next
 * discovery asks it first); the caller then connects to the address it
 * gave and confirms with ROLE that it is a primary (sentinel_role_check),
 * and discovers again after a connection error or a READONLY reply
 * (redis.c).
 *
 * Every reply is untrusted: its type, element count, lengths and port
 * range are checked before anything is taken from it.  The pure parts
 * (the list, the reply checks, the rotation) are apart from the network
 * part so that the unit tests and the fuzzer reach them without a
 * sentinel. */
#ifndef THUMBQ_SENTINEL_H
#define THUMBQ_SENTINEL_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* Sentinels redis_sentinels may name; three or five is usual. */
#define SENTINEL_MAX 16
/* The longest host name or address literal taken from a list or a reply. */
#define SENTINEL_HOST_MAX 255
/* The longest master name (redis_master_name). */
#define SENTINEL_NAME_MAX 128
/* What one sentinel gets to connect and answer, at most (the spec's "few
 * hundred milliseconds"); never more than what the caller has left. */
#define SENTINEL_STEP_MS 500

struct sentinel_addr {
	char host[SENTINEL_HOST_MAX + 1];	/* no brackets */
	unsigned port;				/* 1..65535 */
};

struct sentinel_list {
	struct sentinel_addr addr[SENTINEL_MAX];
	size_t n;
};

/* Parses "host:port" items separated by commas and/or blanks (an IPv6
 * address as [addr]:port).  0 (n may be 0 for an empty text), or -1 with
 * *cause set (free it). */
int sentinel_parse_list(const char *text, struct sentinel_list *list,
    char **cause);
/* Checks a master name: 1 to SENTINEL_NAME_MAX printable bytes, no blanks.
 * 0, or -1 with *cause set. */
int sentinel_check_name(const char *name, char **cause);
/* "host:port", or "[host]:port" for an IPv6 literal, into buf. */
void sentinel_format(const struct sentinel_addr *a, char *buf, size_t size);

/* A reply to SENTINEL get-master-addr-by-name: an array of two strings,
 * a host and a port.  0 with *out, or -1 with why in err. */
int sentinel_master_check(const redisReply *reply, struct sentinel_addr *out,
    char *err, size_t errlen);
/* A reply to ROLE: 1 for a primary, 0 for a replica or a sentinel, -1 if
 * malformed; the role's name (or why) in err. */
int sentinel_role_check(const redisReply *reply, char *err, size_t errlen);
/* Moves entry i to the front, keeping the others' order. */
void sentinel_promote(struct sentinel_list *list, size_t i);

/* Milliseconds of a monotonic clock. */
unsigned long long sentinel_now_ms(void);
/* Asks the sentinels in turn for name's primary, each within
 * SENTINEL_STEP_MS, all before deadline_ms (sentinel_now_ms's clock).
 * 0 with *primary (and the sentinel that answered in *from), or -1 with
 * why in err. */
int sentinel_ask(struct sentinel_list *list, const char *name,
    unsigned long long deadline_ms, struct sentinel_addr *primary,
    struct sentinel_addr *from, char *err, size_t errlen);

#endif
