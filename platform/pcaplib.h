/* \summary: the libpcap calls live capture makes, as a table: linked in
 * where libpcap captures (Linux, macOS), loaded at run time from Npcap's
 * wpcap.dll on Windows, where the linked libpcap only reads files */
#ifndef MCPD_PCAPLIB_H
#define MCPD_PCAPLIB_H

#include <stddef.h>
#include <pcap/pcap.h>

/*
 * Every field is the libpcap function of the same name, except:
 *   open_remote  pcap_open(), for "rpcap://" sources (remote capture
 *                through rpcapd, as Wireshark offers it); NULL where
 *                the library has no remote capture (Debian's libpcap).
 *   set_immediate_mode  NULL in a WinPcap-era wpcap.dll (wine's own):
 *                then a short buffer timeout (set_timeout) stands in.
 *   device       the name the library opens for the one the user gave
 *                (Windows: an adapter's name as `ipconfig` shows it, or
 *                its GUID, becomes \Device\NPF_{GUID}); 0, or -1 with
 *                errbuf set. NULL: names are taken as they are.
 *   wait         wait up to timeout_ms for packets on a non-blocking
 *                handle: poll() on its selectable descriptor, or on
 *                Windows a sleep of at most 10 ms. >0 when packets may
 *                be waiting, 0 on timeout, -1 on error.
 *   seal         keep the handle out of every child: close-on-exec on
 *                POSIX (libpcap opens its socket without it); Windows
 *                handles are not inherited unless asked for. 0, or -1
 *                with errbuf (PCAP_ERRBUF_SIZE) set.
 * The pcap_t a table's functions return is for that table only: a
 * handle of Npcap's goes back to Npcap's functions, never to the
 * linked libpcap (which writes -w files from a pcap_open_dead handle).
 */
struct mcpd_pcaplib {
    const char *name;        /* "libpcap", "Npcap (PATH)" */
    pcap_t *(*create)(const char *source, char *errbuf);
    pcap_t *(*open_remote)(const char *source, int snaplen, int flags,
                           int read_timeout, struct pcap_rmtauth *auth,
                           char *errbuf);
    int (*set_snaplen)(pcap_t *p, int snaplen);
    int (*set_promisc)(pcap_t *p, int promisc);
    int (*set_immediate_mode)(pcap_t *p, int immediate);
    int (*set_timeout)(pcap_t *p, int timeout_ms);
    int (*set_buffer_size)(pcap_t *p, int bytes);
    int (*set_tstamp_precision)(pcap_t *p, int precision);
    int (*get_tstamp_precision)(pcap_t *p);
    int (*activate)(pcap_t *p);
    char *(*geterr)(pcap_t *p);
    void (*close)(pcap_t *p);
    int (*datalink)(pcap_t *p);
    int (*compile)(pcap_t *p, struct bpf_program *prog, const char *expr,
                   int optimize, bpf_u_int32 netmask);
    int (*setfilter)(pcap_t *p, struct bpf_program *prog);
    void (*freecode)(struct bpf_program *prog);
    int (*setnonblock)(pcap_t *p, int nonblock, char *errbuf);
    int (*dispatch)(pcap_t *p, int cnt, pcap_handler cb, u_char *user);
    int (*stats)(pcap_t *p, struct pcap_stat *ps);
    int (*wait)(pcap_t *p, int timeout_ms);
    int (*seal)(pcap_t *p, char *errbuf);
    int (*device)(const char *name, char *dev, size_t len, char *errbuf);
};

/*
 * The live-capture library, made ready once: the table, or NULL with
 * err (MCPD_ERR_LEN) saying in one line what to install (Npcap with
 * loopback support on Windows; nothing where capture does not exist).
 */
const struct mcpd_pcaplib *mcpd_plat_pcaplib(char *err);

#endif
