/* \summary: <string.h> on Windows: the CRT's, plus strcasestr */
#ifndef MCPD_COMPAT_STRING_H
#define MCPD_COMPAT_STRING_H
#include_next <string.h>
char *mcpd_win_strcasestr(const char *hay, const char *needle);
#define strcasestr(h, n) mcpd_win_strcasestr((h), (n))
#endif
