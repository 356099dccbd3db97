/* \summary: the table of input sources: pcap and pcapng built in, more
 * registered at start-up */

#include <string.h>
#include "input.h"

/* pcap-savefile(5): a1b2c3d4 (us) or a1b23c4d (ns), in either order. */
static int
claims_pcap(const uint8_t *h, size_t n)
{
    static const uint8_t magic[4][4] = {
        { 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 },
        { 0xa1, 0xb2, 0x3c, 0x4d }, { 0x4d, 0x3c, 0xb2, 0xa1 },
    };
    size_t i;

    for (i = 0; n >= 4 && i < 4; i++)
        if (memcmp(h, magic[i], 4) == 0)
            return 1;
    return 0;
}

/* draft-ietf-opsawg-pcapng §4.1: a Section Header Block comes first. */
static int
claims_pcapng(const uint8_t *h, size_t n)
{
    return n >= 4 && memcmp(h, "\x0a\x0d\x0d\x0a", 4) == 0;
}

static const struct mcpd_input_source builtin[] = {
    { "pcap", claims_pcap, NULL, NULL },
    { "pcapng", claims_pcapng, NULL, NULL },
};

static const struct mcpd_input_source *registered[MCPD_INPUT_MAX_SOURCES];
static int nregistered;

int
mcpd_input_register(const struct mcpd_input_source *src)
{
    int i;

    for (i = 0; i < nregistered; i++)
        if (registered[i] == src)
            return 0;
    if (nregistered == MCPD_INPUT_MAX_SOURCES)
        return -1;
    registered[nregistered++] = src;
    return 0;
}

const struct mcpd_input_source *
mcpd_input_identify(const uint8_t *head, size_t n)
{
    size_t i;
    int j;

    for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (builtin[i].claims(head, n))
            return &builtin[i];
    for (j = 0; j < nregistered; j++)
        if (registered[j]->claims(head, n))
            return registered[j];
    return NULL;
}
