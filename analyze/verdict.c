/* \summary: the verdict and cause rules, each one table row */

#include <stdio.h>
#include <string.h>
#include "fixcmd.h"
#include "flow.h"
#include "sniff.h"
#include "verdict.h"

struct verdict_row {
    const char *name;        /* SPEC.md verdict name */
    int ok;                  /* healthy? */
    const char *explain;     /* the rule on the wire, in one sentence */
};

static const struct verdict_row verdict_table[MCPD_V_COUNT] = {
    [MCPD_V_REFUSED] = { "REFUSED", 0,
        "the server side answered the SYN with RST: nothing listens "
        "there, or a firewall rejects with tcp-reset" },
    [MCPD_V_UNREACHABLE] = { "UNREACHABLE", 0,
        "an ICMP destination-unreachable quoting the SYN came back" },
    [MCPD_V_TIMEOUT] = { "TIMEOUT", 0,
        "the SYN got no answer at all: no SYN-ACK, RST or ICMP" },
    [MCPD_V_HALF_OPEN] = { "HALF_OPEN", 0,
        "the server answered the SYN (a SYN-ACK, or a bare ACK the client "
        "rejected with RST) but the handshake never completed" },
    [MCPD_V_RESET] = { "RESET", 0,
        "the connection was established, then reset" },
    [MCPD_V_CLOSED] = { "CLOSED", 1,
        "the connection was established and closed with FIN" },
    [MCPD_V_ESTABLISHED] = { "ESTABLISHED", 1,
        "the connection was established and still open at the end" },
    [MCPD_V_PARTIAL] = { "PARTIAL", 0,
        "the capture started after the SYN: the handshake is missing" },
};

const char *
mcpd_verdict_name(enum mcpd_verdict v)
{
    return (unsigned)v < MCPD_V_COUNT ? verdict_table[v].name : "?";
}

int
mcpd_verdict_ok(enum mcpd_verdict v)
{
    return (unsigned)v < MCPD_V_COUNT && verdict_table[v].ok;
}

const char *
mcpd_verdict_explain(enum mcpd_verdict v)
{
    return (unsigned)v < MCPD_V_COUNT ? verdict_table[v].explain : "";
}

/*
 * Cause rows. Templates take {addr} {port} {hostport} {req} {status}
 * {icmp}, filled from an example connection, and the names of this OS's
 * commands ({listeners_cmd}, {fw_rules_cmd}, {root}: platform/fixcmd.h);
 * a line naming a command this OS lacks is left out. `rank` orders causes of
 * equal weight: the one closer to the root of the problem wins.
 */
struct cause_row {
    const char *name;
    int rank;
    const char *summary;
    const char *fix[4];
};

static const struct cause_row cause_table[MCPD_C_COUNT] = {
    [MCPD_C_OK] = { "ok", 0,
        "every connection to {hostport} completed its handshake and "
        "got an answer",
        { NULL } },
    [MCPD_C_NO_LISTENER] = { "no_listener", 80,
        "nothing listens on {hostport}: the SYN was answered by RST "
        "(a firewall REJECT --reject-with tcp-reset looks the same on "
        "the wire)",
        { "{listeners_cmd}   # is anything listening, on which address?",
          "start the MCP server, and check its log for the address "
          "and port it bound",
          "{fw_reject_line}" } },
    [MCPD_C_WRONG_ADDRESS_FAMILY] = { "wrong_address_family", 91,
        "{hostport} refused while connections to port {port} over the "
        "other IP version succeeded: the server listens on one address "
        "family only, and the client tried the other (localhost "
        "resolving to ::1 first is the usual trigger)",
        { "{addrs_cmd}   # which addresses the server listens on",
          "point the client at the address that works (e.g. "
          "http://127.0.0.1:{port}/mcp instead of localhost)",
          "or bind the server to both 127.0.0.1 and ::1 (or dual-stack "
          "::)",
          "node --dns-result-order=ipv4first ...   # for a Node client" } },
    [MCPD_C_SERVER_NOT_READY] = { "server_not_ready", 82,
        "{hostport} refused some connections but accepted others in the "
        "same capture: nothing listened at those moments (the server was "
        "still starting or restarting, or its listen queue overflowed "
        "with net.ipv4.tcp_abort_on_overflow=1)",
        { "make the client wait for the server to be up, or retry "
          "refused connects",
          "{listeners_cmd}   # the listener and its process",
          "{overflow_line}" } },
    [MCPD_C_FIREWALL_REJECT] = { "firewall_reject", 90,
        "a firewall rejects connections to {hostport}: {rejectevidence}"
        "{kernelevidence}",
        { "{fw_rules_cmd}   # look for {fw_reject_word} rules on port "
          "{port}",
          "{fw_rules2_cmd}",
          "allow the port on that host, then retry" } },
    [MCPD_C_FIREWALL_DROP] = { "firewall_drop", 85,
        "SYNs to {hostport} were silently dropped: no SYN-ACK, RST or "
        "ICMP came back (a firewall DROP, or a host that is down)"
        "{kernelevidence}",
        { "{fw_drop_line}",
          "{fw_rules2_cmd}",
          "{route_cmd}   # is the address routed where you expect?" } },
    [MCPD_C_LISTEN_QUEUE_OVERFLOW] = { "listen_queue_overflow", 88,
        "some SYNs to {hostport} went unanswered while other "
        "connections to it succeeded: the listen queue is likely full "
        "(the server is not calling accept() fast enough)",
        { "{queue_line}",
          "{counters_line}",
          "unblock the server's accept loop; raise its listen "
          "backlog{somaxconn}" } },
    [MCPD_C_HOST_UNREACHABLE] = { "host_unreachable", 84,
        "{addr} is unreachable: ICMP {icmp} from {icmpfrom}",
        { "{route_cmd}",
          "{neigh_line}" } },
    [MCPD_C_HANDSHAKE_INCOMPLETE] = { "handshake_incomplete", 60,
        "{hostport} answered with SYN-ACK but the client never "
        "completed the handshake (the SYN-ACK was lost on the way "
        "back, or the client gave up first)",
        { "check for a firewall dropping inbound SYN-ACKs on the "
          "client's side",
          "compare the client's connect timeout with the SYN-ACK delay "
          "in the ladder" } },
    [MCPD_C_SERVER_RESET] = { "server_reset", 75,
        "{hostport} accepted the connection, then reset it{req_after}",
        { "read the server's log at the time of the reset: a crash or "
          "an unhandled error?",
          "{listeners_cmd}   # is the listener the process you expect (not docker-proxy or another server)?",
          "in a container, bind the server to 0.0.0.0, not 127.0.0.1" } },
    [MCPD_C_CLIENT_RESET] = { "client_reset", 40,
        "the client reset its connection to {hostport}: it gave up or "
        "aborted",
        { "check the client's timeouts and its error log" } },
    [MCPD_C_SERVER_NOT_RESPONDING] = { "server_not_responding", 70,
        "{hostport} accepted the connection{req_after} but never sent "
        "a byte back",
        { "the server's event loop is blocked, or it writes the answer "
          "to another stream (SSE)",
          "curl -sv -m 10 http://{hostport}/health" } },
    [MCPD_C_WRONG_PROTOCOL] = { "wrong_protocol", 78,
        "the client and {hostport} speak different protocols: {proto}",
        { "use http:// for a plain-HTTP local server, https:// only if "
          "it serves TLS",
          "curl -sv http://{hostport}/ ; curl -svk https://{hostport}/" } },
    [MCPD_C_HTTP_ERROR] = { "http_error", 65,
        "{hostport} answered {req} with HTTP {status} {statusreason}: "
        "{statusmeaning}",
        { "curl -si -X POST -H 'Content-Type: application/json' "
          "-H 'Accept: application/json, text/event-stream' "
          "http://{hostport}/mcp -d '{\"jsonrpc\":\"2.0\",\"id\":1,"
          "\"method\":\"ping\"}'",
          "curl -si http://{hostport}/health" } },
    /* Proxy findings come with their own text (the proxy variable and
     * its value are not in the connection record). */
    [MCPD_C_PROXY_IN_PATH] = { "proxy_in_path", 92, "", { NULL } },
    [MCPD_C_PROXY_UNREACHABLE] = { "proxy_unreachable", 93, "", { NULL } },
    [MCPD_C_TLS_UNTRUSTED] = { "tls_untrusted", 79,
        "{hostport} speaks TLS, and the client gave up the handshake right "
        "after the server's certificate{tlsalert}: it does not trust that "
        "certificate (self-signed, or signed by a CA the client does not "
        "know)",
        { "openssl s_client -connect {hostport} -showcerts </dev/null   "
          "# who signed the certificate",
          "give the client the CA: NODE_EXTRA_CA_CERTS=ca.pem (Node), "
          "SSL_CERT_FILE=ca.pem (Python), curl --cacert ca.pem",
          "or serve plain http:// on loopback" } },
    [MCPD_C_TLS_HANDSHAKE_FAILED] = { "tls_handshake_failed", 77,
        "the TLS handshake with {hostport} failed: {tlsalert2}",
        { "openssl s_client -connect {hostport} </dev/null   # the "
          "server's side of the handshake",
          "compare the TLS versions, ciphers and client certificate both "
          "sides expect" } },
    [MCPD_C_PORT_IN_USE_BY_OTHER] = { "port_in_use_by_other", 81,
        "{hostport} is held by a program that does not speak HTTP: the "
        "client sent {req} and the server's first bytes are not HTTP "
        "(\"{srvfirst}\")",
        { "{listeners_cmd}   # which program holds the port",
          "run the MCP server on a free port and point the client there, "
          "or stop the program that holds {port} if it is not needed" } },
    [MCPD_C_AUTH_REQUIRED] = { "auth_required", 68,
        "{hostport} wants credentials: it answered {req} with HTTP "
        "{status}{wwwauth}",
        { "curl -si http://{hostport}/.well-known/oauth-protected-resource"
          "   # the authorization server (MCP authorization)",
          "give the client the token it needs (Authorization: Bearer ...)"
          } },
    [MCPD_C_GATEWAY_ERROR] = { "gateway_error", 69,
        "{hostport} is a gateway that answered {req} with HTTP {status}: "
        "it could not get an answer from the server behind it",
        { "{listeners_cmd}   # which proxy answers (nginx, haproxy, ...)",
          "check the proxy's upstream address and that the MCP server "
          "behind it runs; read the proxy's error log" } },
    [MCPD_C_WRONG_PATH] = { "wrong_path", 67,
        "{hostport} has no MCP endpoint where the client looked: it "
        "answered {req} with HTTP {status} (the capture cannot tell "
        "which path is right)",
        { "mcpdiag probe http://{hostport}/mcp   # tries the usual paths "
          "(/mcp, /sse, /) and names the one that speaks MCP",
          "check the server's log or docs for its endpoint path" } },
    [MCPD_C_ANSWER_REJECTED] = { "answer_rejected", 62,
        "{hostport} answered the SYN with a bare ACK acknowledging "
        "something else (no SYN-ACK), and the client rejected it with "
        "RST: the server still holds an older connection from the same "
        "client port (a stale connection, TIME_WAIT reuse), or a "
        "middlebox answered for it",
        { "{conns_cmd}   # an old connection on that 4-tuple",
          "a retried SYN after the RST usually succeeds; if none does, "
          "look for a NAT or load balancer rewriting the connection" } },
    [MCPD_C_WRONG_BIND_ADDRESS] = { "wrong_bind_address", 91,
        "{hostport} refused: the server listens on another address of "
        "this host, not on the one the client uses",
        { "{addrs_cmd}   # the address the server bound",
          "bind the server to {addr} too (or a wildcard address), or "
          "point the client at the address it listens on" } },
    [MCPD_C_WRONG_TRANSPORT] = { "wrong_transport", 66,
        "{hostport} answered {req} with HTTP {status}: the server speaks "
        "the other MCP transport (legacy SSE or Streamable HTTP)",
        { "configure the client for the server's transport (\"type\": "
          "\"sse\" or \"http\")" } },
    [MCPD_C_MCP_ERROR] = { "mcp_error", 64,
        "{hostport} answered MCP's initialize with a JSON-RPC error",
        { "check the server's log for the request it rejected" } },
    [MCPD_C_DNS_FAILURE] = { "dns_failure", 99,
        "the server's host name does not resolve",
        { "getent ahosts HOST   # what the resolver says" } },
    [MCPD_C_NO_TRAFFIC] = { "incomplete_capture", 10,
        "the capture has no complete handshake to judge: start it "
        "before the client connects",
        { "{root}mcpdiag capture {hostport} -- <your client command>"
          "{root_note}" } },
};

const char *
mcpd_cause_name(enum mcpd_cause c)
{
    return (unsigned)c < MCPD_C_COUNT ? cause_table[c].name : "?";
}

enum mcpd_cause
mcpd_cause_by_name(const char *name)
{
    int c;

    for (c = 0; c < MCPD_C_COUNT; c++)
        if (cause_table[c].name && strcmp(cause_table[c].name, name) == 0)
            return (enum mcpd_cause)c;
    return MCPD_C_COUNT;
}

int
mcpd_cause_rank(enum mcpd_cause c)
{
    return (unsigned)c < MCPD_C_COUNT ? cause_table[c].rank : 0;
}

/*
 * ICMP codes that a firewall sends on purpose (RFC 792, RFC 1812
 * section 5.2.7.1, RFC 4443 section 3.1). A TCP port unreachable is
 * among them: a Linux host answers a closed TCP port with RST, so the
 * ICMP form comes from a REJECT rule.
 */
static int
icmp_is_firewall(int family, uint8_t type, uint8_t code)
{
    if (family == 4)
        return type == 3 && (code == 3 || code == 9 || code == 10 ||
                             code == 13);
    return type == 1 && (code == 1 || code == 4 || code == 5 || code == 6);
}

const char *
mcpd_icmp_name(int family, uint8_t type, uint8_t code)
{
    static const char *const v4[] = {
        "net unreachable", "host unreachable", "protocol unreachable",
        "port unreachable", "fragmentation needed", "source route failed",
        "net unknown", "host unknown", "source host isolated",
        "net prohibited", "host prohibited", "net unreachable for TOS",
        "host unreachable for TOS", "administratively prohibited",
        "host precedence violation", "precedence cutoff",
    };
    static const char *const v6[] = {
        "no route to destination", "administratively prohibited",
        "beyond scope of source address", "address unreachable",
        "port unreachable", "source address failed ingress/egress policy",
        "reject route to destination",
    };

    if (family == 4 && type == 3 && code < sizeof(v4) / sizeof(v4[0]))
        return v4[code];
    if (family == 6 && type == 1 && code < sizeof(v6) / sizeof(v6[0]))
        return v6[code];
    return "unreachable";
}

/*
 * The HTTP statuses an MCP client meets, one row each, read top to
 * bottom: reason phrase (RFC 9110 section 15), what the status means
 * for an MCP client (MCP transports and authorization; the SDKs'
 * DNS-rebinding checks), the cause it gives on its own and to the
 * client's POST, and the client-side fix where one is fixed text.
 * probe, capture and analyze all read it.
 */
static const struct mcpd_http_status http_status_table[] = {
    { 400, "Bad Request",
      "the server rejected the request (a missing or invalid "
      "Mcp-Session-Id, the protocol version, or a bad body)",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0, NULL },
    { 401, "Unauthorized",
      "the server wants credentials (an Authorization bearer token, "
      "OAuth)",
      MCPD_C_AUTH_REQUIRED, MCPD_C_AUTH_REQUIRED, 1, 0,
      "give the client the server's token (Authorization: Bearer ...) "
      "or complete its OAuth flow" },
    { 403, "Forbidden",
      "the Host or Origin header failed the server's allowlist "
      "(DNS-rebinding protection), or access is denied",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 1, 1, NULL },
    { 404, "Not Found",
      "no MCP endpoint at this path (/mcp for Streamable HTTP, /sse for "
      "the legacy transport)",
      MCPD_C_HTTP_ERROR, MCPD_C_WRONG_PATH, 0, 0, NULL },
    { 405, "Method Not Allowed",
      "this path does not take the method: a transport mismatch (an SSE "
      "endpoint and a Streamable HTTP client, or the reverse)",
      MCPD_C_HTTP_ERROR, MCPD_C_WRONG_PATH, 0, 0, NULL },
    { 406, "Not Acceptable",
      "the client must accept both application/json and "
      "text/event-stream",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0,
      "the client must send 'Accept: application/json, "
      "text/event-stream'" },
    { 407, "Proxy Authentication Required",
      "a proxy wants credentials before it forwards the request",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0, NULL },
    { 415, "Unsupported Media Type",
      "POST needs Content-Type: application/json",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0,
      "the client must send 'Content-Type: application/json'" },
    { 421, "Misdirected Request",
      "the Host header is not in the server's allowed hosts "
      "(DNS-rebinding protection)",
      MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 1, NULL },
    { 502, "Bad Gateway",
      "a gateway or proxy could not get an answer from the server "
      "behind it",
      MCPD_C_GATEWAY_ERROR, MCPD_C_GATEWAY_ERROR, 0, 0, NULL },
    { 503, "Service Unavailable",
      "a gateway or proxy could not get an answer from the server "
      "behind it",
      MCPD_C_GATEWAY_ERROR, MCPD_C_GATEWAY_ERROR, 0, 0, NULL },
    { 504, "Gateway Timeout",
      "a gateway or proxy could not get an answer from the server "
      "behind it",
      MCPD_C_GATEWAY_ERROR, MCPD_C_GATEWAY_ERROR, 0, 0, NULL },
};

/* The rows for a status in no row above, by class. */
static const struct mcpd_http_status http_status_ok = {
    0, "", "", MCPD_C_OK, MCPD_C_OK, 0, 0, NULL };
static const struct mcpd_http_status http_status_4xx = {
    0, "Client Error", "the server refused the request",
    MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0, NULL };
static const struct mcpd_http_status http_status_5xx = {
    0, "Server Error", "the server failed while handling the request",
    MCPD_C_HTTP_ERROR, MCPD_C_HTTP_ERROR, 0, 0, NULL };

const struct mcpd_http_status *
mcpd_http_status_row(unsigned status)
{
    size_t i;

    for (i = 0; i < sizeof(http_status_table) / sizeof(http_status_table[0]);
         i++)
        if (http_status_table[i].status == status)
            return &http_status_table[i];
    if (status >= 500)
        return &http_status_5xx;
    if (status >= 400)
        return &http_status_4xx;
    return &http_status_ok;
}

void
mcpd_http_status_text(unsigned status, char *buf, size_t len)
{
    const struct mcpd_http_status *r = mcpd_http_status_row(status);

    if (r->meaning[0])
        snprintf(buf, len, "%s: %s", r->reason, r->meaning);
    else if (len > 0)
        buf[0] = '\0';
}

/*
 * The client spoke a request/response protocol (HTTP, or TLS whose
 * server speaks first after the ClientHello) and got nothing back. For
 * other protocols silence can be normal (an upload, a push stream).
 */
static int
awaits_answer(const struct mcpd_flow *f)
{
    return mcpd_flow_no_response(f) && (f->cli_sniff == MCPD_SNIFF_HTTP_REQ ||
                                        f->cli_sniff == MCPD_SNIFF_TLS);
}

/* The server closed with FIN within a second of the client's first
 * bytes, having sent none: not a server that is busy (a RST stays
 * server_reset). */
#define QUICK_CLOSE_US 1000000u

static int
closed_silently(const struct mcpd_flow *f)
{
    const struct mcpd_stream *s = f->stream;

    return s && (f->bits & MCPD_F_SRV_FIN) && !(f->bits & MCPD_F_SRV_RST) &&
           s->srv_close_us && s->cli_data_us &&
           mcpd_flow_server_bytes(f) == 0 &&
           s->srv_close_us - s->cli_data_us < QUICK_CLOSE_US;
}

/* The server's first record was not a TLS server's (an echo of the
 * ClientHello, for one). */
static int
tls_server_is_other(const struct mcpd_flow *f)
{
    return f->srv_sniff == MCPD_SNIFF_OTHER ||
           f->srv_sniff == MCPD_SNIFF_HTTP_RESP ||
           (f->srv_sniff == MCPD_SNIFF_TLS && f->stream &&
            f->stream->tls[1].first_hs != 0 &&
            f->stream->tls[1].first_hs != 2 + 1);
}

/* A TLS client: how far the handshake got. MCPD_C_OK when it went
 * through, or when the packets cannot tell. */
static enum mcpd_cause
tls_cause(const struct mcpd_flow *f)
{
    const struct mcpd_stream *s = f->stream;
    const struct mcpd_tls_dir *c, *sv;

    if (tls_server_is_other(f) || closed_silently(f))
        return MCPD_C_WRONG_PROTOCOL;
    if (s == NULL || f->srv_sniff != MCPD_SNIFF_TLS)
        return MCPD_C_OK;
    c = &s->tls[0];
    sv = &s->tls[1];
    if (s->alert_from == 1 && (mcpd_tls_alert_is_cert(s->alert_desc) ||
                               s->alert_desc == 0 || s->alert_desc == 90))
        return sv->first_hs ? MCPD_C_TLS_UNTRUSTED
                            : MCPD_C_TLS_HANDSHAKE_FAILED;
    if (s->alert_from)
        return MCPD_C_TLS_HANDSHAKE_FAILED;
    /* Done: the client's encrypted Finished (TLS 1.2: a handshake record
     * after its change_cipher_spec; 1.3: an application_data record that
     * is not the size of an encrypted alert). */
    if (c->finished || c->app_long)
        return MCPD_C_OK;
    if (c->lost || sv->lost || sv->first_hs == 0)
        return MCPD_C_OK;
    /* The server sent its hello and certificate, and the client closed
     * without going on. */
    if (f->bits & (MCPD_F_CLI_FIN | MCPD_F_CLI_RST))
        return (f->bits & MCPD_F_SRV_RST) && !(f->bits & MCPD_F_CLI_RST)
                   ? MCPD_C_TLS_HANDSHAKE_FAILED : MCPD_C_TLS_UNTRUSTED;
    if (f->bits & (MCPD_F_SRV_FIN | MCPD_F_SRV_RST))
        return MCPD_C_TLS_HANDSHAKE_FAILED;
    return MCPD_C_OK;
}

/*
 * A GET answered 405 is how a Streamable HTTP server says it offers no
 * standalone SSE stream (MCP transports: "MUST either return
 * Content-Type: text/event-stream ... or else return HTTP 405"), and the
 * SDK clients go on without one: a healthy session shows it.
 */
static int
no_standalone_stream(const struct mcpd_flow *f)
{
    return f->http_status == 405 && strncmp(f->http_req, "GET ", 4) == 0;
}

enum mcpd_cause
mcpd_http_status_cause(unsigned status)
{
    return mcpd_http_status_row(status)->cause;
}

/* An HTTP status of 400 or more, with what the packets add: the
 * WWW-Authenticate header (a challenge) and the request's method (to
 * the client's POST, its JSON-RPC). */
static enum mcpd_cause
http_status_cause(const struct mcpd_flow *f)
{
    const struct mcpd_http_status *r = mcpd_http_status_row(f->http_status);

    if (r->challenge && f->stream && f->stream->www_auth)
        return MCPD_C_AUTH_REQUIRED;
    if (strncmp(f->http_req, "POST ", 5) == 0)
        return r->cause_post;
    return r->cause;
}

enum mcpd_cause
mcpd_flow_cause(const struct mcpd_flow *f, int port_has_success)
{
    enum mcpd_verdict v = (enum mcpd_verdict)f->verdict;

    if (f->bits & MCPD_F_HS) {
        if (f->cli_sniff == MCPD_SNIFF_TLS) {
            enum mcpd_cause c = tls_cause(f);
            if (c != MCPD_C_OK)
                return c;
        }
        if (f->cli_sniff == MCPD_SNIFF_HTTP_REQ) {
            if (f->srv_sniff == MCPD_SNIFF_TLS)
                return MCPD_C_WRONG_PROTOCOL;
            if (f->srv_sniff == MCPD_SNIFF_OTHER && f->stream &&
                f->stream->req_http1)
                return MCPD_C_PORT_IN_USE_BY_OTHER;
            if (closed_silently(f))
                return MCPD_C_WRONG_PROTOCOL;
        }
        if (f->srv_sniff == MCPD_SNIFF_HTTP_RESP && f->http_status >= 400 &&
            !no_standalone_stream(f))
            return http_status_cause(f);
        if (mcpd_flow_abortive_close(f))
            return MCPD_C_OK;
    }
    switch (v) {
    case MCPD_V_REFUSED:
        /* The kernel says who sent the RST: its own stack (nothing
         * listens) or not (a firewall's tcp-reset, or another host). */
        if (f->kernel && strcmp(f->kernel->rst_origin, "other") == 0)
            return MCPD_C_FIREWALL_REJECT;
        return MCPD_C_NO_LISTENER;
    case MCPD_V_UNREACHABLE:
        return icmp_is_firewall(f->icmp_from.family, f->icmp_type,
                                f->icmp_code)
                   ? MCPD_C_FIREWALL_REJECT : MCPD_C_HOST_UNREACHABLE;
    case MCPD_V_TIMEOUT:
        if (f->kernel && mcpd_kernel_drops(f->kernel, "TCP_LISTEN_OVERFLOW"))
            return MCPD_C_LISTEN_QUEUE_OVERFLOW;
        if (f->kernel && mcpd_kernel_drops(f->kernel, "NETFILTER_DROP"))
            return MCPD_C_FIREWALL_DROP;
        return port_has_success ? MCPD_C_LISTEN_QUEUE_OVERFLOW
                                : MCPD_C_FIREWALL_DROP;
    case MCPD_V_HALF_OPEN:
        return mcpd_flow_answer_rejected(f) ? MCPD_C_ANSWER_REJECTED
                                            : MCPD_C_HANDSHAKE_INCOMPLETE;
    case MCPD_V_RESET:
    case MCPD_V_PARTIAL:
        if (f->bits & MCPD_F_SRV_RST)
            return MCPD_C_SERVER_RESET;
        if ((f->bits & MCPD_F_CLI_RST) && awaits_answer(f))
            return MCPD_C_SERVER_NOT_RESPONDING;
        if (f->bits & MCPD_F_CLI_RST)
            return MCPD_C_CLIENT_RESET;
        return MCPD_C_NO_TRAFFIC;
    case MCPD_V_CLOSED:
    case MCPD_V_ESTABLISHED:
        return awaits_answer(f) ? MCPD_C_SERVER_NOT_RESPONDING : MCPD_C_OK;
    default:
        return MCPD_C_OK;
    }
}

/* Bounded append of a string to buf (never overruns, always ends in
 * NUL); returns the new length. */
static size_t
append(char *buf, size_t len, size_t at, const char *s)
{
    size_t n = strlen(s);

    if (at >= len)
        return at;
    if (n > len - 1 - at)
        n = len - 1 - at;
    memcpy(buf + at, s, n);
    buf[at + n] = '\0';
    return at + n;
}

/* What each side spoke, for wrong_protocol. */
static void
proto_text(const struct mcpd_flow *f, char *val, size_t len)
{
    const struct mcpd_stream *s = f->stream;
    unsigned ms = s && s->srv_close_us > s->cli_data_us
                      ? (s->srv_close_us - s->cli_data_us + 999) / 1000 : 0;

    if (f->cli_sniff == MCPD_SNIFF_TLS && closed_silently(f))
        snprintf(val, len, "the client sent a TLS ClientHello (https://) "
                 "and the server closed the connection %u ms later "
                 "without a TLS answer", ms);
    else if (f->cli_sniff == MCPD_SNIFF_TLS)
        snprintf(val, len, "the client sent TLS (https://) and the server "
                 "answered %s", f->srv_sniff == MCPD_SNIFF_HTTP_RESP
                 ? "plain HTTP" : "something that is not TLS");
    else if (f->srv_sniff == MCPD_SNIFF_TLS)
        snprintf(val, len, "the client sent plain HTTP and the server "
                 "answered TLS");
    else
        snprintf(val, len, "the client sent plain HTTP and the server "
                 "closed the connection %u ms later without a byte of "
                 "answer (a TLS port, or not an HTTP server)", ms);
}

/* ---- the placeholders of the summary and fix templates ---- */

static void
ph_addr(const struct mcpd_flow *f, char *val, size_t len)
{
    mcpd_ip_str(&f->srv.ip, val, len);
}

static void
ph_port(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%u", f->srv.port);
}

static void
ph_hostport(const struct mcpd_flow *f, char *val, size_t len)
{
    char addr[MCPD_IP_STRLEN];

    mcpd_ip_str(&f->srv.ip, addr, sizeof(addr));
    mcpd_hostport_str(addr, f->srv.port, val, len);
}

static void
ph_req(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s", f->http_req[0] ? f->http_req : "the request");
}

static void
ph_req_after(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s%s", f->http_req[0] ? " after " : "",
             f->http_req);
}

static void
ph_status(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%u", f->http_status);
}

static void
ph_statusreason(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s", mcpd_http_status_row(f->http_status)->reason);
}

static void
ph_statusmeaning(const struct mcpd_flow *f, char *val, size_t len)
{
    if (strstr(f->http_req, "://") &&
        (f->http_status == 403 || f->http_status == 407))
        snprintf(val, len, "a proxy (the request names an absolute URL) "
                 "refused to forward it: its access rules, or (407) it "
                 "wants proxy credentials");
    else
        snprintf(val, len, "%s",
                 mcpd_http_status_row(f->http_status)->meaning);
}

static void
ph_icmp(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s (type %u code %u)",
             mcpd_icmp_name(f->icmp_from.family, f->icmp_type, f->icmp_code),
             f->icmp_type, f->icmp_code);
}

static void
ph_icmpfrom(const struct mcpd_flow *f, char *val, size_t len)
{
    mcpd_ip_str(&f->icmp_from, val, len);
}

static void
ph_kernelevidence(const struct mcpd_flow *f, char *val, size_t len)
{
    const struct mcpd_kernel *k = f->kernel;
    size_t at = 0;

    if (k && k->ndrops)
        at += (size_t)snprintf(val, len, "; the kernel dropped %u SYN%s "
                               "(%s)", k->drops[0].count,
                               k->drops[0].count == 1 ? "" : "s",
                               k->drops[0].reason);
    if (k && k->rule[0] && at < len)
        snprintf(val + at, len - at, "; rule %s", k->rule);
}

static void
ph_rejectevidence(const struct mcpd_flow *f, char *val, size_t len)
{
    char from[MCPD_IP_STRLEN];

    if (!(f->bits & MCPD_F_ICMP)) {
        snprintf(val, len, "the RST did not come from the host's TCP stack "
                 "(the kernel sent none), so a REJECT --reject-with "
                 "tcp-reset rule sent it; a server may be listening "
                 "behind it");
        return;
    }
    mcpd_ip_str(&f->icmp_from, from, sizeof(from));
    snprintf(val, len, "the SYN was answered by ICMP %s (type %u code %u) "
             "from %s",
             mcpd_icmp_name(f->icmp_from.family, f->icmp_type, f->icmp_code),
             f->icmp_type, f->icmp_code, from);
}

/* A plaintext TLS alert, "TLS alert NAME (N) from the server". */
static int
tls_alert(const struct mcpd_flow *f, const char *pre, const char *post,
          char *val, size_t len)
{
    const struct mcpd_stream *s = f->stream;

    if (s == NULL || !s->alert_from)
        return 0;
    snprintf(val, len, "%sTLS alert %s (%u) from the %s%s", pre,
             mcpd_tls_alert_name(s->alert_desc), s->alert_desc,
             s->alert_from == 1 ? "client" : "server", post);
    return 1;
}

static void
ph_tlsalert(const struct mcpd_flow *f, char *val, size_t len)
{
    tls_alert(f, " (", ")", val, len);
}

static void
ph_tlsalert2(const struct mcpd_flow *f, char *val, size_t len)
{
    if (!tls_alert(f, "", "", val, len))
        snprintf(val, len, "%s", (f->bits & MCPD_F_SRV_RST)
                 ? "the server reset the connection during the handshake"
                 : "the server closed the connection during the handshake");
}

static void
ph_srvfirst(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s", f->stream ? f->stream->srv_first : "");
}

static void
ph_wwwauth(const struct mcpd_flow *f, char *val, size_t len)
{
    snprintf(val, len, "%s", f->stream && f->stream->www_auth
                                 ? " and a WWW-Authenticate header" : "");
}

/* Every {placeholder} a template may use, and what fills it. */
static const struct placeholder {
    const char *name;
    void (*fill)(const struct mcpd_flow *f, char *val, size_t len);
} placeholders[] = {
    { "addr", ph_addr },                 /* the server's address */
    { "port", ph_port },
    { "hostport", ph_hostport },         /* "addr:port", "[v6]:port" */
    { "req", ph_req },                   /* "POST /mcp" */
    { "req_after", ph_req_after },       /* " after POST /mcp", or "" */
    { "status", ph_status },             /* HTTP status code */
    { "statusreason", ph_statusreason },
    { "statusmeaning", ph_statusmeaning },
    { "icmp", ph_icmp },                 /* "port unreachable (type..)" */
    { "icmpfrom", ph_icmpfrom },
    { "kernelevidence", ph_kernelevidence },
    { "rejectevidence", ph_rejectevidence },
    { "proto", proto_text },             /* what each side spoke */
    { "tlsalert", ph_tlsalert },         /* " (TLS alert ...)", or "" */
    { "tlsalert2", ph_tlsalert2 },
    { "srvfirst", ph_srvfirst },         /* the server's first bytes */
    { "wwwauth", ph_wwwauth },
};

/* The placeholder called name[0..n), or NULL. */
static const struct placeholder *
placeholder_find(const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
        if (strlen(placeholders[i].name) == n &&
            strncmp(placeholders[i].name, name, n) == 0)
            return &placeholders[i];
    return NULL;
}

/* Expand {placeholders} in tmpl from the example connection; a brace
 * that names none is copied as it is. */
static void
expand(const char *tmpl, const struct mcpd_flow *f, char *out, size_t len)
{
    char val[256];
    size_t at = 0;

    out[0] = '\0';
    while (*tmpl) {
        const char *close = *tmpl == '{' ? strchr(tmpl, '}') : NULL;
        const struct placeholder *ph = NULL;

        if (close && close - tmpl <= 20)
            ph = placeholder_find(tmpl + 1, (size_t)(close - tmpl - 1));
        if (ph == NULL) {
            char c[2] = { *tmpl++, '\0' };
            at = append(out, len, at, c);
            continue;
        }
        val[0] = '\0';
        ph->fill(f, val, sizeof(val));
        at = append(out, len, at, val);
        tmpl = close + 1;
    }
}

int
mcpd_cause_text(enum mcpd_cause c, const struct mcpd_flow *example,
                char *summary, size_t summary_len, char fix[][MCPD_FIX_LEN],
                int max_fix)
{
    const struct cause_row *row;
    int i, n = 0;

    if ((unsigned)c >= MCPD_C_COUNT)
        c = MCPD_C_OK;
    row = &cause_table[c];
    expand(row->summary, example, summary, summary_len);
    for (i = 0; n < max_fix && i < MCPD_MAX_FIX && row->fix[i]; i++) {
        char line[MCPD_FIX_LEN];
        if (mcpd_fixcmd_fill(row->fix[i], 0, line, sizeof(line)))
            expand(line, example, fix[n++], MCPD_FIX_LEN);
    }
    return n;
}
