/* \summary: flood captures for tests/flood_test.py (SYN flood, many open) */
/*
 * flood_gen OUT.pcap syn N    N distinct unanswered SYNs, one every 10 us
 *                             (N * 10 us of capture time: 2 M SYNs span
 *                             20 s, well inside the 65 s handshake
 *                             timeout, so every SYN is still in flight
 *                             when the next arrives)
 * flood_gen OUT.pcap open N   N complete handshakes (SYN, SYN-ACK, ACK),
 *                             one every 10 us, none ever closed: all N
 *                             connections are open at once at the end
 *
 * OUT may be '-' for standard output. Classic pcap, microsecond
 * timestamps, LINKTYPE_ETHERNET; IPv4 with correct header checksums.
 * Every connection has its own 4-tuple: client 10.C.C.C:P with P in
 * 10000..59999, server 10.255.0.1:3000. Deterministic.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_LEN 54          /* Ethernet 14 + IPv4 20 + TCP 20 */
#define BASE_SEC 1717171717u
#define PORTS_PER_ADDR 50000u

static FILE *out;

static void
put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
put16be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void
write_all(const void *p, size_t n)
{
    if (fwrite(p, 1, n, out) != n) {
        fprintf(stderr, "flood_gen: write: %s\n", strerror(errno));
        exit(2);
    }
}

/* Connection i's client address (network order bytes) and port. */
static void
client_of(uint32_t i, uint8_t addr[4], uint32_t *port)
{
    uint32_t host = i / PORTS_PER_ADDR + 1;

    addr[0] = 10;
    addr[1] = (uint8_t)(host >> 16);
    addr[2] = (uint8_t)(host >> 8);
    addr[3] = (uint8_t)host;
    *port = 10000 + i % PORTS_PER_ADDR;
}

/* One TCP segment of connection i; from_client picks the direction. */
static void
segment(uint64_t t_us, uint32_t i, int from_client, uint8_t flags,
        uint32_t seq, uint32_t ack)
{
    static const uint8_t srv[4] = { 10, 255, 0, 1 };
    uint8_t rec[16 + PKT_LEN], *e = rec + 16, *ip = e + 14, *tcp = ip + 20;
    uint8_t cli[4];
    uint32_t cport, sum = 0;
    int k;

    memset(rec, 0, sizeof(rec));
    put32le(rec, (uint32_t)(BASE_SEC + t_us / 1000000));
    put32le(rec + 4, (uint32_t)(t_us % 1000000));
    put32le(rec + 8, PKT_LEN);
    put32le(rec + 12, PKT_LEN);
    client_of(i, cli, &cport);
    /* Ethernet: locally administered MACs, type IPv4. */
    memcpy(e, from_client ? "\x02\0\0\0\0\2" : "\x02\0\0\0\0\1", 6);
    memcpy(e + 6, from_client ? "\x02\0\0\0\0\1" : "\x02\0\0\0\0\2", 6);
    put16be(e + 12, 0x0800);
    ip[0] = 0x45;
    put16be(ip + 2, 40);
    put16be(ip + 4, i & 0xffff);
    ip[6] = 0x40;              /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, from_client ? cli : srv, 4);
    memcpy(ip + 16, from_client ? srv : cli, 4);
    for (k = 0; k < 20; k += 2)
        sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16be(ip + 10, ~sum & 0xffff);
    put16be(tcp, from_client ? cport : 3000);
    put16be(tcp + 2, from_client ? 3000 : cport);
    put32be(tcp + 4, seq);
    put32be(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16be(tcp + 14, 64240);
    write_all(rec, sizeof(rec));
}

int
main(int argc, char **argv)
{
    static const uint8_t ghdr[24] = {
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0, 0, 1, 0, 0, 0,
    };
    static char buf[1 << 20];
    unsigned long long n;
    char *end;
    uint32_t i;
    int open_mode;

    if (argc != 4 || (strcmp(argv[2], "syn") != 0 &&
                      strcmp(argv[2], "open") != 0)) {
        fprintf(stderr, "usage: flood_gen OUT.pcap syn|open N\n");
        return 2;
    }
    open_mode = strcmp(argv[2], "open") == 0;
    errno = 0;
    n = strtoull(argv[3], &end, 10);
    if (errno || *end || n == 0 || n > 100000000ull) {
        fprintf(stderr, "flood_gen: N must be 1-100000000\n");
        return 2;
    }
    out = strcmp(argv[1], "-") == 0 ? stdout : fopen(argv[1], "wb");
    if (out == NULL) {
        fprintf(stderr, "flood_gen: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    setvbuf(out, buf, _IOFBF, sizeof(buf));
    write_all(ghdr, sizeof(ghdr));
    for (i = 0; i < n; i++) {
        uint64_t t = (uint64_t)i * 10;
        uint32_t iss = 0x10000000u + i * 7919u, irs = 0x80000000u + i * 104729u;

        segment(t, i, 1, 0x02, iss, 0);                         /* SYN */
        if (open_mode) {
            segment(t + 3, i, 0, 0x12, irs, iss + 1);           /* SYN-ACK */
            segment(t + 6, i, 1, 0x10, iss + 1, irs + 1);       /* ACK */
        }
    }
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "flood_gen: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    return 0;
}
