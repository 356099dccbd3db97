/* \summary: what capture stirs and watches: the command or the
 * built-in probe, the packet filter, and the proxy rule */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "capture_int.h"
#include "fdutil.h"

static double
now_ms(void)
{
    return (double)mcpd_cap_now_ns() / 1e6;
}

/* Wait until fd is ready for `events` or the deadline (now_ms's clock)
 * passes: 1 ready, 0 not. */
static int
ready_by(int fd, short events, double deadline)
{
    struct pollfd pfd;
    double left;

    for (;;) {
        left = deadline - now_ms();
        if (left <= 0)
            return 0;
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        if (poll(&pfd, 1, (int)left + 1) > 0)
            return 1;
    }
}

/* Connect within timeout_s: 0, or -1 (refused, unreachable, silent). */
static int
connect_by(int fd, const struct addrinfo *ai, int timeout_s)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS ||
        !ready_by(fd, POLLOUT, now_ms() + timeout_s * 1000.0) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return -1;
    return soerr == 0 ? 0 : -1;
}

/*
 * The built-in probe, run as the user (in a child, or on Windows a
 * thread of its own): connect to every address of the target and send
 * an MCP initialize, so the capture sees the same conversation a client
 * would start. Non-blocking, each address bounded by the timeout.
 */
static int
builtin_probe(const struct mcpd_target *t, int timeout_s)
{
    struct addrinfo hints, *res, *ai;
    char port[8], req[1024], buf[512];
    int failures = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", t->port);
    if (getaddrinfo(t->host, port, &hints, &res) != 0)
        return 2;
    for (ai = res; ai; ai = ai->ai_next) {
        static const char body[] =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
            "\"params\":{\"protocolVersion\":\"2025-06-18\","
            "\"capabilities\":{},\"clientInfo\":{\"name\":\"mcpdiag\","
            "\"version\":\"" MCPD_VERSION "\"}}}";
        int fd = mcpd_socket(ai->ai_family, SOCK_STREAM, 0,
                             MCPD_SOCK_NONBLOCK), n;
        double deadline;
        if (fd < 0)
            continue;
        if (connect_by(fd, ai, timeout_s) != 0) {
            failures++;
            close(fd);
            continue;
        }
        n = snprintf(req, sizeof(req),
                     "POST %s HTTP/1.1\r\nHost: %s:%u\r\n"
                     "Content-Type: application/json\r\n"
                     "Accept: application/json, text/event-stream\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     t->path, t->host, t->port, sizeof(body) - 1, body);
        /* A fresh socket's send buffer holds the whole request. */
        deadline = now_ms() + timeout_s * 1000.0;
        if (n > 0 && n < (int)sizeof(req) &&
            send(fd, req, (size_t)n, 0) == n)
            while (ready_by(fd, POLLIN, deadline) &&
                   recv(fd, buf, sizeof(buf), 0) > 0)
                ;
        close(fd);
    }
    freeaddrinfo(res);
    return failures ? 1 : 0;
}

struct builtin {
    const struct mcpd_target *t;
    int timeout_s;
};

static int
run_builtin(void *arg)
{
    const struct builtin *b = arg;

    return builtin_probe(b->t, b->timeout_s);
}

/*
 * Start the stimulus in a child that runs as the user (the platform's
 * mcpd_child_spawn): COMMAND (its stdout sent to stderr when ours
 * carries JSON), or the built-in probe. A COMMAND that cannot be run
 * returns -1 with *exec_errno set, the child reaped.
 */
long
mcpd_cap_start_child(char **argv, const struct mcpd_target *t,
                     int timeout_s, int stdout_to_stderr, int *exec_errno)
{
    /* Outlives this call: on Windows the built-in probe is a thread. */
    static struct builtin b;

    b.t = t;
    b.timeout_s = timeout_s;
    return mcpd_child_spawn(argv, run_builtin, &b,
                                   stdout_to_stderr ?
                                   MCPD_RUN_STDOUT_TO_STDERR : 0,
                                   exec_errno);
}

/* The BPF filter: the target port, the proxy ports, ICMP errors; with a
 * command, every TCP connection (its own are picked by process). */
void
mcpd_cap_build_filter(const struct capture *c, char *buf, size_t len)
{
    size_t at;
    int i;

    if (c->cmd_pid) {
        snprintf(buf, len, "tcp or icmp or icmp6");
        return;
    }
    at = (size_t)snprintf(buf, len, "tcp port %u", c->target.port);
    for (i = 0; i < c->proxy.nports && at < len; i++)
        if (c->proxy.ports[i] != c->target.port)
            at += (size_t)snprintf(buf + at, len - at, " or tcp port %u",
                                   c->proxy.ports[i]);
    if (at < len)
        snprintf(buf + at, len - at, " or icmp or icmp6");
}

/*
 * Connections that went to a proxy instead of the target, and proxies
 * that did not answer: the causes only the environment can explain.
 */
void
mcpd_cap_proxy_findings(struct capture *c)
{
    const struct mcpd_report *r = c->rep;
    uint64_t to_target = 0, to_proxy = 0, proxy_failed = 0;
    const struct mcpd_flow *answered = NULL;   /* the proxy's HTTP error */
    char summary[512], fix0[256], fix1[256];
    const char *fixes[3];
    uint32_t i;

    if (c->proxy.nports == 0)
        return;
    for (i = 0; i < r->nservers; i++) {
        const struct mcpd_server *s = &r->servers[i];
        uint64_t bad = s->total - s->verdicts[MCPD_V_CLOSED] -
                       s->verdicts[MCPD_V_ESTABLISHED];
        if (s->ep.port == c->target.port)
            to_target += s->total;
        else if (mcpd_proxy_env_has_port(&c->proxy, s->ep.port)) {
            int k;
            to_proxy += s->total;
            proxy_failed += bad;
            for (k = 0; k < MCPD_C_COUNT && answered == NULL; k++)
                if (s->example[k] && s->example[k]->http_status >= 400 &&
                    s->example[k]->srv_sniff == MCPD_SNIFF_HTTP_RESP)
                    answered = s->example[k];
        }
    }
    if (to_proxy == 0)
        return;
    snprintf(fix0, sizeof(fix0),
             "export NO_PROXY=localhost,127.0.0.1,::1 "
             "no_proxy=localhost,127.0.0.1,::1   # both cases: clients "
             "read one or the other");
    snprintf(fix1, sizeof(fix1), "or unset %s for the client",
             c->proxy.var);
    fixes[0] = fix0;
    fixes[1] = fix1;
    if (answered) {
        /* The proxy answered: its status is the evidence, not silence. */
        snprintf(summary, sizeof(summary),
                 "the client went to the proxy %.160s (from %s), and the "
                 "proxy answered %.32s with HTTP %u instead of forwarding "
                 "it to %.100s:%u", c->proxy.hostport, c->proxy.var,
                 answered->http_req[0] ? answered->http_req : "the request",
                 answered->http_status, c->target.host, c->target.port);
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_IN_PATH, to_proxy,
                                summary, fixes, 2);
    } else if (proxy_failed) {
        snprintf(summary, sizeof(summary),
                 "the client went to the proxy %.200s (from %s) and the proxy "
                 "did not answer%s", c->proxy.hostport, c->proxy.var,
                 to_target ? "" : "; it never connected to the server");
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_UNREACHABLE,
                                proxy_failed, summary, fixes, 2);
    } else if (to_target == 0) {
        snprintf(summary, sizeof(summary),
                 "the client sent its request to the proxy %.120s (from "
                 "%s) instead of connecting to %.120s:%u itself",
                 c->proxy.hostport, c->proxy.var, c->target.host,
                 c->target.port);
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_IN_PATH, to_proxy,
                                summary, fixes, 2);
    }
}
