/* \summary: the text and JSON sanitisers (see sanitize.h) */

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "sanitize.h"

static const char hex[] = "0123456789abcdef";

size_t
mcpd_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
    unsigned c, min;
    size_t n, i;

    if (len == 0)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* RFC 3629 section 4: C0, C1 and F5..FF never start a sequence. */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Characters that are valid but must not reach a terminal raw: C1,
 * line/paragraph separators and the bidi controls that reorder text. */
static int
is_hidden(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

static size_t
put_u(char *t, unsigned cp)
{
    t[0] = '\\';
    t[1] = 'u';
    t[2] = hex[(cp >> 12) & 15];
    t[3] = hex[(cp >> 8) & 15];
    t[4] = hex[(cp >> 4) & 15];
    t[5] = hex[cp & 15];
    return 6;
}

/* One unit of src at s (len bytes left) as text: its escape or its
 * bytes in t (at most 8); *used gets how many source bytes it took. */
static size_t
text_unit(const unsigned char *s, size_t len, char *t, size_t *used)
{
    unsigned cp;
    size_t n = mcpd_utf8_decode(s, len, &cp);

    if (n == 0 || cp < 0x20 || cp == 0x7f) {
        *used = 1;
        t[0] = '\\';
        t[1] = 'x';
        t[2] = hex[s[0] >> 4];
        t[3] = hex[s[0] & 15];
        return 4;
    }
    *used = n;
    if (is_hidden(cp))
        return put_u(t, cp);
    memcpy(t, s, n);
    return n;
}

/* The same for the body of a JSON string. */
static size_t
json_unit(const unsigned char *s, size_t len, char *t, size_t *used)
{
    unsigned cp;
    size_t n = mcpd_utf8_decode(s, len, &cp);

    if (n == 0) {
        *used = 1;
        return put_u(t, 0xfffd);
    }
    *used = n;
    switch (cp) {
    case '"': t[0] = '\\', t[1] = '"'; return 2;
    case '\\': t[0] = '\\', t[1] = '\\'; return 2;
    case '\n': t[0] = '\\', t[1] = 'n'; return 2;
    case '\r': t[0] = '\\', t[1] = 'r'; return 2;
    case '\t': t[0] = '\\', t[1] = 't'; return 2;
    default:
        break;
    }
    if (cp < 0x20 || cp == 0x7f || is_hidden(cp))
        return put_u(t, cp);
    memcpy(t, s, n);
    return n;
}

typedef size_t (*unit_fn)(const unsigned char *, size_t, char *, size_t *);

static size_t
escape(unit_fn fn, char *dst, size_t cap, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, i = 0, used, n;
    char t[8];

    if (cap == 0)
        return 0;
    while (i < len) {
        /* Printable ASCII other than '"' and '\\' is itself in both. */
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') {
            if (o + 1 >= cap)
                break;
            dst[o++] = (char)s[i++];
            continue;
        }
        n = fn(s + i, len - i, t, &used);
        if (n > cap - 1 - o)
            break;
        memcpy(dst + o, t, n);
        o += n;
        i += used;
    }
    dst[o] = '\0';
    return o;
}

size_t
mcpd_text_escape(char *dst, size_t cap, const char *src, size_t len)
{
    return escape(text_unit, dst, cap, src, len);
}

size_t
mcpd_json_escape(char *dst, size_t cap, const char *src, size_t len)
{
    return escape(json_unit, dst, cap, src, len);
}

void
mcpd_text_sanitize(char *s, size_t cap)
{
    char tmp[1024], *buf = tmp;
    size_t len;

    if (s == NULL || cap == 0)
        return;
    len = strnlen(s, cap - 1);
    s[len] = '\0';
    if (cap > sizeof(tmp) && (buf = malloc(cap)) == NULL) {
        /* No room to escape: blank out everything doubtful. */
        for (; *s; s++)
            if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
                *s = '?';
        return;
    }
    mcpd_text_escape(buf, cap, s, len);
    memcpy(s, buf, strlen(buf) + 1);
    if (buf != tmp)
        free(buf);
}

char *
mcpd_text_escape_block(const char *src, size_t len, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, i = 0, used;
    char *out = malloc(len * 4 + 1);

    if (out == NULL)
        return NULL;
    while (i < len) {
        if (s[i] == '\n' || s[i] == '\t') {
            out[o++] = (char)s[i++];
            continue;
        }
        o += text_unit(s + i, len - i, out + o, &used);
        i += used;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static void
stream(unit_fn fn, const char *src, FILE *out)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = strlen(src), i = 0, used, n;
    char t[8];

    while (i < len) {
        n = fn(s + i, len - i, t, &used);
        fwrite(t, 1, n, out);
        i += used;
    }
}

void
mcpd_text_fputs(const char *s, FILE *out)
{
    if (s)
        stream(text_unit, s, out);
}

void
mcpd_json_fputs(const char *s, FILE *out)
{
    fputc('"', out);
    if (s)
        stream(json_unit, s, out);
    fputc('"', out);
}

char *
mcpd_json_fix(char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len, i = 0, o = 0, n;
    unsigned cp;
    char *out;

    if (text == NULL)
        return NULL;
    len = strlen(text);
    if ((out = malloc(len * 6 + 1)) == NULL) {
        free(text);
        return NULL;
    }
    while (i < len) {
        /* Outside strings a printer writes ASCII only, and inside them
         * it has already escaped '"', '\\' and C0: what is left raw is
         * DEL and what is not ASCII. */
        if (s[i] < 0x7f) {
            out[o++] = (char)s[i++];
            continue;
        }
        n = mcpd_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            o += put_u(out + o, 0xfffd);
            i++;
        } else if (cp == 0x7f || is_hidden(cp)) {
            o += put_u(out + o, cp);
            i += n;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    free(text);
    return out;
}

int
mcpd_json_print(struct cJSON *root, FILE *out)
{
    char *text = mcpd_json_fix(cJSON_Print(root));

    cJSON_Delete(root);
    if (text == NULL)
        return -1;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}
