/* \summary: the child runner on Windows: CreateProcess with its output
 * on two pipes, each drained by a thread, and a timeout that ends it */

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

/* capture is not built for Windows yet (README, "Windows"): its subject
 * would start through CreateProcess here. */
long
mcpd_child_spawn(char *const argv[], int (*fn)(void *), void *arg,
                 int flags, int *exec_errno)
{
    (void)argv;
    (void)fn;
    (void)arg;
    (void)flags;
    *exec_errno = 0;
    errno = ENOSYS;
    return -1;
}
