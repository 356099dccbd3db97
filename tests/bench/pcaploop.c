/* \summary: bare libpcap read loop, the benchmark baseline */
/*
 * pcaploop - the baseline for the mcpdiag benchmark: the cheapest possible
 * libpcap read of a capture file.  Opens it with pcap_open_offline, walks
 * every record with pcap_dispatch, touches the first byte of each packet (so
 * the data really is read) and prints packet/byte counts.
 *
 *   pcaploop FILE.pcap
 *
 * Anything mcpdiag does on top of this is its own cost; the benchmark reports
 * mcpdiag's wall time as a ratio to this loop's.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct counts {
	uint64_t packets;
	uint64_t caplen;
	uint64_t wirelen;
	uint64_t first_bytes; /* sum of each packet's first byte: keeps the read honest */
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct counts *c = (struct counts *)user;
	c->packets++;
	c->caplen += h->caplen;
	c->wirelen += h->len;
	if (h->caplen)
		c->first_bytes += bytes[0];
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct counts c = {0, 0, 0, 0};
	if (argc != 2) {
		fprintf(stderr, "usage: pcaploop FILE.pcap\n");
		return 2;
	}
	pcap_t *p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcaploop: %s\n", errbuf);
		return 2;
	}
	for (;;) {
		int n = pcap_dispatch(p, -1, on_packet, (u_char *)&c);
		if (n == 0) /* end of file */
			break;
		if (n == PCAP_ERROR) {
			fprintf(stderr, "pcaploop: %s\n", pcap_geterr(p));
			pcap_close(p);
			return 1;
		}
		if (n == PCAP_ERROR_BREAK)
			break;
	}
	pcap_close(p);
	printf("packets=%llu caplen_bytes=%llu wire_bytes=%llu checksum=%llu\n", (unsigned long long)c.packets,
	       (unsigned long long)c.caplen, (unsigned long long)c.wirelen, (unsigned long long)c.first_bytes);
	return 0;
}
