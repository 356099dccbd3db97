/* \summary: the user's files and programs on Windows: the profile
 * directory, a plain open (there is no sudo), and the program search
 * of libuv's spawn (Node, so Electron clients), which appends .com and
 * .exe but starts no .cmd */

#include <direct.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"
#include "userfiles.h"

int
mcpd_open_as_user(const char *path)
{
    /* Binary, not inherited by any child. */
    return _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
}

/* Backslashes to slashes: the generic code splits on '/'. */
static void
slashes(char *s)
{
    for (; *s; s++)
        if (*s == '\\')
            *s = '/';
}

void
mcpd_user_home(const char *(*env)(const char *), char *out, size_t len)
{
    const char *h = env("USERPROFILE"), *drive = env("HOMEDRIVE");
    const char *hp = env("HOMEPATH");

    if (h != NULL && *h)
        snprintf(out, len, "%s", h);
    else if (drive != NULL && hp != NULL)
        snprintf(out, len, "%s%s", drive, hp);
    else
        snprintf(out, len, "C:/");
    slashes(out);
}

int
mcpd_user_cwd(char *out, size_t len)
{
    if (_getcwd(out, (int)len) == NULL)
        return -1;
    slashes(out);
    return 0;
}

static int
is_file(const char *p)
{
    DWORD a = GetFileAttributesA(p);

    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

static int
is_sep(char c)
{
    return c == '/' || c == '\\';
}

/* The extensions each search tries, in order ("" the name as given,
 * only when it has an extension of its own). */
static const char *const run_ext[] = { "", ".com", ".exe", NULL };
static const char *const shell_ext[] = { ".cmd", ".bat", NULL };

/* dir (dl bytes; 0: cmd as it is) joined with cmd and each of ext. */
static int
try_dir(const char *dir, size_t dl, const char *cmd,
        const char *const ext[], char *found, size_t flen)
{
    const char *base = cmd + strlen(cmd);
    size_t k;

    while (base > cmd && !is_sep(base[-1]) && base[-1] != ':')
        base--;
    for (k = 0; ext[k] != NULL; k++) {
        if (ext[k][0] == '\0' && strchr(base, '.') == NULL)
            continue;
        if (dl == 0)
            snprintf(found, flen, "%s%s", cmd, ext[k]);
        else
            snprintf(found, flen, "%.*s%s%s%s", (int)dl, dir,
                     is_sep(dir[dl - 1]) ? "" : "\\", cmd, ext[k]);
        if (is_file(found))
            return 1;
    }
    return 0;
}

/* libuv's order: a path as it is (or from cwd); a name in cwd, then in
 * each PATH entry (quoted or not; empty ones skipped). */
static int
search(const char *cmd, const char *path, const char *cwd,
       const char *const ext[], char *found, size_t flen)
{
    const char *p, *e;

    if (strpbrk(cmd, "/\\:") != NULL) {
        /* A path: absolute (C:\..., \\server\..., \...) or from cwd. */
        int abs = is_sep(cmd[0]) || (cmd[0] && cmd[1] == ':');
        return try_dir(abs ? "" : cwd, abs ? 0 : strlen(cwd), cmd, ext,
                       found, flen);
    }
    if (try_dir(cwd, strlen(cwd), cmd, ext, found, flen))
        return 1;
    for (p = path; p && *p; p = *e ? e + 1 : e) {
        size_t dl;
        e = strchr(p, ';');
        if (e == NULL)
            e = p + strlen(p);
        dl = (size_t)(e - p);
        if (dl >= 2 && p[0] == '"' && p[dl - 1] == '"') {
            if (dl > 2 && try_dir(p + 1, dl - 2, cmd, ext, found, flen))
                return 1;
        } else if (dl > 0 && try_dir(p, dl, cmd, ext, found, flen)) {
            return 1;
        }
    }
    return 0;
}

int
mcpd_find_program(const char *cmd, const char *path, const char *cwd,
                  char *found, size_t flen)
{
    found[0] = '\0';
    if (cmd[0] == '\0')
        return 0;
    if (search(cmd, path, cwd, run_ext, found, flen))
        return 1;
    /* Not runnable: is it a batch file (npx.cmd) only a shell starts? */
    if (strchr(cmd, '.') != NULL ||
        !search(cmd, path, cwd, shell_ext, found, flen))
        found[0] = '\0';
    return 0;
}
