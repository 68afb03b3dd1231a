/* conf-internal.h: the table of configuration keys, shared by conf.c,
 * which parses, checks and prints a configuration by walking it, and
 * conf-keys.c, which holds it. */
#ifndef THUMBQ_CONF_INTERNAL_H
#define THUMBQ_CONF_INTERNAL_H

#include <stddef.h>

#include "conf.h"

enum conf_type {
	CONF_STRING,
	CONF_UINT,	/* unsigned int */
	CONF_ULONG,	/* unsigned long */
	CONF_SIZE,	/* size_t, with k/M/G suffixes */
	CONF_BOOL,	/* int: yes/no, true/false, on/off, 1/0 */
	CONF_ALIAS,	/* an old name: def is the key it stands for */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	unsigned long min, max;	/* for numbers */
	const char *def;
	const char *help;
};

#define STR(f) CONF_STRING, offsetof(struct thumbq_conf, f), 0, 0
#define NUM(t, f, lo, hi) t, offsetof(struct thumbq_conf, f), lo, hi
#define BOOL(f) CONF_BOOL, offsetof(struct thumbq_conf, f), 0, 1
#define ALIAS(to) CONF_ALIAS, 0, 0, 0, to, NULL

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;
#define CONF_NKEYS conf_nkeys

#endif
