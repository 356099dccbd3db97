/* \summary: <stdio.h> on Windows: the CRT's, with fmemopen() (which it
 * lacks) and an fopen() that accepts glibc's "e" (close-on-exec: the
 * default for a CRT file, which no child inherits unless asked) */
#ifndef MCPD_COMPAT_STDIO_H
#define MCPD_COMPAT_STDIO_H
#include_next <stdio.h>

FILE *mcpd_win_fmemopen(void *buf, size_t size, const char *mode);
FILE *mcpd_win_fopen(const char *path, const char *mode);
#define fmemopen(b, s, m) mcpd_win_fmemopen((b), (s), (m))
#define fopen(p, m) mcpd_win_fopen((p), (m))
#endif
