/* \summary: privileges on Linux: drop root after opening the capture,
 * create output files as the user, check nothing is left */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "privs.h"

static int
fill_from_passwd(struct mcpd_user *u, const struct passwd *pw)
{
    snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
    snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir ? pw->pw_dir : "");
    return 0;
}

static int
env_id(const char *var, unsigned long *out)
{
    const char *v = getenv(var);
    char *end;

    if (v == NULL || *v == '\0')
        return -1;
    errno = 0;
    *out = strtoul(v, &end, 10);
    return (errno || *end != '\0') ? -1 : 0;
}

int
mcpd_user_resolve(const char *name, struct mcpd_user *u, char *err,
                  size_t errlen)
{
    struct passwd pwbuf, *pw = NULL;
    char buf[4096];
    unsigned long suid, sgid;

    memset(u, 0, sizeof(*u));
    if (name) {
        if (getpwnam_r(name, &pwbuf, buf, sizeof(buf), &pw) != 0 ||
            pw == NULL) {
            snprintf(err, errlen, "-Z %s: no such user", name);
            return -1;
        }
        u->uid = pw->pw_uid;
        u->gid = pw->pw_gid;
        return fill_from_passwd(u, pw);
    }
    /* Under sudo, the invoking user is who the capture is for. */
    if (getuid() == 0 && env_id("SUDO_UID", &suid) == 0 &&
        env_id("SUDO_GID", &sgid) == 0) {
        u->uid = (uid_t)suid;
        u->gid = (gid_t)sgid;
        u->from_sudo = 1;
    } else {
        u->uid = getuid();
        u->gid = getgid();
    }
    if (getpwuid_r(u->uid, &pwbuf, buf, sizeof(buf), &pw) == 0 && pw)
        fill_from_passwd(u, pw);
    else
        snprintf(u->name, sizeof(u->name), "%lu", (unsigned long)u->uid);
    return 0;
}

int
mcpd_drop_privileges(const struct mcpd_user *u, char *err, size_t errlen)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;

    if (geteuid() == 0 && u->uid != 0) {
        /* Order matters: groups and gid while we still may. */
        if (setgroups(0, NULL) != 0) {
            snprintf(err, errlen, "setgroups: %s", strerror(errno));
            return -1;
        }
        if (setresgid(u->gid, u->gid, u->gid) != 0) {
            snprintf(err, errlen, "setresgid(%lu): %s",
                     (unsigned long)u->gid, strerror(errno));
            return -1;
        }
        if (setresuid(u->uid, u->uid, u->uid) != 0) {
            snprintf(err, errlen, "setresuid(%lu): %s",
                     (unsigned long)u->uid, strerror(errno));
            return -1;
        }
    }
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        r != u->uid || e != u->uid || s != u->uid) {
        snprintf(err, errlen, "still running as uid %lu/%lu/%lu after "
                 "dropping to %lu", (unsigned long)r, (unsigned long)e,
                 (unsigned long)s, (unsigned long)u->uid);
        return -1;
    }
    if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "regained root after dropping privileges");
        return -1;
    }
    return 0;
}

int
mcpd_create_output(const char *path, const struct mcpd_user *u, char *err,
                   size_t errlen)
{
    int as_user = geteuid() == 0 && u->uid != 0;
    int fd, saved;
    struct stat st;

    /* Create with the user's rights, so the file is theirs and lands
     * only where they may write. */
    if (as_user && (setegid(u->gid) != 0 || seteuid(u->uid) != 0)) {
        snprintf(err, errlen, "%s: cannot act as %s: %s", path, u->name,
                 strerror(errno));
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0 && errno == EEXIST) {
        /* Existing: only a regular file of the user's own is reused. */
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
                        st.st_uid != u->uid)) {
            close(fd);
            fd = -1;
            errno = EPERM;
            snprintf(err, errlen, "%s exists and is not a regular file of "
                     "%s's: not overwriting it", path, u->name);
        } else if (fd >= 0 && ftruncate(fd, 0) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
            errno = saved;
        }
    }
    saved = errno;
    if (as_user && (seteuid(0) != 0 || setegid(0) != 0)) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot return to root after creating %s",
                 path);
        return -1;
    }
    if (fd < 0 && saved != EPERM)
        snprintf(err, errlen, "%s: %s%s", path, strerror(saved),
                 saved == ELOOP ? " (a symlink: not following it)" : "");
    return fd;
}

int
mcpd_still_privileged(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int priv = geteuid() == 0 || getuid() == 0;

    if (f == NULL)
        return priv;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long caps;
        if ((strncmp(line, "CapEff:", 7) == 0 ||
             strncmp(line, "CapPrm:", 7) == 0) &&
            sscanf(line + 7, "%llx", &caps) == 1 && caps != 0)
            priv = 1;
    }
    fclose(f);
    return priv;
}
