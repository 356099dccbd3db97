/* \summary: processes on macOS: parents and owners (libproc
 * proc_pidinfo PROC_PIDTBSDINFO), environments (sysctl
 * KERN_PROCARGS2), this program (proc_pidpath), random bytes
 * (arc4random_buf) */

#include <fcntl.h>
#include <libproc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/proc_info.h>
#include <sys/sysctl.h>
#include <unistd.h>
#include "platform.h"

/* The BSD part of a process (libproc.h; what ps reads). 0, or -1. */
static int
bsdinfo(long pid, struct proc_bsdinfo *bi)
{
    return proc_pidinfo((int)pid, PROC_PIDTBSDINFO, 0, bi,
                        (int)PROC_PIDTBSDINFO_SIZE) ==
           (int)PROC_PIDTBSDINFO_SIZE ? 0 : -1;
}

long
mcpd_plat_parent_pid(long pid)
{
    struct proc_bsdinfo bi;

    if (bsdinfo(pid, &bi) != 0)
        return -1;
    return (long)bi.pbi_ppid;
}

int
mcpd_plat_pid_uid(long pid, uint32_t *uid)
{
    struct proc_bsdinfo bi;

    if (bsdinfo(pid, &bi) != 0)
        return -1;
    *uid = bi.pbi_uid;
    return 0;
}

const char *
mcpd_plat_self_exe(const char **fix)
{
    static char path[PROC_PIDPATHINFO_MAXSIZE];

    if (fix != NULL)
        *fix = "run mcpdiag by its full path";
    if (path[0] == '\0' &&
        proc_pidpath(getpid(), path, (uint32_t)sizeof(path)) <= 0) {
        path[0] = '\0';
        return NULL;
    }
    return path;
}

/* Root, or read access to the BPF devices (what Wireshark's ChmodBPF
 * grants the access_bpf group). */
int
mcpd_plat_can_capture(void)
{
    int fd;

    if (geteuid() == 0)
        return 1;
    fd = open("/dev/bpf0", O_RDONLY);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

int
mcpd_plat_random(void *buf, size_t len, int may_block)
{
    /* Never blocks and never fails (arc4random(3)). */
    (void)may_block;
    arc4random_buf(buf, len);
    return 0;
}

/*
 * KERN_PROCARGS2 gives: int argc, the executable path, NUL padding,
 * argc argument strings, then the environment strings, each
 * NUL-terminated (what ps -E reads). Only the caller's own processes,
 * or any as root.
 */
char *
mcpd_plat_environ(long pid, size_t *len)
{
    int mib[3] = { CTL_KERN, KERN_PROCARGS2, (int)pid }, argc;
    size_t size = 0, i, start;
    char *args, *block;

    *len = 0;
    if (sysctl(mib, 3, NULL, &size, NULL, 0) != 0 || size < sizeof(int))
        return NULL;
    args = malloc(size);
    if (args == NULL)
        return NULL;
    if (sysctl(mib, 3, args, &size, NULL, 0) != 0 || size < sizeof(int)) {
        free(args);
        return NULL;
    }
    memcpy(&argc, args, sizeof(argc));
    i = sizeof(int);
    while (i < size && args[i] != '\0')      /* the executable path */
        i++;
    while (i < size && args[i] == '\0')      /* its padding */
        i++;
    for (; argc > 0 && i < size; argc--) {   /* the arguments */
        while (i < size && args[i] != '\0')
            i++;
        i++;
    }
    start = i;
    /* The environment ends at an empty string or the buffer's end. */
    while (i < size && args[i] != '\0') {
        while (i < size && args[i] != '\0')
            i++;
        i++;
    }
    if (i > size)
        i = size;
    if (i <= start) {
        free(args);
        return NULL;
    }
    block = malloc(i - start + 1);
    if (block != NULL) {
        memcpy(block, args + start, i - start);
        block[i - start] = '\0';
        /* "A=1\0B=2\0", final NUL counted, as /proc/PID/environ. */
        *len = i - start;
    }
    free(args);
    return block;
}
