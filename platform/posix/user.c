/* \summary: privileges on POSIX systems (Linux, macOS): whom to become,
 * dropping root after opening the capture, output files created as the
 * user; the OS's own calls are in OS/privs.c (posix.h) */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "platform.h"
#include "posix.h"

static int
fill_from_passwd(struct mcpd_user *u, const struct passwd *pw)
{
    int n = MCPD_USER_GROUPS;
    long most;

    snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
    snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir ? pw->pw_dir : "");
    /* The groups a login gives the user (initgroups), as COMMAND and
     * the output files get them; past the cap, the first ones. */
    /* (void *): glibc takes gid_t *, macOS int *, of the same size. */
    most = sysconf(_SC_NGROUPS_MAX);
    if (getgrouplist(pw->pw_name, u->gid, (void *)u->groups, &n) < 0)
        n = MCPD_USER_GROUPS;
    /* setgroups takes at most NGROUPS_MAX: 65536 on Linux, but 16 on
     * macOS, where an administrator is often in more: the first ones. */
    if (most > 0 && n > most)
        n = (int)most;
    u->ngroups = n;
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

    int sudo;

    memset(u, 0, sizeof(*u));
    /* Under sudo, the invoking user is who the capture is for. */
    sudo = getuid() == 0 && env_id("SUDO_UID", &suid) == 0 &&
           env_id("SUDO_GID", &sgid) == 0;
    if (name) {
        if (getpwnam_r(name, &pwbuf, buf, sizeof(buf), &pw) != 0 ||
            pw == NULL) {
            snprintf(err, errlen, "-Z %s: no such user", name);
            return -1;
        }
        /* sudo let its user run mcpdiag, not COMMAND as root or as
         * anyone else (tcpdump -z under sudo is the known hole). */
        if (sudo && pw->pw_uid != (uid_t)suid) {
            const char *who = getenv("SUDO_USER");
            snprintf(err, errlen, "-Z %s: under sudo COMMAND runs only as "
                     "the user who ran sudo (%s, uid %lu)", name,
                     who && *who ? who : "?", suid);
            return -1;
        }
        u->uid = pw->pw_uid;
        u->gid = pw->pw_gid;
        return fill_from_passwd(u, pw);
    }
    if (sudo) {
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
    if (u->ngroups == 0) {
        /* No passwd entry: the one group we know. */
        u->groups[0] = u->gid;
        u->ngroups = 1;
    }
    return 0;
}

int
mcpd_drop_privileges(const struct mcpd_user *u, char *err, size_t errlen)
{
    uid_t r, e, s;

    if (geteuid() == 0 && u->uid != 0) {
        /* Order matters: groups and gid while we still may. The user's
         * own groups, not root's (nor none: COMMAND is the user's). */
        if (setgroups(u->ngroups, u->groups) != 0) {
            snprintf(err, errlen, "setgroups: %s", strerror(errno));
            return -1;
        }
        if (mcpd_posix_set_ids(u, err, errlen) != 0)
            return -1;
    }
    if (mcpd_posix_get_uids(&r, &e, &s) != 0 ||
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

#define SAVED_GROUPS 256     /* root's own groups, kept across an open */

/* Act as the user for an open: their groups, gid and uid (effective,
 * and so the filesystem ids too). `saved` keeps root's groups. */
static int
become_user(const struct mcpd_user *u, gid_t *saved, int *nsaved)
{
    *nsaved = getgroups(SAVED_GROUPS, saved);
    if (*nsaved < 0)
        return -1;
    if (setgroups(u->ngroups, u->groups) != 0)
        return -1;
    if (setegid(u->gid) != 0 || seteuid(u->uid) != 0) {
        int e = errno;
        if (setegid(0) != 0 || setgroups(*nsaved, saved) != 0)
            abort();   /* half-switched and stuck: never go on */
        errno = e;
        return -1;
    }
    return 0;
}

static int
become_root_again(const gid_t *saved, int nsaved)
{
    if (seteuid(0) != 0 || setegid(0) != 0 ||
        setgroups(nsaved, saved) != 0)
        return -1;
    return 0;
}

/* The open itself, as whoever we are now: a regular file or nothing. */
static int
open_output(const char *path, const struct mcpd_user *u, char *err,
            size_t errlen)
{
    /* O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) and one
     * with a reader is refused below, instead of blocking the open. */
    const int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int fd, existed = 0, saved;
    struct stat st;

    fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST) {
        existed = 1;
        fd = open(path, flags);
    }
    if (fd < 0) {
        saved = errno;
        snprintf(err, errlen, "%s: %s%s", path, strerror(saved),
                 saved == ELOOP ? " (a symlink: not following it)" :
                 saved == ENXIO ? " (a FIFO or socket: not writing to it)"
                                : "");
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != u->uid) {
        snprintf(err, errlen, "%s exists and is not a regular file of "
                 "%s's: not writing to it", path, u->name);
        close(fd);
        return -1;
    }
    /* As tcpdump -w leaves it: the user's alone, also when it was not. */
    if ((existed && (fchmod(fd, 0600) != 0 || ftruncate(fd, 0) != 0)) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        saved = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        close(fd);
        return -1;
    }
    return fd;
}

int
mcpd_create_output(const char *path, const struct mcpd_user *u, char *err,
                   size_t errlen)
{
    int as_user = geteuid() == 0 && u->uid != 0;
    gid_t saved[SAVED_GROUPS];
    int nsaved = 0, fd;

    /* Create with the user's rights (groups too), so the file is theirs
     * and lands only where they may write. */
    if (as_user && become_user(u, saved, &nsaved) != 0) {
        snprintf(err, errlen, "%s: cannot act as %s: %s", path, u->name,
                 strerror(errno));
        return -1;
    }
    fd = open_output(path, u, err, errlen);
    if (as_user && become_root_again(saved, nsaved) != 0) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot return to root after creating %s",
                 path);
        return -1;
    }
    return fd;
}

int
mcpd_leave_sudo_root(char *err, size_t errlen)
{
    struct mcpd_user u;

    if (mcpd_user_resolve(NULL, &u, err, errlen) != 0)
        return -1;
    if (!u.from_sudo)
        return 0;
    return mcpd_drop_privileges(&u, err, errlen);
}

/* The user database is POSIX (getpwuid_r): one answer for every
 * backend that has it (owner.h). */
void
mcpd_owner_username(uint32_t uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;
    char small[1024], *tmp = small;
    size_t tlen = sizeof(small);
    int rc;

    if (buf == NULL || len == 0)
        return;
    /* getpwuid_r says ERANGE when its scratch buffer is too small (a
     * long NSS entry); grow it a few times, then give the number. */
    for (;;) {
        rc = getpwuid_r((uid_t)uid, &pw, tmp, tlen, &res);
        if (rc != ERANGE || tlen >= 65536)
            break;
        if (tmp != small)
            free(tmp);
        tlen *= 4;
        tmp = malloc(tlen);
        if (tmp == NULL)
            break;
    }
    /* A name that does not fit is shown as the number, never cut. */
    if (tmp != NULL && rc == 0 && res != NULL && res->pw_name != NULL &&
        strlen(res->pw_name) < len)
        snprintf(buf, len, "%s", res->pw_name);
    else
        snprintf(buf, len, "%u", (unsigned)uid);
    if (tmp != small)
        free(tmp);
}
