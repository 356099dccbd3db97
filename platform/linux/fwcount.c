/* \summary: firewall rule counters on Linux (iptables-save -c,
 * ip6tables-save -c), read by a helper that alone keeps root */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "platform.h"
#include "linux.h"

#define MAX_RULES 256
#define DUMP_MAX (512 * 1024)
#define DUMP_TIMEOUT_S 10.0     /* one listing, at most */

struct counted {
    char key[200];           /* "table: rule text", counters removed */
    uint64_t packets;
};

struct mcpd_fwwatch {
    pid_t helper;
    int to_helper, from_helper;
    uint16_t ports[16];      /* the target and every proxy port */
    int nports;
    struct counted base[MAX_RULES];
    int nbase;
    char *dump;              /* the helper's last answer */
};

/* Does the rule text name one of our ports as a destination port
 * (exactly, in a list or a range: mcpd_fw_rule_has_dport)? */
static int
mentions_port(const struct mcpd_fwwatch *w, const char *rule)
{
    int i;

    for (i = 0; i < w->nports; i++)
        if (mcpd_fw_rule_has_dport(rule, w->ports[i]))
            return 1;
    return 0;
}

/*
 * Parse iptables-save -c output: "*filter" starts a table, ":INPUT
 * ACCEPT [p:b]" is a chain policy, "[p:b] -A INPUT ..." a rule. Keep the
 * rules that name our ports and every policy that is not ACCEPT.
 */
static int
parse_dump(const struct mcpd_fwwatch *w, const char *text,
           struct counted *out, int max)
{
    char table[32] = "", line[512];
    const char *p = text;
    int n = 0;

    while (*p && n < max) {
        size_t len = strcspn(p, "\n");
        unsigned long long pk, by;
        char chain[64], policy[32];

        if (len >= sizeof(line))
            len = sizeof(line) - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        p += strcspn(p, "\n");
        if (*p)
            p++;
        if (line[0] == '*') {
            snprintf(table, sizeof(table), "%.31s", line + 1);
        } else if (line[0] == ':' &&
                   sscanf(line, ":%63s %31s [%llu:%llu]", chain, policy,
                          &pk, &by) == 4 && strcmp(policy, "ACCEPT") != 0 &&
                   strcmp(policy, "-") != 0) {
            snprintf(out[n].key, sizeof(out[n].key), "%.31s: policy %.63s "
                     "%.31s", table, chain, policy);
            out[n++].packets = pk;
        } else if (line[0] == '[' &&
                   sscanf(line, "[%llu:%llu]", &pk, &by) == 2) {
            const char *rule = strchr(line, ']');
            if (rule && mentions_port(w, rule + 1)) {
                snprintf(out[n].key, sizeof(out[n].key), "%.31s:%.160s",
                         table, rule + 1);
                out[n++].packets = pk;
            }
        }
    }
    return n;
}

/* This runs as root, whatever the caller's PATH: the tools are looked
 * for in fixed directories only. */
static const char *const sbin_dirs[] = {
    "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

/* The full path of tool `name` in sbin_dirs, into buf; NULL if none. */
static const char *
sbin_path(const char *name, char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(sbin_dirs) / sizeof(sbin_dirs[0]); i++) {
        snprintf(buf, len, "%s/%s", sbin_dirs[i], name);
        if (access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

/* Run iptables-save -c and ip6tables-save -c (mcpd_run_child bounds
 * each in time); their joint output, at most DUMP_MAX bytes. */
static char *
read_counters(void)
{
    static const char *const tools[] = { "iptables-save", "ip6tables-save" };
    char *buf = malloc(DUMP_MAX + 1);
    size_t at = 0, i;

    if (buf == NULL)
        return NULL;
    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        char path[64];
        const char *argv[] = { NULL, "-c", NULL };
        struct mcpd_run r;
        size_t n;

        argv[0] = sbin_path(tools[i], path, sizeof(path));
        if (argv[0] == NULL ||
            mcpd_run_child(argv, 0, DUMP_TIMEOUT_S, &r) != 0)
            continue;
        n = r.out_len < DUMP_MAX - at ? r.out_len : DUMP_MAX - at;
        if (n > 0)
            memcpy(buf + at, r.out, n);
        at += n;
        mcpd_run_free(&r);
    }
    buf[at] = '\0';
    return buf;
}

/* The helper: one dump per request byte, until the pipe closes. */
static void
helper_loop(int in, int out)
{
    char req;

    while (read(in, &req, 1) == 1) {
        char *dump = read_counters();
        uint32_t len = dump ? (uint32_t)strlen(dump) : 0;
        if (write(out, &len, sizeof(len)) != sizeof(len) ||
            (len && write(out, dump, len) != (ssize_t)len)) {
            free(dump);
            break;
        }
        free(dump);
    }
    _exit(0);
}

static int
read_full(int fd, void *buf, size_t len)
{
    size_t at = 0;

    while (at < len) {
        ssize_t r = read(fd, (char *)buf + at, len - at);
        if (r <= 0)
            return -1;
        at += (size_t)r;
    }
    return 0;
}

struct mcpd_fwwatch *
mcpd_fwwatch_start(const uint16_t *ports, int nports, char *err,
                   size_t errlen)
{
    struct mcpd_fwwatch *w;
    int a[2], b[2], i;
    pid_t parent;
    char *dump;

    if (geteuid() != 0) {
        snprintf(err, errlen, "firewall counters need root");
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    for (i = 0; i < nports && i < 16; i++)
        w->ports[w->nports++] = ports[i];
    dump = read_counters();
    if (dump == NULL || dump[0] == '\0') {
        snprintf(err, errlen, "iptables-save gave no rules");
        free(dump);
        free(w);
        return NULL;
    }
    w->nbase = parse_dump(w, dump, w->base, MAX_RULES);
    free(dump);
    /* Close-on-exec: COMMAND (and iptables-save) must never hold the
     * way to a process that keeps root. */
    if (pipe2(a, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        free(w);
        return NULL;
    }
    if (pipe2(b, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(a[0]);
        close(a[1]);
        free(w);
        return NULL;
    }
    parent = getpid();
    /* Nothing buffered to be written twice: the helper's children are
     * started by mcpd_run_child, which flushes stdio first. */
    fflush(NULL);
    w->helper = fork();
    if (w->helper == 0) {
        int keep[2];
        /* It ends with mcpdiag, whatever mcpdiag's children do: killed
         * when the parent goes (checked again, in case it already has). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(0);
        keep[0] = a[0];
        keep[1] = b[1];
        /* Only its two pipes: not the capture, not the tracepoints. */
        mcpd_close_fds_except(keep, 2);
        signal(SIGINT, SIG_IGN);    /* the parent decides when to stop */
        helper_loop(a[0], b[1]);
    }
    close(a[0]);
    close(b[1]);
    if (w->helper < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(a[1]);
        close(b[0]);
        free(w);
        return NULL;
    }
    w->to_helper = a[1];
    w->from_helper = b[0];
    return w;
}

int
mcpd_fwwatch_moved(struct mcpd_fwwatch *w, struct mcpd_fwrule *out, int max)
{
    struct counted now[MAX_RULES];
    uint32_t len;
    int n, i, j, moved = 0;
    char *dump;

    if (w == NULL || write(w->to_helper, "?", 1) != 1 ||
        read_full(w->from_helper, &len, sizeof(len)) != 0 || len > DUMP_MAX)
        return 0;
    dump = malloc((size_t)len + 1);
    if (dump == NULL || read_full(w->from_helper, dump, len) != 0) {
        free(dump);
        return 0;
    }
    dump[len] = '\0';
    n = parse_dump(w, dump, now, MAX_RULES);
    free(dump);
    for (i = 0; i < n && moved < max; i++) {
        uint64_t before = 0;
        for (j = 0; j < w->nbase; j++)
            if (strcmp(w->base[j].key, now[i].key) == 0) {
                before = w->base[j].packets;
                break;
            }
        if (now[i].packets <= before)
            continue;
        snprintf(out[moved].text, sizeof(out[moved].text), "%.199s",
                 now[i].key);
        out[moved].packets = now[i].packets - before;
        out[moved].verdict = strstr(now[i].key, "-j DROP") ||
                             strstr(now[i].key, "-j REJECT") ||
                             strstr(now[i].key, "policy") != NULL;
        moved++;
    }
    return moved;
}

void
mcpd_fwwatch_stop(struct mcpd_fwwatch *w)
{
    if (w == NULL)
        return;
    /* Its pipes reach no other process (close-on-exec), so closing ours
     * is its end of input: it exits and is reaped here. */
    close(w->to_helper);
    close(w->from_helper);
    while (waitpid(w->helper, NULL, 0) < 0 && errno == EINTR)
        ;
    free(w);
}
