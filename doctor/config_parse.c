/* \summary: the two config syntaxes clients write: JSON with comments
 * and trailing commas (VS Code's JSONC), and the TOML subset of Codex's
 * config.toml; both become cJSON trees */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "doctor_int.h"

#define TOML_MAX_DEPTH 32

/* Line and column (1-based) of byte `off` in text. */
static void
position(const char *text, size_t off, int *line, int *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            (*col)++;           /* count characters, not bytes */
        }
    }
}

/* ---- JSONC ---- */

/*
 * Blank out what RFC 8259 does not allow but VS Code's parser (jsonc)
 * accepts: // line comments, block comments, and a comma right before
 * } or ]. Blanking (spaces, newlines kept) keeps every offset, so an
 * error's line and column are those of the user's file. Strings are
 * skipped with their escapes; an unterminated block comment is left
 * for the parser to reject where it starts.
 */
static void
jsonc_blank(char *s, size_t len)
{
    size_t i, j;
    int in_str = 0;

    for (i = 0; i < len; i++) {
        if (in_str) {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            else if (s[i] == '"')
                in_str = 0;
            continue;
        }
        if (s[i] == '"') {
            in_str = 1;
        } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
            for (; i < len && s[i] != '\n'; i++)
                s[i] = ' ';
        } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
            for (j = i + 2; j + 1 < len; j++)
                if (s[j] == '*' && s[j + 1] == '/')
                    break;
            if (j + 1 >= len)
                return;         /* unterminated: the parser says where */
            for (; i <= j + 1; i++)
                if (s[i] != '\n')
                    s[i] = ' ';
            i--;
        }
    }
    /* Second pass, comments gone: trailing commas. */
    in_str = 0;
    for (i = 0; i < len; i++) {
        if (in_str) {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            else if (s[i] == '"')
                in_str = 0;
            continue;
        }
        if (s[i] == '"') {
            in_str = 1;
        } else if (s[i] == ',') {
            for (j = i + 1; j < len && (s[j] == ' ' || s[j] == '\t' ||
                                        s[j] == '\r' || s[j] == '\n'); j++)
                ;
            if (j < len && (s[j] == '}' || s[j] == ']'))
                s[i] = ' ';
        }
    }
}

cJSON *
mcpd_jsonc_parse(const char *text, size_t len, char *err, size_t errlen)
{
    char *buf;
    const char *end = NULL;
    size_t skip = 0, i;
    cJSON *doc;
    int line, col;

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        skip = 3;               /* a UTF-8 byte order mark */
    for (i = 0; i < len; i++)
        if (text[i] == '\0') {
            position(text, i, &line, &col);
            snprintf(err, errlen, "line %d, column %d: a NUL byte (not a "
                     "text file?)", line, col);
            return NULL;
        }
    buf = malloc(len + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    jsonc_blank(buf + skip, len - skip);
    if (buf[skip + strspn(buf + skip, " \t\r\n")] == '\0') {
        free(buf);
        return cJSON_CreateObject();    /* an empty file: no servers */
    }
    doc = cJSON_ParseWithOpts(buf + skip, &end, 1);
    if (doc == NULL) {
        size_t off = end && end >= buf + skip ? (size_t)(end - buf) : 0;
        if (off > len)
            off = len;
        position(text, off, &line, &col);
        snprintf(err, errlen, "line %d, column %d: not valid JSON",
                 line, col);
    }
    free(buf);
    return doc;
}

/* ---- TOML (toml.io v1.0.0, the part config files use) ---- */

struct toml {
    const char *s;           /* the text */
    size_t len, i;           /* its length, the cursor */
    char *err;               /* caller's buffer */
    size_t errlen;
    int failed;              /* sticky: first error wins */
};

static void
toml_fail(struct toml *t, const char *what)
{
    int line, col;

    if (t->failed)
        return;
    t->failed = 1;
    position(t->s, t->i < t->len ? t->i : t->len, &line, &col);
    snprintf(t->err, t->errlen, "line %d, column %d: %s", line, col, what);
}

static int
peek(const struct toml *t)
{
    return t->i < t->len ? (unsigned char)t->s[t->i] : -1;
}

/* Spaces and tabs; with nl also newlines and comments. */
static void
skip_ws(struct toml *t, int nl)
{
    while (t->i < t->len) {
        char c = t->s[t->i];
        if (c == ' ' || c == '\t') {
            t->i++;
        } else if (c == '#') {
            while (t->i < t->len && t->s[t->i] != '\n')
                t->i++;
        } else if (nl && (c == '\n' || c == '\r')) {
            t->i++;
        } else {
            break;
        }
    }
}

/* After a value or header: only a comment, then the end of the line. */
static void
end_of_line(struct toml *t)
{
    skip_ws(t, 0);
    if (peek(t) == '\r')
        t->i++;
    if (peek(t) == -1)
        return;
    if (peek(t) != '\n')
        toml_fail(t, "expected the end of the line");
    else
        t->i++;
}

/* Append code point cp as UTF-8 to out (cap bytes, *n used). */
static int
put_utf8(char *out, size_t cap, size_t *n, unsigned long cp)
{
    unsigned char b[4];
    size_t k, m;

    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        m = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        m = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        m = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        m = 4;
    }
    if (*n + m >= cap)
        return -1;
    for (k = 0; k < m; k++)
        out[(*n)++] = (char)b[k];
    return 0;
}

/* A string at the cursor (basic, literal, or either multi-line form)
 * into a malloc'd buffer; NULL on error. */
static char *
toml_string(struct toml *t)
{
    char q = t->s[t->i];
    int multi = t->i + 2 < t->len && t->s[t->i + 1] == q &&
                t->s[t->i + 2] == q;
    size_t cap = MCPD_DOC_VAL_MAX * 4, n = 0;
    char *out = malloc(cap);

    if (out == NULL) {
        toml_fail(t, "out of memory");
        return NULL;
    }
    t->i += multi ? 3 : 1;
    if (multi && peek(t) == '\n')
        t->i++;                 /* a newline right after """ is trimmed */
    else if (multi && peek(t) == '\r' && t->i + 1 < t->len &&
             t->s[t->i + 1] == '\n')
        t->i += 2;
    for (;;) {
        int c = peek(t);
        if (c == -1 || (!multi && (c == '\n' || c == '\r'))) {
            toml_fail(t, "unterminated string");
            break;
        }
        if (c == q && (!multi || (t->i + 2 < t->len &&
                                  t->s[t->i + 1] == q &&
                                  t->s[t->i + 2] == q))) {
            t->i += multi ? 3 : 1;
            out[n] = '\0';
            return out;
        }
        if (n + 5 >= cap) {
            toml_fail(t, "string too long");
            break;
        }
        if (c == '\\' && q == '"') {
            unsigned long cp = 0;
            int k, digits = 0;
            t->i++;
            c = peek(t);
            t->i++;
            switch (c) {
            case 'b': out[n++] = '\b'; continue;
            case 't': out[n++] = '\t'; continue;
            case 'n': out[n++] = '\n'; continue;
            case 'f': out[n++] = '\f'; continue;
            case 'r': out[n++] = '\r'; continue;
            case '"': out[n++] = '"'; continue;
            case '\\': out[n++] = '\\'; continue;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            case '\n':
                if (multi) {    /* line-ending backslash */
                    skip_ws(t, 1);
                    continue;
                }
                /* fall through */
            default:
                t->i--;
                toml_fail(t, "unknown escape in a string");
                free(out);
                return NULL;
            }
            for (k = 0; k < digits; k++) {
                int h = peek(t);
                t->i++;
                if (h >= '0' && h <= '9')
                    cp = cp * 16 + (unsigned long)(h - '0');
                else if (h >= 'a' && h <= 'f')
                    cp = cp * 16 + (unsigned long)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                    cp = cp * 16 + (unsigned long)(h - 'A' + 10);
                else
                    cp = 0x110000;
            }
            if (put_utf8(out, cap, &n, cp) != 0) {
                toml_fail(t, "bad \\u escape in a string");
                break;
            }
            continue;
        }
        if (c == 0) {
            toml_fail(t, "a NUL byte in a string");
            break;
        }
        out[n++] = (char)c;
        t->i++;
    }
    free(out);
    return NULL;
}

/* One key segment: bare (A-Za-z0-9_-) or quoted. malloc'd. */
static char *
toml_key_part(struct toml *t)
{
    size_t start = t->i, n;
    char *k;

    if (peek(t) == '"' || peek(t) == '\'') {
        if (t->i + 2 < t->len && t->s[t->i + 1] == t->s[t->i] &&
            t->s[t->i + 2] == t->s[t->i] ) {
            toml_fail(t, "a multi-line string cannot be a key");
            return NULL;
        }
        return toml_string(t);
    }
    while (t->i < t->len) {
        char c = t->s[t->i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '_' || c == '-')
            t->i++;
        else
            break;
    }
    n = t->i - start;
    if (n == 0) {
        toml_fail(t, "expected a key");
        return NULL;
    }
    k = malloc(n + 1);
    if (k == NULL) {
        toml_fail(t, "out of memory");
        return NULL;
    }
    memcpy(k, t->s + start, n);
    k[n] = '\0';
    return k;
}

/* Walk a dotted key from `base`, creating tables; returns the table
 * that holds the last part, whose name goes to *last (malloc'd). */
static cJSON *
toml_key_path(struct toml *t, cJSON *base, char **last)
{
    cJSON *cur = base;
    char *part;
    int depth = 0;

    *last = NULL;
    for (;;) {
        skip_ws(t, 0);
        part = toml_key_part(t);
        if (part == NULL)
            return NULL;
        skip_ws(t, 0);
        if (peek(t) != '.') {
            *last = part;
            return cur;
        }
        t->i++;
        if (++depth > TOML_MAX_DEPTH) {
            free(part);
            toml_fail(t, "keys nested too deep");
            return NULL;
        }
        {
            cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, part);
            if (next == NULL) {
                next = cJSON_CreateObject();
                if (next == NULL ||
                    !cJSON_AddItemToObject(cur, part, next)) {
                    cJSON_Delete(next);
                    free(part);
                    toml_fail(t, "out of memory");
                    return NULL;
                }
            } else if (cJSON_IsArray(next)) {
                /* [[x]] then x.y: the last table of the array */
                next = cJSON_GetArrayItem(next,
                                          cJSON_GetArraySize(next) - 1);
            }
            free(part);
            if (!cJSON_IsObject(next)) {
                toml_fail(t, "a key is used both as a value and as a "
                             "table");
                return NULL;
            }
            cur = next;
        }
    }
}

static cJSON *toml_value(struct toml *t, int depth);

static int toml_pair(struct toml *t, cJSON *table, int depth);

/* After a list item: a ',' (1: another item follows) or the closing
 * character (0), with blanks (and newlines when nl) around; else t
 * fails with `what` (-1). */
static int
list_next(struct toml *t, int close, int nl, const char *what)
{
    skip_ws(t, nl);
    if (peek(t) == ',') {
        t->i++;
        skip_ws(t, nl);
        return 1;
    }
    if (peek(t) == close) {
        t->i++;
        return 0;
    }
    toml_fail(t, what);
    return -1;
}

static cJSON *
toml_inline_table(struct toml *t, int depth)
{
    cJSON *o = cJSON_CreateObject();
    int more = 1;

    t->i++;                     /* { */
    skip_ws(t, 0);
    if (peek(t) == '}') {
        t->i++;
        return o;
    }
    while (o && more > 0 && toml_pair(t, o, depth + 1) == 0)
        more = list_next(t, '}', 0, "expected ',' or '}' in an inline "
                                    "table");
    if (more == 0)
        return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *
toml_array(struct toml *t, int depth)
{
    cJSON *a = cJSON_CreateArray();
    int more = 1;

    t->i++;                     /* [ */
    while (a && more > 0 && !t->failed) {
        cJSON *v;
        skip_ws(t, 1);
        if (peek(t) == ']') {
            t->i++;
            return a;
        }
        v = toml_value(t, depth + 1);
        if (v == NULL)
            break;
        cJSON_AddItemToArray(a, v);
        more = list_next(t, ']', 1, "expected ',' or ']' in an array");
    }
    if (more == 0)
        return a;
    cJSON_Delete(a);
    return NULL;
}

/* A bare value: boolean, number, or a date/time kept as text. */
static cJSON *
toml_bare(struct toml *t)
{
    size_t start = t->i, n;
    char buf[64], *end;
    double d;

    while (t->i < t->len && strchr(" \t\r\n,]}#", t->s[t->i]) == NULL)
        t->i++;
    n = t->i - start;
    if (n == 0 || n >= sizeof(buf)) {
        toml_fail(t, "expected a value");
        return NULL;
    }
    memcpy(buf, t->s + start, n);
    buf[n] = '\0';
    if (strcmp(buf, "true") == 0)
        return cJSON_CreateTrue();
    if (strcmp(buf, "false") == 0)
        return cJSON_CreateFalse();
    {
        /* Digits may be grouped with '_' (1_000). */
        char num[64];
        size_t i, k = 0;
        for (i = 0; i < n; i++)
            if (buf[i] != '_')
                num[k++] = buf[i];
        num[k] = '\0';
        if (strncmp(num, "0x", 2) == 0 || strncmp(num, "0o", 2) == 0 ||
            strncmp(num, "0b", 2) == 0) {
            unsigned long long v = strtoull(num + 2, &end,
                                            num[1] == 'x' ? 16 :
                                            num[1] == 'o' ? 8 : 2);
            if (*end == '\0' && end != num + 2)
                return cJSON_CreateNumber((double)v);
        } else {
            d = strtod(num, &end);
            if (*end == '\0' && end != num &&
                strpbrk(num, "0123456789") != NULL)
                return cJSON_CreateNumber(d);
        }
    }
    if (buf[0] >= '0' && buf[0] <= '9' && strchr(buf, '-') != NULL) {
        /* 1979-05-27T07:32:00Z and friends: kept as text. */
        return cJSON_CreateString(buf);
    }
    t->i = start;
    toml_fail(t, "expected a value (a quoted string, a number, true, "
                 "false, [array] or {table})");
    return NULL;
}

static cJSON *
toml_value(struct toml *t, int depth)
{
    int c = peek(t);

    if (depth > TOML_MAX_DEPTH) {
        toml_fail(t, "values nested too deep");
        return NULL;
    }
    if (c == '"' || c == '\'') {
        char *s = toml_string(t);
        cJSON *v;
        if (s == NULL)
            return NULL;
        v = cJSON_CreateString(s);
        free(s);
        return v;
    }
    if (c == '[')
        return toml_array(t, depth);
    if (c == '{')
        return toml_inline_table(t, depth);
    return toml_bare(t);
}

/* The table a [table] or [[array.of.tables]] header names, under `holder`
 * as key k: made when new. NULL (t failed) when k holds something else. */
static cJSON *
toml_header_table(struct toml *t, cJSON *holder, const char *k, int aot)
{
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(holder, k), *o;

    if (!aot) {
        if (ex == NULL) {
            ex = cJSON_CreateObject();
            cJSON_AddItemToObject(holder, k, ex);
        }
        if (!cJSON_IsObject(ex)) {
            toml_fail(t, "[table] names a key that is not a table");
            return NULL;
        }
        return ex;
    }
    o = cJSON_CreateObject();
    if (ex == NULL) {
        ex = cJSON_CreateArray();
        cJSON_AddItemToObject(holder, k, ex);
    }
    if (!cJSON_IsArray(ex) || o == NULL) {
        cJSON_Delete(o);
        toml_fail(t, "[[table]] names a key that is not an array of "
                     "tables");
        return NULL;
    }
    cJSON_AddItemToArray(ex, o);
    return o;
}

/* A [table] or [[array.of.tables]] line (at its '['): the table that
 * the key/value lines after it fill, or NULL. */
static cJSON *
toml_header(struct toml *t, cJSON *root)
{
    int aot = t->i + 1 < t->len && t->s[t->i + 1] == '[';
    cJSON *holder, *table;
    char *k;

    t->i += aot ? 2 : 1;
    holder = toml_key_path(t, root, &k);
    if (holder == NULL)
        return NULL;
    if (peek(t) != ']' || (aot && (t->i + 1 >= t->len ||
                                   t->s[t->i + 1] != ']'))) {
        free(k);
        toml_fail(t, aot ? "expected ']]'" : "expected ']'");
        return NULL;
    }
    t->i += aot ? 2 : 1;
    table = toml_header_table(t, holder, k, aot);
    free(k);
    if (table)
        end_of_line(t);
    return table;
}

/* "key = value" into table (the value at nesting depth): 0, or -1 (t
 * failed, or the key path could not be made). */
static int
toml_pair(struct toml *t, cJSON *table, int depth)
{
    char *k;
    cJSON *holder = toml_key_path(t, table, &k), *v;

    if (holder == NULL)
        return -1;
    skip_ws(t, 0);
    if (peek(t) != '=') {
        free(k);
        toml_fail(t, "expected '=' after a key");
        return -1;
    }
    t->i++;
    skip_ws(t, 0);
    v = toml_value(t, depth);
    if (v == NULL) {
        free(k);
        return -1;
    }
    if (cJSON_GetObjectItemCaseSensitive(holder, k)) {
        cJSON_Delete(v);
        free(k);
        toml_fail(t, "a key defined twice");
        return -1;
    }
    cJSON_AddItemToObject(holder, k, v);
    free(k);
    return 0;
}

cJSON *
mcpd_toml_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct toml t;
    cJSON *root = cJSON_CreateObject(), *cur;
    const char *nul;

    memset(&t, 0, sizeof(t));
    t.s = text;
    t.len = len;
    t.err = err;
    t.errlen = errlen;
    if (root == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        t.i = 3;
    nul = memchr(text, '\0', len);
    if (nul != NULL) {
        t.i = (size_t)(nul - text);
        toml_fail(&t, "a NUL byte (not a text file?)");
    }
    cur = root;
    while (!t.failed) {
        skip_ws(&t, 1);
        if (peek(&t) == -1)
            break;
        if (peek(&t) == '[')
            cur = toml_header(&t, root);
        else if (toml_pair(&t, cur, 0) == 0)
            end_of_line(&t);
        else
            break;
        if (cur == NULL)
            break;
    }
    if (t.failed) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
