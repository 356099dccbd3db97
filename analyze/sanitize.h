/* \summary: the one text sanitiser and the one JSON sanitiser for every
 * string that came from the wire, another process, a file or the
 * environment */
#ifndef MCPD_SANITIZE_H
#define MCPD_SANITIZE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Text (terminal, log line): valid printable UTF-8 passes through; every
 * other byte or character becomes a visible ASCII escape, so nothing can
 * move the cursor, change colours, ring the bell or reorder the line:
 *
 *   C0 controls (0x00-0x1f) and DEL       \x1b, \x7f, ...
 *   a byte that is not valid UTF-8        \xc0, \x9b, ... (raw C1 bytes,
 *     (overlong, surrogate, > U+10FFFF,     stray continuations, ...)
 *     truncated, stray)
 *   U+0080..U+009F (UTF-8-encoded C1)     \u009b
 *   U+061C, U+200E, U+200F, U+2028,       \u202e, ...
 *     U+2029, U+202A..U+202E,
 *     U+2066..U+2069 (bidi, separators)
 *
 * A backslash is left as it is: the escapes are for the eye, not to be
 * decoded back.
 */

/* Escape len bytes of src into dst (cap bytes, always NUL-terminated
 * when cap > 0). Never cuts an escape or a UTF-8 sequence in half; the
 * return value is the length written. */
size_t mcpd_text_escape(char *dst, size_t cap, const char *src, size_t len);

/* The same in place: s is a NUL-terminated string in a buffer of cap
 * bytes; the escaped form is truncated to fit. */
void mcpd_text_sanitize(char *s, size_t cap);

/* Write s, escaped, to out (no length limit). NULL writes nothing. */
void mcpd_text_fputs(const char *s, FILE *out);

/* A whole text file (len bytes, NULs included) escaped the same way
 * but for its newlines and tabs: a malloc'd, NUL-terminated copy and
 * its length in *outlen; NULL when out of memory. */
char *mcpd_text_escape_block(const char *src, size_t len, size_t *outlen);

/*
 * JSON (RFC 8259): the output is always valid UTF-8 and, like text,
 * never carries a raw control or a bidi character: '"' and '\\' are
 * escaped, C0, DEL, U+0080..U+009F and the characters listed above
 * become \u00XX / \uXXXX (the same string once parsed), and each byte
 * that is not valid UTF-8 becomes U+FFFD (written \ufffd). Replacing
 * rather than mapping bytes keeps the value honest: a JSON reader sees
 * that something was lost, not a different character.
 */

/* Escape s as the body of a JSON string (no quotes) into dst; same
 * truncation rules as mcpd_text_escape. */
size_t mcpd_json_escape(char *dst, size_t cap, const char *src, size_t len);

/* Write s as a quoted JSON string to out. NULL writes "". */
void mcpd_json_fputs(const char *s, FILE *out);

/* Make a whole JSON document (as cJSON_Print* returns it) safe in place
 * of malloc'd text: the bytes the printer left raw inside strings
 * (DEL, C1, bidi, invalid UTF-8) are rewritten as above. Returns a new
 * malloc'd string and frees text; NULL (with text freed) when out of
 * memory. Structure outside strings is ASCII and left as it is. */
char *mcpd_json_fix(char *text);

struct cJSON;
/* The one way a whole JSON document is written: root printed (indented)
 * and made safe by mcpd_json_fix, then a newline, to out; root is
 * freed. 0, or -1 (nothing written) when out of memory. */
int mcpd_json_print(struct cJSON *root, FILE *out);

/* The length of the valid UTF-8 sequence at s (1-4, strict: no
 * overlong, no surrogate, nothing above U+10FFFF) with its code point
 * in *cp, or 0 when s[0] does not start one. */
size_t mcpd_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
