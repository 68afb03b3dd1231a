/* urlpolicy.h: which URLs and which socket addresses thumbq may fetch from.
 *
 * Two separate checks, because a URL's host text proves nothing about where a
 * connection goes (DNS, numeric tricks, redirects):
 *  - urlpolicy_check_url() looks at the URL text: scheme http/https, a host,
 *    no userinfo, length bounded.  It runs in the API before a job exists,
 *    and again before each download and each webhook delivery.
 *  - urlpolicy_check_addr() looks at the socket address libcurl is about to
 *    connect to, for every connection including each redirect hop.  Only
 *    public unicast addresses pass, unless the allow list opens a range. */
#ifndef THUMBQ_URLPOLICY_H
#define THUMBQ_URLPOLICY_H

#include <stddef.h>
#include <sys/socket.h>

struct netlist;		/* a parsed CIDR list, e.g. "127.0.0.0/8, ::1/128" */

/* Parses a comma- or space-separated CIDR list (a bare address means /32 or
 * /128).  An empty or NULL text gives an empty list.  Returns NULL with *cause
 * set on a malformed entry. */
struct netlist *urlpolicy_netlist_parse(const char *text, char **cause);
/* Parses a list of NAT64 /96 prefixes (fetch_nat64_prefixes) in the same
 * syntax; NULL with *cause set if one is not an IPv6 /96. */
struct netlist *urlpolicy_nat64_parse(const char *text, char **cause);
void urlpolicy_netlist_free(struct netlist *list);

/* Returns 0 if url may be fetched, or -1 with *cause set to a static string
 * naming the problem (e.g. "scheme must be http or https"). */
int urlpolicy_check_url(const char *url, size_t max_len, const char **cause);

/* Returns 0 if sa may be connected to, or -1 with *cause set to a static
 * string naming the range it falls in (e.g. "loopback", "private (RFC 1918)").
 * IPv4-mapped and other IPv4-embedding IPv6 forms (compatible, 6to4, NAT64
 * with the well-known prefix or one listed in nat64) are denied as the IPv4
 * address they carry; an IPv4 range in allow opens only IPv4 and its mapped
 * form, not the tunnelled ones.  allow and nat64 may be NULL. */
int urlpolicy_check_addr(const struct sockaddr *sa, socklen_t salen,
    const struct netlist *allow, const struct netlist *nat64,
    const char **cause);

#endif
