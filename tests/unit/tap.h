/* tap.h: the Test Anything Protocol in a header, for tests/unit/.
 *
 * Each test program calls ok()/is_int()/is_str() as it goes and returns
 * tap_done(), which prints the plan and exits non-zero if anything failed, so
 * a crash or an early exit can never pass for success. */
#ifndef THUMBQ_TAP_H
#define THUMBQ_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...) do {					\
	long long tap_g_ = (got), tap_w_ = (want);			\
	if (!ok(tap_g_ == tap_w_, __VA_ARGS__))				\
		printf("#   got %lld, want %lld\n", tap_g_, tap_w_);	\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *tap_g_ = (got), *tap_w_ = (want);			\
	if (!ok(tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__)) \
		printf("#   got \"%s\", want \"%s\"\n", tap_g_ ? tap_g_ : "(null)", \
		    tap_w_ ? tap_w_ : "(null)");			\
} while (0)

static void __attribute__((unused))
diag(const char *msg)
{
	printf("# %s\n", msg);
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_count);
	return tap_failed ? 1 : (tap_count == 0 ? 1 : 0);
}

#endif
