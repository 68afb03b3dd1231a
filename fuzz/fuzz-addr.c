/* fuzz-addr.c: the address policy, urlpolicy_netlist_parse() and
 * urlpolicy_check_addr().
 *
 * Input: one flags byte, 16 address bytes, then the fetch_allow_networks
 * text.  flags bit 0 picks AF_INET (the first 4 address bytes) or AF_INET6;
 * bit 1 passes a socket length too short for the family.
 *
 * This is the SSRF boundary, so beyond not crashing it checks, with rules
 * written here independently of the deny tables:
 *  - with no allow list, nothing loopback, private, link-local, CGNAT,
 *    multicast, reserved or "this network" passes, whether the IPv4 address
 *    is native or embedded in IPv6 (mapped, compatible, NAT64, 6to4), and no
 *    native IPv6 address outside 2000::/3 or in 2001:db8::/32 passes;
 *  - a.b.c.d and ::ffff:a.b.c.d always get the same verdict and cause;
 *  - an allow list only ever opens: what passes without it passes with it;
 *  - an allow list of IPv4 networks only opens IPv4 and mapped addresses,
 *    never a tunnelled form (compatible, NAT64, 6to4) of what it names;
 *  - a NAT64 prefix list (the same text parsed as one) only ever closes;
 *  - every network the list names is itself allowed by the list. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "urlpolicy.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT	4096

static socklen_t
fuzz_sa4(struct sockaddr_in *sin, const uint8_t *a)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(80);
	memcpy(&sin->sin_addr, a, 4);
	return sizeof *sin;
}

static socklen_t
fuzz_sa6(struct sockaddr_in6 *sin6, const uint8_t *a)
{
	memset(sin6, 0, sizeof *sin6);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(80);
	memcpy(&sin6->sin6_addr, a, 16);
	return sizeof *sin6;
}

/* Public unicast IPv4, by the IANA special-purpose registry's big ranges. */
static int
fuzz_v4_public(const uint8_t *v4)
{
	if (v4[0] == 0 || v4[0] == 10 || v4[0] == 127 || v4[0] >= 224)
		return 0;
	if (v4[0] == 169 && v4[1] == 254)
		return 0;
	if (v4[0] == 172 && (v4[1] & 0xf0) == 16)
		return 0;
	if (v4[0] == 192 && v4[1] == 168)
		return 0;
	if (v4[0] == 100 && (v4[1] & 0xc0) == 64)
		return 0;
	if (v4[0] == 168 && v4[1] == 63 && v4[2] == 129 && v4[3] == 16)
		return 0;	/* Azure's host endpoint */
	return 1;
}

/* The IPv4 address an IPv6 address leads to, if it embeds one. */
static const uint8_t *
fuzz_v6_embedded(const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t zero[16];

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return a + 12;
	if (memcmp(a, zero, 12) == 0)		/* ::a.b.c.d, but :: and ::1 are IPv6's */
		return memcmp(a, zero, 15) == 0 && a[15] <= 1 ? NULL : a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)
		return a + 2;
	return NULL;
}

static void
fuzz_check_default_policy(int v4, const uint8_t *a)
{
	const uint8_t *e;

	if (v4) {
		FUZZ_CHECK(fuzz_v4_public(a));
		return;
	}
	if ((e = fuzz_v6_embedded(a)) != NULL) {
		FUZZ_CHECK(fuzz_v4_public(e));
		return;
	}
	FUZZ_CHECK((a[0] & 0xe0) == 0x20);
	FUZZ_CHECK(!(a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8));
}

/* Every token of the list names a network that the list must allow. */
static void
fuzz_check_listed(const char *text, const struct netlist *list)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t a[16];
	char tok[128], *slash;
	const char *p = text, *cause;
	size_t len;
	int n = 0;

	for (; *p != '\0' && n < 16; p += len, n++) {
		p += strspn(p, ", \t\r\n");
		len = strcspn(p, ", \t\r\n");
		if (len == 0)
			break;
		FUZZ_CHECK(len < sizeof tok);	/* the parser allows 64 */
		memcpy(tok, p, len);
		tok[len] = '\0';
		if ((slash = strchr(tok, '/')) != NULL)
			*slash = '\0';
		if (strchr(tok, ':') != NULL) {
			FUZZ_CHECK(inet_pton(AF_INET6, tok, a) == 1);
			FUZZ_CHECK(urlpolicy_check_addr((struct sockaddr *)&sin6,
			    fuzz_sa6(&sin6, a), list, NULL, &cause) == 0);
		} else {
			FUZZ_CHECK(inet_pton(AF_INET, tok, a) == 1);
			FUZZ_CHECK(urlpolicy_check_addr((struct sockaddr *)&sin,
			    fuzz_sa4(&sin, a), list, NULL, &cause) == 0);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6, mapped;
	struct sockaddr *sa;
	struct netlist *list, *nat64;
	uint8_t flags, a[16], m[16] = { [10] = 0xff, [11] = 0xff };
	const char *c_none = NULL, *c_list = NULL, *c_mapped = NULL;
	char *text, *cause = NULL;
	socklen_t salen;
	int v4, r_none, r_list, r_mapped, r_nat64;

	if (size < 17 || size > FUZZ_MAX_INPUT)
		return 0;
	flags = data[0];
	memcpy(a, data + 1, 16);
	text = malloc(size - 17 + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data + 17, size - 17);
	text[size - 17] = '\0';

	list = urlpolicy_netlist_parse(text, &cause);
	if (list == NULL) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		cause = NULL;
	} else
		fuzz_check_listed(text, list);
	nat64 = urlpolicy_nat64_parse(text, &cause);
	if (nat64 == NULL) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
	}

	v4 = flags & 1;
	if (v4) {
		salen = fuzz_sa4(&sin, a);
		sa = (struct sockaddr *)&sin;
	} else {
		salen = fuzz_sa6(&sin6, a);
		sa = (struct sockaddr *)&sin6;
	}
	if (flags & 2)
		salen = (socklen_t)(flags >> 2) % salen;	/* too short */

	r_none = urlpolicy_check_addr(sa, salen, NULL, NULL, &c_none);
	r_list = urlpolicy_check_addr(sa, salen, list, NULL, &c_list);
	FUZZ_CHECK(r_none == 0 || (r_none == -1 && c_none != NULL));
	FUZZ_CHECK(r_list == 0 || (r_list == -1 && c_list != NULL));
	if (flags & 2) {
		FUZZ_CHECK(r_none == -1 && r_list == -1);
		goto out;
	}
	if (r_none == 0)
		fuzz_check_default_policy(v4, a);
	FUZZ_CHECK(r_none == -1 || r_list == 0);	/* allowing only opens */
	if (!v4 && strchr(text, ':') == NULL && fuzz_v6_embedded(a) != NULL &&
	    a[10] != 0xff)
		FUZZ_CHECK(r_list == r_none);	/* IPv4 entries: not tunnelled */
	if (nat64 != NULL) {
		const char *c_nat64 = NULL;

		r_nat64 = urlpolicy_check_addr(sa, salen, NULL, nat64, &c_nat64);
		FUZZ_CHECK(r_nat64 == -1 || r_none == 0);	/* NAT64 only closes */
	}

	if (v4) {
		memcpy(m + 12, a, 4);
		r_mapped = urlpolicy_check_addr((struct sockaddr *)&mapped,
		    fuzz_sa6(&mapped, m), NULL, NULL, &c_mapped);
		FUZZ_CHECK(r_mapped == r_none);
		FUZZ_CHECK(r_none == 0 || strcmp(c_mapped, c_none) == 0);
		r_mapped = urlpolicy_check_addr((struct sockaddr *)&mapped,
		    fuzz_sa6(&mapped, m), list, NULL, &c_mapped);
		FUZZ_CHECK(r_mapped == r_list);
	}
out:
	urlpolicy_netlist_free(nat64);
	urlpolicy_netlist_free(list);
	free(text);
	return 0;
}
