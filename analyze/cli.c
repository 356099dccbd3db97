/* \summary: what every mcpdiag command shares: option tables, parsing */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "platform.h"

void
mcpd_build_longopts(const struct mcpd_option *opts, struct option *out,
                    int max)
{
    int i;

    for (i = 0; opts[i].name && i < max - 1; i++) {
        out[i].name = opts[i].name;
        out[i].has_arg = opts[i].arg ? required_argument : no_argument;
        out[i].flag = NULL;
        out[i].val = opts[i].val;
    }
    memset(&out[i], 0, sizeof(out[i]));
}

void
mcpd_print_options(FILE *out, const struct mcpd_option *opts)
{
    int i;

    fputs("options:\n", out);
    for (i = 0; opts[i].name; i++) {
        char left[64];
        if (opts[i].val < 256)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].val,
                     opts[i].name, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
                     opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        fprintf(out, "  %-30s %s\n", left, opts[i].help);
    }
}

int
mcpd_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("mcpdiag: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return MCPD_EXIT_USAGE;
}

int
mcpd_parse_uint(const char *s, unsigned long long min, unsigned long long max,
                unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
mcpd_parse_bytes(const char *s, unsigned long long min,
                 unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v, mul = 1;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (*end == 'K' || *end == 'k')
        mul = 1ULL << 10;
    else if (*end == 'M' || *end == 'm')
        mul = 1ULL << 20;
    else if (*end == 'G' || *end == 'g')
        mul = 1ULL << 30;
    else if (*end != '\0')
        return -1;
    if (mul != 1 && end[1] != '\0')
        return -1;
    if (v > max / mul || v * mul < min)
        return -1;
    *out = v * mul;
    return 0;
}

int
mcpd_parse_port(const char *s, uint16_t *port)
{
    unsigned long long v;

    if (mcpd_parse_uint(s, 1, 65535, &v) != 0)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int
mcpd_use_color(FILE *out, int no_color_flag)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    if (no_color_flag || (nc && *nc))
        return 0;
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fileno(out));
}

int
mcpd_use_utf8(void)
{
    const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
    size_t i;

    /* The first of these that is set decides, as setlocale() would. */
    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strstr(v, "UTF-8") || strstr(v, "utf8") ||
                   strstr(v, "UTF8") || strstr(v, "utf-8");
    }
    return 0;
}

uint32_t
mcpd_random_seed(void)
{
    uint32_t seed;

    if (mcpd_plat_random(&seed, sizeof(seed), 0) == 0)
        return seed;
    return (uint32_t)time(NULL) ^ (uint32_t)getpid();
}

void
mcpd_catch_stop(void (*on_stop)(int), int restart)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
