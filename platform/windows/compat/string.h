/* \summary: <string.h> on Windows: the CRT's, plus strcasestr, and a
 * strerror that knows the socket errno values (msvcrt says "Unknown
 * error" for ECONNREFUSED and the rest of POSIX's additions) */
#ifndef MCPD_COMPAT_STRING_H
#define MCPD_COMPAT_STRING_H
#include_next <string.h>
char *mcpd_win_strcasestr(const char *hay, const char *needle);
#define strcasestr(h, n) mcpd_win_strcasestr((h), (n))
char *mcpd_win_strerror(int e);
#define strerror(e) mcpd_win_strerror(e)
#endif
