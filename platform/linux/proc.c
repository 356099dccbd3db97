/* \summary: processes on Linux: parents, owners, environments and this
 * program itself, from /proc; random bytes from getrandom */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "platform.h"

long
mcpd_plat_parent_pid(long pid)
{
    char path[64], buf[512], *close;
    size_t n;
    long ppid;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold spaces and ')' */
    close = strrchr(buf, ')');
    if (close == NULL || sscanf(close + 1, " %*c %ld", &ppid) != 1)
        return -1;
    return ppid;
}

int
mcpd_plat_pid_uid(long pid, uint32_t *uid)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof(path), "/proc/%ld", pid);
    if (stat(path, &st) != 0)
        return -1;
    *uid = st.st_uid;
    return 0;
}

const char *
mcpd_plat_self_exe(const char **fix)
{
    if (fix != NULL)
        *fix = "mount /proc";
    return "/proc/self/exe";
}

int
mcpd_plat_can_capture(void)
{
    char line[256];
    FILE *f;
    int ok = 0;

    if (geteuid() == 0)
        return 1;
    f = fopen("/proc/self/status", "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "CapEff:", 7) == 0) {
            unsigned long long caps = strtoull(line + 7, NULL, 16);
            ok = (caps >> 13) & 1;   /* CAP_NET_RAW */
        }
    if (f)
        fclose(f);
    return ok;
}

int
mcpd_plat_random(void *buf, size_t len, int may_block)
{
    ssize_t n = getrandom(buf, len, may_block ? 0 : GRND_NONBLOCK);

    return n == (ssize_t)len ? 0 : -1;
}

char *
mcpd_plat_environ(long pid, size_t *len)
{
    char path[64], *block;
    size_t cap = 65536;
    FILE *f;

    *len = 0;
    snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
    if ((f = fopen(path, "r")) == NULL)
        return NULL;
    block = malloc(cap + 1);
    if (block)
        *len = fread(block, 1, cap, f);
    fclose(f);
    if (block == NULL)
        return NULL;
    block[*len] = '\0';
    if (*len == 0) {
        /* a zombie, or the kernel's own: nothing to learn */
        free(block);
        return NULL;
    }
    return block;
}
