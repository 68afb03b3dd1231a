/* test-id.c: job ids are well-formed, random UUIDv4s, and id_valid() refuses
 * everything that is not exactly one. */
#include "config.h"

#include <string.h>

#include "id.h"
#include "tap.h"

int
main(void)
{
	char a[ID_LEN + 1], b[ID_LEN + 1];
	int all_valid = 1, all_v4 = 1;

	ok(id_generate(a) == 0, "id_generate succeeds");
	is_int(strlen(a), 36, "an id is 36 characters");
	ok(id_valid(a), "a generated id is valid: %s", a);
	ok(a[14] == '4', "version nibble is 4");
	ok(strchr("89ab", a[19]) != NULL, "variant is RFC 4122");
	for (int i = 0; i < 1000; i++) {
		id_generate(b);
		all_valid &= id_valid(b);
		all_v4 &= b[14] == '4';
	}
	ok(all_valid && all_v4, "1000 generated ids are valid v4 UUIDs");
	ok(strcmp(a, b) != 0, "two ids differ");

	ok(id_valid("96b725d0-14f5-48b7-b8b1-2182219fbf06"), "lower-case UUID valid");
	ok(id_valid("96B725D0-14F5-48B7-B8B1-2182219FBF06"), "upper-case UUID valid");
	ok(!id_valid(""), "empty refused");
	ok(!id_valid("96b725d0-14f5-48b7-b8b1-2182219fbf0"), "35 characters refused");
	ok(!id_valid("96b725d0-14f5-48b7-b8b1-2182219fbf066"), "37 characters refused");
	ok(!id_valid("96b725d0x14f5-48b7-b8b1-2182219fbf06"), "wrong separator refused");
	ok(!id_valid("96b725d0-14f5-48b7-b8b1-2182219fbfg6"), "non-hex digit refused");
	ok(!id_valid("../../../../etc/passwd-aaaaaaaaaaaaa"), "path refused");
	ok(!id_valid("96b725d0-14f5-48b7-b8b1-2182219fbf0*"), "glob character refused");
	ok(!id_valid("96b725d0-14f5-48b7-b8b1-2182219fbf0\n"), "newline refused");
	return tap_done();
}
