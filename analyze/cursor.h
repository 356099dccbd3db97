/* \summary: bounds-checked big/little-endian reads for the decoders */
#ifndef MCPD_CURSOR_H
#define MCPD_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include "dec.h"

static inline void
cur_init(struct mcpd_cursor *c, const uint8_t *p, const uint8_t *end)
{
    c->base = p;
    c->end = end;
    c->truncated = 0;
}

/* Bytes available from `off`; 0 when off is already past the end. */
static inline size_t
cur_avail(const struct mcpd_cursor *c, size_t off)
{
    size_t have = (size_t)(c->end - c->base);
    return off <= have ? have - off : 0;
}

/*
 * True when [off, off+n) is inside the packet. Written as a comparison of
 * lengths, never as `base + off + n <= end`, which can overflow the
 * pointer before the comparison is made.
 */
static inline int
cur_has(struct mcpd_cursor *c, size_t off, size_t n)
{
    size_t have = (size_t)(c->end - c->base);
    if (off > have || n > have - off) {
        c->truncated = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t
cur_u8(struct mcpd_cursor *c, size_t off)
{
    return cur_has(c, off, 1) ? c->base[off] : 0;
}

static inline uint16_t
cur_be16(struct mcpd_cursor *c, size_t off)
{
    if (!cur_has(c, off, 2))
        return 0;
    return (uint16_t)((c->base[off] << 8) | c->base[off + 1]);
}

static inline uint32_t
cur_be32(struct mcpd_cursor *c, size_t off)
{
    const uint8_t *p;
    if (!cur_has(c, off, 4))
        return 0;
    p = c->base + off;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint32_t
cur_le32(struct mcpd_cursor *c, size_t off)
{
    const uint8_t *p;
    if (!cur_has(c, off, 4))
        return 0;
    p = c->base + off;
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[1] << 8) | (uint32_t)p[0];
}

#endif
