/* test-urlpolicy.c: the URL and address policy, on built socket addresses.
 *
 * Nothing here touches the network: addresses are made with inet_pton and
 * handed straight to urlpolicy_check_addr(). */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "urlpolicy.h"

/* The operator's NAT64 prefixes that check() passes (test_nat64 sets it). */
static const struct netlist *nat64;

/* Judges one address given as text; returns -2 if the text does not parse. */
static int
check(const char *text, const struct netlist *allow, const char **cause)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	*cause = NULL;
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(80);
		return urlpolicy_check_addr((struct sockaddr *)&sin,
		    sizeof sin, allow, nat64, cause);
	}
	if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(80);
		return urlpolicy_check_addr((struct sockaddr *)&sin6,
		    sizeof sin6, allow, nat64, cause);
	}
	return -2;
}

static void
deny(const char *text, const struct netlist *allow, const char *want)
{
	const char	*cause;
	int		 rc = check(text, allow, &cause);

	if (!ok(rc == -1 && cause != NULL && strcmp(cause, want) == 0,
	    "deny %s: %s", text, want))
		printf("#   got rc %d, cause \"%s\"\n", rc,
		    cause != NULL ? cause : "(null)");
}

static void
pass(const char *text, const struct netlist *allow)
{
	const char	*cause;
	int		 rc = check(text, allow, &cause);

	if (!ok(rc == 0, "pass %s", text))
		printf("#   got rc %d, cause \"%s\"\n", rc,
		    cause != NULL ? cause : "(null)");
}

#define LOOPBACK	"loopback"
#define RFC1918		"private (RFC 1918)"
#define THISNET		"unspecified (\"this network\", 0.0.0.0/8)"
#define CGNAT		"shared address space (CGNAT, RFC 6598)"
#define LINKLOCAL4	"link-local (incl. cloud metadata)"
#define IETF		"IETF protocol assignments (192.0.0.0/24)"
#define BENCH		"benchmarking (RFC 2544)"
#define MCAST		"multicast"
#define RESERVED	"reserved (240.0.0.0/4)"
#define NOTGLOBAL	"not global unicast (outside 2000::/3)"

static void
test_ipv4(void)
{
	deny("0.0.0.0", NULL, THISNET);
	deny("0.255.255.255", NULL, THISNET);
	deny("127.0.0.0", NULL, LOOPBACK);
	deny("127.0.0.1", NULL, LOOPBACK);
	deny("127.255.255.255", NULL, LOOPBACK);
	deny("10.0.0.0", NULL, RFC1918);
	deny("10.255.255.255", NULL, RFC1918);
	deny("172.16.0.0", NULL, RFC1918);
	deny("172.31.255.255", NULL, RFC1918);
	deny("192.168.0.0", NULL, RFC1918);
	deny("192.168.255.255", NULL, RFC1918);
	deny("100.64.0.0", NULL, CGNAT);
	deny("100.127.255.255", NULL, CGNAT);
	deny("169.254.0.0", NULL, LINKLOCAL4);
	deny("169.254.169.254", NULL, LINKLOCAL4);
	deny("169.254.255.255", NULL, LINKLOCAL4);
	deny("168.63.129.16", NULL, "a cloud host endpoint (Azure WireServer)");
	deny("::ffff:168.63.129.16", NULL, "a cloud host endpoint (Azure WireServer)");
	pass("168.63.129.15", NULL);
	pass("168.63.129.17", NULL);
	deny("192.0.0.0", NULL, IETF);
	deny("192.0.0.255", NULL, IETF);
	deny("192.0.2.0", NULL, "documentation (TEST-NET-1)");
	deny("192.0.2.255", NULL, "documentation (TEST-NET-1)");
	deny("198.51.100.0", NULL, "documentation (TEST-NET-2)");
	deny("198.51.100.255", NULL, "documentation (TEST-NET-2)");
	deny("203.0.113.0", NULL, "documentation (TEST-NET-3)");
	deny("203.0.113.255", NULL, "documentation (TEST-NET-3)");
	deny("198.18.0.0", NULL, BENCH);
	deny("198.19.255.255", NULL, BENCH);
	deny("224.0.0.0", NULL, MCAST);
	deny("239.255.255.255", NULL, MCAST);
	deny("240.0.0.0", NULL, RESERVED);
	deny("255.255.255.254", NULL, RESERVED);
	deny("255.255.255.255", NULL, "broadcast");

	/* Public, including the first address outside each range. */
	pass("8.8.8.8", NULL);
	pass("1.1.1.1", NULL);
	pass("93.184.216.34", NULL);
	pass("1.0.0.0", NULL);
	pass("9.255.255.255", NULL);
	pass("11.0.0.0", NULL);
	pass("126.255.255.255", NULL);
	pass("128.0.0.0", NULL);
	pass("172.15.255.255", NULL);
	pass("172.32.0.0", NULL);
	pass("192.167.255.255", NULL);
	pass("192.169.0.0", NULL);
	pass("100.63.255.255", NULL);
	pass("100.128.0.0", NULL);
	pass("169.253.255.255", NULL);
	pass("169.255.0.0", NULL);
	pass("191.255.255.255", NULL);
	pass("192.0.1.0", NULL);
	pass("192.0.3.0", NULL);
	pass("198.51.99.255", NULL);
	pass("198.51.101.0", NULL);
	pass("203.0.112.255", NULL);
	pass("203.0.114.0", NULL);
	pass("198.17.255.255", NULL);
	pass("198.20.0.0", NULL);
	pass("223.255.255.255", NULL);
}

static void
test_ipv6(void)
{
	deny("::", NULL, "unspecified (::)");
	deny("::1", NULL, LOOPBACK);
	deny("fe80::", NULL, "link-local");
	deny("fe80::1", NULL, "link-local");
	deny("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, "link-local");
	deny("fec0::1", NULL, "site-local (deprecated)");
	deny("fc00::", NULL, "unique local (fc00::/7)");
	deny("fd12:3456::1", NULL, "unique local (fc00::/7)");
	deny("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL,
	    "unique local (fc00::/7)");
	deny("ff00::", NULL, MCAST);
	deny("ff02::1", NULL, MCAST);
	deny("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, MCAST);
	deny("2001:db8::", NULL, "documentation (2001:db8::/32)");
	deny("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", NULL,
	    "documentation (2001:db8::/32)");
	deny("100::", NULL, "discard-only (100::/64)");
	deny("100::ffff:ffff:ffff:ffff", NULL, "discard-only (100::/64)");
	deny("100:0:0:1::", NULL, NOTGLOBAL);
	deny("2001::", NULL, "Teredo (2001::/32)");
	deny("2001:0:4136:e378:8000:63bf:3fff:fdd2", NULL, "Teredo (2001::/32)");
	deny("2001:0:ffff:ffff:ffff:ffff:ffff:ffff", NULL, "Teredo (2001::/32)");
	deny("2001:2::1", NULL, "benchmarking (2001:2::/48)");
	deny("3fff::1", NULL, "documentation (3fff::/20)");
	deny("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NOTGLOBAL);
	deny("4000::", NULL, NOTGLOBAL);
	deny("5f00::1", NULL, NOTGLOBAL);
	deny("::ffff:0:7f00:1", NULL, NOTGLOBAL);

	pass("2606:4700::1111", NULL);
	pass("2001:4860:4860::8888", NULL);
	pass("2a00:1450:4001:81b::200e", NULL);
	pass("2000::1", NULL);
	pass("2001:1::1", NULL);
	pass("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL);
	pass("2001:db9::", NULL);
	pass("3fff:1000::1", NULL);
	pass("3ffe:ffff::1", NULL);
}

/* IPv6 forms that carry an IPv4 address are judged by that address. */
static void
test_embedded(void)
{
	/* mapped */
	deny("::ffff:127.0.0.1", NULL, LOOPBACK);
	deny("::ffff:10.0.0.1", NULL, RFC1918);
	deny("::ffff:172.16.0.1", NULL, RFC1918);
	deny("::ffff:192.168.1.1", NULL, RFC1918);
	deny("::ffff:169.254.169.254", NULL, LINKLOCAL4);
	deny("::ffff:100.64.0.1", NULL, CGNAT);
	deny("::ffff:0.0.0.0", NULL, THISNET);
	deny("::ffff:255.255.255.255", NULL, "broadcast");
	deny("::ffff:224.0.0.1", NULL, MCAST);
	pass("::ffff:8.8.8.8", NULL);
	pass("::ffff:172.32.0.0", NULL);

	/* compatible */
	deny("::127.0.0.1", NULL, LOOPBACK);
	deny("::10.1.2.3", NULL, RFC1918);
	deny("::192.168.1.1", NULL, RFC1918);
	deny("::169.254.169.254", NULL, LINKLOCAL4);
	deny("::0.0.0.2", NULL, THISNET);
	pass("::8.8.8.8", NULL);

	/* NAT64 well-known prefix; the local-use one is refused outright */
	deny("64:ff9b::127.0.0.1", NULL, LOOPBACK);
	deny("64:ff9b::10.0.0.1", NULL, RFC1918);
	deny("64:ff9b::192.168.0.1", NULL, RFC1918);
	deny("64:ff9b::169.254.169.254", NULL, LINKLOCAL4);
	pass("64:ff9b::8.8.8.8", NULL);
	deny("64:ff9b:1::8.8.8.8", NULL, "local-use NAT64 (64:ff9b:1::/48)");
	deny("64:ff9b:0:0:1::", NULL, NOTGLOBAL);

	/* 6to4: the IPv4 address is in bits 16..47 */
	deny("2002:7f00:1::", NULL, LOOPBACK);
	deny("2002:7f00:1::1", NULL, LOOPBACK);
	deny("2002:a00:1::1", NULL, RFC1918);
	deny("2002:ac10::1", NULL, RFC1918);
	deny("2002:c0a8:101::1", NULL, RFC1918);
	deny("2002:a9fe:a9fe::", NULL, LINKLOCAL4);
	deny("2002::", NULL, THISNET);
	pass("2002:808:808::1", NULL);
	pass("2002:101:101:ffff:ffff:ffff:ffff:ffff", NULL);
}

static struct netlist *
parse(const char *text)
{
	struct netlist	*list;
	char		*cause = NULL;

	list = urlpolicy_netlist_parse(text, &cause);
	if (!ok(list != NULL, "netlist \"%s\" parses", text ? text : "(null)"))
		printf("#   cause \"%s\"\n", cause ? cause : "(null)");
	free(cause);
	return list;
}

static void
parse_bad(const char *text)
{
	struct netlist	*list;
	char		*cause = NULL;

	list = urlpolicy_netlist_parse(text, &cause);
	ok(list == NULL && cause != NULL && *cause != '\0',
	    "netlist \"%.40s\" refused: %s", text, cause ? cause : "(null)");
	urlpolicy_netlist_free(list);
	free(cause);
}

static void
test_netlist(void)
{
	static const char *good[] = {
		"", "  , ,\t", "127.0.0.0/8", "127.0.0.0/8, ::1",
		"127.0.0.0/8 ::1", "10.0.0.0/8,192.168.0.0/16\tfd00::/8,",
		"0.0.0.0/0", "::/0", "1.2.3.4/32", "1.2.3.4", "::1/128",
		"::ffff:10.0.0.0/104", "10.0.0.0/08",
	};
	static const char *bad[] = {
		"10.0.0.0/33", "1.2.3", "::1/129", "abc", "10.0.0.0/8x",
		"10.0.0.0/8;", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
		"10.0.0.0/8/8", "1.2.3.4.5", "256.0.0.0", "10.0.0.1/8",
		"fe80::1%eth0", "127.0.0.0/8, abc", "::1/0128", "/8",
		"1.2.3.4 junk", "::g", "1.2.3.4:80",
		"0000000000000000000000000000000000000000000000000000000000001.2.3.4",
	};
	struct netlist	*list;
	char		 many[256 * 16 + 32], *p;
	char		*cause = NULL;
	size_t		 i;

	list = parse(NULL);
	pass("8.8.8.8", list);
	deny("127.0.0.1", list, LOOPBACK);
	urlpolicy_netlist_free(list);

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		urlpolicy_netlist_free(parse(good[i]));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_bad(bad[i]);

	/* At most 256 entries. */
	p = many;
	for (i = 0; i < 256; i++)
		p += sprintf(p, "10.0.%zu.0/24,", i);
	list = urlpolicy_netlist_parse(many, &cause);
	ok(list != NULL, "256 networks parse");
	if (list != NULL)
		pass("10.0.255.1", list);
	urlpolicy_netlist_free(list);
	free(cause);
	cause = NULL;
	strcat(many, "10.1.0.0/16");
	parse_bad(many);

	urlpolicy_netlist_free(NULL);
}

/* The allow list opens exactly its ranges, and nothing else. */
static void
test_allow(void)
{
	struct netlist	*list;

	list = parse("127.0.0.0/8");
	pass("127.0.0.1", list);
	pass("127.0.0.2", list);
	pass("127.255.255.255", list);
	pass("::ffff:127.0.0.1", list);
	/* An IPv4 range does not open its tunnelled forms: those reach
	 * 127.0.0.1 as a translator or relay elsewhere sees it. */
	deny("64:ff9b::127.0.0.1", list, LOOPBACK);
	deny("2002:7f00:1::", list, LOOPBACK);
	deny("::127.0.0.1", list, LOOPBACK);
	pass("8.8.8.8", list);
	deny("10.0.0.1", list, RFC1918);
	deny("::1", list, LOOPBACK);
	deny("0.0.0.0", list, THISNET);
	deny("169.254.169.254", list, LINKLOCAL4);
	urlpolicy_netlist_free(list);

	list = parse("127.0.0.0/8, ::1");
	pass("::1", list);
	pass("127.0.0.1", list);
	deny("::2", list, THISNET);
	deny("::", list, "unspecified (::)");
	urlpolicy_netlist_free(list);

	list = parse("10.1.0.0/16 fd00::/8");
	pass("10.1.2.3", list);
	pass("::ffff:10.1.2.3", list);
	deny("10.0.255.255", list, RFC1918);
	deny("10.2.0.0", list, RFC1918);
	pass("fd12::1", list);
	deny("fc00::1", list, "unique local (fc00::/7)");
	urlpolicy_netlist_free(list);

	/* A bare address is one host. */
	list = parse("169.254.169.254");
	pass("169.254.169.254", list);
	deny("169.254.169.253", list, LINKLOCAL4);
	deny("169.254.169.255", list, LINKLOCAL4);
	urlpolicy_netlist_free(list);

	/* A mapped network opens the IPv4 addresses it maps. */
	list = parse("::ffff:10.0.0.0/104");
	pass("10.0.0.1", list);
	pass("::ffff:10.255.255.255", list);
	deny("172.16.0.1", list, RFC1918);
	urlpolicy_netlist_free(list);

	list = parse("");
	deny("127.0.0.1", list, LOOPBACK);
	deny("::1", list, LOOPBACK);
	urlpolicy_netlist_free(list);
}

/* The network's own NAT64 prefix: behind DNS64, 2001:db9:64::10.0.0.1 is
 * 10.0.0.1 of the translator's network, so it is judged as that. */
static void
test_nat64(void)
{
	struct netlist	*list, *allow;
	char		*cause = NULL;

	pass("2a00:64::10.0.0.1", NULL);	/* not known as NAT64 */
	list = urlpolicy_nat64_parse("2a00:64::/96", &cause);
	if (!ok(list != NULL, "NAT64 prefix list parses"))
		return;
	nat64 = list;
	deny("2a00:64::10.0.0.1", NULL, RFC1918);
	deny("2a00:64::127.0.0.1", NULL, LOOPBACK);
	deny("2a00:64::169.254.169.254", NULL, LINKLOCAL4);
	pass("2a00:64::8.8.8.8", NULL);
	pass("2a00:64:0:0:1::1", NULL);		/* outside the /96 */
	allow = parse("10.0.0.0/8");
	deny("2a00:64::10.0.0.1", allow, RFC1918);	/* not opened by IPv4 */
	urlpolicy_netlist_free(allow);
	allow = parse("2a00:64::a00:0/104");
	pass("2a00:64::10.0.0.1", allow);		/* opened in IPv6 terms */
	urlpolicy_netlist_free(allow);
	nat64 = NULL;
	urlpolicy_netlist_free(list);

	list = urlpolicy_nat64_parse("", &cause);
	ok(list != NULL, "an empty NAT64 list parses");
	urlpolicy_netlist_free(list);
	list = urlpolicy_nat64_parse("2a00:64::/64", &cause);
	ok(list == NULL && cause != NULL, "a NAT64 prefix must be a /96");
	free(cause);
	cause = NULL;
	list = urlpolicy_nat64_parse("10.0.0.0/8", &cause);
	ok(list == NULL && cause != NULL, "a NAT64 prefix must be IPv6");
	free(cause);
}

static void
test_family(void)
{
	struct sockaddr_in	sin;
	struct sockaddr		sa;
	const char		*cause = NULL;

	memset(&sa, 0, sizeof sa);
	sa.sa_family = AF_UNIX;
	is_int(urlpolicy_check_addr(&sa, sizeof sa, NULL, NULL, &cause), -1,
	    "AF_UNIX refused");
	is_int(urlpolicy_check_addr(NULL, 0, NULL, NULL, &cause), -1,
	    "NULL address refused");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "8.8.8.8", &sin.sin_addr);
	is_int(urlpolicy_check_addr((struct sockaddr *)&sin, 4, NULL, NULL, &cause),
	    -1, "short sockaddr refused");
	is_int(urlpolicy_check_addr((struct sockaddr *)&sin, sizeof sin, NULL, NULL,
	    &cause), 0, "full sockaddr passes");
}

static void
url_ok(const char *url)
{
	const char	*cause = NULL;

	if (!ok(urlpolicy_check_url(url, 2048, &cause) == 0, "url ok: %s", url))
		printf("#   cause \"%s\"\n", cause ? cause : "(null)");
}

static void
url_bad(const char *url, size_t max, const char *want, const char *name)
{
	const char	*cause = NULL;
	int		 rc = urlpolicy_check_url(url, max, &cause);

	if (!ok(rc == -1 && cause != NULL && strcmp(cause, want) == 0,
	    "url refused: %s (%s)", name, want))
		printf("#   got rc %d, cause \"%s\"\n", rc,
		    cause ? cause : "(null)");
}

#define SCHEME		"scheme must be http or https"
#define ABSOLUTE	"URL must start with http:// or https://"
#define USERINFO	"URL must not contain a user name or password"
#define NOHOST		"URL has no host"
#define CTRL		"URL contains a space or control character"

static void
test_url(void)
{
	char	long_url[80];

	url_ok("http://example.com/a.jpg");
	url_ok("https://example.com/");
	url_ok("http://example.com");
	url_ok("HTTP://EXAMPLE.COM/x.png");
	url_ok("HtTpS://example.com/x");
	url_ok("http://example.com:8080/a.jpg?b=c&d=e#frag");
	url_ok("http://[2606:4700::1111]/a.jpg");
	url_ok("http://127.0.0.1:8080/a.jpg");	/* the address check decides */
	url_ok("http://example.com/@user/a.jpg");
	url_ok("http://example.com/%20a.jpg");

	url_bad("ftp://example.com/a.jpg", 2048, SCHEME, "ftp");
	url_bad("file:///etc/passwd", 2048, SCHEME, "file");
	url_bad("gopher://example.com/", 2048, SCHEME, "gopher");
	url_bad("javascript:alert(1)", 2048, SCHEME, "javascript");
	url_bad("data:image/png;base64,AAAA", 2048, SCHEME, "data");
	url_bad("httpx://example.com/", 2048, SCHEME, "httpx");
	url_bad("example.com/a.jpg", 2048, ABSOLUTE, "no scheme");
	url_bad("//example.com/a.jpg", 2048, ABSOLUTE, "scheme-relative");
	url_bad("/a.jpg", 2048, ABSOLUTE, "path only");
	url_bad("http:/example.com/", 2048, ABSOLUTE, "one slash");
	url_bad("http:example.com", 2048, ABSOLUTE, "no slashes");
	url_bad("", 2048, "URL is empty", "empty");
	url_bad(NULL, 2048, "URL is empty", "NULL");
	url_bad("http://u:p@host/", 2048, USERINFO, "user and password");
	url_bad("http://u@host/", 2048, USERINFO, "user");
	url_bad("http://:p@host/", 2048, USERINFO, "password");
	url_bad("http://@host/", 2048, USERINFO, "empty userinfo");
	url_bad("https://a@b@host/", 2048, USERINFO, "two @");
	url_bad("http://", 2048, NOHOST, "nothing after scheme");
	url_bad("http:///a.jpg", 2048, NOHOST, "third slash");
	url_bad("http://?a", 2048, NOHOST, "query only");
	url_bad("http://:80/", 2048, NOHOST, "port only");
	url_bad("http://example.com:99999/", 2048, "URL has an invalid port",
	    "port out of range");
	url_bad("http://example.com:8x/", 2048, "URL has an invalid port",
	    "port not numeric");
	url_bad("http://[::1/", 2048, "URL has an invalid host",
	    "unterminated IPv6");
	url_bad("http://exa mple.com/", 2048, CTRL, "space in host");
	url_bad("http://example.com/a b.jpg", 2048, CTRL, "space in path");
	url_bad("http://example.com/a\tb", 2048, CTRL, "tab");
	url_bad("http://example.com/a\r\nHost: evil", 2048, CTRL, "CRLF");
	url_bad("http://example.com/\x01", 2048, CTRL, "control 0x01");
	url_bad("http://example.com/\x7f", 2048, CTRL, "DEL");
	url_bad(" http://example.com/", 2048, CTRL, "leading space");

	/* Length: exactly max passes, one more is refused. */
	memset(long_url, 0, sizeof long_url);
	strcpy(long_url, "http://example.com/");
	memset(long_url + strlen(long_url), 'a', 64 - strlen(long_url));
	is_int((long long)strlen(long_url), 64, "long URL is 64 bytes");
	url_bad(long_url, 63, "URL is too long", "64 bytes at max 63");
	{
		const char *cause = NULL;

		is_int(urlpolicy_check_url(long_url, 64, &cause), 0,
		    "64-byte URL at max 64 passes");
	}
}

int
main(void)
{
	test_ipv4();
	test_ipv6();
	test_embedded();
	test_netlist();
	test_allow();
	test_nat64();
	test_family();
	test_url();
	return tap_done();
}
