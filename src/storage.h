/* storage.h: where thumbnails live in the docroot and how they get there.
 *
 * Layout: {docroot}/thumbnails/ab/cd/{name}.{ext}.  The name is random, given
 * to the job when a worker first claims it (see store_claim), and kept for
 * its later attempts; ab and cd are its first four hex digits, so that no
 * directory holds more than a few thousand files.  It is not the job id:
 * a thumbnail that answers identical requests (dedupe) is shown to every
 * client that made one, and a job id is the capability to read and DELETE
 * that job.  Files are written to a temporary name in the same directory
 * and renamed into place, so the web server never serves half a thumbnail
 * and a crash leaves at most a temporary file behind, which the next write
 * or removal of the same name clears. */
#ifndef THUMBQ_STORAGE_H
#define THUMBQ_STORAGE_H

#include <stddef.h>

#include "joberror.h"

#define STORAGE_RELPATH_MAX 64

/* Writes "thumbnails/ab/cd/{name}.{ext}" into out.  name is a file name as
 * store_claim gives (an id's shape), ext one that image.c writes; anything
 * else makes a path that storage_write and storage_remove refuse. */
void storage_relpath(const char *name, const char *ext,
    char out[STORAGE_RELPATH_MAX]);
/* 1 if relpath is exactly what storage_relpath makes of a valid name and
 * ext (lower-case hex, the shard directories matching the name), else 0.
 * Paths read back from Redis pass this before they touch the file system. */
int storage_relpath_valid(const char *relpath);
/* Writes data to {docroot}/{relpath} atomically, creating directories.
 * Returns 0, or -1 with err filled (code "storage_failed"). */
int storage_write(const char *docroot, const char *relpath, const void *data,
    size_t len, struct job_error *err);

/* Removes a thumbnail and any temporary file a dead writer left of it.
 * Returns the number of files removed (0: gone already), or -1 with errno
 * set: EINVAL when relpath fails storage_relpath_valid (nothing is touched),
 * else why the unlink failed. */
int storage_remove(const char *docroot, const char *relpath);

#endif
