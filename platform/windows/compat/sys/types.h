/* \summary: <sys/types.h> on Windows: the CRT's, plus the POSIX ids the
 * platform interface names (there are no numeric users on Windows) */
#ifndef MCPD_COMPAT_SYS_TYPES_H
#define MCPD_COMPAT_SYS_TYPES_H
#include_next <sys/types.h>
typedef unsigned int uid_t;
typedef unsigned int gid_t;
#endif
