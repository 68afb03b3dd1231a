/* ratelimit.c: the bucket of a client without an API key (see ratelimit.h).
 *
 * The token buckets themselves live in Redis (src/lua/auth.lua), shared by
 * every thumbq.fcgi process.  Which bucket an anonymous request draws from
 * is decided here.  An IPv4 client is one address.  An IPv6 client is its
 * /64: a host is normally given a whole /64 and picks addresses in it at
 * will (privacy extensions change them daily, and one command adds
 * millions), so a bucket per address would be no limit at all.  The
 * subject is a Redis key name, and REMOTE_ADDR is only as trustworthy as
 * the web server, so it is parsed and written back in canonical form, never
 * copied as it came, but for a bounded prefix of what does not parse (a
 * Unix socket's peer, "unknown"), which gets a bucket of its own kind
 * ("peer:") that no address can share. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

/* The prefix of an IPv6 client's bucket. */
#define RATELIMIT_V6_PREFIX_BYTES 8

void
ratelimit_client(const char *addr, char out[RATELIMIT_SUBJECT_MAX])
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN + 1], host[INET6_ADDRSTRLEN + 1];
	size_t len;

	if (addr == NULL || *addr == '\0')
		addr = "unknown";
	/* A scoped address ("fe80::1%eth0"): the zone is not part of it. */
	len = strcspn(addr, "%");
	if (len < sizeof host) {
		memcpy(host, addr, len);
		host[len] = '\0';
		if (inet_pton(AF_INET, host, a) == 1 &&
		    inet_ntop(AF_INET, a, text, sizeof text) != NULL) {
			snprintf(out, RATELIMIT_SUBJECT_MAX, "addr:%s", text);
			return;
		}
		if (inet_pton(AF_INET6, host, a) == 1) {
			if (memcmp(a, mapped, sizeof mapped) == 0 &&
			    inet_ntop(AF_INET, a + 12, text,
			    sizeof text) != NULL) {
				snprintf(out, RATELIMIT_SUBJECT_MAX, "addr:%s",
				    text);
				return;
			}
			memset(a + RATELIMIT_V6_PREFIX_BYTES, 0,
			    16 - RATELIMIT_V6_PREFIX_BYTES);
			if (inet_ntop(AF_INET6, a, text, sizeof text) != NULL) {
				snprintf(out, RATELIMIT_SUBJECT_MAX,
				    "addr:%s/%d", text,
				    RATELIMIT_V6_PREFIX_BYTES * 8);
				return;
			}
		}
	}
	snprintf(out, RATELIMIT_SUBJECT_MAX, "peer:%.64s", addr);
}
