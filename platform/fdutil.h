/* \summary: descriptors created close-on-exec on every platform: a
 * socket (optionally non-blocking), a pipe and a duplicate, atomically
 * where the OS can (Linux's SOCK_CLOEXEC and pipe2), else set right
 * after creation (macOS); posix/fdutil.c, windows/fdutil.c */
#ifndef MCPD_PLATFORM_FDUTIL_H
#define MCPD_PLATFORM_FDUTIL_H

/* mcpd_socket's flags. Every descriptor is close-on-exec: nothing of
 * ours (a root socket above all) may reach a child's COMMAND. */
#define MCPD_SOCK_NONBLOCK 1

/*
 * socket(domain, type, protocol), close-on-exec, and non-blocking when
 * flags has MCPD_SOCK_NONBLOCK. Returns the descriptor, or -1 with
 * errno set (nothing left open).
 */
int mcpd_socket(int domain, int type, int protocol, int flags);

/* pipe(fds) with both ends close-on-exec. 0, or -1 with errno set. */
int mcpd_pipe_cloexec(int fds[2]);

/* A second descriptor for fd's open file, close-on-exec (binary on
 * Windows). Returns it, or -1 with errno set. */
int mcpd_dup_cloexec(int fd);

#endif
