/* \summary: <unistd.h> on Windows: the CRT's, plus user ids (0 when
 * elevated, "Run as administrator", the counterpart of root) and a
 * close() that also closes sockets (platform/windows/sock.c) */
#ifndef MCPD_COMPAT_UNISTD_H
#define MCPD_COMPAT_UNISTD_H
#include_next <unistd.h>
#include <sys/types.h>
uid_t mcpd_win_uid(void);
int mcpd_win_close(int fd);
#define geteuid() mcpd_win_uid()
#define getuid() mcpd_win_uid()
#define close(fd) mcpd_win_close(fd)
#endif
