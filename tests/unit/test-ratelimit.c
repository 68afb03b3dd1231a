/* test-ratelimit.c: which token bucket a client without an API key draws
 * from: one per IPv4 address, one per IPv6 /64 (a host picks addresses in
 * its /64 at will), whatever the spelling of the address. */
#include "config.h"

#include <string.h>

#include "ratelimit.h"
#include "tap.h"

static const char *
subject(const char *addr)
{
	static char out[4][RATELIMIT_SUBJECT_MAX];
	static int n;

	n = (n + 1) % 4;
	ratelimit_client(addr, out[n]);
	return out[n];
}

static int
same(const char *a, const char *b)
{
	return strcmp(subject(a), subject(b)) == 0;
}

int
main(void)
{
	char longaddr[300];

	/* IPv4: one bucket per address. */
	is_str(subject("192.0.2.1"), "addr:192.0.2.1", "IPv4: its address");
	ok(!same("192.0.2.1", "192.0.2.2"), "IPv4: neighbours have buckets of their own");
	is_str(subject("::ffff:192.0.2.1"), "addr:192.0.2.1",
	    "IPv4-mapped IPv6 counts as its IPv4 address");

	/* IPv6: one bucket per /64. */
	is_str(subject("2001:db8:1:2::1"), "addr:2001:db8:1:2::/64", "IPv6: its /64");
	ok(same("2001:db8:1:2::1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
	    "IPv6: two addresses of one /64 share a bucket");
	ok(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
	    "IPv6: the last address of the /64 too");
	ok(!same("2001:db8:1:2::1", "2001:db8:1:3::1"), "IPv6: the next /64 has its own");
	ok(same("2001:db8:1:2::1", "2001:0DB8:0001:0002:0000:0000:0000:0001"),
	    "IPv6: upper case and leading zeros are the same address");
	is_str(subject("fe80::1%eth0"), "addr:fe80::/64", "IPv6: a zone is not part of the address");
	is_str(subject("::1"), "addr:::/64", "IPv6 loopback: its /64");

	/* Anything else: a bucket of its own kind, bounded. */
	is_str(subject(NULL), "peer:unknown", "no REMOTE_ADDR");
	is_str(subject(""), "peer:unknown", "an empty REMOTE_ADDR");
	is_str(subject("unix:/run/thumbq.sock"), "peer:unix:/run/thumbq.sock",
	    "a peer that is not an address");
	ok(!same("2001:db8:1:2::/64", "2001:db8:1:2::1"),
	    "text that looks like a bucket's name is not that bucket");
	ok(!same("192.0.2.1 ", "192.0.2.1"), "trailing garbage does not pass for the address");
	memset(longaddr, 'a', sizeof longaddr - 1);
	longaddr[sizeof longaddr - 1] = '\0';
	is_int(strlen(subject(longaddr)), 5 + 64, "a long REMOTE_ADDR is cut to 64 bytes");
	return tap_done();
}
