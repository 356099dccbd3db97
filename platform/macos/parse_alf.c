/* \summary: the Application Firewall's settings as socketfilterfw prints
 * them (--getglobalstate --getblockall --getstealthmode --listapps), in
 * the wordings of older and newer macOS releases */

#include <string.h>
#include "macos.h"

/* Does [s, s+n) contain `word`? */
static int
has(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word), i;

    for (i = 0; w <= n && i <= n - w; i++)
        if (memcmp(s + i, word, w) == 0)
            return 1;
    return 0;
}

static int
starts(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);

    return n >= w && memcmp(s, word, w) == 0;
}

/* The digits after `key` in the line ("(State = 1)", "apps = 3"). */
static int
number_after(const char *s, size_t n, const char *key)
{
    size_t w = strlen(key), i, j;
    int x = -1;

    for (i = 0; w <= n && i <= n - w; i++)
        if (memcmp(s + i, key, w) == 0) {
            for (j = i + w, x = 0; j < n && s[j] >= '0' && s[j] <= '9' &&
                                   x < 100000; j++)
                x = x * 10 + (s[j] - '0');
            return j == i + w ? -1 : x;
        }
    return -1;
}

static void
trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* "12 :  /Applications/Foo.app": the index, then the path. */
static int
app_line(const char *s, size_t n, const char **path, size_t *pn)
{
    size_t i = 0;

    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i + 2 >= n || s[i] != ' ' || s[i + 1] != ':')
        return 0;
    *path = s + i + 2;
    *pn = n - i - 2;
    trim(path, pn);
    return *pn > 0;
}

void
mcpd_alf_parse(const char *buf, size_t len, struct mcpd_alf *out, int *bad)
{
    const char *p = buf, *end = buf + len, *line;
    struct mcpd_alf_app *last = NULL;
    int nbad = 0;
    size_t n;

    memset(out, 0, sizeof(*out));
    out->state = out->block_all = out->stealth = out->napps_total = -1;
    while (mcpd_mac_next_line(&p, end, &line, &n)) {
        const char *path;
        size_t pn;

        trim(&line, &n);
        if (n == 0)
            continue;
        if (has(line, n, "tealth mode")) {
            /* "Stealth mode enabled", "Firewall stealth mode is on" */
            out->stealth = has(line, n, "enabled") ||
                           has(line, n, " is on") ? 1 :
                           has(line, n, "disabled") ||
                           has(line, n, " is off") ? 0 : -1;
        } else if (has(line, n, "lock all")) {
            /* "Block all DISABLED!", "Firewall has block all state set
             * to enabled." */
            out->block_all = has(line, n, "ENABLED") ||
                             has(line, n, "enabled") ? 1 :
                             has(line, n, "DISABLED") ||
                             has(line, n, "disabled") ? 0 : -1;
        } else if (starts(line, n, "Firewall is ")) {
            /* "Firewall is enabled. (State = 1)" */
            out->state = number_after(line, n, "(State = ");
            if (out->state < 0)
                out->state = has(line, n, "disabled") ? 0 :
                             has(line, n, "enabled") ? 1 : -1;
        } else if (has(line, n, "total number of apps")) {
            out->napps_total = number_after(line, n, "apps = ");
        } else if (app_line(line, n, &path, &pn)) {
            last = out->napps < MCPD_ALF_APPS ? &out->apps[out->napps]
                                              : NULL;
            out->napps++;
            if (last != NULL) {
                mcpd_mac_copy(last->path, sizeof(last->path), path, pn);
                last->allow = -1;
            }
        } else if (line[0] == '(' && has(line, n, "incoming connections")) {
            /* "( Allow incoming connections )" under its app */
            if (last != NULL)
                last->allow = has(line, n, "Allow") ? 1 :
                              has(line, n, "Block") ? 0 : -1;
            last = NULL;
        } else
            nbad++;
    }
    if (bad != NULL)
        *bad = nbad;
}
