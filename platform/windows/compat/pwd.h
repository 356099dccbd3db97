/* \summary: <pwd.h> on Windows: there is no user database by number;
 * getpwuid finds nobody, and callers fall back to the number */
#ifndef MCPD_COMPAT_PWD_H
#define MCPD_COMPAT_PWD_H
#include <stddef.h>
#include <sys/types.h>
struct passwd {
    char *pw_name;
    char *pw_dir;
    uid_t pw_uid;
    gid_t pw_gid;
};
static inline struct passwd *getpwuid(uid_t uid) { (void)uid; return NULL; }
static inline struct passwd *getpwnam(const char *n) { (void)n; return NULL; }
#endif
