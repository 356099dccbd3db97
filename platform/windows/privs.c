/* \summary: privileges on Windows: "Run as administrator" (an elevated
 * token) instead of root; nothing to drop in mcpdiag itself (what it
 * starts gets a restricted token: run.c), and output files created
 * without following reparse points */

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"

int
mcpd_user_resolve(const char *name, struct mcpd_user *u, char *err,
                  size_t errlen)
{
    DWORD n;
    const char *home = getenv("USERPROFILE");

    memset(u, 0, sizeof(*u));
    n = sizeof(u->name);
    if (!GetUserNameA(u->name, &n))
        snprintf(u->name, sizeof(u->name), "%s",
                 getenv("USERNAME") ? getenv("USERNAME") : "");
    snprintf(u->home, sizeof(u->home), "%s", home ? home : "");
    /* There is no switching to another account without its password. */
    if (name != NULL && _stricmp(name, u->name) != 0) {
        snprintf(err, errlen, "-Z %s: Windows cannot run the command as "
                 "another user; run mcpdiag as %s", name, name);
        return -1;
    }
    return 0;
}

int
mcpd_drop_privileges(const struct mcpd_user *u, char *err, size_t errlen)
{
    /* Windows cannot take an elevated token back from a running
     * process; what runs as the user is what mcpdiag starts: COMMAND
     * gets a restricted token (run.c), the built-in probe is a connect
     * on a thread, which elevation gives nothing. */
    (void)u;
    (void)err;
    (void)errlen;
    return 0;
}

int
mcpd_create_output(const char *path, const struct mcpd_user *u, char *err,
                   size_t errlen)
{
    BY_HANDLE_FILE_INFORMATION fi;
    HANDLE h;
    int fd;

    (void)u;
    /* Open the link itself, never what it points to. */
    h = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                    NULL);
    if (h == INVALID_HANDLE_VALUE) {
        char why[MCPD_ERR_LEN];
        mcpd_win_error(why, sizeof(why), "CreateFile", GetLastError());
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (GetFileType(h) != FILE_TYPE_DISK ||
        !GetFileInformationByHandle(h, &fi) ||
        (fi.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT |
                                FILE_ATTRIBUTE_DIRECTORY))) {
        CloseHandle(h);
        snprintf(err, errlen, "%s: not a regular file (a link, a device "
                 "or a directory): refusing to write to it", path);
        return -1;
    }
    if (!SetEndOfFile(h)) {
        char why[MCPD_ERR_LEN];
        mcpd_win_error(why, sizeof(why), "SetEndOfFile", GetLastError());
        CloseHandle(h);
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    fd = _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        snprintf(err, errlen, "%s: cannot make a descriptor of it", path);
    }
    return fd;
}

void
mcpd_close_fds_except(const int *keep, int nkeep)
{
    /* A child gets only the handles mcpd_run_child passes it. */
    (void)keep;
    (void)nkeep;
}

int
mcpd_leave_sudo_root(char *err, size_t errlen)
{
    /* There is no sudo: reading files needs nothing to be given up. */
    (void)err;
    (void)errlen;
    return 0;
}

int
mcpd_still_privileged(void)
{
    return mcpd_win_elevated();
}
