/* \summary: verdicts per connection and the causes they support */
#ifndef MCPD_VERDICT_H
#define MCPD_VERDICT_H

#include <stddef.h>
#include <stdint.h>

/* SPEC.md's verdicts, in the order of its table. */
enum mcpd_verdict {
    MCPD_V_REFUSED,
    MCPD_V_UNREACHABLE,
    MCPD_V_TIMEOUT,
    MCPD_V_HALF_OPEN,
    MCPD_V_RESET,
    MCPD_V_CLOSED,
    MCPD_V_ESTABLISHED,
    MCPD_V_PARTIAL,
    MCPD_V_COUNT
};

/* Diagnosis causes (SPEC.md names, plus a few the packets call for). */
enum mcpd_cause {
    MCPD_C_OK,
    MCPD_C_NO_LISTENER,
    MCPD_C_WRONG_ADDRESS_FAMILY,
    MCPD_C_SERVER_NOT_READY,
    MCPD_C_FIREWALL_REJECT,
    MCPD_C_FIREWALL_DROP,
    MCPD_C_LISTEN_QUEUE_OVERFLOW,
    MCPD_C_HOST_UNREACHABLE,
    MCPD_C_HANDSHAKE_INCOMPLETE,
    MCPD_C_SERVER_RESET,
    MCPD_C_CLIENT_RESET,
    MCPD_C_SERVER_NOT_RESPONDING,
    MCPD_C_WRONG_PROTOCOL,
    MCPD_C_HTTP_ERROR,
    MCPD_C_NO_TRAFFIC,
    MCPD_C_PROXY_IN_PATH,
    MCPD_C_PROXY_UNREACHABLE,
    MCPD_C_TLS_UNTRUSTED,
    MCPD_C_TLS_HANDSHAKE_FAILED,
    MCPD_C_PORT_IN_USE_BY_OTHER,
    MCPD_C_AUTH_REQUIRED,
    MCPD_C_GATEWAY_ERROR,
    MCPD_C_WRONG_PATH,
    MCPD_C_ANSWER_REJECTED,
    /* Causes probe names from its HTTP and MCP stages (and capture and
     * analyze where the packets show them). */
    MCPD_C_WRONG_BIND_ADDRESS,
    MCPD_C_WRONG_TRANSPORT,
    MCPD_C_MCP_ERROR,
    MCPD_C_DNS_FAILURE,
    MCPD_C_COUNT
};

struct mcpd_flow;

#define MCPD_FIX_LEN 256
#define MCPD_MAX_FIX 4

const char *mcpd_verdict_name(enum mcpd_verdict v);

/* ESTABLISHED and CLOSED are healthy; every other verdict is not. */
int mcpd_verdict_ok(enum mcpd_verdict v);

/* One sentence: what this verdict means on the wire. */
const char *mcpd_verdict_explain(enum mcpd_verdict v);

const char *mcpd_cause_name(enum mcpd_cause c);

/* The cause named `name` (SPEC.md's word), or MCPD_C_COUNT. */
enum mcpd_cause mcpd_cause_by_name(const char *name);

/*
 * The cause one connection supports on its own, from its verdict, ICMP
 * code, flags and first payload bytes. `port_has_success` says whether
 * another connection to the same server endpoint completed a handshake
 * in this capture (which turns a silent drop into a full listen queue).
 */
enum mcpd_cause mcpd_flow_cause(const struct mcpd_flow *f,
                                int port_has_success);

/* One row of the HTTP status table (verdict.c): what a status means
 * for an MCP client and the cause it gives. */
struct mcpd_http_status {
    unsigned status;             /* the code; 0 in a class default */
    const char *reason;          /* reason phrase (RFC 9110 section 15) */
    const char *meaning;         /* what it means for an MCP client */
    enum mcpd_cause cause;       /* the cause it gives on its own */
    enum mcpd_cause cause_post;  /* ... as the answer to the client's POST */
    unsigned challenge : 1;      /* with WWW-Authenticate: a sign-in */
    unsigned host_check : 1;     /* how a Host/Origin allowlist answers */
    const char *fix;             /* the client-side fix, or NULL */
};

/* The row for `status`: its own, else its class's (4xx, 5xx), else an
 * empty row for a status below 400. Never NULL. */
const struct mcpd_http_status *mcpd_http_status_row(unsigned status);

/* "Not Found: no MCP endpoint at this path ..." ("" below 400). */
void mcpd_http_status_text(unsigned status, char *buf, size_t len);

/* The cause an HTTP status >= 400 supports on its own (analyze and
 * capture, which see no headers): auth_required, gateway_error, else
 * http_error. */
enum mcpd_cause mcpd_http_status_cause(unsigned status);

/*
 * Severity used to pick the headline cause among several (README,
 * "Which cause wins"): a cause that breaks every client outranks one
 * that breaks only some (a dead proxy, which every proxied client
 * meets, outranks a refusal on one address family, which only clients
 * without a fallback meet); a cause closer to the root wins a tie.
 */
int mcpd_cause_rank(enum mcpd_cause c);

/*
 * Text for a cause found on server HOST:PORT (addr as text). Writes the
 * one-sentence summary into `summary` and up to `max_fix` fix lines
 * (commands to run, with a comment) into fix[]; returns how many.
 */
int mcpd_cause_text(enum mcpd_cause c, const struct mcpd_flow *example,
                    char *summary, size_t summary_len,
                    char fix[][MCPD_FIX_LEN], int max_fix);

/* What an ICMP type/code means ("port unreachable", ...). */
const char *mcpd_icmp_name(int family, uint8_t type, uint8_t code);

#endif
