/* \summary: the child runner on Windows: CreateProcess with its output
 * on two pipes, each drained by a thread, and a timeout that ends it */

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"

#define RUN_MAX_OUT (16u << 20)

struct drain {
    HANDLE pipe;
    char *buf;
    size_t len, cap;
    int tee;                 /* copy to our stderr as well */
};

static DWORD WINAPI
drain_thread(LPVOID arg)
{
    struct drain *d = arg;
    char chunk[4096];
    DWORD got;

    while (ReadFile(d->pipe, chunk, sizeof(chunk), &got, NULL) && got > 0) {
        if (d->tee)
            fwrite(chunk, 1, got, stderr);
        if (d->len + got + 1 > d->cap && d->len + got <= RUN_MAX_OUT) {
            size_t cap = d->cap ? d->cap : 8192;
            char *nb;
            while (cap < d->len + got + 1)
                cap *= 2;
            if ((nb = realloc(d->buf, cap)) == NULL)
                continue;   /* keep draining: the child must not block */
            d->buf = nb;
            d->cap = cap;
        }
        if (d->len + got + 1 <= d->cap) {
            memcpy(d->buf + d->len, chunk, got);
            d->len += got;
        }
    }
    return 0;
}

/* Append one argument to a command line as CommandLineToArgvW and the
 * CRT read it back: quoted when needed, backslashes doubled before a
 * quote. Returns 0, or -1 when it does not fit. */
static int
quote_arg(char *cmd, size_t cap, size_t *pos, const char *arg)
{
    size_t p = *pos;
    int need = arg[0] == '\0' || strpbrk(arg, " \t\n\v\"") != NULL;
    const char *s;

#define PUT(c) do { if (p + 2 >= cap) return -1; cmd[p++] = (c); } while (0)
    if (p > 0)
        PUT(' ');
    if (!need) {
        for (s = arg; *s; s++)
            PUT(*s);
    } else {
        PUT('"');
        for (s = arg;; s++) {
            size_t bs = 0;
            while (*s == '\\') {
                s++;
                bs++;
            }
            if (*s == '\0') {
                while (bs--) {
                    PUT('\\');
                    PUT('\\');
                }
                break;
            }
            if (*s == '"') {
                bs = bs * 2 + 1;
            }
            while (bs--)
                PUT('\\');
            PUT(*s);
        }
        PUT('"');
    }
#undef PUT
    cmd[p] = '\0';
    *pos = p;
    return 0;
}

static int
pipe_pair(HANDLE *rd, HANDLE *wr)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };

    if (!CreatePipe(rd, wr, &sa, 0))
        return -1;
    /* Our end stays ours. */
    SetHandleInformation(*rd, HANDLE_FLAG_INHERIT, 0);
    return 0;
}

int
mcpd_run_child(const char *const argv[], int flags, double timeout_s,
               struct mcpd_run *r)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    struct drain d[2];
    HANDLE th[2] = { NULL, NULL }, nul = INVALID_HANDLE_VALUE;
    HANDLE out_w = NULL, err_w = NULL;
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    char cmd[32768];
    size_t pos = 0;
    DWORD code = 0, wait;
    int i;

    memset(r, 0, sizeof(*r));
    memset(d, 0, sizeof(d));
    r->status = -1;
    cmd[0] = '\0';
    for (i = 0; argv[i] != NULL; i++)
        if (quote_arg(cmd, sizeof(cmd), &pos, argv[i]) != 0)
            return -1;
    if (pipe_pair(&d[0].pipe, &out_w) != 0)
        return -1;
    if (pipe_pair(&d[1].pipe, &err_w) != 0) {
        CloseHandle(d[0].pipe);
        CloseHandle(out_w);
        return -1;
    }
    d[1].tee = (flags & MCPD_RUN_TEE_STDERR) != 0;
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = out_w;
    si.hStdError = err_w;
    if (flags & MCPD_RUN_STDIN) {
        si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    } else {
        nul = CreateFileA("NUL", GENERIC_READ, FILE_SHARE_READ |
                          FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        si.hStdInput = nul;
    }
    /* With no application name, CreateProcess searches the PATH for
     * the first word, as a shell would. */
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW,
                        NULL, NULL, &si, &pi)) {
        CloseHandle(d[0].pipe);
        CloseHandle(d[1].pipe);
        CloseHandle(out_w);
        CloseHandle(err_w);
        if (nul != INVALID_HANDLE_VALUE)
            CloseHandle(nul);
        return -1;
    }
    /* Only the child holds the write ends now: EOF when it ends. */
    CloseHandle(out_w);
    CloseHandle(err_w);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    for (i = 0; i < 2; i++)
        th[i] = CreateThread(NULL, 0, drain_thread, &d[i], 0, NULL);
    wait = WaitForSingleObject(pi.hProcess, timeout_s > 0 ?
                               (DWORD)(timeout_s * 1000) : INFINITE);
    if (wait == WAIT_TIMEOUT) {
        TerminateProcess(pi.hProcess, 1);
        WaitForSingleObject(pi.hProcess, INFINITE);
        r->timed_out = 1;
    }
    GetExitCodeProcess(pi.hProcess, &code);
    /* A grandchild may still hold a pipe: give it a moment, then cut. */
    for (i = 0; i < 2; i++) {
        if (th[i] == NULL)
            continue;
        if (WaitForSingleObject(th[i], 2000) == WAIT_TIMEOUT) {
            CancelSynchronousIo(th[i]);
            WaitForSingleObject(th[i], INFINITE);
        }
        CloseHandle(th[i]);
    }
    CloseHandle(d[0].pipe);
    CloseHandle(d[1].pipe);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    r->out = d[0].buf ? d[0].buf : calloc(1, 1);
    r->out_len = d[0].len;
    if (d[0].buf)
        d[0].buf[d[0].len] = '\0';
    r->err = d[1].buf ? d[1].buf : calloc(1, 1);
    r->err_len = d[1].len;
    if (d[1].buf)
        d[1].buf[d[1].len] = '\0';
    r->status = r->timed_out ? 128 + 9 : (int)code;
    return 0;
}

void
mcpd_run_free(struct mcpd_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/*
 * The subjects of a capture, by id: a process (COMMAND) or a thread (the
 * built-in probe). Windows has no fork: the built-in probe runs on a
 * thread of mcpdiag, which is never elevated when it starts one
 * (privs.c refuses), so it has the user's own identity, as on POSIX.
 */
#define SPAWN_MAX 8
static struct spawned {
    long id;                 /* pid, or thread id; 0: free slot */
    HANDLE h;                /* process or thread handle */
    int thread;
} spawned[SPAWN_MAX];

struct thread_start {
    int (*fn)(void *);
    void *arg;
};

static DWORD WINAPI
thread_main(LPVOID p)
{
    struct thread_start ts = *(struct thread_start *)p;

    free(p);
    return (DWORD)ts.fn(ts.arg);
}

static struct spawned *
spawned_slot(long id)
{
    int i;

    for (i = 0; i < SPAWN_MAX; i++)
        if (spawned[i].id == id)
            return &spawned[i];
    return NULL;
}

/* Why CreateProcess could not run argv[0], as the errno execvp gives. */
static int
exec_errno_of(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
        return EACCES;
    default:
        return ENOEXEC;
    }
}

/*
 * The token COMMAND runs with when mcpdiag is elevated ("Run as
 * administrator"): ours, restricted as `runas /trustlevel` does it,
 * with every privilege but change-notify removed, Administrators kept
 * for deny only, and medium integrity, a normal prompt's. The user
 * stays the user; root stays in mcpdiag. NULL when not elevated (the
 * command inherits our own, unelevated token); *failed when elevated
 * and no restricted token could be made: then nothing is started.
 */
static HANDLE
user_token(int *failed)
{
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    SID_IDENTIFIER_AUTHORITY mandatory = SECURITY_MANDATORY_LABEL_AUTHORITY;
    PSID admins = NULL, medium = NULL;
    SID_AND_ATTRIBUTES deny;
    TOKEN_MANDATORY_LABEL label;
    HANDLE tok = NULL, restricted = NULL;

    *failed = 0;
    if (!mcpd_win_elevated())
        return NULL;
    *failed = 1;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE |
                          TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY |
                          TOKEN_ADJUST_DEFAULT, &tok))
        return NULL;
    if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                 DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                 &admins) &&
        AllocateAndInitializeSid(&mandatory, 1,
                                 SECURITY_MANDATORY_MEDIUM_RID, 0, 0, 0, 0,
                                 0, 0, 0, &medium)) {
        deny.Sid = admins;
        deny.Attributes = 0;
        if (CreateRestrictedToken(tok, DISABLE_MAX_PRIVILEGE, 1, &deny, 0,
                                  NULL, 0, NULL, &restricted)) {
            label.Label.Sid = medium;
            label.Label.Attributes = SE_GROUP_INTEGRITY;
            if (SetTokenInformation(restricted, TokenIntegrityLevel, &label,
                                    sizeof(label) + GetLengthSid(medium)))
                *failed = 0;
        }
    }
    if (*failed && restricted) {
        CloseHandle(restricted);
        restricted = NULL;
    }
    if (admins)
        FreeSid(admins);
    if (medium)
        FreeSid(medium);
    CloseHandle(tok);
    return restricted;
}

/* COMMAND with our console and std handles, and no other handle: the
 * handle list names the only ones it inherits (a socket or pipe of
 * ours made inheritable by a library stays ours). */
static long
spawn_process(char *const argv[], int flags, int *exec_errno,
              struct spawned *slot)
{
    STARTUPINFOEXA si;
    PROCESS_INFORMATION pi;
    HANDLE std[3], list[3];
    SIZE_T attr_len = 0;
    char cmd[32768];
    size_t pos = 0;
    int i, n = 0, ok;

    HANDLE token;

    cmd[0] = '\0';
    for (i = 0; argv[i] != NULL; i++)
        if (quote_arg(cmd, sizeof(cmd), &pos, argv[i]) != 0) {
            *exec_errno = E2BIG;
            return -1;
        }
    token = user_token(&ok);
    if (ok) {       /* elevated, and no token without it: never run */
        *exec_errno = EPERM;
        return -1;
    }
    std[0] = GetStdHandle(STD_INPUT_HANDLE);
    std[1] = GetStdHandle((flags & MCPD_RUN_STDOUT_TO_STDERR) ?
                          STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
    std[2] = GetStdHandle(STD_ERROR_HANDLE);
    for (i = 0; i < 3; i++) {
        int j, dup = 0;
        if (std[i] == NULL || std[i] == INVALID_HANDLE_VALUE)
            continue;
        SetHandleInformation(std[i], HANDLE_FLAG_INHERIT,
                             HANDLE_FLAG_INHERIT);
        for (j = 0; j < n; j++)
            dup |= list[j] == std[i];
        if (!dup)
            list[n++] = std[i];
    }
    memset(&si, 0, sizeof(si));
    si.StartupInfo.cb = sizeof(si);
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = std[0];
    si.StartupInfo.hStdOutput = std[1];
    si.StartupInfo.hStdError = std[2];
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_len);
    si.lpAttributeList = malloc(attr_len);
    if (si.lpAttributeList == NULL) {
        if (token)
            CloseHandle(token);
        return -1;
    }
    ok = InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0,
                                           &attr_len) &&
         (n == 0 || UpdateProcThreadAttribute(si.lpAttributeList, 0,
                        PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                        n * sizeof(HANDLE), NULL, NULL));
    /* With no application name, CreateProcess searches the PATH for
     * the first word, as a shell would. */
    if (ok && token)
        ok = CreateProcessAsUserA(token, NULL, cmd, NULL, NULL, n > 0,
                                  EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                                  &si.StartupInfo, &pi);
    else if (ok)
        ok = CreateProcessA(NULL, cmd, NULL, NULL, n > 0,
                            EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                            &si.StartupInfo, &pi);
    if (!ok)
        *exec_errno = exec_errno_of(GetLastError());
    DeleteProcThreadAttributeList(si.lpAttributeList);
    free(si.lpAttributeList);
    if (token)
        CloseHandle(token);
    if (!ok)
        return -1;
    CloseHandle(pi.hThread);
    slot->id = (long)pi.dwProcessId;
    slot->h = pi.hProcess;
    slot->thread = 0;
    return slot->id;
}

long
mcpd_child_spawn(char *const argv[], int (*fn)(void *), void *arg,
                 int flags, int *exec_errno)
{
    struct spawned *slot = spawned_slot(0);
    struct thread_start *ts;
    DWORD tid;

    *exec_errno = 0;
    if (slot == NULL) {
        errno = EAGAIN;
        return -1;
    }
    fflush(NULL);
    if (argv != NULL)
        return spawn_process(argv, flags, exec_errno, slot);
    if ((ts = malloc(sizeof(*ts))) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    ts->fn = fn;
    ts->arg = arg;
    slot->h = CreateThread(NULL, 0, thread_main, ts, 0, &tid);
    if (slot->h == NULL) {
        free(ts);
        errno = EAGAIN;
        return -1;
    }
    slot->id = (long)tid;
    slot->thread = 1;
    return slot->id;
}

int
mcpd_child_reap(long pid, int stop, struct mcpd_child_exit *how)
{
    struct spawned *slot = pid > 0 ? spawned_slot(pid) : NULL;
    DWORD code = 0, rc;

    if (slot == NULL)
        return -1;
    /* A thread cannot be stopped safely: the built-in probe's own
     * timeouts end it. */
    if (stop && !slot->thread)
        TerminateProcess(slot->h, 1);
    rc = WaitForSingleObject(slot->h, stop ? INFINITE : 0);
    if (rc == WAIT_TIMEOUT)
        return 0;
    if (rc != WAIT_OBJECT_0)
        return -1;
    if (slot->thread)
        GetExitCodeThread(slot->h, &code);
    else
        GetExitCodeProcess(slot->h, &code);
    CloseHandle(slot->h);
    memset(slot, 0, sizeof(*slot));
    how->signal = 0;
    how->code = (int)code;
    return 1;
}

/*
 * Doctor's probes: a child left running with its stdout on a pipe, and
 * a pipe from us on one of its C runtime descriptors (feed_fd). There
 * is no fork to place a descriptor in: the runtime of a child takes its
 * descriptor table from STARTUPINFO's lpReserved2, which spawnv fills
 * (and libuv, for Node's stdio beyond 2): a count, a flags byte per
 * descriptor, then a handle per descriptor. The child inherits exactly
 * the handles in that table (the handle list), nothing else of ours,
 * and the command line carries no secret.
 */
#define CRT_FOPEN 0x01
#define CRT_FPIPE 0x08
#define CRT_FDEV  0x40
#define FEED_FD_MAX 64

/* The runtime's flags for a handle it is given. */
static unsigned char
crt_flags(HANDLE h)
{
    switch (GetFileType(h)) {
    case FILE_TYPE_PIPE: return CRT_FOPEN | CRT_FPIPE;
    case FILE_TYPE_CHAR: return CRT_FOPEN | CRT_FDEV;
    default: return CRT_FOPEN;
    }
}

/* An inheritable copy of one of our standard handles, NULL if none. */
static HANDLE
dup_std(DWORD which)
{
    HANDLE h = GetStdHandle(which), d = NULL;

    if (h == NULL || h == INVALID_HANDLE_VALUE ||
        !DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d,
                         0, TRUE, DUPLICATE_SAME_ACCESS))
        return NULL;
    return d;
}

static void
close_h(HANDLE *h)
{
    if (*h != NULL && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

int
mcpd_child_start(const char *path, const char *const argv[], int flags,
                 int feed_fd, struct mcpd_child *c)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    HANDLE out_r = NULL, out_w = NULL, in_r = NULL, in_w = NULL;
    HANDLE nul = NULL, std_in = NULL, std_err = NULL, list[4];
    HANDLE fdh[FEED_FD_MAX];
    unsigned char *table = NULL;
    STARTUPINFOEXA si;
    PROCESS_INFORMATION pi;
    SIZE_T attr_len = 0;
    char cmd[32768];
    size_t pos = 0;
    int i, n = 0, nfd, ok = 0, e = ENOMEM;

    c->pid = -1;
    c->out = c->feed = -1;
    c->proc = NULL;
    memset(&si, 0, sizeof(si));
    if (feed_fd >= FEED_FD_MAX) {
        errno = EINVAL;
        return -1;
    }
    cmd[0] = '\0';
    for (i = 0; argv[i] != NULL; i++)
        if (quote_arg(cmd, sizeof(cmd), &pos, argv[i]) != 0) {
            errno = E2BIG;
            return -1;
        }
    if (!CreatePipe(&out_r, &out_w, &sa, 65536) ||
        (feed_fd > 2 && !CreatePipe(&in_r, &in_w, &sa, 65536)))
        goto fail;
    /* Our ends stay ours. */
    SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
    if (in_w)
        SetHandleInformation(in_w, HANDLE_FLAG_INHERIT, 0);
    nul = CreateFileA("NUL", GENERIC_READ | GENERIC_WRITE,
                      FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                      OPEN_EXISTING, 0, NULL);
    if (nul == INVALID_HANDLE_VALUE) {
        nul = NULL;
        goto fail;
    }
    if (flags & MCPD_RUN_STDIN)
        std_in = dup_std(STD_INPUT_HANDLE);
    if (!(flags & MCPD_RUN_NULL_STDERR))
        std_err = dup_std(STD_ERROR_HANDLE);

    /* The descriptor table: 0-2, then feed_fd; none in between. */
    nfd = feed_fd > 2 ? feed_fd + 1 : 3;
    for (i = 0; i < nfd; i++)
        fdh[i] = INVALID_HANDLE_VALUE;
    fdh[0] = std_in ? std_in : nul;
    fdh[1] = out_w;
    fdh[2] = std_err ? std_err : nul;
    if (in_r)
        fdh[feed_fd] = in_r;
    table = calloc(1, sizeof(int) + (size_t)nfd * (1 + sizeof(HANDLE)));
    if (table == NULL)
        goto fail;
    memcpy(table, &nfd, sizeof(int));
    for (i = 0; i < nfd; i++) {
        int j, dup = 0;
        if (fdh[i] == INVALID_HANDLE_VALUE)
            continue;
        table[sizeof(int) + (size_t)i] = crt_flags(fdh[i]);
        for (j = 0; j < n; j++)
            dup |= list[j] == fdh[i];
        if (!dup)
            list[n++] = fdh[i];
    }
    memcpy(table + sizeof(int) + (size_t)nfd, fdh,
           (size_t)nfd * sizeof(HANDLE));

    si.StartupInfo.cb = sizeof(si);
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = fdh[0];
    si.StartupInfo.hStdOutput = fdh[1];
    si.StartupInfo.hStdError = fdh[2];
    si.StartupInfo.cbReserved2 = (WORD)(sizeof(int) +
                                        (size_t)nfd * (1 + sizeof(HANDLE)));
    si.StartupInfo.lpReserved2 = table;
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_len);
    if ((si.lpAttributeList = malloc(attr_len)) == NULL)
        goto fail;
    if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0,
                                           &attr_len)) {
        free(si.lpAttributeList);
        si.lpAttributeList = NULL;
        goto fail;
    }
    ok = UpdateProcThreadAttribute(si.lpAttributeList, 0,
                                   PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                                   (SIZE_T)n * sizeof(HANDLE), NULL, NULL) &&
         CreateProcessA(path, cmd, NULL, NULL, TRUE,
                        EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                        &si.StartupInfo, &pi);
    if (!ok)
        e = exec_errno_of(GetLastError());
    DeleteProcThreadAttributeList(si.lpAttributeList);
    free(si.lpAttributeList);
    if (!ok)
        goto fail;
    CloseHandle(pi.hThread);
    /* Only the child holds its ends now: EOF when it ends. */
    close_h(&out_w);
    close_h(&in_r);
    close_h(&nul);
    close_h(&std_in);
    close_h(&std_err);
    free(table);
    c->out = _open_osfhandle((intptr_t)out_r, _O_RDONLY | _O_BINARY);
    if (in_w)
        c->feed = _open_osfhandle((intptr_t)in_w, _O_WRONLY | _O_BINARY);
    c->pid = (long)pi.dwProcessId;
    c->proc = pi.hProcess;
    if (c->out < 0 || (in_w && c->feed < 0)) {
        /* Not a descriptor to give the caller: it must not run on. */
        if (c->out < 0)
            CloseHandle(out_r);
        if (in_w && c->feed < 0)
            CloseHandle(in_w);
        mcpd_child_end(c, 1);
        errno = EMFILE;
        return -1;
    }
    return 0;
fail:
    if (e == ENOMEM && GetLastError() == ERROR_TOO_MANY_OPEN_FILES)
        e = EMFILE;
    close_h(&out_r);
    close_h(&out_w);
    close_h(&in_r);
    close_h(&in_w);
    close_h(&nul);
    close_h(&std_in);
    close_h(&std_err);
    free(table);
    errno = e;
    return -1;
}

int
mcpd_child_poll(struct mcpd_child *const c[], int n, int timeout_ms,
                int ready[])
{
    ULONGLONG start = GetTickCount64();

    if (n < 0 || n > MAXIMUM_WAIT_OBJECTS) {
        errno = EINVAL;
        return -1;
    }
    for (;;) {
        HANDLE wait[MAXIMUM_WAIT_OBJECTS];
        int i, nw = 0, nready = 0;
        ULONGLONG spent;
        DWORD slice = 50;

        for (i = 0; i < n; i++) {
            HANDLE h = (HANDLE)_get_osfhandle(c[i]->out);
            DWORD avail = 0;
            /* Data, or the pipe's end (a failed peek: broken, closed):
             * either way a read() returns at once. */
            ready[i] = h == INVALID_HANDLE_VALUE ||
                       !PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) ||
                       avail > 0;
            nready += ready[i];
            if (!ready[i] && c[i]->proc != NULL &&
                WaitForSingleObject(c[i]->proc, 0) == WAIT_TIMEOUT)
                wait[nw++] = c[i]->proc;
        }
        if (nready > 0)
            return nready;
        spent = GetTickCount64() - start;
        if (timeout_ms >= 0 && spent >= (ULONGLONG)timeout_ms)
            return 0;
        if (timeout_ms >= 0 && (ULONGLONG)timeout_ms - spent < slice)
            slice = (DWORD)((ULONGLONG)timeout_ms - spent);
        /* A child that ends has written all it will: woken at once. A
         * pipe that fills is looked at again after the slice. */
        if (nw > 0)
            WaitForMultipleObjects((DWORD)nw, wait, FALSE, slice);
        else
            Sleep(slice);
    }
}

int
mcpd_child_end(struct mcpd_child *c, int kill_it)
{
    DWORD code = 0;
    int ok;

    if (c->out >= 0)
        _close(c->out);
    if (c->feed >= 0)
        _close(c->feed);
    c->out = c->feed = -1;
    c->pid = -1;
    if (c->proc == NULL)
        return -1;
    /* 128+9: how POSIX reports the SIGKILL this stands for. */
    if (kill_it)
        TerminateProcess(c->proc, 128 + 9);
    ok = WaitForSingleObject(c->proc, INFINITE) == WAIT_OBJECT_0 &&
         GetExitCodeProcess(c->proc, &code);
    CloseHandle(c->proc);
    c->proc = NULL;
    return ok ? (int)code : -1;
}
