#!/usr/bin/env python3
"""Keeps Linux-only and glibc-only calls out of the generic code.

analyze/, capture/, probes/, bundle/, doctor/, mcpdiag.c and the code the
POSIX backends share (platform/posix/, platform/none/, platform/*.h) are
built on macOS as well. A name below (a call, flag, header or /proc path
that macOS lacks or spells differently) fails this check there unless it
is guarded: inside the branch of an

    #if MCPD_HAVE_X          (a feature the top-level CMakeLists.txt or a
    ...Linux-only use...      part's CMakeLists.txt checks for; 0 where
    #else                     the symbol is missing, and under
    ...portable fallback...   -DMCPD_FORCE_PORTABLE=ON on Linux too)
    #endif

that has an #else (the fallback, or a comment saying what the report
lacks without it). With `#if !MCPD_HAVE_X` the #else branch is the
guarded one. Everything else goes through the platform seam (platform/,
platform/fdutil.h for close-on-exec sockets and pipes).

Usage: portable_src.py [FILE...]   (no FILE: the tree; runs a self-test
of the checker first).
"""
import glob
import os
import re
import sys
import tempfile

# Each name with what to use instead.
NAMES = {
    "SOCK_CLOEXEC": "mcpd_socket (platform/fdutil.h)",
    "SOCK_NONBLOCK": "mcpd_socket(..., MCPD_SOCK_NONBLOCK)",
    "pipe2": "mcpd_pipe_cloexec (platform/fdutil.h)",
    "accept4": "accept, then fcntl FD_CLOEXEC",
    "dup3": "fcntl F_DUPFD_CLOEXEC",
    "MSG_NOSIGNAL": "SIGPIPE ignored, or SO_NOSIGPIPE",
    "MSG_MORE": "one write",
    "close_range": "mcpd_close_fds_except (platform/privs.h)",
    "getrandom": "a platform call",
    "CLOCK_BOOTTIME": "CLOCK_MONOTONIC",
    "TCP_INFO": "a guarded block (MCPD_HAVE_TCPI_TOTAL_RETRANS)",
    "tcp_info": "a guarded block (MCPD_HAVE_TCPI_TOTAL_RETRANS)",
    "SO_PEERCRED": "a platform call (macOS: LOCAL_PEERCRED)",
    "prctl": "a platform call",
    "strchrnul": "strchr, then the end",
    "memrchr": "a loop",
    "qsort_r": "qsort (macOS's qsort_r takes its arguments in another order)",
    "program_invocation_name": "argv[0]",
    "program_invocation_short_name": "argv[0]",
    "__GLIBC__": "a CMake feature check",
    "__GLIBC_MINOR__": "a CMake feature check",
    "gnu_get_libc_version": "a platform call",
    "sig2str": "strsignal",
    "memfd_create": "mkstemp",
    "epoll_create": "poll", "epoll_create1": "poll", "epoll_ctl": "poll",
    "epoll_wait": "poll",
    "signalfd": "a self-pipe", "timerfd_create": "poll's timeout",
    "eventfd": "a pipe", "inotify_init": "a platform call",
    "inotify_init1": "a platform call",
    "getaddrinfo_a": "a guarded block (MCPD_HAVE_GAI_A)",
    "gai_suspend": "a guarded block (MCPD_HAVE_GAI_A)",
    "gai_error": "a guarded block (MCPD_HAVE_GAI_A)",
    "gai_cancel": "a guarded block (MCPD_HAVE_GAI_A)",
    "secure_getenv": "getenv, with the privilege checks of platform/",
    "mempcpy": "memcpy", "rawmemchr": "memchr",
    "get_current_dir_name": "getcwd",
    "canonicalize_file_name": "realpath",
    "euidaccess": "access", "eaccess": "access",
    "execvpe": "execve with a PATH search, or execvp",
    "setresuid": "platform/privs.h", "setresgid": "platform/privs.h",
    "getresuid": "platform/privs.h", "getresgid": "platform/privs.h",
    "O_PATH": "O_RDONLY", "O_TMPFILE": "mkstemp", "O_DIRECT": "nothing",
    "O_NOATIME": "nothing",
    "AF_PACKET": "libpcap", "PF_PACKET": "libpcap", "sockaddr_ll": "libpcap",
    "AF_NETLINK": "platform/linux", "SO_BINDTODEVICE": "a platform call",
    "IP_RECVERR": "a platform call", "IPV6_RECVERR": "a platform call",
    "MSG_ERRQUEUE": "a platform call",
    "SOL_TCP": "IPPROTO_TCP", "SOL_IP": "IPPROTO_IP",
    "TCP_USER_TIMEOUT": "a guarded block", "TCP_SYNCNT": "a guarded block",
    "TCP_QUICKACK": "a guarded block", "TCP_CORK": "TCP_NOPUSH, guarded",
    "SO_MARK": "a platform call",
    "F_SETPIPE_SZ": "nothing", "F_GETPIPE_SZ": "nothing",
    "SIOCINQ": "FIONREAD", "SIOCOUTQ": "a platform call",
    "gettid": "getpid", "ppoll": "poll", "sendfile": "read and write",
    "statx": "stat", "sched_getcpu": "nothing",
    "getauxval": "a platform call",
    "malloc_usable_size": "the size asked for",
    "pthread_timedjoin_np": "a condition variable",
    "pthread_tryjoin_np": "a condition variable",
    "pthread_setname_np": "nothing (another signature on macOS)",
    "be16toh": "ntohs or the cursor's get_be16",
    "be32toh": "ntohl or the cursor's get_be32",
    "be64toh": "the cursor (analyze/cursor.h)",
    "htobe16": "htons", "htobe32": "htonl", "htobe64": "shifts",
    "le16toh": "the cursor (analyze/cursor.h)",
    "le32toh": "the cursor (analyze/cursor.h)",
    "le64toh": "the cursor (analyze/cursor.h)",
    "htole16": "shifts", "htole32": "shifts", "htole64": "shifts",
    "bswap_16": "shifts", "bswap_32": "shifts", "bswap_64": "shifts",
    "strerrordesc_np": "strerror", "sigabbrev_np": "a table",
    "sigdescr_np": "strsignal",
    "error_at_line": "fprintf(stderr, ...)",
    "strverscmp": "a comparison of our own", "tdestroy": "a loop",
    "fopencookie": "funopen (macOS) behind the seam, or open_memstream",
    "unshare": "platform/linux", "setns": "platform/linux",
    "SIGPWR": "nothing", "SIGSTKFLT": "nothing", "SIGPOLL": "SIGIO",
    "EBADFD": "EBADF", "ENOTUNIQ": "nothing",
    "TEMP_FAILURE_RETRY": "a loop on EINTR",
    "MAP_POPULATE": "nothing",
    "get_nprocs": "sysconf(_SC_NPROCESSORS_ONLN)",
}
HEADERS = re.compile(
    r'#\s*include\s*<(linux/[^>]*|asm/[^>]*|bits/[^>]*|gnu/[^>]*|'
    r'netpacket/[^>]*|sys/(prctl|epoll|signalfd|timerfd|eventfd|inotify|'
    r'sendfile|sysinfo|fsuid|sysmacros|capability|personality)\.h|'
    r'(endian|byteswap|features|error|malloc|mcheck|mntent|pty|argp)\.h)>')
PATHS = re.compile(r'"/(proc|sys)(/|")')
WORD = re.compile(r'\b(' + '|'.join(sorted(NAMES, key=len, reverse=True)) +
                  r'|tcpi_[a-z_]+)\b')
GUARD = re.compile(r'\bMCPD_HAVE_[A-Z0-9_]+\b')


def code_lines(text):
    """Each line with its comments blanked; string contents kept (a
    "/proc/..." path is what the check looks for)."""
    out, cur, i, n = [], [], 0, len(text)
    state = None                       # None, '"', "'", '/*'
    while i < n:
        c = text[i]
        if c == '\n':
            out.append(''.join(cur))
            cur = []
            if state == '//':
                state = None
            i += 1
            continue
        if state == '/*':
            if text.startswith('*/', i):
                state = None
                cur.append(' ')
                i += 2
            else:
                i += 1
            continue
        if state == '//':
            i += 1
            continue
        if state in ('"', "'"):
            cur.append(c)
            if c == '\\' and i + 1 < n and text[i + 1] != '\n':
                cur.append(text[i + 1])
                i += 2
                continue
            if c == state:
                state = None
            i += 1
            continue
        if text.startswith('/*', i):
            state = '/*'
            i += 2
            continue
        if text.startswith('//', i):
            state = '//'
            i += 2
            continue
        if c in ('"', "'"):
            state = c
        cur.append(c)
        i += 1
    out.append(''.join(cur))
    return out


def check_file(path, text):
    """The problems in one file, as 'path:line: message' strings."""
    problems = []
    # One frame per open #if: [guard macro or None, guarded branch (1
    # first, 2 #else), current branch, had #else, hits it allowed].
    stack = []
    for no, line in enumerate(code_lines(text), 1):
        pp = re.match(r'\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)',
                      line)
        if pp:
            kw, cond = pp.group(1), pp.group(2)
            if kw in ('if', 'ifdef', 'ifndef'):
                g = GUARD.search(cond)
                neg = kw == 'ifndef' or re.search(r'!\s*(defined\s*\(?\s*)?'
                                                  r'MCPD_HAVE_', cond)
                stack.append([g.group(0) if g else None, 2 if neg else 1,
                              1, False, []])
            elif kw in ('elif', 'else') and stack:
                stack[-1][2] = 2
                stack[-1][3] = True
            elif kw == 'endif' and stack:
                f = stack.pop()
                if f[0] and not f[3]:
                    for hno, what in f[4]:
                        problems.append(
                            "%s:%d: %s is guarded by %s but that #if has "
                            "no #else: say there what happens without it"
                            % (path, hno, what, f[0]))
            # A condition may test a Linux name (its body is then checked
            # line by line); one that assumes glibc or Linux itself is
            # what a feature check replaces.
            g = re.search(r'\b(__GLIBC__|__GLIBC_MINOR__|__linux__|'
                          r'__linux|__gnu_linux__)\b', cond)
            if g and kw != 'else' and kw != 'endif':
                problems.append("%s:%d: #%s on %s: test a feature "
                                "(MCPD_HAVE_..., a CMake check) instead"
                                % (path, no, kw, g.group(1)))
            continue
        hits = [m.group(0) for m in WORD.finditer(line)]
        if HEADERS.search(line):
            hits.append(HEADERS.search(line).group(0))
        if PATHS.search(line):
            hits.append(PATHS.search(line).group(0) + '...')
        for what in hits:
            frame = next((f for f in reversed(stack)
                          if f[0] and f[2] == f[1]), None)
            if frame is not None:
                frame[4].append((no, what))
                continue
            hint = NAMES.get(what)
            if hint is None and what.startswith('tcpi_'):
                hint = NAMES['tcp_info']
            problems.append("%s:%d: %s is Linux/glibc only (not on macOS):"
                            " use %s, or guard it (tests/portable_src.py)"
                            % (path, no, what,
                               hint or "the platform seam (platform/)"))
    return problems


def tree_files(root):
    pats = ['analyze/*.[ch]', 'capture/*.[ch]', 'probes/*.[ch]',
            'bundle/*.[ch]', 'doctor/*.[ch]', 'mcpdiag.c', 'platform/*.h',
            'platform/posix/*.[ch]', 'platform/none/*.[ch]']
    files = []
    for p in pats:
        for f in sorted(glob.glob(os.path.join(root, p))):
            # Unit tests of the platform code run where it is built.
            if not os.path.basename(f).startswith('test_'):
                files.append(f)
    return files


SELFTEST = [
    # (what, source, problems expected)
    ("a bare use", "int f(void) { return pipe2(p, 0); }\n", 1),
    ("a comment only", "/* not pipe2 nor SOCK_CLOEXEC */\n"
     "// nor prctl\nint x;\n", 0),
    ("a string with /* inside", 'const char *a = "*/*"; int s = '
     'socket(2, SOCK_STREAM | SOCK_CLOEXEC, 0);\n', 1),
    ("a /proc path", 'FILE *f = fopen("/proc/net/tcp", "r");\n', 1),
    ("a Linux header", "#include <linux/netlink.h>\n", 1),
    ("a guard with its fallback",
     "#if MCPD_HAVE_PIPE2\n  pipe2(p, O_CLOEXEC);\n#else\n  pipe(p);\n"
     "#endif\n", 0),
    ("a guard without #else",
     "#if MCPD_HAVE_PIPE2\n  pipe2(p, O_CLOEXEC);\n#endif\n", 1),
    ("a use in the fallback branch",
     "#if MCPD_HAVE_PIPE2\n  x();\n#else\n  pipe2(p, 0);\n#endif\n", 1),
    ("a negated guard",
     "#if !MCPD_HAVE_PIPE2\n  pipe(p);\n#else\n  pipe2(p, 0);\n#endif\n",
     0),
    ("a guard by the name itself",
     "#ifdef TCP_INFO\n  struct tcp_info ti;\n#else\n#endif\n", 1),
    ("a nested #if inside a guard",
     "#if MCPD_HAVE_X\n#ifdef A\n  accept4(1, 0, 0, 0);\n#endif\n#else\n"
     "#endif\n", 0),
    ("a longer identifier", "int my_pipe2_count, SOCK_CLOEXECX;\n", 0),
    ("a glibc condition",
     "#if defined(__GLIBC__)\nint x;\n#endif\n", 1),
]


def selftest():
    failed = 0
    for what, src, want in SELFTEST:
        got = check_file("selftest.c", src)
        if len(got) != want:
            print("portable_src: self-test '%s': %d problems, expected %d:"
                  % (what, len(got), want))
            for g in got:
                print("  " + g)
            failed += 1
    # The same through a file, as the tree is read.
    with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as t:
        t.write(SELFTEST[0][1])
    try:
        with open(t.name, encoding='utf-8', errors='replace') as f:
            if len(check_file(t.name, f.read())) != 1:
                print("portable_src: self-test: a file with pipe2 passed")
                failed += 1
    finally:
        os.unlink(t.name)
    return failed


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), '..'))
    failed = 0
    if len(argv) > 1:
        files = argv[1:]
    else:
        failed = selftest()
        files = tree_files(root)
    problems = []
    for path in files:
        with open(path, encoding='utf-8', errors='replace') as f:
            problems += check_file(os.path.relpath(path, root), f.read())
    for p in problems:
        print(p)
    if problems:
        failed += 1
    if failed:
        print("0 passed, 1 failed")
        return 1
    print("portable_src: %d files, no Linux-only call outside a guard"
          % len(files))
    print("1 passed, 0 failed")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
