/* \summary: fix templates filled from this OS's table of commands
 * (fixcmd.h); the tables are platform/OS/fixcmd.c */

#include <stdio.h>
#include <string.h>
#include "fixcmd.h"

const char *
mcpd_plat_fixcmd(const char *key, size_t keylen, int *known)
{
    const struct mcpd_fixcmd *r;

    for (r = mcpd_plat_fixcmds(); r->key; r++)
        if (strlen(r->key) == keylen && memcmp(r->key, key, keylen) == 0) {
            *known = 1;
            return r->text;
        }
    *known = 0;
    return NULL;
}

static size_t
put(char *out, size_t len, size_t at, const char *s, size_t n)
{
    if (at + 1 >= len)
        return at;
    if (n > len - 1 - at)
        n = len - 1 - at;
    memcpy(out + at, s, n);
    out[at + n] = '\0';
    return at + n;
}

/* One pass: this OS's keys (whose text may hold {port}), then {port}. */
static int
fill(const char *tmpl, unsigned port, int keys, char *out, size_t len)
{
    size_t at = 0;

    if (len == 0)
        return 0;
    out[0] = '\0';
    while (*tmpl) {
        const char *close = tmpl[0] == '{' ? strchr(tmpl, '}') : NULL;
        const char *text;
        char num[16];
        int known = 0;

        if (close == NULL) {
            at = put(out, len, at, tmpl++, 1);
            continue;
        }
        text = keys ? mcpd_plat_fixcmd(tmpl + 1, (size_t)(close - tmpl - 1),
                                       &known) : NULL;
        if (keys && known && text == NULL) {
            out[0] = '\0';
            return 0;
        }
        if (!keys && port && close - tmpl == 5 &&
            memcmp(tmpl, "{port}", 6) == 0) {
            snprintf(num, sizeof(num), "%u", port);
            text = num;
            known = 1;
        }
        if (!known) {
            at = put(out, len, at, tmpl++, 1);
            continue;
        }
        at = put(out, len, at, text, strlen(text));
        tmpl = close + 1;
    }
    return 1;
}

int
mcpd_fixcmd_fill(const char *tmpl, unsigned port, char *out, size_t len)
{
    char mid[1024];

    if (len)
        out[0] = '\0';
    if (!fill(tmpl, 0, 1, mid, sizeof(mid)))
        return 0;
    if (port)
        return fill(mid, port, 0, out, len);
    put(out, len, 0, mid, strlen(mid));
    return 1;
}
