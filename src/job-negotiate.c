/* job-negotiate.c: format "negotiate", resolved from the Accept header.
 *
 * A client that asks for it gets the smallest format its browser says it
 * shows: AVIF, then WebP, else what auto gives (JPEG, or PNG for
 * transparency).  It is resolved when the job is made, so the job record,
 * its dedupe key and its thumbnail hold the resolved format: two clients
 * with different Accept headers get two jobs, and one with the same header
 * shares the first one's thumbnail.  Browsers send image/avif and image/webp
 * by name when they show them (Chrome, Firefox, Safari), beside wildcards;
 * a wildcard says nothing about a format and chooses none.
 *
 * The header comes from the client through the web server, bounded by its
 * header limits; it is read once, left to right, never copied. */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "job.h"

/* q in thousandths, from the text after "q=": "1", "0.8", "0.125", "1.0";
 * anything else counts as 1000 (the default), as lenient parsers do. */
static int
job_negotiate_q(const char *p, const char *end)
{
	int q, scale = 100;

	if (p >= end || (*p != '0' && *p != '1'))
		return 1000;
	q = (*p++ - '0') * 1000;
	if (p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p) && scale > 0;
		    p++, scale /= 10)
			q += (*p - '0') * scale;
	return q > 1000 ? 1000 : q;
}

/* The q of one media range [p, end): its "q" parameter, or 1000. */
static int
job_negotiate_range_q(const char *p, const char *end)
{
	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (end - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=')
			return job_negotiate_q(p + 2, end);
	}
	return 1000;
}

/* The q the header gives type ("image/avif"): the highest among the ranges
 * that name it, -1 if none does. */
static int
job_negotiate_type(const char *accept, const char *type)
{
	const char *p = accept, *end, *name;
	size_t tlen = strlen(type), nlen;
	int best = -1, q;

	while (*p != '\0') {
		end = p + strcspn(p, ",");
		for (name = p; name < end && (*name == ' ' || *name == '\t');
		    name++)
			;
		nlen = strcspn(name, ";, \t");
		if (name + nlen > end)
			nlen = (size_t)(end - name);
		if (nlen == tlen && strncasecmp(name, type, tlen) == 0) {
			q = job_negotiate_range_q(name, end);
			if (q > best)
				best = q;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return best;
}

void
job_format_negotiate(const char *accept, enum image_format *format)
{
	int avif = -1, webp = -1;

	if (*format != IMAGE_NEGOTIATE)
		return;
	*format = IMAGE_AUTO;
	if (accept == NULL)
		return;
	if (job_format_available(IMAGE_AVIF))
		avif = job_negotiate_type(accept, "image/avif");
	webp = job_negotiate_type(accept, "image/webp");
	/* The one the client prefers; AVIF, the smaller, on a tie. */
	if (avif > 0 && avif >= webp)
		*format = IMAGE_AVIF;
	else if (webp > 0)
		*format = IMAGE_WEBP;
}
