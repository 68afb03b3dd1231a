/* storage.h: where thumbnails live and how they get there.
 *
 * Layout: thumbnails/ab/cd/{name}.{ext}, under the docroot (storage =
 * local), a WebDAV collection (webdav) or an S3 bucket (s3).  The name is
 * random, given to the job when a worker first claims it (see store_claim),
 * and kept for its later attempts; ab and cd are its first four hex digits,
 * so that no directory holds more than a few thousand files.  It is not the
 * job id: a thumbnail that answers identical requests (dedupe) is shown to
 * every client that made one, and a job id is the capability to read and
 * DELETE that job.
 *
 * Whatever the backend, no client ever sees half a thumbnail: a local file
 * is written to a temporary name in the same directory and renamed, a
 * WebDAV one is PUT to a temporary name and MOVEd, an S3 object appears
 * whole.  Every program that writes or removes a thumbnail (the worker, the
 * expiry sweep, DELETE, thumbqctl purge) goes through this interface, so
 * that each backend gets all of them; storage-backend.h is the layer the
 * backends share. */
#ifndef THUMBQ_STORAGE_H
#define THUMBQ_STORAGE_H

#include <stddef.h>

#include "conf.h"
#include "joberror.h"

#define STORAGE_RELPATH_MAX 64

struct storage;

/* Writes "thumbnails/ab/cd/{name}.{ext}" into out.  name is a file name as
 * store_claim gives (an id's shape), ext one that image.c writes; anything
 * else makes a path that storage_write and storage_remove refuse. */
void storage_relpath(const char *name, const char *ext,
    char out[STORAGE_RELPATH_MAX]);
/* 1 if relpath is exactly what storage_relpath makes of a valid name and
 * ext (lower-case hex, the shard directories matching the name), else 0.
 * Paths read back from Redis pass this before they touch any storage. */
int storage_relpath_valid(const char *relpath);

/* The backend conf's storage key names.  Never fails: a remote backend
 * makes its libcurl handle at the first request, so create it in the
 * process that uses it (after fork).  conf must outlive it. */
struct storage *storage_new(const struct thumbq_conf *conf);
void storage_free(struct storage *st);
/* What the last failure was, for the log line of the caller (which knows
 * the job): paths, URLs, HTTP statuses.  Never for a client. */
const char *storage_error(const struct storage *st);

/* Stores data as relpath, atomically.  Returns 0, or -1 with err filled
 * for the client (no path, host or library text: storage_error has those):
 * "storage_failed", transient and an outage (err->outage: thumbq's own
 * failure, not the image's), when the storage failed or did not answer;
 * "storage_denied", not transient, when it refused our credentials (HTTP
 * 401 or 403); "storage_failed", not transient, for a path that fails
 * storage_relpath_valid. */
int storage_write(struct storage *st, const char *relpath, const void *data,
    size_t len, struct job_error *err);

/* Removes a thumbnail and any temporary file a dead writer left of it.
 * Returns 1 if removed (S3 does not say whether the object was there),
 * 0 if it was gone already, or -1 with errno set: EINVAL when relpath fails
 * storage_relpath_valid (nothing is touched), EACCES when the storage
 * refused our credentials, else why it failed (storage_error says more). */
int storage_remove(struct storage *st, const char *relpath);
/* The same for a list of thumbnails separated by spaces (a job with
 * variants has one file each, see store.h's STORE_PATH_MAX): every one
 * is tried.  Returns how many were removed, or -1 with errno and the
 * error of the last one that failed. */
int storage_remove_all(struct storage *st, const char *relpaths);

/* Whether the storage answers and takes our credentials, in one cheap
 * request (none for local): the expiry sweep asks before it forgets jobs
 * whose files it could not remove.  0, or -1 (storage_error says why). */
int storage_check(struct storage *st);

/* thumbqd -t and thumbqctl check: writes and removes a small object under
 * the reserved name thumbnails/thumbq-probe-{random id}.txt.  Returns 0, or
 * -1 with *cause set (free it). */
int storage_probe(struct storage *st, char **cause);

#endif
