/* \summary: synthetic large TCP capture for the benchmark */
/*
 * gen_capture - generate a large, realistic synthetic TCP capture for
 * benchmarking mcpdiag.
 *
 *   gen_capture OUT.pcap [--connections N] [--target-bytes B] [--seed S]
 *                        [--rate CONN_PER_SEC] [--quiet]
 *
 * Writes the classic pcap format directly (no libpcap needed): magic
 * 0xa1b2c3d4, microsecond timestamps, LINKTYPE_ETHERNET (1).
 *
 * Model: connections arrive as a Poisson process; every connection is a small
 * state machine that emits one packet per event.  A binary heap orders the
 * pending events of all connections by time, so thousands of connections are
 * interleaved in the output, exactly as on a busy link.  The capture point is
 * the client side (server packets show up one RTT after the client's).
 *
 * Connection kinds (and the class mcpdiag should give them):
 *   60%  normal HTTP-like exchange, 1-3 request/response rounds, FIN close  CLOSED
 *   10%  long-lived stream (SSE) that never closes                         ESTABLISHED
 *   10%  refused: SYN -> RST,ACK                                           REFUSED
 *    5%  timeout: SYN, SYN again 1 s and 3 s later, no answer              TIMEOUT
 *    5%  ICMP/ICMPv6 port unreachable quoting the SYN                      UNREACHABLE
 *    5%  reset by the server after some response data                     RESET
 *    5%  half-open: SYN, SYN-ACK, client RST                               HALF_OPEN
 *  plus 0.5% of N streams already running when the capture starts (no
 *  handshake seen)                                                         PARTIAL
 * About 10% of connections are IPv6.  ~1.5% of requests are retransmitted
 * after an RTO and ~0.7% of server data segments are duplicated (spurious
 * retransmission, answered by an immediate duplicate ACK).
 *
 * Long streams absorb the byte budget: their event sizes are steered so that
 * the file ends up close to --target-bytes.  Everything is deterministic for a
 * given (connections, target-bytes, seed, rate).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_VERSION 1

/* ------------------------------------------------------------------ RNG */
typedef struct {
	uint64_t s[4];
} Rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(Rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(Rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static inline double rng_u(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static inline uint32_t rng_u32(Rng *r) { return (uint32_t)(rng_next(r) >> 32); }
/* inclusive range */
static inline uint32_t rng_range(Rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_u(r) * (double)(hi - lo + 1));
}
static inline double rng_logu(Rng *r, double lo, double hi) { return lo * exp(rng_u(r) * log(hi / lo)); }
static inline double rng_exp(Rng *r, double mean) { return -mean * log(1.0 - rng_u(r)); }
static inline int rng_chance(Rng *r, double p) { return rng_u(r) < p; }

/* --------------------------------------------------------------- output */
static FILE *g_out;
static uint8_t *g_buf;
static size_t g_len, g_cap = 32u << 20;
static uint64_t g_bytes, g_pkts;
static const uint32_t BASE_SEC = 1717171717u; /* 2024-05-31 */

static void flush_out(void)
{
	if (g_len && fwrite(g_buf, 1, g_len, g_out) != g_len) {
		fprintf(stderr, "gen_capture: write error: %s\n", strerror(errno));
		exit(2);
	}
	g_len = 0;
}

static uint8_t *reserve(size_t n)
{
	if (g_len + n > g_cap)
		flush_out();
	return g_buf + g_len;
}

static inline void be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Internet checksum, native-order accumulation (RFC 1071 byte-order
 * independence): the folded result is stored with memcpy, native order. */
static uint64_t csum_partial(const uint8_t *p, size_t n, uint64_t sum)
{
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		sum += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t b[2] = {p[0], 0};
		uint16_t w;
		memcpy(&w, b, 2);
		sum += w;
	}
	return sum;
}

static void csum_store(uint8_t *dst, uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t r = (uint16_t)~sum;
	memcpy(dst, &r, 2);
}

/* ---------------------------------------------------------------- hosts */
#define NCLI 4000
#define NSRV 16
static uint16_t g_next_port[2][NCLI];
static uint8_t g_srv_hops[NSRV];

static void ip4_cli(uint8_t *p, uint32_t i) { p[0] = 10; p[1] = 20; p[2] = (uint8_t)(i / 250); p[3] = (uint8_t)(1 + i % 250); }
static void ip4_srv(uint8_t *p, uint32_t j) { p[0] = 10; p[1] = 0; p[2] = 0; p[3] = (uint8_t)(10 + j); }
static void ip6_cli(uint8_t *p, uint32_t i)
{
	static const uint8_t pre[8] = {0xfd, 0x00, 0x00, 0x20, 0, 0, 0, 0};
	memcpy(p, pre, 8);
	memset(p + 8, 0, 6);
	be16(p + 14, 0x100 + i);
}
static void ip6_srv(uint8_t *p, uint32_t j)
{
	static const uint8_t pre[8] = {0xfd, 0x00, 0x00, 0x00, 0, 0, 0, 0};
	memcpy(p, pre, 8);
	memset(p + 8, 0, 6);
	be16(p + 14, 0x10 + j);
}

static const uint8_t GW_MAC[6] = {0x00, 0x1b, 0x21, 0x3a, 0x5c, 0x01};
static void cli_mac(uint8_t *p, uint32_t i)
{
	p[0] = 0x02; p[1] = 0x42; p[2] = 0x0a; p[3] = 0x14;
	p[4] = (uint8_t)(i >> 8); p[5] = (uint8_t)i;
}

/* ---------------------------------------------------------- connections */
enum { K_NORMAL, K_STREAM, K_REFUSED, K_TIMEOUT, K_UNREACH, K_RESET, K_HALFOPEN, K_PARTIAL, K_N };
static const char *const KIND_NAME[K_N] = {"normal", "stream", "refused", "timeout",
					   "unreachable", "reset", "half_open", "partial"};
static const char *const KIND_CLASS[K_N] = {"CLOSED", "ESTABLISHED", "REFUSED", "TIMEOUT",
					    "UNREACHABLE", "RESET", "HALF_OPEN", "PARTIAL"};

enum {
	PH_SYN, PH_SYNACK, PH_ACK3, PH_REQ, PH_REQ_RETX, PH_SACK, PH_RESP, PH_DUP, PH_CACK,
	PH_SRST, PH_CLOSE1, PH_CLOSE2, PH_CLOSE3, PH_STREAM, PH_CMSG_ACK, PH_REFUSE_RST,
	PH_ICMP, PH_NOOP_DONE
};

enum { OPT_NONE, OPT_SYN, OPT_TS };

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

typedef struct {
	uint8_t kind, phase, v6, srv_closes;
	uint8_t retx_req, nexch, tries, tls;
	uint8_t dup_pending, msg_kind; /* msg_kind: 0 http, 1 sse-open, 2 sse-event, 3 client msg */
	uint16_t cport, sport;
	uint16_t cli, srv;
	uint16_t cwnd, inwin, unacked;
	uint16_t ipid_c, ipid_s, syn_ipid, cwin, swin;
	uint32_t mss;
	uint32_t cisn, sisn;
	uint32_t cseq, sseq;                 /* next sequence number each side sends */
	uint32_t req_len, req_off, last_req_len;
	uint32_t resp_len, resp_off, reset_at;
	uint32_t dup_seq, dup_len, dup_off;
	uint32_t rtt, ser, think, flow, salt, msgid;
	uint32_t tsoff_c, tsoff_s;
	uint64_t t_syn, t_resp, t_lastseg;
	double stream_mean;                  /* mean seconds between stream events */
	double est;                          /* estimated bytes (non-stream kinds) */
	uint64_t emitted;
} Conn;

static Conn *g_conns;
static uint32_t g_nconns, g_capconns, *g_free, g_nfree;

static uint32_t conn_alloc(void)
{
	if (g_nfree)
		return g_free[--g_nfree];
	if (g_nconns == g_capconns) {
		g_capconns = g_capconns ? g_capconns * 2 : 4096;
		g_conns = realloc(g_conns, (size_t)g_capconns * sizeof(Conn));
		g_free = realloc(g_free, (size_t)g_capconns * sizeof(uint32_t));
		if (!g_conns || !g_free) {
			fprintf(stderr, "gen_capture: out of memory\n");
			exit(2);
		}
	}
	return g_nconns++;
}

static void conn_release(uint32_t id) { g_free[g_nfree++] = id; }

/* --------------------------------------------------------------- heap */
typedef struct {
	uint64_t t, seq;
	uint32_t id;
} Ev;
static Ev *g_heap;
static size_t g_hn, g_hcap;
static uint64_t g_evseq;
#define ARRIVAL_ID UINT32_MAX

static inline int ev_lt(const Ev *a, const Ev *b) { return a->t < b->t || (a->t == b->t && a->seq < b->seq); }

static void heap_push(uint64_t t, uint32_t id)
{
	if (g_hn == g_hcap) {
		g_hcap = g_hcap ? g_hcap * 2 : 4096;
		g_heap = realloc(g_heap, g_hcap * sizeof(Ev));
		if (!g_heap) {
			fprintf(stderr, "gen_capture: out of memory\n");
			exit(2);
		}
	}
	Ev e = {t, g_evseq++, id};
	size_t i = g_hn++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (!ev_lt(&e, &g_heap[p]))
			break;
		g_heap[i] = g_heap[p];
		i = p;
	}
	g_heap[i] = e;
}

static Ev heap_pop(void)
{
	Ev top = g_heap[0], last = g_heap[--g_hn];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l >= g_hn)
			break;
		m = l;
		if (l + 1 < g_hn && ev_lt(&g_heap[l + 1], &g_heap[l]))
			m = l + 1;
		if (!ev_lt(&g_heap[m], &last))
			break;
		g_heap[i] = g_heap[m];
		i = m;
	}
	if (g_hn)
		g_heap[i] = last;
	return top;
}

/* --------------------------------------------------------- global state */
static Rng g_rng;
static uint64_t g_target = 1ULL << 30;
static uint64_t g_nconn_total;    /* including pre-existing partial streams */
static uint64_t g_arrivals_left;  /* connections still to arrive */
static double g_rate = 1000.0;    /* arrivals per second */
static double g_t_arr_end;        /* expected time of the last arrival, s */
static uint64_t g_kind_count[K_N], g_kind_bytes[K_N], g_kind_pkts[K_N];
static uint64_t g_v6_count, g_retx_req, g_dup_seg, g_keepalives;
static uint64_t g_ns_inflight;    /* non-stream connections in flight */
static uint64_t g_streams_active;
static double g_ns_est_inflight, g_ns_emitted_inflight, g_ns_est_done, g_ns_act_done;
static double g_mean_est = 6000;  /* prior mean bytes of a non-stream conn */
static uint64_t g_inflight_max, g_inflight_ns_max;
static double g_inflight_sum;
static uint64_t g_inflight_samples;

static uint8_t g_filler_txt[65536 + 4096];
static uint8_t g_filler_bin[65536 + 4096];
static uint8_t g_scratch[4096];

static const double P_KIND[K_PARTIAL] = {0.60, 0.10, 0.10, 0.05, 0.05, 0.05, 0.05};

static inline int is_stream(const Conn *c) { return c->kind == K_STREAM || c->kind == K_PARTIAL; }

/* ------------------------------------------------------- packet builders */
static inline uint32_t tsval(const Conn *c, int srv, uint64_t t)
{
	return (uint32_t)(t / 1000) + (srv ? c->tsoff_s : c->tsoff_c);
}

/* Build IP + TCP into dst; returns L3 length. */
static size_t build_tcp(uint8_t *dst, const Conn *c, int srv, uint8_t flags, uint32_t seq, uint32_t ack,
			const uint8_t *pl, uint32_t plen, int opt, uint64_t t, uint16_t ipid)
{
	uint32_t thl = opt == OPT_SYN ? 40 : opt == OPT_TS ? 32 : 20;
	uint32_t tcplen = thl + plen;
	uint8_t src[16], dstip[16];
	uint8_t *ip = dst, *tcp;
	size_t l3;
	uint8_t ttl = srv ? (uint8_t)(64 - g_srv_hops[c->srv]) : 64;
	if (c->v6) {
		if (srv) { ip6_srv(src, c->srv); ip6_cli(dstip, c->cli); }
		else { ip6_cli(src, c->cli); ip6_srv(dstip, c->srv); }
		be32(ip, 0x60000000u | (c->flow & 0xfffff));
		be16(ip + 4, tcplen);
		ip[6] = 6;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dstip, 16);
		tcp = ip + 40;
		l3 = 40 + tcplen;
	} else {
		if (srv) { ip4_srv(src, c->srv); ip4_cli(dstip, c->cli); }
		else { ip4_cli(src, c->cli); ip4_srv(dstip, c->srv); }
		ip[0] = 0x45;
		ip[1] = 0;
		be16(ip + 2, 20 + tcplen);
		be16(ip + 4, (flags & F_RST) && c->kind == K_REFUSED ? 0 : ipid);
		be16(ip + 6, 0x4000); /* DF */
		ip[8] = ttl;
		ip[9] = 6;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dstip, 4);
		csum_store(ip + 10, csum_partial(ip, 20, 0));
		tcp = ip + 20;
		l3 = 20 + tcplen;
	}
	be16(tcp, srv ? c->sport : c->cport);
	be16(tcp + 2, srv ? c->cport : c->sport);
	be32(tcp + 4, seq);
	be32(tcp + 8, ack);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	uint32_t win;
	if (flags & F_SYN)
		win = srv ? (c->v6 ? 64260 : 65160) : (c->v6 ? 64800 : 64240);
	else if (flags & F_RST)
		win = 0;
	else
		win = srv ? c->swin : c->cwin;
	be16(tcp + 14, win);
	tcp[16] = tcp[17] = 0;
	tcp[18] = tcp[19] = 0;
	uint8_t *o = tcp + 20;
	if (opt == OPT_SYN) {
		o[0] = 2; o[1] = 4; be16(o + 2, c->mss + 12);
		o[4] = 4; o[5] = 2;
		o[6] = 8; o[7] = 10; be32(o + 8, tsval(c, srv, t));
		be32(o + 12, srv ? tsval(c, 0, t - c->rtt) : 0);
		o[16] = 1;
		o[17] = 3; o[18] = 3; o[19] = 7;
	} else if (opt == OPT_TS) {
		o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
		be32(o + 4, tsval(c, srv, t));
		/* echo the peer's clock as of the last packet we could have seen */
		be32(o + 8, tsval(c, !srv, t > c->rtt ? t - (srv ? c->rtt / 2 : c->rtt / 2 + 20) : 0));
	}
	if (plen)
		memcpy(tcp + thl, pl, plen);
	/* pseudo header */
	uint8_t ph[40];
	uint64_t sum;
	if (c->v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dstip, 16);
		be32(ph + 32, tcplen);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = 6;
		sum = csum_partial(ph, 40, 0);
	} else {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dstip, 4);
		ph[8] = 0;
		ph[9] = 6;
		be16(ph + 10, tcplen);
		sum = csum_partial(ph, 12, 0);
	}
	csum_store(tcp + 16, csum_partial(tcp, tcplen, sum));
	return l3;
}

static uint64_t g_last_pkt_t;

static void pcap_rec(uint8_t *p, uint64_t t, uint32_t len)
{
	g_last_pkt_t = t;
	le32(p, BASE_SEC + (uint32_t)(t / 1000000));
	le32(p + 4, (uint32_t)(t % 1000000));
	le32(p + 8, len);
	le32(p + 12, len);
}

static void eth_hdr(uint8_t *p, const Conn *c, int srv)
{
	uint8_t cm[6];
	cli_mac(cm, c->cli);
	if (srv) { memcpy(p, cm, 6); memcpy(p + 6, GW_MAC, 6); }
	else { memcpy(p, GW_MAC, 6); memcpy(p + 6, cm, 6); }
	be16(p + 12, c->v6 ? 0x86dd : 0x0800);
}

static void account(Conn *c, size_t n)
{
	g_bytes += n;
	g_pkts++;
	g_len += n;
	c->emitted += n;
	g_kind_bytes[c->kind] += n;
	g_kind_pkts[c->kind]++;
	if (!is_stream(c))
		g_ns_emitted_inflight += (double)n;
}

static void emit_tcp(Conn *c, int srv, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *pl,
		     uint32_t plen, int opt, uint64_t t)
{
	size_t max = 16 + 14 + 40 + 40 + plen;
	uint8_t *p = reserve(max);
	uint16_t ipid = srv ? c->ipid_s++ : c->ipid_c++;
	if ((flags & (F_SYN | F_ACK)) == F_SYN)
		c->syn_ipid = ipid;
	size_t l3 = build_tcp(p + 30, c, srv, flags, seq, ack, pl, plen, opt, t, ipid);
	eth_hdr(p + 16, c, srv);
	pcap_rec(p, t, (uint32_t)(14 + l3));
	account(c, 16 + 14 + l3);
}

/* ICMP (v4: type 3 code 3, v6: type 1 code 4) from the server quoting the SYN */
static void emit_icmp_unreach(Conn *c, uint64_t t)
{
	uint8_t quote[128];
	size_t ql = build_tcp(quote, c, 0, F_SYN, c->cisn, 0, NULL, 0, OPT_SYN, c->t_syn, c->syn_ipid);
	uint8_t *p = reserve(16 + 14 + 40 + 8 + ql);
	uint8_t *ip = p + 30, src[16], dst[16];
	size_t l3;
	eth_hdr(p + 16, c, 1);
	uint8_t ttl = (uint8_t)(64 - g_srv_hops[c->srv]);
	if (c->v6) {
		ip6_srv(src, c->srv);
		ip6_cli(dst, c->cli);
		uint32_t plen = (uint32_t)(8 + ql);
		be32(ip, 0x60000000u);
		be16(ip + 4, plen);
		ip[6] = 58;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		uint8_t *ic = ip + 40;
		ic[0] = 1; ic[1] = 4; ic[2] = ic[3] = 0;
		memset(ic + 4, 0, 4);
		memcpy(ic + 8, quote, ql);
		uint8_t ph[40];
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		be32(ph + 32, plen);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = 58;
		csum_store(ic + 2, csum_partial(ic, plen, csum_partial(ph, 40, 0)));
		l3 = 40 + plen;
	} else {
		ip4_srv(src, c->srv);
		ip4_cli(dst, c->cli);
		ip[0] = 0x45; ip[1] = 0xc0;
		be16(ip + 2, (uint32_t)(20 + 8 + ql));
		be16(ip + 4, c->ipid_s++);
		be16(ip + 6, 0);
		ip[8] = ttl; ip[9] = 1; ip[10] = ip[11] = 0;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		csum_store(ip + 10, csum_partial(ip, 20, 0));
		uint8_t *ic = ip + 20;
		ic[0] = 3; ic[1] = 3; ic[2] = ic[3] = 0;
		memset(ic + 4, 0, 4);
		memcpy(ic + 8, quote, ql);
		csum_store(ic + 2, csum_partial(ic, 8 + ql, 0));
		l3 = 20 + 8 + ql;
	}
	pcap_rec(p, t, (uint32_t)(14 + l3));
	account(c, 16 + 14 + l3);
}

/* --------------------------------------------------------------- payloads */
/* Protocol header text at the start of a message; returns its length. */
static int hdr_text(const Conn *c, int srv, uint32_t msglen, char *h, size_t hsz)
{
	int n;
	switch (c->msg_kind) {
	case 1: /* SSE stream open */
		if (!srv)
			n = snprintf(h, hsz,
				     "GET /sse HTTP/1.1\r\nHost: mcp-%u.internal:%u\r\nUser-Agent: mcp-client/1.4\r\n"
				     "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n",
				     c->srv, c->sport);
		else
			n = snprintf(h, hsz,
				     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
				     "Connection: keep-alive\r\n\r\nevent: endpoint\ndata: /messages?sessionId=%08x%08x\n\n",
				     c->salt, c->flow);
		break;
	case 2: /* SSE event */
		if (msglen < 40)
			n = snprintf(h, hsz, ": ping %u\n\n", c->msgid);
		else
			n = snprintf(h, hsz,
				     "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
				     "\"params\":{\"progressToken\":%u,\"message\":\"",
				     c->msgid);
		break;
	case 3: /* small client message on a stream */
		n = snprintf(h, hsz, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}\n", c->msgid);
		break;
	default: {
		/* two passes so that Content-Length is the exact body length */
		uint32_t cl = 0;
		int hl = 0;
		for (int pass = 0; pass < 2; pass++) {
			if (!srv)
				hl = snprintf(h, hsz,
					      "POST /mcp HTTP/1.1\r\nHost: mcp-%u.internal:%u\r\nUser-Agent: mcp-client/1.4\r\n"
					      "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
					      "Content-Length: %u\r\n\r\n",
					      c->srv, c->sport, cl);
			else
				hl = snprintf(h, hsz,
					      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %u\r\n"
					      "Date: Fri, 31 May 2024 16:08:37 GMT\r\n\r\n",
					      cl);
			cl = msglen > (uint32_t)hl ? msglen - (uint32_t)hl : 0;
		}
		if (!srv)
			n = hl + snprintf(h + hl, hsz - (size_t)hl,
					  "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\","
					  "\"params\":{\"name\":\"search\",\"arguments\":{\"query\":\"",
					  c->msgid);
		else
			n = hl + snprintf(h + hl, hsz - (size_t)hl,
					  "{\"jsonrpc\":\"2.0\",\"id\":%u,"
					  "\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"",
					  c->msgid);
		break;
	}
	}
	return n < 0 ? 0 : (n >= (int)hsz ? (int)hsz - 1 : n);
}

/* Payload bytes for [off, off+len) of the current message of one side.  The
 * first segment of a message carries a protocol header; the rest is filler.
 * Deterministic in (conn, side, message offset), so duplicates are exact. */
static const uint8_t *payload(const Conn *c, int srv, uint32_t off, uint32_t len, uint32_t msglen)
{
	const uint8_t *fill = c->tls ? g_filler_bin : g_filler_txt;
	const uint8_t *base = fill + ((off + c->salt + (srv ? 7919u : 0u)) & 65535u);
	if (off != 0)
		return base;
	memcpy(g_scratch, base, len);
	char h[640];
	int n;
	if (c->tls) {
		g_scratch[0] = 0x17; g_scratch[1] = 3; g_scratch[2] = 3;
		if (len >= 5)
			be16(g_scratch + 3, msglen > 5 ? (msglen - 5 > 16408 ? 16408 : msglen - 5) : 0);
		return g_scratch;
	}
	n = hdr_text(c, srv, msglen, h, sizeof h);
	if (n > 0)
		memcpy(g_scratch, h, (uint32_t)n < len ? (uint32_t)n : len);
	return g_scratch;
}

/* --------------------------------------------------------------- params */
static uint32_t draw_resp_len(Rng *r, uint32_t mss)
{
	double u = rng_u(r), v;
	if (u < 0.90)
		v = rng_logu(r, 220, 3000);
	else if (u < 0.996)
		v = rng_logu(r, 3000, 40000);
	else
		v = rng_logu(r, 40000, 200.0 * mss);
	uint32_t n = (uint32_t)v;
	return n > 200 * mss ? 200 * mss : n;
}

static uint32_t draw_req_len(Rng *r)
{
	return rng_chance(r, 0.85) ? (uint32_t)rng_logu(r, 340, 900) : (uint32_t)rng_logu(r, 800, 4000);
}

static uint32_t draw_rtt(Rng *r)
{
	return rng_chance(r, 0.4) ? (uint32_t)rng_logu(r, 80, 1000) : (uint32_t)rng_logu(r, 4000, 150000);
}

static void draw_conn(Rng *r, Conn *c, int kind)
{
	memset(c, 0, sizeof *c);
	c->kind = (uint8_t)kind;
	c->v6 = rng_chance(r, 0.10);
	c->mss = c->v6 ? 1428 : 1448;
	double u = rng_u(r);
	c->sport = u < 0.80 ? 3000 : u < 0.92 ? 8080 : 443;
	c->tls = c->sport == 443;
	c->cli = (uint16_t)rng_range(r, 0, NCLI - 1);
	c->srv = (uint16_t)rng_range(r, 0, NSRV - 1);
	c->cisn = rng_u32(r);
	c->sisn = rng_u32(r);
	c->rtt = draw_rtt(r);
	c->ser = (uint32_t)rng_logu(r, 12, 300);
	c->think = (uint32_t)rng_logu(r, 200, 300000);
	c->flow = rng_u32(r);
	c->salt = rng_u32(r);
	c->msgid = rng_range(r, 1, 50);
	c->tsoff_c = rng_u32(r);
	c->tsoff_s = rng_u32(r);
	c->ipid_c = (uint16_t)rng_u32(r);
	c->ipid_s = (uint16_t)rng_u32(r);
	c->cwin = (uint16_t)rng_range(r, 501, 2000);
	c->swin = (uint16_t)rng_range(r, 501, 4000);
	c->cwnd = 10;
	c->srv_closes = rng_chance(r, 0.30);
	c->nexch = rng_chance(r, 0.85) ? 1 : (uint8_t)rng_range(r, 2, 3);
	c->req_len = draw_req_len(r);
	c->resp_len = draw_resp_len(r, c->mss);
	if (kind == K_RESET) {
		uint32_t segs = rng_range(r, 1, 6);
		c->nexch = 1;
		c->reset_at = segs * c->mss;
		c->resp_len = (segs + rng_range(r, 3, 40)) * c->mss;
	}
	if (kind == K_STREAM || kind == K_PARTIAL) {
		c->stream_mean = rng_logu(r, 1.0, 20.0);
		c->msg_kind = 1;
	}
}

/* Rough byte estimate of a non-stream connection (pcap record bytes). */
static double est_bytes(const Conn *c)
{
	double l2 = 16 + 14 + (c->v6 ? 40 : 20);
	double syn = l2 + 40, ts = l2 + 32, bare = l2 + 20;
	switch (c->kind) {
	case K_REFUSED: return syn + bare;
	case K_TIMEOUT: return 3 * syn;
	case K_UNREACH: return syn + l2 + 8 + (c->v6 ? 80 : 60);
	case K_HALFOPEN: return 2 * syn + bare;
	case K_RESET: {
		double segs = c->reset_at / (double)c->mss;
		return 2 * syn + ts + c->req_len + ceil(c->req_len / (double)c->mss) * ts + c->reset_at +
		       segs * ts + ceil(segs / 2) * ts + bare + 0.3 * ts;
	}
	default: {
		double segs = ceil(c->resp_len / (double)c->mss);
		double per = c->req_len + ceil(c->req_len / (double)c->mss) * ts + c->resp_len + segs * ts +
			     ceil(segs / 2) * ts + 0.25 * ts;
		double ex = c->nexch == 1 ? 1 : 2.5;
		return 2 * syn + ts + ex * per + 3 * ts;
	}
	}
}

static int draw_kind(Rng *r)
{
	double u = rng_u(r), acc = 0;
	for (int k = 0; k < K_PARTIAL; k++) {
		acc += P_KIND[k];
		if (u < acc)
			return k;
	}
	return K_NORMAL;
}

static void new_exchange(Conn *c)
{
	c->req_off = c->resp_off = 0;
	c->msgid++;
	c->retx_req = rng_chance(&g_rng, 0.015);
}

/* Bytes of wire traffic per second that each stream should produce now. */
static double stream_rate(uint64_t now)
{
	double tnow = now / 1e6;
	double corr = g_ns_est_done > 1e5 ? g_ns_act_done / g_ns_est_done : 1.0;
	double ns_arrivals = (double)g_arrivals_left * (1.0 - P_KIND[K_STREAM]);
	double ns_left = corr * (ns_arrivals * g_mean_est + g_ns_est_inflight) - g_ns_emitted_inflight;
	if (ns_left < 0)
		ns_left = 0;
	double budget = (double)g_target - (double)g_bytes - ns_left;
	if (budget <= 0)
		return 0;
	double tend = g_t_arr_end + 6.0;
	double rem = tend - tnow;
	if (rem < 1)
		rem = 1;
	double fut = (double)g_arrivals_left * P_KIND[K_STREAM];
	double fut_time = tend - (tnow + g_t_arr_end) / 2;
	if (fut_time < 1)
		fut_time = 1;
	double ss = (double)g_streams_active * rem + fut * fut_time;
	if (ss < 1)
		ss = 1;
	return budget / ss;
}

static int ns_work_left(void) { return g_arrivals_left > 0 || g_ns_inflight > 0; }

/* Server response segment bookkeeping after a segment/ack; returns next time. */
static uint64_t resp_next(Conn *c, uint64_t now);

static uint64_t after_response(Conn *c, uint64_t now)
{
	if (is_stream(c)) {
		c->phase = PH_STREAM;
		return now + 1 + (uint64_t)(rng_exp(&g_rng, c->stream_mean) * 1e6);
	}
	if (--c->nexch > 0) {
		new_exchange(c);
		c->req_len = draw_req_len(&g_rng);
		c->resp_len = draw_resp_len(&g_rng, c->mss);
		c->phase = PH_REQ;
		return now + (uint64_t)rng_logu(&g_rng, 2000, 400000);
	}
	c->phase = PH_CLOSE1;
	if (rng_chance(&g_rng, 0.4))
		return now + (uint64_t)rng_logu(&g_rng, 100, 50000);
	return now + (uint64_t)rng_logu(&g_rng, 200000, 8000000);
}

static uint64_t resp_next(Conn *c, uint64_t now)
{
	if (c->resp_off >= c->resp_len)
		return after_response(c, now);
	c->phase = PH_RESP;
	if (c->inwin >= c->cwnd) {
		c->inwin = 0;
		c->cwnd = c->cwnd >= 128 ? 256 : (uint16_t)(c->cwnd * 2);
		return c->t_lastseg + c->rtt;
	}
	uint64_t t = c->t_lastseg + c->ser;
	return t > now ? t : now + 1;
}

/* Execute the event of connection c at time now.  Returns the time of its
 * next event, or 0 when the connection is finished. */
static uint64_t step(Conn *c, uint64_t now)
{
	Rng *r = &g_rng;
	switch (c->phase) {
	case PH_SYN:
		if (c->tries == 0)
			c->t_syn = now;
		emit_tcp(c, 0, F_SYN, c->cisn, 0, NULL, 0, OPT_SYN, now);
		c->cseq = c->cisn + 1;
		c->tries++;
		switch (c->kind) {
		case K_TIMEOUT:
			if (c->tries == 1)
				return now + 1000000;
			if (c->tries == 2)
				return now + 2000000;
			c->phase = PH_NOOP_DONE; /* stays "in flight" 4 more s (next retry would be at +4 s) */
			return now + 4000000;
		case K_REFUSED:
			c->phase = PH_REFUSE_RST;
			return now + c->rtt;
		case K_UNREACH:
			c->phase = PH_ICMP;
			return now + c->rtt;
		default:
			c->phase = PH_SYNACK;
			return now + c->rtt;
		}
	case PH_REFUSE_RST:
		emit_tcp(c, 1, F_RST | F_ACK, 0, c->cisn + 1, NULL, 0, OPT_NONE, now);
		return 0;
	case PH_ICMP:
		emit_icmp_unreach(c, now);
		return 0;
	case PH_NOOP_DONE:
		return 0;
	case PH_SYNACK:
		emit_tcp(c, 1, F_SYN | F_ACK, c->sisn, c->cisn + 1, NULL, 0, OPT_SYN, now);
		c->sseq = c->sisn + 1;
		c->phase = PH_ACK3;
		return now + rng_range(r, 15, 80);
	case PH_ACK3:
		if (c->kind == K_HALFOPEN) {
			emit_tcp(c, 0, F_RST, c->cseq, 0, NULL, 0, OPT_NONE, now);
			return 0;
		}
		emit_tcp(c, 0, F_ACK, c->cseq, c->sseq, NULL, 0, OPT_TS, now);
		c->phase = PH_REQ;
		new_exchange(c);
		if (c->kind == K_STREAM) {
			char h[640];
			c->req_len = c->tls ? rng_range(r, 300, 700) : (uint32_t)hdr_text(c, 0, 0, h, sizeof h);
			c->resp_len = c->tls ? rng_range(r, 100, 300) : (uint32_t)hdr_text(c, 1, 0, h, sizeof h);
		}
		return now + rng_range(r, 5, 300);
	case PH_REQ: {
		uint32_t len = c->req_len - c->req_off;
		if (len > c->mss)
			len = c->mss;
		const uint8_t *pl = payload(c, 0, c->req_off, len, c->req_len);
		int last = c->req_off + len >= c->req_len;
		emit_tcp(c, 0, (uint8_t)(F_ACK | (last ? F_PSH : 0)), c->cseq, c->sseq, pl, len, OPT_TS, now);
		c->cseq += len;
		c->req_off += len;
		c->last_req_len = len;
		if (!last)
			return now + rng_range(r, 3, 20);
		if (c->retx_req) {
			c->phase = PH_REQ_RETX;
			return now + 200000 + c->rtt;
		}
	}
		/* fall through */
	server_side:
		if (c->think > 40000) {
			c->phase = PH_SACK;
			c->t_resp = now + c->rtt + c->think;
			return now + c->rtt + 40000;
		}
		c->phase = PH_RESP;
		c->inwin = 0;
		c->unacked = 0;
		c->t_lastseg = now + c->rtt + c->think;
		return c->t_lastseg;
	case PH_REQ_RETX: {
		uint32_t off = c->req_off - c->last_req_len;
		const uint8_t *pl = payload(c, 0, off, c->last_req_len, c->req_len);
		emit_tcp(c, 0, F_ACK | F_PSH, c->cseq - c->last_req_len, c->sseq, pl, c->last_req_len, OPT_TS, now);
		g_retx_req++;
		goto server_side;
	}
	case PH_SACK:
		emit_tcp(c, 1, F_ACK, c->sseq, c->cseq, NULL, 0, OPT_TS, now);
		c->phase = PH_RESP;
		c->inwin = 0;
		c->unacked = 0;
		c->t_lastseg = c->t_resp;
		return c->t_resp;
	case PH_RESP: {
		if (c->kind == K_RESET && c->resp_off >= c->reset_at) {
			c->phase = PH_SRST;
			return now + (uint64_t)rng_logu(r, 50, 500000);
		}
		uint32_t len = c->resp_len - c->resp_off;
		if (len > c->mss)
			len = c->mss;
		const uint8_t *pl = payload(c, 1, c->resp_off, len, c->resp_len);
		int last = c->resp_off + len >= c->resp_len;
		c->inwin++;
		c->unacked++;
		int wend = c->inwin >= c->cwnd;
		emit_tcp(c, 1, (uint8_t)(F_ACK | (last || wend ? F_PSH : 0)), c->sseq, c->cseq, pl, len, OPT_TS, now);
		c->dup_seq = c->sseq;
		c->dup_off = c->resp_off;
		c->dup_len = len;
		c->sseq += len;
		c->resp_off += len;
		c->t_lastseg = now;
		if (rng_chance(r, 0.007)) {
			c->phase = PH_DUP;
			return now + c->ser + rng_range(r, 0, 2000);
		}
		if (c->unacked >= 2 || last || wend) {
			c->phase = PH_CACK;
			return now + rng_range(r, 15, 80);
		}
		return resp_next(c, now);
	}
	case PH_DUP: {
		const uint8_t *pl = payload(c, 1, c->dup_off, c->dup_len, c->resp_len);
		emit_tcp(c, 1, F_ACK, c->dup_seq, c->cseq, pl, c->dup_len, OPT_TS, now);
		g_dup_seg++;
		c->t_lastseg = now;
		c->phase = PH_CACK;
		return now + rng_range(r, 15, 80);
	}
	case PH_CACK:
		emit_tcp(c, 0, F_ACK, c->cseq, c->sseq, NULL, 0, OPT_TS, now);
		c->unacked = 0;
		return resp_next(c, now);
	case PH_SRST:
		if (rng_chance(r, 0.7))
			emit_tcp(c, 1, F_RST | F_ACK, c->sseq, c->cseq, NULL, 0, OPT_NONE, now);
		else
			emit_tcp(c, 1, F_RST, c->sseq, 0, NULL, 0, OPT_NONE, now);
		return 0;
	case PH_CLOSE1:
		if (c->srv_closes) {
			emit_tcp(c, 1, F_FIN | F_ACK, c->sseq, c->cseq, NULL, 0, OPT_TS, now);
			c->sseq++;
			c->phase = PH_CLOSE2;
			return now + rng_range(r, 30, 3000);
		}
		emit_tcp(c, 0, F_FIN | F_ACK, c->cseq, c->sseq, NULL, 0, OPT_TS, now);
		c->cseq++;
		c->phase = PH_CLOSE2;
		return now + c->rtt;
	case PH_CLOSE2:
		if (c->srv_closes) {
			emit_tcp(c, 0, F_FIN | F_ACK, c->cseq, c->sseq, NULL, 0, OPT_TS, now);
			c->cseq++;
			c->phase = PH_CLOSE3;
			return now + c->rtt;
		}
		emit_tcp(c, 1, F_FIN | F_ACK, c->sseq, c->cseq, NULL, 0, OPT_TS, now);
		c->sseq++;
		c->phase = PH_CLOSE3;
		return now + rng_range(r, 15, 80);
	case PH_CLOSE3:
		if (c->srv_closes)
			emit_tcp(c, 1, F_ACK, c->sseq, c->cseq, NULL, 0, OPT_TS, now);
		else
			emit_tcp(c, 0, F_ACK, c->cseq, c->sseq, NULL, 0, OPT_TS, now);
		return 0;
	case PH_STREAM: {
		if (!ns_work_left())
			return 0; /* leave it open: the capture ends */
		if (rng_chance(r, 0.12)) {
			if (c->tls) {
				/* the client says something small; the server acks it */
				uint32_t len = rng_range(r, 60, 400);
				c->msg_kind = 3;
				c->msgid++;
				const uint8_t *pl = payload(c, 0, 0, len, len);
				emit_tcp(c, 0, F_ACK | F_PSH, c->cseq, c->sseq, pl, len, OPT_TS, now);
				c->cseq += len;
			} else {
				/* TCP keep-alive probe (seq - 1, no data); the server acks it */
				emit_tcp(c, 0, F_ACK, c->cseq - 1, c->sseq, NULL, 0, OPT_TS, now);
				g_keepalives++;
			}
			c->phase = PH_CMSG_ACK;
			return now + c->rtt + (c->tls && c->rtt < 40000 ? 40000 : 0);
		}
		double w = stream_rate(now) * c->stream_mean * (0.5 + rng_u(r));
		/* wire bytes -> payload bytes */
		double hdr = 16 + 14 + (c->v6 ? 40 : 20) + 32;
		double pl = w * c->mss / (c->mss + 1.5 * hdr) - 1.5 * hdr;
		uint32_t len = pl < 12 ? 12 : pl > 2e6 ? 2000000 : (uint32_t)pl;
		c->msg_kind = 2;
		c->msgid++;
		c->resp_len = len;
		c->resp_off = 0;
		c->inwin = 0;
		c->unacked = 0;
		if (c->cwnd < 32)
			c->cwnd = 32;
		c->t_lastseg = now;
		c->phase = PH_RESP;
		return step(c, now);
	}
	case PH_CMSG_ACK:
		emit_tcp(c, 1, F_ACK, c->sseq, c->cseq, NULL, 0, OPT_TS, now);
		c->phase = PH_STREAM;
		return now + 1 + (uint64_t)(rng_exp(r, c->stream_mean) * 1e6);
	}
	return 0;
}

/* ------------------------------------------------------------------ main */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0) {
		fprintf(stderr, "gen_capture: bad number '%s'\n", s);
		exit(2);
	}
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end) {
		fprintf(stderr, "gen_capture: bad number '%s'\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gen_capture OUT.pcap [--connections N] [--target-bytes B] [--seed S]\n"
		"                   [--rate CONN_PER_SEC] [--quiet]\n"
		"  B accepts k/M/G suffixes (binary).  Default B = 1G, N = 200000 per GiB of B,\n"
		"  rate = 1000 new connections per second, seed = 1.  OUT may be '-' (stdout).\n");
	exit(2);
}

static void spawn_conn(int kind, uint64_t now, int preexisting)
{
	uint32_t id = conn_alloc();
	Conn *c = &g_conns[id];
	draw_conn(&g_rng, c, kind);
	g_kind_count[kind]++;
	g_v6_count += c->v6;
	if (preexisting) {
		/* a stream that was established before the capture began */
		c->cport = (uint16_t)rng_range(&g_rng, 32768, 60999);
		c->cseq = c->cisn + rng_u32(&g_rng) % 100000000u;
		c->sseq = c->sisn + rng_u32(&g_rng) % 100000000u;
		c->msgid = rng_range(&g_rng, 100, 100000);
		c->phase = PH_STREAM;
		g_streams_active++;
		heap_push(now + 1 + (uint64_t)(rng_u(&g_rng) * 1e6), id);
		return;
	}
	int v = c->v6;
	uint16_t *np = &g_next_port[v][c->cli];
	c->cport = *np;
	*np = *np >= 60999 ? 32768 : (uint16_t)(*np + 1);
	if (is_stream(c)) {
		g_streams_active++;
	} else {
		c->est = est_bytes(c);
		g_ns_inflight++;
		g_ns_est_inflight += c->est;
	}
	heap_push(now, id);
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	uint64_t nconn = 0, seed = 1;
	int quiet = 0, have_target = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--connections") && i + 1 < argc)
			nconn = parse_size(argv[++i]);
		else if (!strcmp(a, "--target-bytes") && i + 1 < argc) {
			g_target = parse_size(argv[++i]);
			have_target = 1;
		} else if (!strcmp(a, "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--rate") && i + 1 < argc)
			g_rate = strtod(argv[++i], NULL);
		else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
			quiet = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage();
		else if (a[0] == '-' && a[1] == '-')
			usage();
		else if (!outpath)
			outpath = a;
		else
			usage();
	}
	if (!outpath || g_rate <= 0)
		usage();
	if (!nconn)
		nconn = (uint64_t)((double)g_target * 200000.0 / 1073741824.0 + 0.5);
	if (nconn < 20)
		nconn = 20;
	(void)have_target;
	g_nconn_total = nconn;

	struct timespec ts0, ts1;
	clock_gettime(CLOCK_MONOTONIC, &ts0);

	g_out = strcmp(outpath, "-") ? fopen(outpath, "wb") : stdout;
	if (!g_out) {
		fprintf(stderr, "gen_capture: %s: %s\n", outpath, strerror(errno));
		return 2;
	}
	g_buf = malloc(g_cap);
	if (!g_buf) {
		fprintf(stderr, "gen_capture: out of memory\n");
		return 2;
	}

	rng_seed(&g_rng, seed * 0x2545F4914F6CDD1DULL + GEN_VERSION);
	/* filler: JSON-ish lowercase text and pseudo-random "TLS" bytes */
	{
		static const char *const words[] = {"the", "tool", "result", "context", "model", "server", "query",
						    "resource", "prompt", "token", "stream", "data", "value", "index",
						    "search", "file", "line", "function", "return", "error"};
		size_t i = 0;
		while (i < sizeof g_filler_txt) {
			const char *w = words[rng_next(&g_rng) % 20];
			size_t l = strlen(w);
			for (size_t k = 0; k < l && i < sizeof g_filler_txt; k++)
				g_filler_txt[i++] = (uint8_t)w[k];
			if (i < sizeof g_filler_txt)
				g_filler_txt[i++] = (rng_next(&g_rng) & 15) == 0 ? ',' : ' ';
		}
		for (i = 0; i < sizeof g_filler_bin; i++)
			g_filler_bin[i] = (uint8_t)(rng_next(&g_rng) >> 56);
	}
	for (int i = 0; i < NCLI; i++) {
		g_next_port[0][i] = (uint16_t)rng_range(&g_rng, 32768, 60999);
		g_next_port[1][i] = (uint16_t)rng_range(&g_rng, 32768, 60999);
	}
	for (int j = 0; j < NSRV; j++)
		g_srv_hops[j] = (uint8_t)rng_range(&g_rng, 0, 12);

	/* prior for the mean size of a non-stream connection (separate RNG) */
	{
		Rng r2;
		rng_seed(&r2, seed ^ 0xabcdefULL);
		double sum = 0;
		int n = 20000;
		Conn tmp;
		for (int i = 0; i < n; i++) {
			int k;
			do
				k = draw_kind(&r2);
			while (k == K_STREAM);
			draw_conn(&r2, &tmp, k);
			sum += est_bytes(&tmp);
		}
		g_mean_est = sum / n;
	}

	/* pcap global header */
	{
		uint8_t *p = reserve(24);
		le32(p, 0xa1b2c3d4u);
		p[4] = 2; p[5] = 0; p[6] = 4; p[7] = 0;
		le32(p + 8, 0);
		le32(p + 12, 0);
		le32(p + 16, 262144);
		le32(p + 20, 1);
		g_len += 24;
		g_bytes += 24;
	}

	uint64_t npre = nconn / 200; /* 0.5% already-running streams */
	g_arrivals_left = nconn - npre;
	g_t_arr_end = (double)g_arrivals_left / g_rate;
	for (uint64_t i = 0; i < npre; i++)
		spawn_conn(K_PARTIAL, 0, 1);
	if (g_arrivals_left)
		heap_push(1000 + (uint64_t)(rng_exp(&g_rng, 1.0 / g_rate) * 1e6), ARRIVAL_ID);

	uint64_t next_sample = 0;
	while (g_hn) {
		Ev e = heap_pop();
		uint64_t now = e.t;
		if (now >= next_sample) {
			uint64_t inflight = g_ns_inflight + g_streams_active;
			if (inflight > g_inflight_max)
				g_inflight_max = inflight;
			if (g_ns_inflight > g_inflight_ns_max)
				g_inflight_ns_max = g_ns_inflight;
			g_inflight_sum += (double)inflight;
			g_inflight_samples++;
			next_sample = now + 100000;
		}
		if (e.id == ARRIVAL_ID) {
			spawn_conn(draw_kind(&g_rng), now, 0);
			if (--g_arrivals_left)
				heap_push(now + 1 + (uint64_t)(rng_exp(&g_rng, 1.0 / g_rate) * 1e6), ARRIVAL_ID);
			continue;
		}
		Conn *c = &g_conns[e.id];
		uint64_t next = step(c, now);
		if (next) {
			if (next < now)
				next = now;
			heap_push(next, e.id);
			continue;
		}
		if (!c->emitted)
			g_kind_count[c->kind]--; /* never showed up in the capture */
		if (is_stream(c)) {
			g_streams_active--;
		} else {
			g_ns_inflight--;
			g_ns_est_inflight -= c->est;
			g_ns_emitted_inflight -= (double)c->emitted;
			g_ns_est_done += c->est;
			g_ns_act_done += (double)c->emitted;
		}
		conn_release(e.id);
	}
	flush_out();
	if (g_out != stdout ? fclose(g_out) != 0 : fflush(g_out) != 0) {
		fprintf(stderr, "gen_capture: write error: %s\n", strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	double secs = (double)(ts1.tv_sec - ts0.tv_sec) + (ts1.tv_nsec - ts0.tv_nsec) / 1e9;

	if (!quiet) {
		FILE *o = stderr;
		fprintf(o, "gen_capture v%d: %s\n", GEN_VERSION, outpath);
		fprintf(o, "  seed=%llu connections=%llu target_bytes=%llu rate=%.0f/s\n", (unsigned long long)seed,
			(unsigned long long)nconn, (unsigned long long)g_target, g_rate);
		fprintf(o, "  bytes=%llu packets=%llu capture_span=%.1fs gen_time=%.2fs\n",
			(unsigned long long)g_bytes, (unsigned long long)g_pkts, g_last_pkt_t / 1e6, secs);
		fprintf(o, "  in_flight: max=%llu (non-stream max=%llu) mean=%.0f; ipv6=%llu req_retx=%llu dup_segs=%llu keepalives=%llu\n",
			(unsigned long long)g_inflight_max, (unsigned long long)g_inflight_ns_max,
			g_inflight_samples ? g_inflight_sum / g_inflight_samples : 0.0, (unsigned long long)g_v6_count,
			(unsigned long long)g_retx_req, (unsigned long long)g_dup_seg,
			(unsigned long long)g_keepalives);
		fprintf(o, "  %-12s %-12s %10s %12s %14s\n", "kind", "expected", "conns", "packets", "bytes");
		for (int k = 0; k < K_N; k++)
			fprintf(o, "  %-12s %-12s %10llu %12llu %14llu\n", KIND_NAME[k], KIND_CLASS[k],
				(unsigned long long)g_kind_count[k], (unsigned long long)g_kind_pkts[k],
				(unsigned long long)g_kind_bytes[k]);
	}
	if ((double)g_bytes > 1.1 * (double)g_target)
		fprintf(stderr, "gen_capture: note: %llu bytes written for a target of %llu: too many connections "
				"for that size (the long streams already send as little as they can)\n",
			(unsigned long long)g_bytes, (unsigned long long)g_target);
	/* machine-readable summary on stdout (unless the capture goes there) */
	if (g_out != stdout) {
		printf("{\"gen_version\":%d,\"seed\":%llu,\"connections\":%llu,\"target_bytes\":%llu,\"bytes\":%llu,"
		       "\"packets\":%llu,\"span_s\":%.3f,\"gen_s\":%.3f,\"expected\":{",
		       GEN_VERSION, (unsigned long long)seed, (unsigned long long)nconn, (unsigned long long)g_target,
		       (unsigned long long)g_bytes, (unsigned long long)g_pkts, g_last_pkt_t / 1e6, secs);
		for (int k = 0; k < K_N; k++)
			printf("%s\"%s\":%llu", k ? "," : "", KIND_CLASS[k], (unsigned long long)g_kind_count[k]);
		printf("}}\n");
	}
	free(g_buf);
	free(g_conns);
	free(g_free);
	free(g_heap);
	return 0;
}
