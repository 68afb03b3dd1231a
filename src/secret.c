/* secret.c: a secret kept in a file of its own (see secret.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "xmalloc.h"

/* The mode is checked on the file that was opened (fstat), not on the
 * name, so that it cannot change between the check and the read.  Anything
 * for "others" is refused: on a shared host they are the other customers. */
int
secret_read(const char *path, char out[SECRET_BUFSIZE], char **cause)
{
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		*cause = xasprintf("cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s is not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & S_IRWXO) != 0) {
		*cause = xasprintf("%s is %s by others (mode %04o): chmod 600 "
		    "%s, or 640 to share it with a group", path,
		    (sb.st_mode & S_IROTH) ? "readable" : "accessible",
		    (unsigned)(sb.st_mode & 07777), path);
		goto out;
	}
	/* One byte more than the longest secret and its line break: a file
	 * that long is still too long once the line break is taken off. */
	while (len < SECRET_BUFSIZE - 1) {
		n = read(fd, out + len, SECRET_BUFSIZE - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > 0 && out[len - 1] == '\n')
		len--;
	if (len > 0 && out[len - 1] == '\r')
		len--;
	if (len == 0) {
		*cause = xasprintf("%s is empty", path);
		goto out;
	}
	if (len > SECRET_MAX) {
		*cause = xasprintf("%s is longer than %d bytes", path,
		    SECRET_MAX);
		goto out;
	}
	if (memchr(out, '\0', len) != NULL || memchr(out, '\n', len) != NULL
	    || memchr(out, '\r', len) != NULL) {
		*cause = xasprintf("%s holds more than one line, or a NUL "
		    "byte", path);
		goto out;
	}
	out[len] = '\0';
	rc = (int)len;
out:
	if (rc == -1)
		secret_clear(out, SECRET_BUFSIZE);
	close(fd);
	return rc;
}

void
secret_clear(char *buf, size_t size)
{
	explicit_bzero(buf, size);
}
