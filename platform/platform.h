/* \summary: the platform seam: every question mcpdiag asks the operating
 * system, in one place. Each function has one implementation per OS
 * under platform/OS/ (linux/, and none/, which says what is missing and
 * guesses nothing); platform/CMakeLists.txt picks the directory. */
#ifndef MCPD_PLATFORM_H
#define MCPD_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "mcpd.h"
#include "target.h"

/* Socket owners and listeners with their processes (owner.h), privileges
 * and safe output files (privs.h), the user's home, files and programs
 * (userfiles.h), firewall rule counters (fwcount.h), the kernel witness
 * of connection attempts (witness.h), the commands fix lines name
 * (fixcmd.h), files written whole and SHA-256 (files.h). */
#include "owner.h"
#include "privs.h"
#include "userfiles.h"
#include "fwcount.h"
#include "witness.h"
#include "fixcmd.h"
#include "files.h"

/* ---- listeners without owners ---------------------------------------- */

/*
 * Every TCP socket listening on `port` from the kernel's socket table
 * alone, when mcpd_owner_listeners cannot answer: address, family and
 * accept queue; backlog 0 (not in the table), owner.pid -1, owner.user
 * the uid as a number. Returns how many there are (may be more than
 * max), or -1 with err (MCPD_ERR_LEN) set.
 */
int mcpd_plat_listeners_noowner(uint16_t port, struct mcpd_listener *out,
                                int max, char *err);

/* ---- firewall rules -------------------------------------------------- */

struct mcpd_fw_rule {
    char source[16];         /* "nft", "iptables", "ip6tables" */
    char text[512];          /* the rule as the tool prints it */
    char action[16];         /* "drop", "reject", "accept", "" */
};

/* The firewall rules that name `port` as a destination port (exactly,
 * in a list or in a range). Returns how many, or -1 with err
 * (MCPD_ERR_LEN) set. Read only: no rule is ever changed. */
int mcpd_sys_firewall(uint16_t port, struct mcpd_fw_rule *out, int max,
                      char *err);

/* ---- network counters ------------------------------------------------ */

struct mcpd_kcounters {
    int valid;               /* read successfully */
    uint64_t listen_overflows;        /* TcpExt ListenOverflows */
    uint64_t listen_drops;            /* TcpExt ListenDrops */
};

/* The kernel's listen-queue counters for this network namespace.
 * 0, or -1 (out zeroed) when they cannot be read. */
int mcpd_sys_counters(struct mcpd_kcounters *out);

/* ---- capture devices ------------------------------------------------- */

/* The interface to capture on by default (the loopback), NULL when the
 * platform has none to name. */
const char *mcpd_default_iface(void);

/* A capture device that sees every interface at once, NULL when the
 * platform has none. */
const char *mcpd_plat_any_iface(void);

/* The live-capture library itself: pcaplib.h. */

/* ---- processes ------------------------------------------------------- */

/* The parent of process `pid`, or -1 when it cannot be read. */
long mcpd_plat_parent_pid(long pid);

/* The uid that owns process `pid`: 0 and *uid set, or -1. */
int mcpd_plat_pid_uid(long pid, uint32_t *uid);

/*
 * A path that runs this very program again (for execv), NULL when the
 * platform cannot name one; *fix (when not NULL) is set to what the
 * user can do about it.
 */
const char *mcpd_plat_self_exe(const char **fix);

/* True when this process may open a live capture (root, or the
 * capability to open raw sockets). */
int mcpd_plat_can_capture(void);

/* `len` random bytes; with may_block 0 it never waits for the pool.
 * 0, or -1 when none are to be had. */
int mcpd_plat_random(void *buf, size_t len, int may_block);

/* ---- child process runner -------------------------------------------- */

/* What a child printed, and how it ended. */
struct mcpd_run {
    char *out;               /* its stdout, NUL-terminated (free) */
    size_t out_len;
    char *err;               /* its stderr, NUL-terminated (free) */
    size_t err_len;
    int status;              /* exit status; 128+N when killed by N;
                                -1 when it could not be started */
    int timed_out;           /* killed after the timeout */
};

#define MCPD_RUN_TEE_STDERR 0x1  /* also copy its stderr to ours */
#define MCPD_RUN_STDIN      0x2  /* let it read our stdin (else null) */

/*
 * Run argv (PATH searched) with output collected (at most 16 MiB of
 * each), for at most timeout_s seconds (0: no limit). Returns 0 when it
 * ran (see r->status), -1 when it could not be started.
 */
int mcpd_run_child(const char *const argv[], int flags, double timeout_s,
                   struct mcpd_run *r);
void mcpd_run_free(struct mcpd_run *r);

/* A child left running while the caller does other work (doctor runs
 * several): its stdout on a pipe the caller reads, and optionally a
 * pipe from the caller on one of its descriptors. */
struct mcpd_child {
    long pid;                /* its process id */
    int out;                 /* read end of its stdout, or -1 */
    int feed;                /* write end of the pipe on its feed_fd, or
                                -1 */
    void *proc;              /* Windows: its process handle */
};

#define MCPD_RUN_NULL_STDERR 0x4  /* its stderr to the null device */

/*
 * Start path (NULL: argv[0], searched on PATH) with its stdout on
 * c->out and, when feed_fd > 2, a pipe from c->feed on its descriptor
 * feed_fd; it keeps descriptors 0-2 and feed_fd only, and its SIGPIPE
 * default. On Windows feed_fd is a C runtime descriptor of the child
 * (its runtime takes the table from STARTUPINFO, as spawnv passes it:
 * feed_fd below 64) and it inherits those handles only; nothing goes on
 * its command line. flags: MCPD_RUN_STDIN, MCPD_RUN_NULL_STDERR.
 * Returns 0, or -1 with errno set.
 */
int mcpd_child_start(const char *path, const char *const argv[], int flags,
                     int feed_fd, struct mcpd_child *c);

/*
 * Wait at most timeout_ms for any of the n children to have output (or
 * its end) on c[i]->out: ready[i] is 1 for each that has, so that a
 * read() of it does not block. Returns how many are ready (0: the time
 * ran out), or -1 with errno set. POSIX polls the pipes; Windows, whose
 * pipes cannot be waited on, peeks at them and waits on the processes.
 */
int mcpd_child_poll(struct mcpd_child *const c[], int n, int timeout_ms,
                    int ready[]);

#define MCPD_RUN_STDOUT_TO_STDERR 0x8  /* its stdout onto our stderr */

/*
 * Start the subject of a capture: argv (searched on PATH) with this
 * process's identity and terminal, or, when argv is NULL, fn(arg) in a
 * child whose return value is its exit status. It keeps descriptors 0-2
 * only and the default SIGINT, SIGTERM and SIGCHLD. flags:
 * MCPD_RUN_STDOUT_TO_STDERR (when our stdout carries JSON). An argv that
 * cannot be executed is told apart from one that ran and failed: -1 with
 * *exec_errno set and the child reaped. Returns the child's pid, or -1
 * (errno set, *exec_errno 0) when no child could be made.
 */
long mcpd_child_spawn(char *const argv[], int (*fn)(void *), void *arg,
                      int flags, int *exec_errno);

/* How a child of mcpd_child_spawn ended. */
struct mcpd_child_exit {
    int code;                /* its exit status, when signal is 0 */
    int signal;              /* the signal that ended it; 0: it exited */
};

/*
 * Has child `pid` of mcpd_child_spawn ended? 1 with *how set (and the
 * child reaped) when it has, 0 while it runs, -1 when it cannot be
 * known. With stop set it is asked to end first (SIGTERM; on Windows
 * TerminateProcess, or for the built-in function, its own timeouts)
 * and waited for.
 */
int mcpd_child_reap(long pid, int stop, struct mcpd_child_exit *how);

/* Wait for c to end (killed first when kill_it), its pipes closed.
 * Returns its status as in struct mcpd_run (128+N when signal N ended
 * it, -1 when it cannot be known). */
int mcpd_child_end(struct mcpd_child *c, int kill_it);

/* ---- environment ----------------------------------------------------- */

/*
 * environment.json: OS and kernel, versions, the resolver's answers for
 * the target, its listeners with processes, proxy variables, the
 * firewall rules that touch the port (read only), listen-queue
 * counters, loopback interfaces and addresses, sysctls. Each proxy
 * variable's value goes through redact_value when it is not NULL (the
 * caller redacts the rest). NULL only without memory.
 */
cJSON *mcpd_environment_collect(const struct mcpd_target *t,
                                size_t (*redact_value)(char *));

/* ---- system proxy settings ------------------------------------------- */

/*
 * The proxy settings the OS keeps for its users, beside the environment:
 * Windows' Internet Options (WinHttpGetIEProxyConfigForCurrentUser, and
 * the registry values Python's urllib reads) and WinHTTP's default (what
 * `netsh winhttp show proxy` shows); macOS's network settings
 * (SCDynamicStoreCopyProxies, as `scutil --proxy` shows them). Linux has
 * none: its desktop settings reach clients through the proxy variables.
 * Chromium-based clients (Electron apps, VS Code) and Python's urllib
 * (requests, httpx) read them; Node's fetch, curl and Go do not.
 */
struct mcpd_sysproxy_set {
    int has;                 /* this OS keeps such settings */
    char source[128];        /* where they were read, or why they were not */
    char http[256];          /* proxy for http:// URLs, "host:port"
                                (credentials redacted), "" none */
    char https[256];         /* proxy for https:// URLs, "" none */
    char pac[512];           /* automatic configuration script URL, "" */
    int auto_detect;         /* WPAD (automatically detect settings) */
    char bypass[512];        /* the exceptions, ';'-separated, as listed */
    int bypass_simple;       /* "<local>" / ExcludeSimpleHostnames: host
                                names without a dot go direct */
    char winhttp[256];       /* Windows: WinHTTP's default proxy, "" */
};

/* Read them: 0, or -1 (out->has 0 where the OS keeps none, else 1 with
 * out->source saying why they could not be read). */
int mcpd_plat_sysproxy(struct mcpd_sysproxy_set *out);

/* Do the settings' exceptions send `host` direct, as Python's urllib
 * reads them on this OS (wildcards, the simple-host-name flag)? 1 or 0. */
int mcpd_plat_sysproxy_bypassed(const struct mcpd_sysproxy_set *s,
                                const char *host);

/* ---- source of proxy settings ---------------------------------------- */

/*
 * The environment block ("A=1\0B=2\0...") of process `pid`: what a
 * command really sees. Returns a malloc'd block (NUL-terminated, *len
 * bytes before the NUL), or NULL when it cannot be read (gone, another
 * user's, empty).
 */
char *mcpd_plat_environ(long pid, size_t *len);

#endif
