/* \summary: the macOS backend's parsers of tool output (lsof -F, scutil
 * --proxy, socketfilterfw, pfctl -sr, netstat -anv): pure functions
 * over a buffer, built and tested on every OS (not part of the platform
 * interface) */
#ifndef MCPD_PLATFORM_MACOS_H
#define MCPD_PLATFORM_MACOS_H

#include <stddef.h>
#include <stdint.h>
#include "mcpd.h"

/*
 * Every parser here takes the bytes a tool printed (buf, len: no NUL
 * needed, NULs inside are line ends), never reads past them, keeps at
 * most `max` entries while counting them all, and copies text fields
 * bounded, with each control character (C0, DEL) turned into '?'. A line
 * it cannot read is counted in *bad (when not NULL) and skipped: a
 * truncated or hostile output gives fewer answers, never wrong ones.
 */

/* ---- helpers shared by the parsers (parse_text.c) -------------------- */

/* The next line of [*p, end): sets *line and *len (without the '\n' or
 * NUL that ends it) and moves *p past it. 0 at the end. */
int mcpd_mac_next_line(const char **p, const char *end, const char **line,
                       size_t *len);

/* Copy n bytes of src into dst (cap bytes, always NUL-terminated), cut
 * to fit, each control character as '?'. Returns dst. */
char *mcpd_mac_copy(char *dst, size_t cap, const char *src, size_t n);

/* An address as tools print it ("127.0.0.1", "::1", "fe80::1%lo0",
 * "*": the wildcard of `family`, 4 or 6) into *ip. 0, or -1. */
int mcpd_mac_parse_addr(const char *s, size_t n, int family,
                        struct mcpd_ip *ip);

/* ---- lsof -F (parse_lsof.c) ------------------------------------------ */

/* One socket file in `lsof -nP -iTCP -F pcuLftPnT` output. */
struct mcpd_lsof_sock {
    int32_t pid;             /* field p */
    uint32_t uid;            /* field u */
    int has_uid;             /* a u field was given */
    char command[64];        /* field c, "" when absent */
    char user[32];           /* field L (login name), "" when absent */
    int fd;                  /* field f; -1 when not a number ("cwd") */
    int family;              /* field t: 4 (IPv4), 6 (IPv6), 0 other */
    int tcp;                 /* field P is TCP */
    struct mcpd_endpoint local;   /* field n, before "->" */
    struct mcpd_endpoint remote;  /* after "->"; ip.family 0 when none */
    int local_any;           /* "*:PORT": bound to every address */
    char state[16];          /* T field TST= ("LISTEN"), "" unknown */
    int64_t queue_recv;      /* TQR=, -1 unknown */
    int64_t queue_send;      /* TQS=, -1 unknown */
};

/*
 * The socket files (those with an n field naming host:port) of lsof's
 * field output, fields ended by NL or NUL (-F0). Returns how many there
 * are (more than max when out was too small).
 */
int mcpd_lsof_parse(const char *buf, size_t len, struct mcpd_lsof_sock *out,
                    int max, int *bad);

/* ---- scutil --proxy (parse_scutil.c) --------------------------------- */

#define MCPD_SYSPROXY_EXCEPTIONS 32

/* One proxy of the system settings (what SCDynamicStoreCopyProxies
 * returns, as scutil --proxy prints it). */
struct mcpd_sysproxy_one {
    int enabled;             /* xxxEnable : 1 */
    char host[256];          /* xxxProxy */
    uint16_t port;           /* xxxPort, 0 when absent */
};

struct mcpd_sysproxy {
    int valid;               /* a <dictionary> was read */
    struct mcpd_sysproxy_one http, https, socks;
    int pac_enabled;         /* ProxyAutoConfigEnable */
    char pac_url[512];       /* ProxyAutoConfigURLString */
    int wpad_enabled;        /* ProxyAutoDiscoveryEnable */
    int exclude_simple;      /* ExcludeSimpleHostnames */
    char exceptions[MCPD_SYSPROXY_EXCEPTIONS][128];  /* ExceptionsList */
    int nexceptions;         /* how many are listed (may be > kept) */
};

/* Parse scutil --proxy output. 0 when a dictionary was found, -1 when
 * the output holds none (out is then zeroed). */
int mcpd_scutil_proxy_parse(const char *buf, size_t len,
                            struct mcpd_sysproxy *out, int *bad);

/* ---- socketfilterfw (parse_alf.c) ------------------------------------ */

#define MCPD_ALF_APPS 64

struct mcpd_alf_app {
    char path[256];          /* the application's path */
    int allow;               /* 1 allow, 0 block incoming, -1 unknown */
};

/* The Application Firewall, from socketfilterfw --getglobalstate
 * --getblockall --getstealthmode --listapps (one output, any order). */
struct mcpd_alf {
    int state;               /* globalstate: 0 off, 1 on, 2 essential
                                services only; -1 not printed */
    int block_all;           /* 1, 0, -1 not printed */
    int stealth;             /* 1, 0, -1 not printed */
    int napps_total;         /* "total number of apps = N", -1 */
    struct mcpd_alf_app apps[MCPD_ALF_APPS];
    int napps;               /* apps listed (may be > kept) */
};

void mcpd_alf_parse(const char *buf, size_t len, struct mcpd_alf *out,
                    int *bad);

/* ---- pfctl -sr (parse_pfctl.c) --------------------------------------- */

/* A service name pfctl printed for a port ("http"): 0 and *port, or -1.
 * The caller's lookup (getservbyname on the system that ran pfctl), so
 * the parser stays pure; NULL reads numbers only. */
typedef int (*mcpd_pf_service_fn)(const char *name, uint16_t *port);

/*
 * Does this pf rule (as pfctl -sr prints it) name `port` as the
 * destination port, after "to": "port = 3000", "port 3000:3010"
 * (inclusive), "port 2999 >< 3011" (exclusive), "port 1 <> 2999"
 * (outside), "port != 22", "port > 1024" and the other comparisons of
 * pf.conf(5), "port { 80 3000 }"? A source port ("from any port =
 * 3000") does not count. 1 or 0.
 */
int mcpd_pf_rule_has_dport(const char *rule, size_t len, uint16_t port,
                           mcpd_pf_service_fn service);

/* What the rule does: "drop" (block, block drop), "reject" (block
 * return, return-rst, return-icmp), "accept" (pass), "" otherwise. */
const char *mcpd_pf_rule_action(const char *rule, size_t len);

/* A rule of the ruleset that bears on the port. */
struct mcpd_pf_rule {
    char text[512];          /* the rule, control characters as '?' */
    char action[16];         /* mcpd_pf_rule_action */
    int any_port;            /* a block rule that names no port at all,
                                so it blocks this one too */
};

/* The rules of pfctl -sr output that name `port` as destination port,
 * and the block rules that name no port. Returns how many (more than
 * max when out was too small). */
int mcpd_pfctl_parse(const char *buf, size_t len, uint16_t port,
                     mcpd_pf_service_fn service, struct mcpd_pf_rule *out,
                     int max, int *bad);

/* ---- netstat -anv (parse_netstat.c) ---------------------------------- */

/* One TCP line of macOS netstat -anv -p tcp. */
struct mcpd_netstat_sock {
    int family;              /* 4 (tcp4), 6 (tcp6), 46 (tcp46) */
    struct mcpd_endpoint local;   /* "*" gives the wildcard address */
    struct mcpd_endpoint remote;  /* "*.*": family 0 */
    uint32_t recv_q, send_q;  /* Recv-Q, Send-Q */
    char state[16];          /* "LISTEN", "ESTABLISHED", ... */
    int32_t pid;             /* pid column, or the one of process:pid;
                                -1 when the output has none */
    char command[64];        /* process of process:pid (macOS 13+), "" */
};

/*
 * The TCP lines of netstat -anv output. The columns after the state are
 * found by the header line ("pid", or "process:pid" on newer macOS), so
 * both layouts read. Returns how many (more than max when out was too
 * small).
 */
int mcpd_netstat_parse(const char *buf, size_t len,
                       struct mcpd_netstat_sock *out, int max, int *bad);

/* The "N listen queue overflows" line of netstat -s -p tcp (XNU's
 * tcps_listendrop: SYNs dropped because the accept queue was full).
 * 0 and *n, or -1 when the output has no such line. */
int mcpd_netstat_listen_overflows(const char *buf, size_t len,
                                  uint64_t *n);

#endif
