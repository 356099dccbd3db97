/* \summary: probe internals: the target, every stage's result, the
 * functions that fill them */
#ifndef MCPD_PROBE_INT_H
#define MCPD_PROBE_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "dec.h"
#include "kernel.h"
#include "mcpd.h"
#include "platform.h"
#include "sanitize.h"
#include "target.h"
#include "verdict.h"

#define MCPD_PROBE_MAX_ADDRS      16
#define MCPD_PROBE_MAX_LISTENERS  32
#define MCPD_PROBE_MAX_RULES      32
#define MCPD_PROBE_MAX_FIX        8

struct curl_slist;

/* ---- stage 1 and 3: resolution and TCP connect ---- */

enum mcpd_conn_result {
    MCPD_CONN_NOT_RUN = 0,
    MCPD_CONN_CONNECTED,
    MCPD_CONN_REFUSED,
    MCPD_CONN_TIMEOUT,
    MCPD_CONN_UNREACHABLE,
    MCPD_CONN_RESET,
    MCPD_CONN_ERROR
};

enum mcpd_syn_result {
    MCPD_SYN_NOT_RUN = 0,
    MCPD_SYN_SYNACK,
    MCPD_SYN_RST,
    MCPD_SYN_ICMP,
    MCPD_SYN_NOTHING,
    MCPD_SYN_ERROR
};

/* The kernel's word on one attempt (root, Linux: the kernel witness and
 * the firewall rule counters), shaped as capture reports it. */
struct mcpd_probe_kev {
    int valid;               /* the witness or the counters watched it */
    struct mcpd_kernel k;    /* rst_origin, drops, rule, matched_by */
    const char *rule_matched_by;      /* "time" when k.rule is set */
    int local_target;        /* the server address is this host's own */
};

struct mcpd_syn_probe {
    enum mcpd_syn_result result;
    int sent;                /* SYNs put on the wire */
    double ms;               /* first answer after the first SYN */
    int icmp_type;           /* ICMP/ICMPv6 type, -1 if none */
    int icmp_code;           /* ICMP/ICMPv6 code, -1 if none */
    char icmp_from[MCPD_IP_STRLEN];   /* who sent the ICMP */
    uint16_t sport;          /* our source port (reserved range) */
    uint32_t seq;            /* our keyed sequence cookie */
    char error[MCPD_ERR_LEN];         /* why it could not run */
    int64_t t0_ns, t1_ns;    /* CLOCK_REALTIME: first SYN, last wait */
    struct mcpd_probe_kev kernel;     /* what the kernel said */
};

struct mcpd_probe_addr {
    struct mcpd_ip ip;       /* resolved address */
    char text[MCPD_IP_STRLEN];        /* printable form */
    enum mcpd_conn_result conn;
    int conn_errno;          /* 0 when connected */
    double conn_ms;          /* time to the result */
    double conn_start;       /* wall clock (s) when connect() began */
    char local[MCPD_IP_STRLEN];       /* our end, "" when unbound */
    uint16_t local_port;     /* our ephemeral port, 0 unknown */
    int syn_count;           /* SYNs the kernel sent, 0 unknown */
    struct mcpd_syn_probe syn;       /* root only */
    struct mcpd_probe_kev kconn;     /* the kernel on the connect */
};

/* What one TCP connect saw, beyond its result (for the JSON
 * "connections": our end of it and how many SYNs went out). */
struct mcpd_conn_detail {
    double start;            /* wall clock, seconds */
    char local[MCPD_IP_STRLEN];
    uint16_t local_port;
    int syn_count;           /* 1 + SYN retransmissions, 0 unknown */
};

/* ---- stage 2: listeners ---- */

struct mcpd_probe_listener {
    char addr[MCPD_IP_STRLEN];        /* bound address */
    int family;              /* 4 or 6 */
    int v6only;              /* -1 unknown */
    uint32_t backlog;        /* listen() backlog */
    int backlog_known;       /* 0 from the socket table: not in it */
    uint32_t queued;         /* waiting for accept() */
    int32_t pid;             /* -1 not visible */
    char command[64];        /* owner comm */
    char user[32];           /* owner user */
    int accepts[MCPD_PROBE_MAX_ADDRS];  /* would take a SYN to addr[i] */
};

/* ---- stage 5: firewall and kernel counters ---- */

/* struct mcpd_fw_rule and struct mcpd_kcounters: platform.h */

/* ---- stage 6: proxy ---- */

/* enum mcpd_client_kind and mcpd_proxy_hostport: target.h */

/* Look up an environment variable (getenv, or a table in tests). */
typedef const char *(*mcpd_env_fn)(const char *name);

struct mcpd_proxy_choice {
    int proxied;             /* this client sends the URL to a proxy */
    char proxy_var[16];      /* variable that named the proxy */
    char proxy[256];         /* its value, credentials redacted */
    char noproxy_var[16];    /* variable consulted for exclusions */
    char reason[160];        /* one sentence: why (not) proxied */
};

/*
 * Which proxy `client` would use for the URL (scheme, host, port) given
 * the environment, under that client's own rules (research §1a).
 */
void mcpd_proxy_decide(enum mcpd_client_kind client, const char *scheme,
                       const char *host, uint16_t port, mcpd_env_fn env,
                       struct mcpd_proxy_choice *out);

/* Does `noproxy` exclude host:port for this client? 1 yes, 0 no. */
int mcpd_noproxy_match(enum mcpd_client_kind client, const char *noproxy,
                       const char *host, uint16_t port);

/* "curl", "node", ... */
const char *mcpd_client_name(enum mcpd_client_kind client);

/* Copy a proxy URL with any user:password replaced by "***". */
void mcpd_redact_url(const char *in, char *out, size_t len);

struct mcpd_probe_proxy {
    char vars[12][300];      /* "NAME=value" (redacted) that are set */
    int nvars;               /* entries in vars */
    struct mcpd_proxy_choice client[MCPD_CLIENT_COUNT];
    int any_proxied;         /* some client would proxy this URL */
    char checked[256];       /* proxy tested (redacted) */
    int reachable;           /* -1 not tested, 0 no, 1 yes */
    int reach_errno;         /* errno of the failed connect */
    long via_status;         /* HTTP status of initialize via proxy */
    char via_error[MCPD_ERR_LEN];     /* libcurl error via the proxy */
    int via_mcp_ok;          /* initialize worked through the proxy */
    /* The OS's own proxy settings (platform.h; Windows, macOS), which
     * Python's urllib and Chromium-based clients read. */
    struct mcpd_sysproxy_set sys;
    int sys_read;            /* they were read */
    char sys_proxy[256];     /* the one for this URL's scheme (credentials
                                redacted), "" none */
    int sys_bypassed;        /* their exceptions send the host direct */
    int sys_python;          /* Python's urllib would send the URL to it */
    int sys_chromium;        /* Chromium-based clients would */
};

/* ---- stage 7: HTTP and MCP ---- */

struct mcpd_http_try {
    int ran;                 /* attempted */
    char method[8];          /* GET, POST */
    char url[1400];          /* where */
    long status;             /* HTTP status, 0 none */
    char content_type[128];  /* response Content-Type */
    int curl_code;           /* CURLcode, 0 ok */
    char error[MCPD_ERR_LEN];         /* libcurl error text */
    int os_errno;            /* errno behind curl_code, 0 none */
    double ms;               /* total time */
    long rpc_code;           /* JSON-RPC error code, 0 none */
    char rpc_message[256];   /* JSON-RPC error message or body text */
    int is_jsonrpc;          /* the body was JSON-RPC */
    char meaning[200];       /* what the answer means for MCP */
    char www_auth[512];      /* WWW-Authenticate (a challenge, never a
                              * credential) */
    char server[64];         /* Server header */
    char encoding[32];       /* Content-Encoding */
};

/* One of the usual MCP paths, tried when the given one does not speak
 * MCP (wrong_path, wrong_transport, and the proof behind
 * port_in_use_by_other). */
#define MCPD_PROBE_MAX_PATHS 4
struct mcpd_path_try {
    char path[16];           /* "/mcp", "/mcp/", "/sse", "/" */
    struct mcpd_http_try init;        /* POST initialize there */
    int mcp_ok;              /* it answered an InitializeResult */
};

/* MCP authorization (RFC 9728 protected-resource metadata). */
#define MCPD_PROBE_MAX_AS 3
struct mcpd_probe_auth {
    int required;            /* 401, or 403 with WWW-Authenticate */
    long status;             /* that status */
    char scheme[32];         /* "Bearer" */
    char resource_metadata[512];      /* from the challenge, "" none */
    char metadata_url[1400]; /* the document we read, "" none */
    long metadata_status;    /* its HTTP status, 0 none */
    char resource[512];      /* its "resource" */
    char servers[MCPD_PROBE_MAX_AS][256];  /* authorization_servers */
    int nservers;
};

struct mcpd_probe_http {
    struct mcpd_http_try health;      /* GET --health */
    struct mcpd_http_try discover;    /* POST server/discover */
    struct mcpd_http_try init;        /* POST initialize */
    struct mcpd_http_try initialized; /* POST notifications/initialized */
    struct mcpd_http_try sse_get;     /* GET /sse */
    struct mcpd_http_try sse_post;    /* POST to the endpoint */
    struct mcpd_http_try tools;       /* --deep: tools/list */
    int tls_mismatch;        /* 1 TLS to plain, 2 plain to TLS */
    int tls_untrusted;       /* https: the certificate failed checks */
    char tls_error[MCPD_ERR_LEN];     /* libcurl's verification error */
    long tls_insecure_status;         /* GET --health without the check */
    /* MCP outcome */
    int mcp_ok;              /* some transport worked */
    char transport[24];      /* "streamable-http", "sse", "modern" */
    char protocol_version[32];        /* negotiated */
    char server_name[128];   /* serverInfo.name */
    char server_version[64]; /* serverInfo.version */
    char session_id[128];    /* Mcp-Session-Id (shown: not a secret
                              * credential, but truncated) */
    char sse_endpoint[512];  /* endpoint event data */
    int tools_count;         /* --deep, -1 unknown */
    /* above HTTP */
    struct mcpd_path_try paths[MCPD_PROBE_MAX_PATHS];
    int npaths;              /* paths tried besides the given one */
    char mcp_url[1400];      /* a URL that speaks MCP, "" none found */
    char mcp_url_transport[24];       /* its transport */
    struct mcpd_probe_auth auth;
    int sse_stalled;         /* a 200 event stream sent no event in time */
};

/* ---- the whole probe ---- */

struct mcpd_probe_opts {
    double timeout;          /* seconds, per stage step */
    char health[256];        /* health path */
    int deep;                /* go on to tools/list */
    int verbose;
    int quiet;
    int json;
    int color;
    int utf8;
    int no_syn;              /* skip the raw SYN probe */
    struct curl_slist *extra_headers; /* --headers-fd: "Name: value"
                              * added to every HTTP request; values are
                              * secrets, never printed or stored */
};

struct mcpd_probe {
    struct mcpd_probe_opts opts;
    struct mcpd_target target;
    int is_root;             /* effective uid 0 */
    /* stage 1 */
    char resolve_error[MCPD_ERR_LEN]; /* gai_strerror, "" ok */
    int resolve_rc;          /* getaddrinfo's EAI_* code, 0 ok */
    int resolve_timed_out;   /* no answer within --timeout */
    double resolve_ms;       /* how long the lookup took */
    struct mcpd_probe_addr addr[MCPD_PROBE_MAX_ADDRS];
    int naddr;
    /* stage 2 */
    struct mcpd_probe_listener lst[MCPD_PROBE_MAX_LISTENERS];
    int nlst;                /* -1 when the lookup failed */
    char lst_visibility[16]; /* full, partial, none */
    char lst_error[MCPD_ERR_LEN];
    /* stage 5 */
    struct mcpd_fw_rule rules[MCPD_PROBE_MAX_RULES];
    int nrules;              /* -1 not inspected */
    char fw_error[MCPD_ERR_LEN];      /* why not inspected */
    struct mcpd_kcounters kbefore, kafter;
    /* the kernel witness (root, Linux) */
    struct mcpd_probe_kw *kw;         /* NULL when not available */
    int kw_tried;            /* the witness was asked for */
    char kw_error[MCPD_ERR_LEN];      /* why it is not available */
    char fw_watch_error[MCPD_ERR_LEN];  /* why rule counters are not */
    uint64_t kw_events, kw_lost;      /* events read, lost by the kernel */
    int kw_fw;               /* the rule counters were watched */
    int kw_ai;               /* address of the attempt being watched */
    /* stage 6 */
    struct mcpd_probe_proxy proxy;
    /* stage 7 */
    struct mcpd_probe_http http;
    /* stages skipped because they cannot succeed, and why */
#define MCPD_PROBE_MAX_SKIPS 4
    struct {
        char stage[16];
        char reason[200];
    } skipped[MCPD_PROBE_MAX_SKIPS];
    int nskipped;
    /* verdict */
    enum mcpd_cause cause_id;         /* the verdict, from verdict.h */
    char cause[32];          /* its SPEC name */
    char summary[512];       /* one sentence */
    char fix[MCPD_PROBE_MAX_FIX][256];
    int nfix;
    char failed_stage[16];   /* stage name of the first failure */
};

/* The kernel witness around the connect and SYN stages (probe_kernel.c):
 * open before them, wrap each attempt, close after. Never fails: where
 * it cannot run, p->kw_error says why and the attempts carry nothing. */
struct mcpd_probe_kw;
void mcpd_probe_kernel_open(struct mcpd_probe *p);
void mcpd_probe_kernel_begin(struct mcpd_probe *p, int ai);
/* During an attempt, every MCPD_TICK_MS: read the witness's rings
 * before they fill (ctx is the struct mcpd_probe). */
#define MCPD_TICK_MS 20
void mcpd_probe_kernel_tick(void *ctx);
/* How an attempt ended, for mcpd_probe_kernel_end. */
#define MCPD_KW_REFUSED    1 /* a RST (or ECONNREFUSED) came back */
#define MCPD_KW_UNANSWERED 2 /* nothing came back */
#define MCPD_KW_FAILED     4 /* no handshake, whatever the reason */
#define MCPD_KW_RAW        8 /* the raw SYN: answers meet no socket */

/* After an attempt to address ai: cli_addr/cli_port our end ("", 0
 * unknown), t0/t1 its CLOCK_REALTIME window, how (MCPD_KW_*), nsyn the
 * SYNs sent (0 unknown). */
void mcpd_probe_kernel_end(struct mcpd_probe *p, int ai,
                           const char *cli_addr, uint16_t cli_port,
                           int64_t t0_ns, int64_t t1_ns, int how, int nsyn,
                           struct mcpd_probe_kev *out);
void mcpd_probe_kernel_close(struct mcpd_probe *p);
/* CLOCK_REALTIME in ns: the clock of the witness's events. */
int64_t mcpd_realtime_ns(void);

/* Note a stage (or one address's part of it) that did not run because
 * it cannot tell more, and why: the report prints it, the JSON lists it
 * under "skipped". */
void mcpd_probe_skip(struct mcpd_probe *p, const char *stage,
                     const char *reason);

/* Stage runners; each fills its part of *p and never exits. */
void mcpd_probe_resolve(struct mcpd_probe *p);
void mcpd_probe_listeners(struct mcpd_probe *p);
void mcpd_probe_connect(struct mcpd_probe *p);
void mcpd_probe_syn(struct mcpd_probe *p);

/*
 * Whether one decoded packet (st, pk: the core decoder's answer for it)
 * answers the raw SYN sent from `sport` to dst:dport with sequence `seq`:
 * a SYN-ACK or RST acking seq+1, or an ICMP unreachable quoting it. 1
 * with out's result (and ICMP type, code and sender) filled, else 0.
 */
int mcpd_syn_answer(const struct mcpd_ip *dst, uint16_t dport,
                    uint16_t sport, uint32_t seq, enum mcpd_dec_status st,
                    const struct mcpd_packet *pk, struct mcpd_syn_probe *out);
void mcpd_probe_proxy(struct mcpd_probe *p);
void mcpd_probe_http(struct mcpd_probe *p);
void mcpd_probe_diagnose(struct mcpd_probe *p);

/* TCP connect with a timeout; fills result, errno, ms. */
enum mcpd_conn_result mcpd_tcp_connect(const struct mcpd_ip *ip,
                                       uint16_t port, double timeout,
                                       int *err_out, double *ms_out);

/* The same, also saying which local port it used and how many SYNs
 * went out (detail may be NULL). */
enum mcpd_conn_result mcpd_tcp_connect2(const struct mcpd_ip *ip,
                                        uint16_t port, double timeout,
                                        int *err_out, double *ms_out,
                                        struct mcpd_conn_detail *detail);

/* Is listener l's accept queue full by the kernel's rule? 1 yes, 0 no,
 * -1 unknown (backlog not known). */
int mcpd_listener_queue_full(const struct mcpd_probe_listener *l);

/* initialize through `proxy` (a URL; credentials used, never shown). */
int mcpd_http_init_via(struct mcpd_probe *p, const char *proxy,
                       struct mcpd_http_try *t);

/* Reports. Return nothing; write to out. */
void mcpd_probe_report_text(const struct mcpd_probe *p, FILE *out);
int mcpd_probe_report_json(const struct mcpd_probe *p, FILE *out);

const char *mcpd_conn_result_name(enum mcpd_conn_result r);
const char *mcpd_syn_result_name(enum mcpd_syn_result r);

/* Monotonic clock in milliseconds. */
double mcpd_now_ms(void);

#endif
