/* id.h: job ids, UUIDv4 in canonical lower-case form, from getrandom(2). */
#ifndef THUMBQ_ID_H
#define THUMBQ_ID_H

#define ID_LEN 36

/* Writes a new random id and its NUL into out.  Returns 0, or -1 if the
 * kernel gave no randomness (errno set). */
int id_generate(char out[ID_LEN + 1]);
/* 1 if s is exactly a lower- or upper-case UUID (8-4-4-4-12 hex), else 0.
 * Nothing from a request touches Redis or a path before passing this. */
int id_valid(const char *s);

#endif
