/* urlpolicy.c: which URLs and which socket addresses thumbq may fetch from.
 *
 * Addresses are judged as 16-byte IPv6 values: an IPv4 address a.b.c.d is
 * handled as its mapped form ::ffff:a.b.c.d, and IPv4 networks in the allow
 * list are stored the same way (a.b.c.d/p as ::ffff:a.b.c.d/96+p).  So an
 * IPv4 address and its mapped form are always judged alike, by the deny
 * table and by the allow list. */
#include "config.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "urlpolicy.h"
#include "xmalloc.h"

#define URLPOLICY_MAX_NETS	256	/* entries in one allow list */
#define URLPOLICY_MAX_TOKEN	64	/* longest "address/prefix" text */

struct netent {
	uint8_t		addr[16];	/* network, host bits zero */
	unsigned	prefix;		/* 0..128, on the 16-byte form */
};

struct netlist {
	size_t		n;
	struct netent	nets[];
};

/* A denied range, written in the 16-byte form described above. */
struct denyrange {
	uint8_t		addr[16];
	unsigned	prefix;
	const char     *cause;
};

#define V4(a, b, c, d) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d }

/*
 * IPv4 ranges that are not public unicast, most specific first where they
 * overlap (broadcast lies inside 240/4).  The causes complete the sentence
 * "ADDRESS is ...", which is the message a client sees.
 */
static const struct denyrange urlpolicy_deny4[] = {
	{ V4(255, 255, 255, 255), 96 + 32, "broadcast" },
	{ V4(0, 0, 0, 0), 96 + 8, "unspecified (\"this network\", 0.0.0.0/8)" },
	{ V4(127, 0, 0, 0), 96 + 8, "loopback" },
	{ V4(10, 0, 0, 0), 96 + 8, "private (RFC 1918)" },
	{ V4(172, 16, 0, 0), 96 + 12, "private (RFC 1918)" },
	{ V4(192, 168, 0, 0), 96 + 16, "private (RFC 1918)" },
	{ V4(100, 64, 0, 0), 96 + 10,
	    "shared address space (CGNAT, RFC 6598)" },
	{ V4(169, 254, 0, 0), 96 + 16, "link-local (incl. cloud metadata)" },
	{ V4(192, 0, 0, 0), 96 + 24,
	    "IETF protocol assignments (192.0.0.0/24)" },
	/* Public space, but inside every Azure VM it is the host's own
	 * endpoint (WireServer: DHCP, DNS, the VM agent's configuration). */
	{ V4(168, 63, 129, 16), 96 + 32,
	    "a cloud host endpoint (Azure WireServer)" },
	{ V4(192, 0, 2, 0), 96 + 24, "documentation (TEST-NET-1)" },
	{ V4(198, 51, 100, 0), 96 + 24, "documentation (TEST-NET-2)" },
	{ V4(203, 0, 113, 0), 96 + 24, "documentation (TEST-NET-3)" },
	{ V4(198, 18, 0, 0), 96 + 15, "benchmarking (RFC 2544)" },
	{ V4(224, 0, 0, 0), 96 + 4, "multicast" },
	{ V4(240, 0, 0, 0), 96 + 4, "reserved (240.0.0.0/4)" },
};

/*
 * Native IPv6 ranges with a name.  The IPv4-embedding forms are handled in
 * urlpolicy_embedded4(); whatever is left outside 2000::/3 is refused as
 * not global unicast, since IANA has allocated no public unicast there.
 */
static const struct denyrange urlpolicy_deny6[] = {
	{ { 0 }, 128, "unspecified (::)" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, "loopback" },
	{ { 0xfe, 0x80 }, 10, "link-local" },
	{ { 0xfe, 0xc0 }, 10, "site-local (deprecated)" },
	{ { 0xfc }, 7, "unique local (fc00::/7)" },
	{ { 0xff }, 8, "multicast" },
	{ { 0x01, 0x00 }, 64, "discard-only (100::/64)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation (2001:db8::/32)" },
	{ { 0x20, 0x01, 0x00, 0x00 }, 32, "Teredo (2001::/32)" },
	{ { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 }, 48,
	    "benchmarking (2001:2::/48)" },
	{ { 0x20, 0x01, 0x00, 0x10 }, 28, "ORCHID (2001:10::/28)" },
	{ { 0x20, 0x01, 0x00, 0x20 }, 28, "ORCHIDv2 (2001:20::/28)" },
	{ { 0x3f, 0xff }, 20, "documentation (3fff::/20)" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48,
	    "local-use NAT64 (64:ff9b:1::/48)" },
};

/* How an IPv6 address carries an IPv4 one (urlpolicy_embedded4). */
enum urlpolicy_v4form {
	V4_NONE,
	V4_MAPPED,	/* ::ffff:a.b.c.d: the kernel talks IPv4 itself */
	V4_TUNNELLED,	/* compatible, NAT64, 6to4: a translator or relay */
};

/* Whether the first prefix bits of a and b agree. */
static int
urlpolicy_prefix_match(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned bytes = prefix / 8, bits = prefix % 8;
	uint8_t mask;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static const char *
urlpolicy_deny_lookup(const struct denyrange *table, size_t n,
    const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (urlpolicy_prefix_match(table[i].addr, addr,
		    table[i].prefix))
			return table[i].cause;
	}
	return NULL;
}

static int
urlpolicy_netlist_match(const struct netlist *list, const uint8_t *addr)
{
	size_t i;

	if (list == NULL)
		return 0;
	for (i = 0; i < list->n; i++) {
		if (urlpolicy_prefix_match(list->nets[i].addr, addr,
		    list->nets[i].prefix))
			return 1;
	}
	return 0;
}

/*
 * If a 16-byte address carries an IPv4 address that the kernel or a
 * translator will end up talking to, write its mapped form to out and return
 * the form.  Mapped addresses need nothing; compatible (::a.b.c.d), NAT64
 * (64:ff9b::/96 and the operator's own /96 prefixes in nat64) and 6to4
 * (2002:AABB:CCDD::/48) forms are rewritten, because a check on the IPv6
 * text alone would let ::ffff:127.0.0.1's cousins through to loopback or
 * RFC 1918 space.
 */
static enum urlpolicy_v4form
urlpolicy_embedded4(const uint8_t *a, const struct netlist *nat64, uint8_t *out)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t wkp[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t zero[12];
	const uint8_t *v4;
	enum urlpolicy_v4form form;

	if (memcmp(a, mapped, 12) == 0) {
		v4 = a + 12;
		form = V4_MAPPED;
	} else if (memcmp(a, wkp, 12) == 0 ||
	    urlpolicy_netlist_match(nat64, a)) {
		v4 = a + 12;
		form = V4_TUNNELLED;
	} else if (memcmp(a, zero, 12) == 0) {
		/* :: and ::1 are IPv6's own, not IPv4-compatible. */
		if (a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1)
			return V4_NONE;
		v4 = a + 12;
		form = V4_TUNNELLED;
	} else if (a[0] == 0x20 && a[1] == 0x02) {
		v4 = a + 2;
		form = V4_TUNNELLED;
	} else
		return V4_NONE;
	memcpy(out, mapped, 12);
	memcpy(out + 12, v4, 4);
	return form;
}


/*
 * Parses one "address[/prefix]" token into the 16-byte form.  Host bits
 * must be zero: "192.168.1.0/16" is more likely a typo than a wish to open
 * all of 192.168/16, and the allow list is the one place a typo opens a hole.
 */
static int
urlpolicy_netent_parse(const char *tok, struct netent *ne, char **cause)
{
	char buf[URLPOLICY_MAX_TOKEN + 1], *slash, *p;
	struct in_addr in4;
	struct in6_addr in6;
	unsigned long prefix;
	unsigned max, i;
	int v6;

	if (strlen(tok) > URLPOLICY_MAX_TOKEN) {
		*cause = xasprintf("\"%.32s...\" is too long for a network",
		    tok);
		return -1;
	}
	memcpy(buf, tok, strlen(tok) + 1);

	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	v6 = strchr(buf, ':') != NULL;
	max = v6 ? 128 : 32;
	memset(ne, 0, sizeof *ne);
	if (v6 && inet_pton(AF_INET6, buf, &in6) == 1)
		memcpy(ne->addr, &in6, 16);
	else if (!v6 && inet_pton(AF_INET, buf, &in4) == 1) {
		ne->addr[10] = ne->addr[11] = 0xff;
		memcpy(ne->addr + 12, &in4, 4);
	} else {
		*cause = xasprintf("\"%s\" is not an IPv4 or IPv6 network",
		    tok);
		return -1;
	}

	prefix = max;
	if (slash != NULL) {
		/* Digits only: strtoul would take "+8", " 8" and "8x". */
		if (*slash == '\0' || strlen(slash) > 3)
			goto bad_prefix;
		for (p = slash; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				goto bad_prefix;
		}
		prefix = strtoul(slash, NULL, 10);
		if (prefix > max)
			goto bad_prefix;
	}
	ne->prefix = (unsigned)prefix + (v6 ? 0 : 96);

	for (i = ne->prefix; i < 128; i++) {
		if (ne->addr[i / 8] & (0x80 >> (i % 8))) {
			*cause = xasprintf("\"%s\" has host bits set after "
			    "/%lu", tok, prefix);
			return -1;
		}
	}
	return 0;

bad_prefix:
	*cause = xasprintf("\"%s\": prefix length must be 0 to %u", tok,
	    max);
	return -1;
}

/*
 * Parses the fetch_allow_networks text.  Separators are commas and white
 * space in any mix, so "127.0.0.0/8, ::1" and "127.0.0.0/8 ::1" both work.
 */
struct netlist *
urlpolicy_netlist_parse(const char *text, char **cause)
{
	struct netlist *list;
	const char *p, *end;
	char *tok;
	size_t len;

	list = xcalloc(1, sizeof *list +
	    URLPOLICY_MAX_NETS * sizeof list->nets[0]);
	if (text == NULL)
		return list;

	for (p = text; *p != '\0'; p = end) {
		p += strspn(p, ", \t\r\n");
		if (*p == '\0')
			break;
		len = strcspn(p, ", \t\r\n");
		end = p + len;
		if (list->n == URLPOLICY_MAX_NETS) {
			*cause = xasprintf("more than %d networks",
			    URLPOLICY_MAX_NETS);
			goto fail;
		}
		tok = xstrndup(p, len);
		if (urlpolicy_netent_parse(tok, &list->nets[list->n],
		    cause) != 0) {
			free(tok);
			goto fail;
		}
		free(tok);
		list->n++;
	}
	return list;

fail:
	free(list);
	return NULL;
}

/*
 * Parses fetch_nat64_prefixes: the operator's own NAT64 prefixes (RFC 6052),
 * behind which DNS64 turns any IPv4 address, private ones included, into an
 * IPv6 address that looks public.  Only the /96 form is taken: it is the
 * one DNS64 deployments use, and the other lengths split the IPv4 address
 * around a reserved octet.
 */
struct netlist *
urlpolicy_nat64_parse(const char *text, char **cause)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct netlist *list;
	size_t i;

	if ((list = urlpolicy_netlist_parse(text, cause)) == NULL)
		return NULL;
	for (i = 0; i < list->n; i++) {
		/* An IPv4 network parses to ::ffff:a.b.c.d/96+p. */
		if (list->nets[i].prefix != 96 ||
		    memcmp(list->nets[i].addr, mapped, 12) == 0) {
			*cause = xasprintf("NAT64 prefix %zu is not an IPv6 "
			    "/96 network", i + 1);
			free(list);
			return NULL;
		}
	}
	return list;
}

void
urlpolicy_netlist_free(struct netlist *list)
{
	free(list);
}

/*
 * The textual checks, before libcurl parses the URL: they give a client a
 * precise reason and catch the forms libcurl accepts leniently
 * ("http:/host", "http:///host", "@" with an empty user).  NULL if the
 * text passes, else the reason.
 */
static const char *
urlpolicy_check_text(const char *url, size_t max_len)
{
	const char *p, *auth;
	size_t schemelen, authlen;

	if (url == NULL || *url == '\0')
		return "URL is empty";
	if (strnlen(url, max_len + 1) > max_len)
		return "URL is too long";
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return "URL contains a space or control character";
	}

	if (strncasecmp(url, "http://", 7) == 0)
		schemelen = 4;
	else if (strncasecmp(url, "https://", 8) == 0)
		schemelen = 5;
	else {
		/* A scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
		 * ":". */
		p = url;
		if (isalpha((unsigned char)*p)) {
			while (isalnum((unsigned char)*p) || *p == '+' ||
			    *p == '-' || *p == '.')
				p++;
		}
		schemelen = (size_t)(p - url);
		if (schemelen == 0 || *p != ':' ||
		    (schemelen == 4 && strncasecmp(url, "http", 4) == 0) ||
		    (schemelen == 5 && strncasecmp(url, "https", 5) == 0))
			return "URL must start with http:// or https://";
		return "scheme must be http or https";
	}

	auth = url + schemelen + 3;
	authlen = strcspn(auth, "/?#");
	if (authlen == 0)
		return "URL has no host";
	if (memchr(auth, '@', authlen) != NULL)
		return "URL must not contain a user name or password";
	return NULL;
}

/* What a client is told when libcurl's URL parser refuses the URL; NULL
 * when it took it. */
static const char *
urlpolicy_curlu_cause(CURLUcode uc)
{
	switch (uc) {
	case CURLUE_OK:
		return NULL;
	case CURLUE_USER_NOT_ALLOWED:
	case CURLUE_BAD_LOGIN:
	case CURLUE_BAD_USER:
	case CURLUE_BAD_PASSWORD:
		return "URL must not contain a user name or password";
	case CURLUE_BAD_PORT_NUMBER:
		return "URL has an invalid port";
	case CURLUE_NO_HOST:
		return "URL has no host";
	case CURLUE_BAD_HOSTNAME:
	case CURLUE_BAD_IPV6:
	case CURLUE_LACKS_IDN:
		return "URL has an invalid host";
	case CURLUE_OUT_OF_MEMORY:
		return "out of memory parsing URL";
	default:
		return "URL is malformed";
	}
}

/*
 * Checks the URL text before a job exists.  The parse is libcurl's own
 * (curl_url), so what is judged here is what the fetcher will request.
 */
int
urlpolicy_check_url(const char *url, size_t max_len, const char **cause)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if ((*cause = urlpolicy_check_text(url, max_len)) != NULL)
		goto out;
	if ((u = curl_url()) == NULL) {
		*cause = "out of memory parsing URL";
		goto out;
	}
	*cause = urlpolicy_curlu_cause(curl_url_set(u, CURLUPART_URL, url,
	    CURLU_DISALLOW_USER));
	if (*cause != NULL)
		goto out;

	/* Ask again what libcurl made of it, in case it differs from the
	 * text. */
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)) {
		*cause = "scheme must be http or https";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		*cause = "URL has no host";
		goto out;
	}
	rc = 0;

out:
	curl_free(host);
	curl_free(scheme);
	if (u != NULL)
		curl_url_cleanup(u);
	return rc;
}

/*
 * Judges the address libcurl is about to connect to.  The allow list goes
 * first, because it is the only way to open a range; then the IPv4-embedding
 * forms, judged as the IPv4 address they carry; then the native IPv6 ranges.
 *
 * An IPv4 entry of the allow list opens that IPv4 range and its mapped form
 * (the same packets), but not the tunnelled forms (NAT64, 6to4,
 * IPv4-compatible): those reach a.b.c.d as a translator or relay somewhere
 * else sees it, so allowing 127.0.0.0/8 for a local origin must not open
 * 64:ff9b::127.0.0.1.  An allow entry written in IPv6 opens any form.
 */
int
urlpolicy_check_addr(const struct sockaddr *sa, socklen_t salen,
    const struct netlist *allow, const struct netlist *nat64,
    const char **cause)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t addr[16], v4[16];
	const char *why;
	enum urlpolicy_v4form form;

	if (sa == NULL) {
		*cause = "not an IP address";
		return -1;
	}
	if (sa->sa_family == AF_INET && salen >= sizeof sin) {
		memcpy(&sin, sa, sizeof sin);
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &sin.sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && salen >= sizeof sin6) {
		memcpy(&sin6, sa, sizeof sin6);
		memcpy(addr, &sin6.sin6_addr, 16);
	} else {
		*cause = "not an IP address";
		return -1;
	}

	/* On the address as connected to: an IPv4 entry, stored as
	 * ::ffff:a.b.c.d/96+p, matches IPv4 and its mapped form only. */
	if (urlpolicy_netlist_match(allow, addr))
		return 0;
	form = urlpolicy_embedded4(addr, nat64, v4);

	if (form != V4_NONE)
		why = urlpolicy_deny_lookup(urlpolicy_deny4,
		    sizeof urlpolicy_deny4 / sizeof urlpolicy_deny4[0], v4);
	else {
		why = urlpolicy_deny_lookup(urlpolicy_deny6,
		    sizeof urlpolicy_deny6 / sizeof urlpolicy_deny6[0], addr);
		if (why == NULL && (addr[0] & 0xe0) != 0x20)
			why = "not global unicast (outside 2000::/3)";
	}
	if (why != NULL) {
		*cause = why;
		return -1;
	}
	return 0;
}
