/* \summary: capture's attribution: the processes at each end of a
 * connection, and which connections are the command's */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture_int.h"

struct mcpd_proc *
mcpd_cap_proc(const struct mcpd_owner *o, const char *how)
{
    struct mcpd_proc *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->pid = o->pid;
    p->uid = o->uid;
    snprintf(p->command, sizeof(p->command), "%s", o->command);
    snprintf(p->user, sizeof(p->user), "%s", o->user);
    p->how = how;
    return p;
}

/* The listener that accepts connections to `srv`: exact address first,
 * then a wildcard of the same family (or a dual-stack [::]). */
static const struct mcpd_listener *
listener_for(const struct capture *c, const struct mcpd_endpoint *srv)
{
    static const uint8_t zero[16];
    const struct mcpd_listener *wild = NULL;
    int i;

    for (i = 0; i < c->nlisteners && i < MAX_LISTENERS; i++) {
        const struct mcpd_listener *l = &c->listeners[i];
        if (l->local.port != srv->port)
            continue;
        if (mcpd_ip_cmp(&l->local.ip, &srv->ip) == 0)
            return l;
        if (memcmp(l->local.ip.a, zero, 16) == 0 &&
            (l->local.ip.family == srv->ip.family ||
             (l->local.ip.family == 6 && l->v6only == 0)))
            wild = l;
    }
    return wild;
}

/*
 * The user of a process, while it exists (mcpd_plat_pid_uid). One
 * client usually makes many connections: remember the last answer.
 */
void
mcpd_cap_user_of_pid(struct capture *c, int32_t pid, struct mcpd_owner *o)
{
    uint32_t uid;

    if (pid == c->last_pid) {
        o->uid = c->last_uid;
        snprintf(o->user, sizeof(o->user), "%s", c->last_user);
        return;
    }
    if (mcpd_plat_pid_uid(pid, &uid) != 0)
        return;
    o->uid = uid;
    mcpd_owner_username(uid, o->user, sizeof(o->user));
    c->last_pid = pid;
    c->last_uid = uid;
    snprintf(c->last_user, sizeof(c->last_user), "%s", o->user);
}

/* Is `pid` the command or a descendant? (Walks the parents.) */
static int
in_command_tree(const struct capture *c, long pid)
{
    int depth;

    for (depth = 0; depth < 64 && pid > 1; depth++) {
        if (pid == (long)c->cmd_pid)
            return 1;
        if ((pid = mcpd_plat_parent_pid(pid)) < 0)
            return 0;
    }
    return 0;
}

/*
 * The environment COMMAND starts with: ours, changed by a leading
 * `env [-i] [-u NAME] NAME=VALUE... PROGRAM` (the usual way to give a
 * client a proxy variable). Later changes (a shell's export) are read
 * from its environment (mcpd_plat_environ) while the command runs.
 */
void
mcpd_cap_command_env(struct capture *c, char **argv)
{
    extern char **environ;
    char *block = NULL;
    size_t len = 0, cap = 0;
    char **a;
    int clear = 0;
    const char *base;

    if (argv == NULL || argv[0] == NULL)
        return;
    base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(base, "env") != 0)
        return;
    for (a = argv + 1; *a && **a == '-'; a++) {
        if (strcmp(*a, "-i") == 0 || strcmp(*a, "-") == 0 ||
            strcmp(*a, "--ignore-environment") == 0)
            clear = 1;
        else if (strcmp(*a, "-u") == 0 && a[1])
            a++;     /* unsetting: the variable is simply not added */
    }
    {
        /* Ours (unless -i), then the assignments: a later NAME wins in
         * block_get's first-match only if it comes first, so put the
         * assignments first. */
        char **lists[2] = { a, clear ? NULL : environ };
        int l;
        for (l = 0; l < 2; l++) {
            char **v;
            for (v = lists[l]; v && *v; v++) {
                size_t n;
                if (l == 0 && strchr(*v, '=') == NULL)
                    break;       /* the program: assignments end */
                n = strlen(*v) + 1;
                if (len + n > cap) {
                    char *nb = realloc(block, (cap = (len + n) * 2));
                    if (nb == NULL) {
                        free(block);
                        return;
                    }
                    block = nb;
                }
                memcpy(block + len, *v, n);
                len += n;
            }
        }
    }
    if (block)
        mcpd_proxy_env_read_block(&c->proxy, &c->target, block, len);
    free(block);
}

int
mcpd_cap_watched_port(const struct capture *c, uint16_t port)
{
    return port == c->target.port || mcpd_proxy_env_has_port(&c->proxy, port);
}

/*
 * With a command, the filter takes every TCP connection; keep the ones
 * to the target and proxy ports and the ones the command's process
 * tree made. Without one, the filter already chose.
 */
int
mcpd_cap_flow_is_ours(const struct capture *c, const struct mcpd_flow *f)
{
    int i;

    if (c->cmd_pid == 0 || mcpd_cap_watched_port(c, f->srv.port))
        return 1;
    for (i = 0; i < c->nours && i < CMD_SOCKETS; i++)
        if (c->ours[i].port == f->cli.port &&
            mcpd_ip_cmp(&c->ours[i].ip, &f->cli.ip) == 0)
            return 1;
    /* The kernel witness names the caller of connect(), even one that
     * is gone by now: the command itself, or a descendant still alive. */
    return f->client_proc && f->client_proc->pid > 0 &&
           in_command_tree(c, f->client_proc->pid);
}

/* A new connection while a command runs: whose is it? Its process's
 * environment holds the proxy variables the command really used. */
static void
follow_new_flow(struct capture *c, struct mcpd_flow *f)
{
    struct mcpd_owner o;
    char err[MCPD_ERR_LEN];

    if (mcpd_cap_watched_port(c, f->srv.port) && c->cmd_env)
        return;
    if (mcpd_owner_lookup(&f->cli, &f->srv, &o, err) != 1 || o.pid <= 0 ||
        !in_command_tree(c, o.pid))
        return;
    if (!c->cmd_env &&
        mcpd_proxy_env_read_pid(&c->proxy, &c->target, o.pid) == 0)
        c->cmd_env = 1;
    if (!mcpd_cap_watched_port(c, f->srv.port))
        c->ours[c->nours++ % CMD_SOCKETS] = f->cli;
}

void
mcpd_cap_on_new_flow(void *ctx, struct mcpd_flow *f)
{
    struct capture *c = ctx;
    const struct mcpd_listener *l = listener_for(c, &f->srv);
    struct mcpd_owner o;
    char err[MCPD_ERR_LEN];
    int64_t second = mcpd_cap_now_ns() / 1000000000;

    if (l && l->owner.pid > 0)
        f->server_proc = mcpd_cap_proc(&l->owner, "listener");
    if (c->cmd_pid > 0)
        follow_new_flow(c, f);
    if (c->witness)
        return;     /* the kernel names every client, even short-lived */
    /* Under a flood, looking every socket up would cost more than the
     * capture itself: a budget per second, the rest counted. */
    if (second != c->lookup_window) {
        c->lookup_window = second;
        c->lookups = 0;
    }
    if (c->lookups++ >= LOOKUPS_PER_SECOND) {
        c->unattributed++;
        return;
    }
    if (mcpd_owner_lookup(&f->cli, &f->srv, &o, err) == 1 && o.pid > 0)
        f->client_proc = mcpd_cap_proc(&o, "sock_diag");
    else
        c->unattributed++;
}
