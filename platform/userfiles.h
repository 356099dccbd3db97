/* \summary: the user's own files and programs, as a client of theirs
 * finds them: the home directory, the current directory, opening a
 * file with the user's rights, looking a command up on a PATH
 * (posix/userfiles.c for Linux and macOS, windows/userfiles.c) */
#ifndef MCPD_PLATFORM_USERFILES_H
#define MCPD_PLATFORM_USERFILES_H

#include <stddef.h>

/*
 * Open path for reading (close-on-exec, never blocking on a FIFO, never
 * taking a terminal) with the rights of the user who ran sudo, when run
 * under sudo (the probes want root; reading a user's files must not: a
 * sudoers rule for mcpdiag must not let `--config /root/...` show
 * root's files); else, and on Windows, a plain open. Returns the
 * descriptor, or -1 with errno set.
 */
int mcpd_open_as_user(const char *path);

/*
 * The user's home directory into out, with env as the environment
 * lookup: under sudo the invoking user's (SUDO_UID), else $HOME, else
 * the password database (POSIX); %USERPROFILE%, else %HOMEDRIVE%%
 * HOMEPATH% (Windows). Directories are separated by '/' on every OS
 * (Windows takes either).
 */
void mcpd_user_home(const char *(*env)(const char *), char *out,
                    size_t len);

/* The current directory, separated by '/' as above. 0, or -1. */
int mcpd_user_cwd(char *out, size_t len);

/*
 * Would a client (Node's child_process, which the Electron clients
 * use; Rust's Command) start `cmd` with `path` as its PATH and cwd as
 * its directory? 1 with the file it runs in found, 0 when none: POSIX
 * wants an executable regular file (a name with '/' is not searched);
 * Windows tries the name as given when it has an extension, then with
 * .com and .exe appended, in cwd and then each PATH entry (a .cmd or
 * .bat is not started without a shell: on 0, found names such a file
 * of that name when there is one, else it is "").
 */
int mcpd_find_program(const char *cmd, const char *path, const char *cwd,
                      char *found, size_t flen);

#endif
