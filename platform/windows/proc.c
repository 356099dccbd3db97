/* \summary: processes on Windows: parents from a Toolhelp snapshot, this
 * program's path, random bytes from BCrypt, this process's environment */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"
#include <tlhelp32.h>
#include <bcrypt.h>
#include <shlobj.h>

long
mcpd_plat_parent_pid(long pid)
{
    PROCESSENTRY32 pe;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    long parent = -1;

    if (snap == INVALID_HANDLE_VALUE)
        return -1;
    pe.dwSize = sizeof(pe);
    if (Process32First(snap, &pe)) {
        do {
            if ((long)pe.th32ProcessID == pid) {
                parent = (long)pe.th32ParentProcessID;
                break;
            }
        } while (Process32Next(snap, &pe));
    }
    CloseHandle(snap);
    return parent;
}

int
mcpd_plat_pid_uid(long pid, uint32_t *uid)
{
    /* Accounts are SIDs here, not numbers (mcpd_win_process_user). */
    (void)pid;
    (void)uid;
    return -1;
}

const char *
mcpd_plat_self_exe(const char **fix)
{
    static char path[MAX_PATH * 2];
    DWORD n = GetModuleFileNameA(NULL, path, sizeof(path));

    if (n == 0 || n >= sizeof(path)) {
        if (fix != NULL)
            *fix = "run mcpdiag.exe from a shorter path";
        return NULL;
    }
    return path;
}

int
mcpd_win_elevated(void)
{
    HANDLE tok;
    TOKEN_ELEVATION el;
    DWORD n = sizeof(el);
    int yes = 0;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return 0;
    if (GetTokenInformation(tok, TokenElevation, &el, n, &n))
        yes = el.TokenIsElevated != 0;
    CloseHandle(tok);
    return yes;
}

int
mcpd_plat_can_capture(void)
{
    /* Npcap decides who may capture (it can be limited to
     * administrators at install time); without it nobody can. */
    char dir[MAX_PATH], path[MAX_PATH + 32];
    UINT n = GetSystemDirectoryA(dir, sizeof(dir));

    if (n == 0 || n >= sizeof(dir))
        return 0;
    snprintf(path, sizeof(path), "%s\\Npcap\\wpcap.dll", dir);
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

int
mcpd_plat_random(void *buf, size_t len, int may_block)
{
    /* The system RNG never blocks once Windows has booted. */
    (void)may_block;
    if (len > ULONG_MAX)
        return -1;
    return BCryptGenRandom(NULL, buf, (ULONG)len,
                           BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0 ? 0 : -1;
}

char *
mcpd_plat_environ(long pid, size_t *len)
{
    LPCH block;
    const char *p;
    char *copy;
    size_t n;

    *len = 0;
    /* Another process's block sits in its PEB, which takes debug rights
     * to read: only our own is offered. */
    if (pid != (long)GetCurrentProcessId())
        return NULL;
    if ((block = GetEnvironmentStringsA()) == NULL)
        return NULL;
    for (p = block; *p; p += strlen(p) + 1)
        ;
    n = (size_t)(p - block);
    if (n == 0 || (copy = malloc(n + 1)) == NULL) {
        FreeEnvironmentStringsA(block);
        return NULL;
    }
    memcpy(copy, block, n);
    copy[n] = '\0';
    FreeEnvironmentStringsA(block);
    *len = n;
    return copy;
}
