/* fixture.h: reading a file of tests/fixtures/ for the unit tests.
 *
 * The tree is found through $top_srcdir, which make check sets (the current
 * directory otherwise).  Returns a malloc'd copy and its length in *len, or
 * NULL if the file cannot be read. */
#ifndef THUMBQ_FIXTURE_H
#define THUMBQ_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static unsigned char *
load(const char *name, size_t *len)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096];
	unsigned char	*buf;
	FILE		*f;
	long		 size;

	snprintf(path, sizeof path, "%s/tests/fixtures/%s", top ? top : ".",
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(size ? size : 1);
	if (buf == NULL || fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = size;
	return buf;
}

#endif
