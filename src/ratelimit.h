/* ratelimit.h: whose token bucket an API request without a key draws from. */
#ifndef THUMBQ_RATELIMIT_H
#define THUMBQ_RATELIMIT_H

#include <stddef.h>

/* Longest subject written, NUL included. */
#define RATELIMIT_SUBJECT_MAX 80

/* Writes the bucket of a client at addr (REMOTE_ADDR, untrusted text) into
 * out: "addr:" and an IPv4 address, or an IPv6 /64 ("addr:2001:db8:1:2::/64");
 * an IPv4-mapped IPv6 address counts as its IPv4 address.  Anything else
 * is "peer:" and its first 64 bytes. */
void ratelimit_client(const char *addr, char out[RATELIMIT_SUBJECT_MAX]);

#endif
