/* \summary: <signal.h> on Windows: the CRT's signal(), dressed as the
 * sigaction() the generic code calls. Only SIGINT, SIGTERM and SIGBREAK
 * exist (Ctrl-C, Ctrl-Break); SIGUSR1/2 are numbers above NSIG that
 * nothing sends, so installing them does nothing and winpthreads'
 * pthread_kill refuses them (EINVAL) instead of cancelling a thread. */
#ifndef MCPD_COMPAT_SIGNAL_H
#define MCPD_COMPAT_SIGNAL_H
#include_next <signal.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef SIGUSR1
#define SIGUSR1 30
#define SIGUSR2 31
#endif
#ifndef SIGPIPE
#define SIGPIPE 13
#endif
#define SA_RESTART 0x10000000

/* Signal masks: winpthreads' pthread_sigmask does nothing, and a
 * console's Ctrl-C runs its handler on a thread of its own anyway. */
#ifndef _POSIX
typedef _sigset_t sigset_t;
#endif
#ifndef SIG_BLOCK
#define SIG_BLOCK 0
#endif
static inline int sigemptyset(sigset_t *s) { *s = 0; return 0; }
static inline int
sigaddset(sigset_t *s, int sig)
{
    *s |= (sigset_t)1 << (sig & 63);
    return 0;
}

struct sigaction {
    void (*sa_handler)(int);
    int sa_flags;
    int sa_mask;
};

static inline int
sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
    void (*prev)(int) = SIG_DFL;

    if (sig == SIGINT || sig == SIGTERM || sig == SIGBREAK) {
        prev = sa != NULL ? signal(sig, sa->sa_handler) : SIG_DFL;
        /* Ctrl-Break stops us as Ctrl-C does. */
        if (sig == SIGINT && sa != NULL)
            signal(SIGBREAK, sa->sa_handler);
    }
    if (old != NULL) {
        old->sa_handler = prev;
        old->sa_flags = 0;
        old->sa_mask = 0;
    }
    return 0;
}
#endif
