/* \summary: <fcntl.h> on Windows: the CRT's, plus the POSIX open flags
 * generic code passes, and an open() that always opens in binary mode
 * (the CRT's default text mode turns CR LF into LF and stops at ^Z: no
 * capture or archive survives it). O_CLOEXEC is the CRT's _O_NOINHERIT
 * (the handle is not inherited by children); the CRT has no FIFOs to
 * block on and no symbolic links that open() follows, so O_NONBLOCK and
 * O_NOFOLLOW ask for nothing there. */
#ifndef MCPD_COMPAT_FCNTL_H
#define MCPD_COMPAT_FCNTL_H
#include_next <fcntl.h>
#ifndef O_CLOEXEC
#define O_CLOEXEC _O_NOINHERIT
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
int mcpd_win_open(const char *path, int flags, ...);
#define open(...) mcpd_win_open(__VA_ARGS__)
#endif
