/* \summary: unit tests of the probe's pure parts: target parsing, the
 * per-client NO_PROXY rules, proxy choice, redaction, and the verdict
 * rules for cases a namespace cannot stage on demand (no root), and the
 * kernel witness's matching on synthetic events */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "probe_int.h"
#if defined(__has_include)
#if __has_include("proxyenv.h")
#include "proxyenv.h"
#define MCPD_UNIT_PROXYENV 1
#endif
#if __has_include("kcorrelate.h")
#include "kcorrelate.h"
#define HAVE_KCORRELATE 1
#endif
#endif

static int failed, passed;

#define CHECK(cond) do {                                               \
        if (cond) {                                                    \
            passed++;                                                  \
        } else {                                                       \
            failed++;                                                  \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, \
                    #cond);                                            \
        }                                                              \
    } while (0)

static void
test_target(void)
{
    struct mcpd_target t;
    char err[MCPD_ERR_LEN];

    CHECK(mcpd_target_parse(NULL, &t, err) == 0);
    CHECK(strcmp(t.url, "http://localhost:3000/mcp") == 0);
    CHECK(mcpd_target_parse("8000", &t, err) == 0);
    CHECK(t.port == 8000 && strcmp(t.host, "localhost") == 0 &&
          strcmp(t.path, "/mcp") == 0);
    CHECK(mcpd_target_parse("127.0.0.1:9", &t, err) == 0);
    CHECK(t.port == 9 && strcmp(t.host, "127.0.0.1") == 0);
    CHECK(mcpd_target_parse("[::1]:3000", &t, err) == 0);
    CHECK(t.is_ipv6_literal && strcmp(t.host, "::1") == 0);
    CHECK(strcmp(t.url, "http://[::1]:3000/mcp") == 0);
    CHECK(mcpd_target_parse("https://example.com/a/b?x=1", &t, err) == 0);
    CHECK(t.port == 443 && strcmp(t.scheme, "https") == 0 &&
          strcmp(t.path, "/a/b?x=1") == 0);
    CHECK(mcpd_target_parse("http://[fe80::1]:81", &t, err) == 0);
    CHECK(t.port == 81 && strcmp(t.path, "/") == 0);
    CHECK(mcpd_target_parse("HTTP://h:5/sse#frag", &t, err) == 0);
    CHECK(strcmp(t.path, "/sse") == 0 && strcmp(t.scheme, "http") == 0);
    /* errors */
    CHECK(mcpd_target_parse("", &t, err) == -1);
    CHECK(mcpd_target_parse("0", &t, err) == -1);
    CHECK(mcpd_target_parse("70000", &t, err) == -1);
    CHECK(mcpd_target_parse("::1:3000", &t, err) == -1);
    CHECK(mcpd_target_parse("[::1]", &t, err) == -1);
    CHECK(mcpd_target_parse("[127.0.0.1]:80", &t, err) == -1);
    CHECK(mcpd_target_parse("host", &t, err) == -1);
    CHECK(mcpd_target_parse("host:", &t, err) == -1);
    CHECK(mcpd_target_parse("ftp://h/", &t, err) == -1);
    CHECK(mcpd_target_parse("http://u:pw@h:1/", &t, err) == -1);
    CHECK(strstr(err, "pw") == NULL);
    CHECK(mcpd_target_parse("http://h:0/", &t, err) == -1);
    CHECK(mcpd_target_parse("http://h x/", &t, err) == -1);
}

/* research §1a, row by row. */
static void
test_noproxy(void)
{
    enum mcpd_client_kind C = MCPD_CLIENT_CURL, N = MCPD_CLIENT_NODE,
        R = MCPD_CLIENT_REQUESTS, X = MCPD_CLIENT_HTTPX, G = MCPD_CLIENT_GO;

    /* "localhost" does not cover 127.0.0.1 (undici, curl). */
    CHECK(!mcpd_noproxy_match(C, "localhost", "127.0.0.1", 3000));
    CHECK(!mcpd_noproxy_match(N, "localhost", "127.0.0.1", 3000));
    CHECK(mcpd_noproxy_match(N, "localhost", "localhost", 3000));
    /* '*' */
    CHECK(mcpd_noproxy_match(C, "*", "a.b", 1));
    CHECK(!mcpd_noproxy_match(C, "a.c,*", "a.b", 1));
    CHECK(!mcpd_noproxy_match(N, "a.c,*", "a.b", 1));
    CHECK(mcpd_noproxy_match(X, "a.c,*", "a.b", 1));
    /* .example.com */
    CHECK(mcpd_noproxy_match(C, ".example.com", "example.com", 1));
    CHECK(mcpd_noproxy_match(C, ".example.com", "x.example.com", 1));
    CHECK(mcpd_noproxy_match(N, ".example.com", "example.com", 1));
    CHECK(!mcpd_noproxy_match(X, ".example.com", "example.com", 1));
    CHECK(mcpd_noproxy_match(X, ".example.com", "x.example.com", 1));
    CHECK(!mcpd_noproxy_match(G, ".example.com", "example.com", 1));
    CHECK(mcpd_noproxy_match(G, "*.example.com", "x.example.com", 1));
    /* example.com: requests' raw endswith */
    CHECK(mcpd_noproxy_match(R, "example.com", "notexample.com", 1));
    CHECK(!mcpd_noproxy_match(C, "example.com", "notexample.com", 1));
    CHECK(!mcpd_noproxy_match(N, "example.com", "notexample.com", 1));
    CHECK(!mcpd_noproxy_match(X, "example.com", "notexample.com", 1));
    CHECK(!mcpd_noproxy_match(G, "example.com", "notexample.com", 1));
    CHECK(mcpd_noproxy_match(G, "example.com", "a.example.com", 1));
    /* host:port */
    CHECK(mcpd_noproxy_match(N, "localhost:3000", "localhost", 3000));
    CHECK(!mcpd_noproxy_match(N, "localhost:3001", "localhost", 3000));
    CHECK(!mcpd_noproxy_match(C, "localhost:3000", "localhost", 3000));
    CHECK(mcpd_noproxy_match(R, "localhost:3000", "localhost", 3000));
    CHECK(mcpd_noproxy_match(G, "localhost:3000", "localhost", 3000));
    /* CIDR */
    CHECK(mcpd_noproxy_match(C, "127.0.0.0/8", "127.0.0.1", 1));
    CHECK(!mcpd_noproxy_match(N, "127.0.0.0/8", "127.0.0.1", 1));
    CHECK(mcpd_noproxy_match(R, "127.0.0.0/8", "127.0.0.1", 1));
    CHECK(!mcpd_noproxy_match(X, "127.0.0.0/8", "127.0.0.1", 1));
    CHECK(mcpd_noproxy_match(X, "127.0.0.0/8", "127.0.0.0", 1));
    CHECK(mcpd_noproxy_match(G, "127.0.0.0/8", "127.0.0.1", 1));
    CHECK(mcpd_noproxy_match(C, "::1/128", "::1", 1));
    CHECK(mcpd_noproxy_match(G, "::/0", "::1", 1));
    /* IPv6 literal, brackets either side */
    CHECK(mcpd_noproxy_match(C, "::1", "[::1]", 1));
    CHECK(mcpd_noproxy_match(N, "[::1]", "::1", 1));
    CHECK(mcpd_noproxy_match(X, "::1", "::1", 1));
    CHECK(mcpd_noproxy_match(G, "::1", "::1", 1));
    /* lists with spaces */
    CHECK(mcpd_noproxy_match(C, "a.b, localhost", "localhost", 1));
    CHECK(mcpd_noproxy_match(R, "a.b, localhost", "localhost", 1));
}

static const char *const *env_table;

static const char *
fake_env(const char *name)
{
    int i;

    for (i = 0; env_table[i]; i += 2)
        if (strcmp(env_table[i], name) == 0)
            return env_table[i + 1];
    return NULL;
}

static void
test_decide(void)
{
    static const char *const e0[] = {
        "HTTP_PROXY", "http://proxy:3128", "http_proxy", "http://proxy:3128",
        NULL
    };
    static const char *const e1[] = {
        "HTTP_PROXY", "http://user:secret@proxy:3128",
        "NODE_USE_ENV_PROXY", "1", NULL
    };
    static const char *const e2[] = {
        "http_proxy", "http://lower:1", "HTTP_PROXY", "http://upper:2",
        "no_proxy", "localhost", "NODE_OPTIONS", "--use-env-proxy", NULL
    };
    static const char *const e3[] = {
        "ALL_PROXY", "socks5://s:1080", "https_proxy", "", NULL
    };
    struct mcpd_proxy_choice c;

    /* Node's fetch ignores the variables unless NODE_USE_ENV_PROXY=1 */
    env_table = e0;
    mcpd_proxy_decide(MCPD_CLIENT_NODE, "http", "10.1.2.3", 3000, fake_env,
                      &c);
    CHECK(!c.proxied && strstr(c.reason, "NODE_USE_ENV_PROXY") != NULL);
    mcpd_proxy_decide(MCPD_CLIENT_CURL, "http", "10.1.2.3", 3000, fake_env,
                      &c);
    CHECK(c.proxied);

    env_table = e1;
    /* curl ignores upper-case HTTP_PROXY */
    mcpd_proxy_decide(MCPD_CLIENT_CURL, "http", "localhost", 3000, fake_env,
                      &c);
    CHECK(!c.proxied);
    mcpd_proxy_decide(MCPD_CLIENT_NODE, "http", "localhost", 3000, fake_env,
                      &c);
    CHECK(c.proxied && strcmp(c.proxy_var, "HTTP_PROXY") == 0);
    CHECK(strstr(c.proxy, "secret") == NULL &&
          strstr(c.proxy, "user") == NULL);
    CHECK(strcmp(c.proxy, "http://***@proxy:3128") == 0);
    mcpd_proxy_decide(MCPD_CLIENT_REQUESTS, "http", "localhost", 3000,
                      fake_env, &c);
    CHECK(c.proxied);
    /* Go never proxies loopback */
    mcpd_proxy_decide(MCPD_CLIENT_GO, "http", "localhost", 3000, fake_env,
                      &c);
    CHECK(!c.proxied);
    mcpd_proxy_decide(MCPD_CLIENT_GO, "http", "10.1.2.3", 3000, fake_env,
                      &c);
    CHECK(c.proxied);

    env_table = e2;
    mcpd_proxy_decide(MCPD_CLIENT_NODE, "http", "127.0.0.1", 3000, fake_env,
                      &c);
    CHECK(c.proxied && strcmp(c.proxy_var, "http_proxy") == 0);
    mcpd_proxy_decide(MCPD_CLIENT_NODE, "http", "localhost", 3000, fake_env,
                      &c);
    CHECK(!c.proxied);
    mcpd_proxy_decide(MCPD_CLIENT_GO, "http", "10.0.0.1", 3000, fake_env,
                      &c);
    CHECK(c.proxied && strcmp(c.proxy_var, "HTTP_PROXY") == 0);

    env_table = e3;
    /* ALL_PROXY: curl yes (empty https_proxy is unset), node and Go no */
    mcpd_proxy_decide(MCPD_CLIENT_CURL, "https", "a.b", 443, fake_env, &c);
    CHECK(c.proxied && strcmp(c.proxy_var, "ALL_PROXY") == 0);
    mcpd_proxy_decide(MCPD_CLIENT_NODE, "https", "a.b", 443, fake_env, &c);
    CHECK(!c.proxied);
    mcpd_proxy_decide(MCPD_CLIENT_GO, "https", "a.b", 443, fake_env, &c);
    CHECK(!c.proxied);
}

static void
test_hostport(void)
{
    char h[64], r[128];
    uint16_t port;

    CHECK(mcpd_proxy_hostport("http://u:p@px:3128/", h, sizeof(h),
                              &port) == 0);
    CHECK(strcmp(h, "px") == 0 && port == 3128);
    CHECK(mcpd_proxy_hostport("http://px", h, sizeof(h), &port) == 0);
    CHECK(port == 80);
    CHECK(mcpd_proxy_hostport("socks5://[::1]", h, sizeof(h), &port) == 0);
    CHECK(strcmp(h, "::1") == 0 && port == 1080);
    CHECK(mcpd_proxy_hostport("px:8080", h, sizeof(h), &port) == 0);
    CHECK(strcmp(h, "px") == 0 && port == 8080);
    CHECK(mcpd_proxy_hostport("http://px:99999", h, sizeof(h), &port) == -1);
    /* One parser, each client's default port when the URL names none
     * (curl 1080 for http:// too, the others the scheme's 80). */
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_CURL, "http://px", h,
                                     sizeof(h), &port) == 0);
    CHECK(strcmp(h, "px") == 0 && port == 1080);
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_NODE, "http://px", h,
                                     sizeof(h), &port) == 0);
    CHECK(port == 80);
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_GO, "u:p@px", h,
                                     sizeof(h), &port) == 0);
    CHECK(strcmp(h, "px") == 0 && port == 80);
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_CURL, "https://px", h,
                                     sizeof(h), &port) == 0);
    CHECK(port == 443);
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_REQUESTS,
                                     "socks5h://[::1]", h, sizeof(h),
                                     &port) == 0);
    CHECK(strcmp(h, "::1") == 0 && port == 1080);
    CHECK(mcpd_proxy_hostport_client(MCPD_CLIENT_HTTPX, "http://px:0", h,
                                     sizeof(h), &port) == -1);
    mcpd_redact_url("px:1", r, sizeof(r));
    CHECK(strcmp(r, "px:1") == 0);
    mcpd_redact_url("tok@px:1", r, sizeof(r));
    CHECK(strcmp(r, "***@px:1") == 0);
}

#ifdef MCPD_UNIT_PROXYENV
/* capture reads the same proxy variables with the same parser: the
 * variable a curl would use, and every port one of the clients would
 * use (a URL without a port: curl's 1080 and the others' 80). */
static void
test_proxy_env(void)
{
    static const char block[] = "PATH=/bin\0http_proxy=http://u:pw@px\0"
                                "HTTPS_PROXY=px2:3128\0";
    struct mcpd_target t;
    struct mcpd_proxy_env pe;
    char err[MCPD_ERR_LEN];

    CHECK(mcpd_target_parse("http://localhost:3000/mcp", &t, err) == 0);
    mcpd_proxy_env_read_block(&pe, &t, block, sizeof(block) - 1);
    CHECK(strcmp(pe.var, "http_proxy") == 0);
    CHECK(strcmp(pe.hostport, "px:1080") == 0);
    CHECK(pe.nports == 3);
    CHECK(mcpd_proxy_env_has_port(&pe, 1080));
    CHECK(mcpd_proxy_env_has_port(&pe, 80));
    CHECK(mcpd_proxy_env_has_port(&pe, 3128));
    CHECK(strstr(pe.hostport, "pw") == NULL);
}
#endif

/* A probe whose connect to 127.0.0.1:3000 worked and whose HTTP
 * requests then failed with `code` / `os_errno`; the listener holds
 * `queued` of `backlog`, ListenOverflows moved by `delta`. */
static struct mcpd_probe *
http_failed(int code, int os_errno, unsigned queued, unsigned backlog,
            unsigned delta)
{
    struct mcpd_probe *p = calloc(1, sizeof(*p));
    struct mcpd_http_try *t[2];
    char err[MCPD_ERR_LEN];
    int i;

    if (p == NULL ||
        mcpd_target_parse("http://127.0.0.1:3000/mcp", &p->target, err))
        abort();
    p->opts.timeout = 1;
    p->naddr = 1;
    p->addr[0].ip.family = 4;
    snprintf(p->addr[0].text, sizeof(p->addr[0].text), "127.0.0.1");
    p->addr[0].conn = MCPD_CONN_CONNECTED;
    p->nlst = 1;
    snprintf(p->lst[0].addr, sizeof(p->lst[0].addr), "127.0.0.1");
    p->lst[0].family = 4;
    p->lst[0].backlog = backlog;
    p->lst[0].backlog_known = 1;
    p->lst[0].queued = queued;
    p->lst[0].pid = 42;
    snprintf(p->lst[0].command, sizeof(p->lst[0].command), "node");
    p->lst[0].accepts[0] = 1;
    p->kbefore.valid = p->kafter.valid = 1;
    p->kbefore.listen_overflows = 10;
    p->kafter.listen_overflows = 10 + delta;
    p->proxy.reachable = -1;
    t[0] = &p->http.health;
    t[1] = &p->http.init;
    for (i = 0; i < 2; i++) {
        t[i]->ran = 1;
        t[i]->curl_code = code;
        t[i]->os_errno = os_errno;
        snprintf(t[i]->error, sizeof(t[i]->error), "%s",
                 curl_easy_strerror((CURLcode)code));
    }
    return p;
}

static void
test_queue_verdicts(void)
{
    struct mcpd_probe *p;
    struct mcpd_probe_listener l;

    memset(&l, 0, sizeof(l));
    CHECK(mcpd_listener_queue_full(&l) == -1);    /* backlog unknown */
    l.backlog_known = 1;
    l.backlog = 1;
    l.queued = 1;
    CHECK(mcpd_listener_queue_full(&l) == 0);     /* backlog 1 holds 2 */
    l.queued = 2;
    CHECK(mcpd_listener_queue_full(&l) == 1);
    l.backlog = 0;
    l.queued = 1;
    CHECK(mcpd_listener_queue_full(&l) == 1);     /* backlog 0 holds 1 */

    /* net.ipv4.tcp_abort_on_overflow=1: a handshake completes into the
     * queue another one just filled, and the kernel resets it. Loopback
     * cannot stage the race on demand; the rule is tested here. */
    p = http_failed(CURLE_RECV_ERROR, ECONNRESET, 2, 1, 3);
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "listen_queue_overflow") == 0);
    CHECK(strstr(p->summary, "node, pid 42") != NULL);
    CHECK(strstr(p->fix[0], "accept()") != NULL);
    free(p);
    /* At the backlog and the counter moved: overflow too. */
    p = http_failed(CURLE_OPERATION_TIMEDOUT, 0, 1, 1, 2);
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "listen_queue_overflow") == 0);
    free(p);
    /* The same reset with room in the queue is the server's own. */
    p = http_failed(CURLE_RECV_ERROR, ECONNRESET, 0, 128, 0);
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "server_reset") == 0);
    free(p);
    /* At the backlog but nothing overflowed: a silent server. */
    p = http_failed(CURLE_OPERATION_TIMEDOUT, 0, 1, 1, 0);
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "server_not_responding") == 0);
    CHECK(strstr(p->summary, "waiting for accept()") != NULL);
    free(p);
}

/* The causes the kernel's word sharpens, from a refused or silent
 * 127.0.0.1:3000 with the evidence filled in by hand. */
static struct mcpd_probe *
kernel_case(enum mcpd_conn_result r, const char *origin, const char *reason,
            const char *drop, uint32_t n, const char *rule)
{
    struct mcpd_probe *p = calloc(1, sizeof(*p));
    struct mcpd_probe_addr *a = &p->addr[0];
    char err[MCPD_ERR_LEN];

    mcpd_target_parse("127.0.0.1:3000", &p->target, err);
    p->naddr = 1;
    a->ip.family = 4;
    a->ip.a[0] = 127;
    a->ip.a[3] = 1;
    snprintf(a->text, sizeof(a->text), "127.0.0.1");
    a->conn = r;
    a->conn_errno = r == MCPD_CONN_REFUSED ? ECONNREFUSED : ETIMEDOUT;
    a->kconn.valid = 1;
    a->kconn.local_target = 1;
    snprintf(a->kconn.k.rst_origin, sizeof(a->kconn.k.rst_origin), "%s",
             origin);
    snprintf(a->kconn.k.rst_reason, sizeof(a->kconn.k.rst_reason), "%s",
             reason);
    if (drop) {
        snprintf(a->kconn.k.drops[0].reason,
                 sizeof(a->kconn.k.drops[0].reason), "%s", drop);
        a->kconn.k.drops[0].count = n;
        a->kconn.k.ndrops = 1;
    }
    snprintf(a->kconn.k.rule, sizeof(a->kconn.k.rule), "%s", rule);
    p->nrules = 0;
    return p;
}

static void
test_kernel_verdicts(void)
{
    struct mcpd_probe *p;

    p = kernel_case(MCPD_CONN_REFUSED, "host", "NO_SOCKET", NULL, 0, "");
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "no_listener") == 0);
    CHECK(strstr(p->summary, "NO_SOCKET") != NULL);
    free(p);
    /* Not the host's RST, no raw SYN, no listener seen: a firewall. */
    p = kernel_case(MCPD_CONN_REFUSED, "other", "", "NETFILTER_DROP", 1,
                    "filter: -A INPUT -p tcp -m tcp --dport 3000 -j REJECT "
                    "--reject-with tcp-reset (+1 packet)");
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "firewall_reject") == 0);
    CHECK(strstr(p->summary, "rule `filter: -A INPUT") != NULL);
    CHECK(strstr(p->summary, "(+1 packet)") != NULL);
    free(p);
    /* ... but not for a remote server: its own stack is "other" too. */
    p = kernel_case(MCPD_CONN_REFUSED, "other", "", NULL, 0, "");
    p->addr[0].kconn.local_target = 0;
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "no_listener") == 0);
    free(p);
    p = kernel_case(MCPD_CONN_TIMEOUT, "", "", "NETFILTER_DROP", 3,
                    "filter: -A INPUT -p tcp -m tcp --dport 3000 -j DROP "
                    "(+3 packets)");
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "firewall_drop") == 0);
    CHECK(strstr(p->summary, "dropped 3 SYNs") != NULL);
    CHECK(strstr(p->summary, "-j DROP` (+3 packets)") != NULL);
    free(p);
    p = kernel_case(MCPD_CONN_TIMEOUT, "", "", "TCP_LISTEN_OVERFLOW", 2, "");
    mcpd_probe_diagnose(p);
    CHECK(strcmp(p->cause, "listen_queue_overflow") == 0);
    free(p);
}

#ifdef HAVE_KCORRELATE
static struct mcpd_kevent
kev(enum mcpd_kev_type t, int64_t ts, int32_t pid, const char *reason)
{
    struct mcpd_kevent e;

    memset(&e, 0, sizeof(e));
    e.type = t;
    e.ts_ns = ts;
    e.pid = pid;
    e.l3proto = 0x0800;
    snprintf(e.reason, sizeof(e.reason), "%s", reason);
    return e;
}

static void
ep(struct mcpd_endpoint *e, uint8_t last, uint16_t port)
{
    memset(e, 0, sizeof(*e));
    e->ip.family = 4;
    e->ip.a[0] = 127;
    e->ip.a[3] = last;
    e->port = port;
}

/* Matching on synthetic events: the RST by 4-tuple, "other" only when
 * nothing was lost, drops by process and capped at the SYNs sent. */
static void
test_kcorrelate(void)
{
    struct mcpd_kstore s;
    struct mcpd_kattempt a;
    struct mcpd_kernel k;
    struct mcpd_kevent e;
    struct mcpd_fwrule before[1], now[2];

    CHECK(mcpd_kstore_init(&s, 4) == 0);
    memset(&a, 0, sizeof(a));
    ep(&a.cli, 1, 40000);
    ep(&a.srv, 1, 3000);
    a.t0_ns = 1000000000;
    a.t1_ns = 1001000000;
    a.pid = 42;
    a.refused = 1;
    a.nsyn = 1;
    e = kev(MCPD_KEV_RST, 1000100000, 42, "NO_SOCKET");
    ep(&e.src, 1, 3000);
    ep(&e.dst, 1, 40001);          /* another client's RST */
    mcpd_kstore_add(&s, &e);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(strcmp(k.rst_origin, "other") == 0);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 1, &k);           /* an event was lost */
    CHECK(k.rst_origin[0] == '\0');
    ep(&e.dst, 1, 40000);          /* ours */
    mcpd_kstore_add(&s, &e);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(strcmp(k.rst_origin, "host") == 0 &&
          strcmp(k.rst_reason, "NO_SOCKET") == 0 &&
          strcmp(k.rst_matched_by, "tuple") == 0);

    /* Drops: ours, a retransmission in another context, and one more
     * than the SYNs sent; another process's reason is not ours. */
    mcpd_kstore_clear(&s);
    a.refused = 0;
    a.unanswered = 1;
    a.nsyn = 2;
    e = kev(MCPD_KEV_DROP, 1000000100, 42, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, 1000500000, 0, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, 1000600000, 0, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, 1000700000, 7, "IP_RPFILTER");   /* not ours */
    mcpd_kstore_add(&s, &e);
    CHECK(mcpd_kstore_overflow(&s) == 0);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(k.ndrops == 1 && mcpd_kernel_drops(&k, "NETFILTER_DROP") == 2);
    CHECK(strcmp(k.drops_matched_by, "time") == 0);
    /* The ring (cap 4) overwrites its oldest: our own drop is gone. */
    mcpd_kstore_add(&s, &e);
    CHECK(mcpd_kstore_overflow(&s) == 1);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(k.ndrops == 0);
    mcpd_kstore_free(&s);

    /* The rule whose counter moved since the last read. */
    memset(before, 0, sizeof(before));
    memset(now, 0, sizeof(now));
    snprintf(before[0].text, sizeof(before[0].text), "filter: -A X -j DROP");
    before[0].packets = 5;
    before[0].verdict = 1;
    now[0] = before[0];
    snprintf(now[1].text, sizeof(now[1].text), "filter: -A Y -j ACCEPT");
    now[1].packets = 9;
    memset(&k, 0, sizeof(k));
    CHECK(mcpd_kernel_rule(&k, before, 1, now, 2) == 0 && !k.rule[0]);
    now[0].packets = 6;
    CHECK(mcpd_kernel_rule(&k, before, 1, now, 2) == 1);
    CHECK(strcmp(k.rule, "filter: -A X -j DROP (+1 packet)") == 0);
}

/* Capture's use of the same correlator: a long-running ring, the
 * connect named by its leaving event's port, drops matched to the SYN
 * times without a process, "other" only while the attempt's time is
 * still in the ring. */
static void
test_kcorrelate_ring(void)
{
    struct mcpd_kstore s;
    struct mcpd_kattempt a;
    struct mcpd_kernel k;
    struct mcpd_kevent e;
    const struct mcpd_kevent *conn;
    int64_t syn[2] = { 2000000000, 3000000000 };
    int i;

    CHECK(mcpd_kstore_init(&s, 16) == 0);
    memset(&a, 0, sizeof(a));
    ep(&a.cli, 1, 41000);
    ep(&a.srv, 1, 3000);
    a.t0_ns = syn[0];
    a.t1_ns = syn[1];
    a.unanswered = 1;
    a.nsyn = 2;
    a.syn_ns = syn;
    /* connect() enters SYN_SENT (no port yet), then the socket leaves
     * it with its port: the entering event gets the port, by tuple. */
    e = kev(MCPD_KEV_CONNECT, syn[0] - 1000, 77, "");
    e.sk = 0xabc;
    e.newstate = 2;
    ep(&e.dst, 1, 3000);
    snprintf(e.comm, sizeof(e.comm), "client");
    mcpd_kstore_add(&s, &e);
    /* Drops: one near each SYN (no process known), one far from both,
     * one near but of IPv6. */
    e = kev(MCPD_KEV_DROP, syn[0] + 100000, 0, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, syn[0] + 500000000, 0, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, syn[1] + 200000, 0, "NETFILTER_DROP");
    e.l3proto = 0x86dd;
    mcpd_kstore_add(&s, &e);
    e = kev(MCPD_KEV_DROP, syn[1] + 300000, 0, "NETFILTER_DROP");
    mcpd_kstore_add(&s, &e);
    memset(&k, 0, sizeof(k));
    conn = mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(conn && conn->pid == 77 && strcmp(k.client_matched_by, "time") == 0);
    /* Its process fired none of the drops (timer context): none is
     * vouched for. */
    CHECK(k.ndrops == 0);
    e = kev(MCPD_KEV_CONNECT, syn[1] + 1000000, 0, "");
    e.sk = 0xabc;
    e.oldstate = 2;
    e.newstate = 7;
    ep(&e.src, 1, 41000);
    ep(&e.dst, 1, 3000);
    mcpd_kstore_add(&s, &e);
    memset(&k, 0, sizeof(k));
    conn = mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(conn && conn->pid == 77 && conn->src.port == 41000 &&
          strcmp(k.client_matched_by, "tuple") == 0);
    /* Without the process, the drops near the SYNs count. */
    a.cli.port = 41001;         /* another connection: no connect */
    memset(&k, 0, sizeof(k));
    CHECK(mcpd_kcorrelate(&s, &a, 0, &k) == NULL);
    CHECK(mcpd_kernel_drops(&k, "NETFILTER_DROP") == 2 && k.ndrops == 1);

    /* A server RST with no tcp_send_reset: "other" while the ring still
     * holds the attempt's time, nothing once newer events overwrote it. */
    memset(&a, 0, sizeof(a));
    ep(&a.cli, 1, 42000);
    ep(&a.srv, 1, 3000);
    a.t0_ns = 5000000000;
    a.t1_ns = 5000100000;
    a.refused = 1;
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(strcmp(k.rst_origin, "other") == 0 &&
          strcmp(k.rst_matched_by, "tuple") == 0);
    for (i = 0; i < 16; i++) {
        e = kev(MCPD_KEV_RST, a.t0_ns + i, 0, "NO_SOCKET");
        ep(&e.src, 1, 3000);
        ep(&e.dst, 1, 43000);
        mcpd_kstore_add(&s, &e);
    }
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(k.rst_origin[0] == '\0' && mcpd_kstore_overflow(&s) > 0);
    /* Ours, found through the RST index among the others. */
    ep(&e.dst, 1, 42000);
    snprintf(e.reason, sizeof(e.reason), "NOT_SPECIFIED");
    mcpd_kstore_add(&s, &e);
    memset(&k, 0, sizeof(k));
    mcpd_kcorrelate(&s, &a, 0, &k);
    CHECK(strcmp(k.rst_origin, "host") == 0 &&
          strcmp(k.rst_reason, "NOT_SPECIFIED") == 0);
    /* A full accept queue from its counter, once. */
    mcpd_kernel_listen_overflow(&k, 5, 7);
    mcpd_kernel_listen_overflow(&k, 5, 9);
    CHECK(mcpd_kernel_drops(&k, "TCP_LISTEN_OVERFLOW") == 2);
    mcpd_kstore_free(&s);
}
#endif

/* A fix line that says to stop or kill something. */
static int
fix_stops(const struct mcpd_probe *p)
{
    int i;

    for (i = 0; i < p->nfix; i++)
        if (strstr(p->fix[i], "kill") || strstr(p->fix[i], "stop "))
            return 1;
    return 0;
}

/* An HTTP answer at the given URL: `status` to GET /health and POST
 * initialize, from a listener named `comm`. */
static struct mcpd_probe *
http_answered(long status, const char *comm)
{
    struct mcpd_probe *p = http_failed(0, 0, 0, 511, 0);

    snprintf(p->lst[0].command, sizeof(p->lst[0].command), "%s", comm);
    p->http.health.status = 404;
    p->http.health.curl_code = 0;
    p->http.health.error[0] = '\0';
    p->http.init.status = status;
    p->http.init.curl_code = 0;
    p->http.init.error[0] = '\0';
    snprintf(p->http.init.method, sizeof(p->http.init.method), "POST");
    snprintf(p->http.init.url, sizeof(p->http.init.url), "%s",
             p->target.url);
    return p;
}

static void
test_above_http(void)
{
    struct mcpd_probe *p;

    /* 404 at the URL and at every usual path, no JSON-RPC, no
     * challenge: proven not MCP; stopping the holder may be said. */
    p = http_answered(404, "python3");
    p->http.npaths = 1;
    snprintf(p->http.paths[0].path, sizeof(p->http.paths[0].path), "/");
    p->http.paths[0].init.status = 404;
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_PORT_IN_USE_BY_OTHER);
    CHECK(strcmp(p->cause, "port_in_use_by_other") == 0);
    CHECK(strstr(p->summary, "/ 404") != NULL);
    free(p);

    /* The same 404s from nginx: never port_in_use_by_other, never stop. */
    p = http_answered(404, "nginx");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_HTTP_ERROR);
    CHECK(!fix_stops(p));
    free(p);

    /* A 404 whose body is JSON-RPC: an MCP server at another path. */
    p = http_answered(404, "node");
    p->http.init.is_jsonrpc = 1;
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id != MCPD_C_PORT_IN_USE_BY_OTHER);
    CHECK(!fix_stops(p));
    free(p);

    /* Another path answers initialize: wrong_path naming it. */
    p = http_answered(404, "node");
    snprintf(p->http.mcp_url, sizeof(p->http.mcp_url),
             "http://127.0.0.1:3000/mcp/");
    snprintf(p->http.mcp_url_transport, sizeof(p->http.mcp_url_transport),
             "streamable-http");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_WRONG_PATH);
    CHECK(p->nfix > 0 && strstr(p->fix[0], "http://127.0.0.1:3000/mcp/"));
    free(p);

    /* 401: auth_required, the authorization server named, no stop. */
    p = http_answered(401, "node");
    p->http.auth.required = 1;
    p->http.auth.status = 401;
    snprintf(p->http.auth.scheme, sizeof(p->http.auth.scheme), "Bearer");
    snprintf(p->http.auth.metadata_url, sizeof(p->http.auth.metadata_url),
             "http://127.0.0.1:3000/.well-known/oauth-protected-resource");
    p->http.auth.nservers = 1;
    snprintf(p->http.auth.servers[0], sizeof(p->http.auth.servers[0]),
             "https://as.example/");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_AUTH_REQUIRED);
    CHECK(strstr(p->summary, "https://as.example/") != NULL);
    CHECK(!fix_stops(p));
    free(p);

    /* 502 from a process whose Server header says envoy. */
    p = http_answered(502, "some-sidecar");
    snprintf(p->http.init.server, sizeof(p->http.init.server), "envoy");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_GATEWAY_ERROR);
    CHECK(strstr(p->summary, "envoy") != NULL);
    CHECK(!fix_stops(p));
    free(p);

    /* No HTTP at all (a banner): proven not MCP. */
    p = http_failed(CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 511, 0);
    snprintf(p->lst[0].command, sizeof(p->lst[0].command), "sshd");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id == MCPD_C_PORT_IN_USE_BY_OTHER);
    free(p);
    /* ... unless docker-proxy holds the port. */
    p = http_failed(CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 511, 0);
    snprintf(p->lst[0].command, sizeof(p->lst[0].command), "docker-proxy");
    mcpd_probe_diagnose(p);
    CHECK(p->cause_id != MCPD_C_PORT_IN_USE_BY_OTHER);
    CHECK(!fix_stops(p));
    free(p);
}

int
main(void)
{
    test_target();
    test_noproxy();
    test_decide();
    test_hostport();
#ifdef MCPD_UNIT_PROXYENV
    test_proxy_env();
#endif
    test_queue_verdicts();
    test_kernel_verdicts();
    test_above_http();
#ifdef HAVE_KCORRELATE
    test_kcorrelate();
    test_kcorrelate_ring();
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
