/* storage-s3.c: thumbnails as objects of an S3-compatible bucket.
 *
 * storage_url is the bucket's URL: path style (https://ENDPOINT/BUCKET) or
 * virtual-host style (https://BUCKET.ENDPOINT); either way an object's URL
 * is storage_url/thumbnails/ab/cd/{name}.{ext}.  Requests are signed by
 * libcurl's AWS Signature Version 4 (CURLOPT_AWS_SIGV4, checked against
 * AWS's published test vectors in tests/integration/storage-s3.sh) with
 * the access key storage_user, the secret key in storage_password_file and
 * storage_region.  The payload's SHA-256 goes in x-amz-content-sha256,
 * which S3 requires and libcurl then signs.  An object appears whole when
 * its PUT ends, so no temporary name is needed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "storage-backend.h"
#include "xmalloc.h"

#define S3_URL_MAX 2048

static void
s3_open(struct storage *st)
{
	char sigv4[160];

	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3",
	    st->conf->storage_region);
	st->backend = storage_http_new(st->conf, sigv4);
}

/* "x-amz-content-sha256: HEX" for data (len 0: the empty payload's). */
static int
s3_sha256_header(const void *data, size_t len, char out[96])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int n;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	n = snprintf(out, 96, "x-amz-content-sha256: ");
	for (unsigned int i = 0; i < mdlen; i++)
		n += snprintf(out + n, 96 - (size_t)n, "%02x", md[i]);
	return 0;
}

/* One signed request to the object relpath. */
static long
s3_request(struct storage *st, const char *method, const char *relpath,
    const char *type, const void *data, size_t len, char *url, size_t size)
{
	struct storage_http *h = st->backend;
	struct curl_slist *hdrs = NULL;
	char sha[96], ctype[64];
	long code;

	if (storage_http_url(h, relpath, url, size) == -1) {
		storage_set_error(st, "storage_url too long");
		return 0;
	}
	if (s3_sha256_header(data != NULL ? data : "", len, sha) == -1) {
		storage_set_error(st, "SHA-256 failed");
		return 0;
	}
	hdrs = curl_slist_append(hdrs, sha);
	if (type != NULL) {
		snprintf(ctype, sizeof ctype, "Content-Type: %s", type);
		hdrs = curl_slist_append(hdrs, ctype);
	}
	code = storage_http_request(st, h, method, url, data, len, hdrs);
	curl_slist_free_all(hdrs);
	return code;
}

static enum storage_status
s3_put(struct storage *st, const char *relpath, const char *type,
    const void *data, size_t len)
{
	char url[S3_URL_MAX];
	long code;

	code = s3_request(st, "PUT", relpath, type, data, len, url,
	    sizeof url);
	return storage_http_status(st, st->backend, code, "PUT", url, NULL);
}

/* S3 answers 204 whether or not the object was there. */
static enum storage_status
s3_remove(struct storage *st, const char *relpath, int *removed)
{
	static const long gone[] = { 404, 0 };
	char url[S3_URL_MAX];
	long code;

	code = s3_request(st, "DELETE", relpath, NULL, NULL, 0, url,
	    sizeof url);
	*removed = code != 404;
	return storage_http_status(st, st->backend, code, "DELETE", url,
	    gone);
}

/* HEAD of the bucket (HeadBucket): 200, or 404 if there is none, where
 * there is nothing to remove either. */
static enum storage_status
s3_check(struct storage *st)
{
	static const long none[] = { 404, 0 };
	char url[S3_URL_MAX];
	long code;

	code = s3_request(st, "HEAD", "", NULL, NULL, 0, url, sizeof url);
	return storage_http_status(st, st->backend, code, "HEAD", url, none);
}

static void
s3_free(struct storage *st)
{
	storage_http_free(st->backend);
}

const struct storage_ops storage_s3_ops = {
	"s3", s3_open, s3_put, s3_remove, s3_check, s3_free,
};
