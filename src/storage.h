/* storage.h: where thumbnails live in the docroot and how they get there.
 *
 * Layout: {docroot}/thumbnails/ab/cd/{id}.{ext}, where ab and cd are the first
 * four hex digits of the id, so that no directory holds more than a few
 * thousand files.  Files are written to a temporary name in the same
 * directory and renamed into place, so the web server never serves half a
 * thumbnail and a crash leaves at most a temporary file behind. */
#ifndef THUMBQ_STORAGE_H
#define THUMBQ_STORAGE_H

#include <stddef.h>

#include "joberror.h"

#define STORAGE_RELPATH_MAX 64

/* Writes "thumbnails/ab/cd/{id}.{ext}" into out.  id must be valid, ext short. */
void storage_relpath(const char *id, const char *ext, char out[STORAGE_RELPATH_MAX]);
/* Writes data to {docroot}/{relpath} atomically, creating directories.
 * Returns 0, or -1 with err filled (code "storage_failed"). */
int storage_write(const char *docroot, const char *relpath, const void *data,
    size_t len, struct job_error *err);

/* Removes a job's thumbnail.  relpath is the one recorded with the job, or
 * empty when the record is gone, in which case every extension the worker
 * writes is tried.  A relpath that does not have the shape storage_relpath
 * gives is ignored (it came from Redis, and must not name another file).
 * Returns the number of files removed, or -1 (errno set) on a failure other
 * than the file being gone already. */
int storage_remove(const char *docroot, const char *id, const char *relpath);

#endif
