/* \summary: TCP connection tracker: one record per connection attempt */
#ifndef MCPD_FLOW_H
#define MCPD_FLOW_H

#include <stdint.h>
#include "dec.h"
#include "kernel.h"
#include "mcpd_limits.h"
#include "mcpd.h"
#include "verdict.h"

/* Direction of a packet relative to the connection. */
enum mcpd_dir { MCPD_C2S = 0, MCPD_S2C = 1, MCPD_ICMP = 2 };

/* One packet of a connection, kept for the ladder diagram. */
struct mcpd_step {
    uint32_t dt_us;          /* microseconds since the first packet */
    uint8_t dir;             /* enum mcpd_dir */
    uint8_t flags;           /* TCP flags, or ICMP type for MCPD_ICMP */
    uint16_t len;            /* payload bytes (capped), or ICMP code */
};

/* Flow bits (struct mcpd_flow.bits). */
#define MCPD_F_SYN       0x0001  /* the client's SYN was captured */
#define MCPD_F_SYNACK    0x0002  /* the server's SYN-ACK was captured */
#define MCPD_F_HS        0x0004  /* handshake completed */
#define MCPD_F_HS_INFER  0x0008  /* ...inferred from one side's packets */
#define MCPD_F_CLI_FIN   0x0010  /* client sent FIN */
#define MCPD_F_SRV_FIN   0x0020  /* server sent FIN */
#define MCPD_F_CLI_RST   0x0040  /* client sent RST */
#define MCPD_F_SRV_RST   0x0080  /* server sent RST */
#define MCPD_F_ICMP      0x0100  /* an ICMP unreachable quoted its SYN */
#define MCPD_F_CLI_SEQ   0x0200  /* cli_hi holds a sequence number */
#define MCPD_F_SRV_SEQ   0x0400  /* srv_hi holds a sequence number */
#define MCPD_F_ENDED     0x0800  /* verdict final (RST, both FINs) */
#define MCPD_F_EVICTED   0x1000  /* pushed out by the flow cap */
#define MCPD_F_RST_FIRST 0x2000  /* RST came before any FIN */
#define MCPD_F_ACK_BASE  0x4000  /* cli_ack_base is set */
#define MCPD_F_SYN_INFER 0x8000  /* SYN implied by a captured SYN-ACK */

/* First bytes of each side, classified for wrong_protocol/http_error. */
enum mcpd_sniff {
    MCPD_SNIFF_NONE = 0,     /* no payload seen */
    MCPD_SNIFF_OTHER,        /* something else */
    MCPD_SNIFF_HTTP_REQ,     /* "GET /x HTTP/1.1" and friends */
    MCPD_SNIFF_HTTP_RESP,    /* "HTTP/1.1 200 OK" */
    MCPD_SNIFF_TLS           /* a TLS record (handshake or alert) */
};

#define MCPD_REQ_LEN 32

/* TLS record layer of one direction (RFC 8446 5.1, RFC 5246 6.2). */
struct mcpd_tls_dir {
    uint16_t skip;           /* body bytes of the current record to come */
    uint8_t hdr[7];          /* record header and first two body bytes */
    uint8_t have;            /* bytes in hdr */
    uint8_t lost;            /* a gap or a cut payload: walk stopped */
    uint8_t ccs;             /* change_cipher_spec sent: alerts encrypted */
    uint8_t finished;        /* a handshake record after its CCS (1.2) */
    uint8_t app;             /* application_data records (saturating) */
    uint8_t app_long;        /* ...not the size of an encrypted alert */
    uint8_t first_hs;        /* first handshake message type + 1 */
};

/* Where the server's HTTP response stands (struct mcpd_stream.http). */
enum mcpd_http_state {
    MCPD_HTTP_IDLE = 0,      /* no response yet, or a request pending */
    MCPD_HTTP_BODY,          /* Content-Length body, body_left to come */
    MCPD_HTTP_CHUNKED,       /* chunked body, until "0\r\n\r\n" */
    MCPD_HTTP_UNTIL_CLOSE,   /* no length: the body ends at the FIN */
    MCPD_HTTP_STREAM,        /* text/event-stream: open until closed */
    MCPD_HTTP_COMPLETE,      /* the response was received whole */
    MCPD_HTTP_UNKNOWN        /* headers cut or split: cannot tell */
};

/*
 * What the payload of a connection says beyond its first bytes (sniff.c).
 * Allocated at a connection's first payload byte, so SYN floods and
 * handshake-only captures do not pay for it.
 */
struct mcpd_stream {
    struct mcpd_tls_dir tls[2];     /* [0] client, [1] server */
    uint8_t alert_from;      /* plaintext TLS alert: 1 client, 2 server */
    uint8_t alert_level;
    uint8_t alert_desc;
    uint8_t http;            /* enum mcpd_http_state */
    uint8_t www_auth;        /* a response carried WWW-Authenticate */
    uint8_t req_http1;       /* the first request line says HTTP/1.x */
    uint8_t tail[5];         /* last server bytes (chunked terminator) */
    uint32_t body_left;      /* MCPD_HTTP_BODY: bytes still to come */
    uint32_t cli_data_us;    /* first client payload, us after t_first */
    uint32_t srv_close_us;   /* server's first FIN or RST, 0: none */
    char srv_first[24];      /* printable start of the server's bytes */
};

/* A process named as a connection's client or server (live capture). */
struct mcpd_proc {
    int32_t pid;             /* process id */
    uint32_t uid;            /* its user id */
    char command[64];        /* process name */
    char user[32];           /* user name */
    const char *how;         /* how it was found ("sock_diag", ...) */
};

/* A TCP connection attempt and everything the packets say about it. */
struct mcpd_flow {
    /* Hot: what a hash lookup reads, kept in the first cache line. */
    struct mcpd_flow *hnext; /* hash chain */
    uint32_t hash;           /* of the canonical 4-tuple */
    uint16_t bits;           /* MCPD_F_* */
    uint8_t list;            /* which age list holds it */
    uint8_t verdict;         /* enum mcpd_verdict, set when emitted */
    struct mcpd_endpoint cli;   /* client: sender of the first SYN */
    struct mcpd_endpoint srv;   /* server: the other side */
    /* Warm: per-packet state. */
    struct mcpd_flow *prev;  /* age list neighbours */
    struct mcpd_flow *next;
    int64_t t_last;          /* last packet, ns */
    int64_t t_queued;        /* when it joined its age list, ns */
    uint32_t cli_hi;         /* highest client sequence end seen */
    uint32_t srv_hi;         /* highest server sequence end seen */
    uint32_t cli_ack_base;   /* client's first ACK number (srv ISN+1) */
    uint32_t cli_ack_hi;     /* client's highest ACK number */
    uint32_t cli_pkts;       /* packets from the client */
    uint32_t srv_pkts;       /* packets from the server */
    uint64_t cli_bytes;      /* new payload bytes from the client */
    uint64_t srv_bytes;      /* new payload bytes from the server */
    /* Cold: set once or rarely. */
    uint64_t id;             /* creation order, for stable output */
    uint8_t nsteps;          /* used entries of steps[] */
    uint8_t icmp_type;       /* first ICMP unreachable's type */
    uint8_t icmp_code;       /* ...and code */
    uint8_t cli_sniff;       /* enum mcpd_sniff of the client's data */
    uint8_t srv_sniff;       /* enum mcpd_sniff of the server's data */
    uint16_t http_status;    /* first HTTP response status, 0 if none */
    uint16_t syn_count;      /* SYNs from the client (with retransmits) */
    uint16_t synack_count;   /* SYN-ACKs from the server */
    uint16_t cli_retrans;    /* client segments carrying no new data */
    uint16_t srv_retrans;    /* server segments carrying no new data */
    struct mcpd_ip icmp_from;   /* who sent the ICMP unreachable */
    int64_t t_first;         /* first packet, ns */
    int64_t t_synack;        /* first SYN-ACK, ns (rtt) */
    int64_t t_syn_last;      /* last SYN sent before the SYN-ACK, ns */
    uint32_t cli_isn;        /* client's initial sequence number */
    uint8_t announced;       /* verdict already announced (live) */
    uint8_t bad_ack;         /* SYN answered by an ACK of something else */
    struct mcpd_proc *client_proc;  /* set by capture; freed with flow */
    struct mcpd_proc *server_proc;
    struct mcpd_kernel *kernel;     /* set by capture's witness */
    struct mcpd_stream *stream;     /* payload state, NULL before data */
    char http_req[MCPD_REQ_LEN]; /* "POST /mcp", query removed */
    struct mcpd_step steps[MCPD_LADDER_STEPS];
};

/* Counters for the report's "stats" object. */
struct mcpd_stats {
    uint64_t packets;        /* records read */
    uint64_t tcp;            /* TCP segments tracked */
    uint64_t icmp_unreach;   /* ICMP unreachables quoting TCP */
    uint64_t skipped;        /* not IP, or not TCP/ICMP */
    uint64_t filtered;       /* TCP outside --port */
    uint64_t fragments;      /* non-first IP fragments */
    uint64_t truncated;      /* cut by the snaplen before TCP */
    uint64_t hdr_cut;        /* TCP options cut (still used) */
    uint64_t invalid;        /* malformed headers */
    uint64_t icmp_stray;     /* ICMP quoting no known connection */
    uint64_t rst_ignored;    /* RSTs a client would not accept */
    uint64_t evicted;        /* connections pushed out by the cap */
    uint64_t connections;    /* connections emitted */
    uint64_t peak_flows;     /* most connections in memory at once */
    int live;                /* the pcap_* counters below are valid */
    uint64_t pcap_received;  /* live: packets the kernel passed us */
    uint64_t pcap_drop;      /* live: dropped for lack of buffer space */
    uint64_t pcap_ifdrop;    /* live: dropped by the interface */
};



/* Why a connection is being emitted. */
enum mcpd_emit_why {
    MCPD_EMIT_ENDED,         /* RST or both FINs: verdict known */
    MCPD_EMIT_IDLE,          /* handshake abandoned: idle too long */
    MCPD_EMIT_REPLACED,      /* a new SYN reused its 4-tuple */
    MCPD_EMIT_EVICTED,       /* the flow table was full */
    MCPD_EMIT_FLUSH          /* end of the capture */
};

/* The receiver may add to the record (live capture adds the kernel's
 * evidence) before reporting it; the tracker frees it later. */
typedef void (*mcpd_emit_fn)(void *ctx, struct mcpd_flow *flow,
                             enum mcpd_emit_why why);

struct mcpd_flowtab;

/* Tracker settings. */
struct mcpd_flow_config {
    uint16_t port;           /* only this server port (0: all) */
    uint32_t max_flows;      /* cap on connections in memory */
    int64_t handshake_idle_ns;  /* give up on an unanswered handshake */
    int64_t linger_ns;       /* keep an ended connection to absorb
                                trailing packets */
    uint32_t seed;           /* hash seed */
};

void mcpd_flow_config_default(struct mcpd_flow_config *cfg);

struct mcpd_flowtab *mcpd_flowtab_new(const struct mcpd_flow_config *cfg,
                                      mcpd_emit_fn emit, void *ctx);
void mcpd_flowtab_free(struct mcpd_flowtab *tab);

/*
 * Live capture: `fn` is told a connection's verdict as soon as it is
 * known even though the connection stays open for retransmissions: at
 * an ICMP unreachable, or after `after_ns` of silence in the handshake
 * (see mcpd_flow_early_scan). Final records still go to the emit
 * callback; struct mcpd_flow.announced tells them apart.
 */
typedef void (*mcpd_early_fn)(void *ctx, struct mcpd_flow *flow,
                              enum mcpd_verdict verdict);
void mcpd_flowtab_set_early(struct mcpd_flowtab *tab, mcpd_early_fn fn,
                            void *ctx, int64_t after_ns);

/* Announce handshakes silent for the early timeout; O(pending). */
void mcpd_flow_early_scan(struct mcpd_flowtab *tab, int64_t now_ns);

/*
 * Called for every new connection (live capture: to look up the owner
 * of the client socket while it still exists).
 */
typedef void (*mcpd_new_fn)(void *ctx, struct mcpd_flow *flow);
void mcpd_flowtab_set_new(struct mcpd_flowtab *tab, mcpd_new_fn fn,
                          void *ctx);

/* Feed one decoded packet; one that is not TCP or an ICMP unreachable
 * is only counted (as mcpd_flow_count does). */
void mcpd_flow_packet(struct mcpd_flowtab *tab, enum mcpd_dec_status st,
                      const struct mcpd_packet *pkt);

/*
 * The tuple hash of a packet, kept in it (pkt->hash, pkt->hashed). Reads
 * only the table's seed, so a reading thread may call it while another
 * thread tracks.
 */
void mcpd_flow_hash(const struct mcpd_flowtab *tab, enum mcpd_dec_status st,
                    struct mcpd_packet *pkt);

/*
 * Batched reading hides memory latency: stage 0 prefetches the packet's
 * hash bucket (hashing it first if needed); stage 1 (after the other
 * packets of the batch had their stage 0) prefetches the first
 * connection in it.
 */
void mcpd_flow_prefetch(struct mcpd_flowtab *tab, enum mcpd_dec_status st,
                        struct mcpd_packet *pkt, int stage);

/* Account for a packet that did not decode to TCP/ICMP. */
void mcpd_flow_count(struct mcpd_flowtab *tab, enum mcpd_dec_status st);

/* Let capture time pass (expire idle handshakes, drop lingering). */
void mcpd_flow_advance(struct mcpd_flowtab *tab, int64_t now_ns);

/* Emit every connection still in memory, oldest first. */
void mcpd_flow_flush(struct mcpd_flowtab *tab);

const struct mcpd_stats *mcpd_flow_stats(const struct mcpd_flowtab *tab);

/* Live capture: record the kernel's counters for the report. */
void mcpd_flow_set_kernel_stats(struct mcpd_flowtab *tab, uint64_t recv,
                                uint64_t drop, uint64_t ifdrop);

/* The verdict the packets seen so far support. */
enum mcpd_verdict mcpd_flow_verdict(const struct mcpd_flow *flow);

/* Server payload bytes, inferred from the client's ACKs when the
 * capture holds only the client's packets. */
uint64_t mcpd_flow_server_bytes(const struct mcpd_flow *flow);

/* Client sent data and the server none: "no_response". */
int mcpd_flow_no_response(const struct mcpd_flow *flow);

/*
 * A RESET by the client after a complete HTTP exchange (the response
 * received whole, or an event stream the client ended): an abortive
 * close, healthy.
 */
int mcpd_flow_abortive_close(const struct mcpd_flow *flow);

/* The server answered the SYN with a bare ACK acknowledging something
 * else, and the client rejected it (RST): no SYN-ACK. */
int mcpd_flow_answer_rejected(const struct mcpd_flow *flow);

#endif
