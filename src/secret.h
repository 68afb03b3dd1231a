/* secret.h: a secret kept in a file of its own (the Redis password).
 *
 * thumbq.conf names the file rather than holding the secret, so that the
 * config can be readable by every program and shown (thumbqd -C) while the
 * secret stays in a file only its owner (and, at most, a group such as the
 * web server's) can read. */
#ifndef THUMBQ_SECRET_H
#define THUMBQ_SECRET_H

#include <stddef.h>

/* Longest secret a file may hold, in bytes, and the buffer that holds one
 * (room for a line break, one byte more to tell a longer file, and a NUL). */
#define SECRET_MAX 1024
#define SECRET_BUFSIZE (SECRET_MAX + 4)

/* Reads the secret in path into out (SECRET_BUFSIZE bytes), without its
 * final line break.  Refuses a file that others may read or
 * write, that is not a regular file, that is empty, longer than SECRET_MAX
 * or holds a NUL or a line break inside.  Returns its length, or -1 with
 * *cause set (free it). */
int secret_read(const char *path, char out[SECRET_BUFSIZE], char **cause);
/* Overwrites a secret that is no longer needed. */
void secret_clear(char *buf, size_t size);

#endif
