/* \summary: the user's files and programs on POSIX (Linux, macOS):
 * sudo's user for opening, $HOME or the password database, execvp's
 * PATH search */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "userfiles.h"

int
mcpd_open_as_user(const char *path)
{
    const int flags = O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
    const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
    gid_t groups[64], saved[64];
    int ng = 64, ns, fd, e;
    unsigned long uid, gid;
    struct passwd *pw;
    char *end1, *end2;

    if (geteuid() != 0 || su == NULL || sg == NULL)
        return open(path, flags);
    uid = strtoul(su, &end1, 10);
    gid = strtoul(sg, &end2, 10);
    if (*su == '\0' || *sg == '\0' || *end1 || *end2 || uid == 0)
        return open(path, flags);
    pw = getpwuid((uid_t)uid);
    /* (void *): glibc takes gid_t *, macOS int * (the same size). */
    if (pw == NULL || getgrouplist(pw->pw_name, (gid_t)gid, (void *)groups,
                                   &ng) < 0) {
        groups[0] = (gid_t)gid;
        ng = 1;
    }
    /* The effective ids and groups are the user's for the open only. */
    ns = getgroups(64, saved);
    if (ns < 0 || setgroups((size_t)ng, groups) != 0 ||
        setegid((gid_t)gid) != 0 || seteuid((uid_t)uid) != 0) {
        if (ns >= 0)
            (void)setgroups((size_t)ns, saved);
        (void)setegid(0);
        errno = EPERM;
        return -1;
    }
    fd = open(path, flags);
    e = errno;
    /* Back to root for the probes; failing that, go on with less. */
    if (seteuid(0) == 0) {
        (void)setegid(0);
        (void)setgroups((size_t)ns, saved);
    }
    errno = e;
    return fd;
}

void
mcpd_user_home(const char *(*env)(const char *), char *out, size_t len)
{
    const char *h = env("HOME"), *su = env("SUDO_UID");
    struct passwd *pw = NULL;

    /* Also after privileges were dropped (bundle --from-config). */
    if (su != NULL && *su) {
        char *end;
        unsigned long uid = strtoul(su, &end, 10);
        if (*end == '\0')
            pw = getpwuid((uid_t)uid);
        if (pw != NULL)
            h = pw->pw_dir;
    }
    if (h == NULL || *h == '\0') {
        pw = getpwuid(getuid());
        h = pw ? pw->pw_dir : "/";
    }
    snprintf(out, len, "%s", h);
}

int
mcpd_user_cwd(char *out, size_t len)
{
    return getcwd(out, len) != NULL ? 0 : -1;
}

static int
executable(const char *file)
{
    struct stat st;

    return stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
           (st.st_mode & 0111) != 0;
}

int
mcpd_find_program(const char *cmd, const char *path, const char *cwd,
                  char *found, size_t flen)
{
    const char *p, *e;

    found[0] = '\0';
    if (cmd[0] == '\0')
        return 0;
    if (strchr(cmd, '/') != NULL) {
        if (cmd[0] == '/')
            snprintf(found, flen, "%s", cmd);
        else
            snprintf(found, flen, "%s/%s", cwd, cmd);
        if (executable(found))
            return 1;
        found[0] = '\0';
        return 0;
    }
    for (p = path; p && *p; p = *e ? e + 1 : e) {
        size_t dl;
        e = strchr(p, ':');
        if (e == NULL)
            e = p + strlen(p);
        dl = (size_t)(e - p);
        /* An empty PATH entry is the current directory (POSIX). */
        if (dl == 0)
            snprintf(found, flen, "%s/%s", cwd, cmd);
        else
            snprintf(found, flen, "%.*s/%s", (int)dl, p, cmd);
        if (executable(found))
            return 1;
    }
    found[0] = '\0';
    return 0;
}
