/* \summary: the POSIX calls the generic code makes that the Windows CRT
 * lacks (declared in compat/stdio.h) */

#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

#undef fopen
#undef open
#undef fmemopen
#undef strcasestr
#undef strerror

/* The socket errors in glibc's words, so that a message reads as it
 * does on Linux; the CRT's own for the rest. */
char *
mcpd_win_strerror(int e)
{
    static const struct { int e; const char *text; } socket_errors[] = {
        { ECONNREFUSED, "Connection refused" },
        { ETIMEDOUT, "Connection timed out" },
        { EHOSTUNREACH, "No route to host" },
        { ENETUNREACH, "Network is unreachable" },
        { ECONNRESET, "Connection reset by peer" },
        { ECONNABORTED, "Software caused connection abort" },
        { EADDRNOTAVAIL, "Cannot assign requested address" },
        { EADDRINUSE, "Address already in use" },
        { EAFNOSUPPORT, "Address family not supported by protocol" },
        { EINPROGRESS, "Operation now in progress" },
        { EWOULDBLOCK, "Resource temporarily unavailable" },
        { ENOTSOCK, "Socket operation on non-socket" },
        { ENOBUFS, "No buffer space available" },
    };
    size_t i;

    for (i = 0; i < sizeof(socket_errors) / sizeof(socket_errors[0]); i++)
        if (socket_errors[i].e == e)
            return (char *)socket_errors[i].text;
    return strerror(e);
}

char *
mcpd_win_strcasestr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (_strnicmp(hay, needle, n) == 0)
            return (char *)hay;
    return n == 0 ? (char *)hay : NULL;
}

FILE *
mcpd_win_fopen(const char *path, const char *mode)
{
    char m[16];
    size_t i, n = 0;

    /* msvcrt stops the program on a mode letter it does not know. */
    for (i = 0; mode[i] != '\0' && n + 1 < sizeof(m); i++)
        if (mode[i] != 'e')
            m[n++] = mode[i];
    m[n] = '\0';
    return fopen(path, m);
}

/* A temporary file in the user's temp directory (msvcrt's tmpfile()
 * writes to the drive's root, which users may not), gone when closed. */
static FILE *
temp_file(void)
{
    char dir[MAX_PATH], path[MAX_PATH];
    HANDLE h;
    FILE *f;
    int fd;

    if (GetTempPathA(sizeof(dir), dir) == 0 ||
        GetTempFileNameA(dir, "mcp", 0, path) == 0)
        return NULL;
    h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                    CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY |
                    FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    if ((fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY)) < 0) {
        CloseHandle(h);
        return NULL;
    }
    if ((f = _fdopen(fd, "w+b")) == NULL)
        _close(fd);
    return f;
}

/* A read-only memory stream: a temporary file holding a copy (deleted
 * when closed), rewound. Only reading is needed here. */
FILE *
mcpd_win_fmemopen(void *buf, size_t size, const char *mode)
{
    FILE *f;

    if (strchr(mode, 'w') != NULL || strchr(mode, 'a') != NULL ||
        strchr(mode, '+') != NULL)
        return NULL;
    if ((f = temp_file()) == NULL)
        return NULL;
    if (size > 0 && fwrite(buf, 1, size, f) != size) {
        fclose(f);
        return NULL;
    }
    rewind(f);
    return f;
}

int
mcpd_win_open(const char *path, int flags, ...)
{
    int mode = 0;

    if (flags & _O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return _open(path, flags | _O_BINARY, mode);
}
