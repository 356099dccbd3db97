#!/usr/bin/env python3
"""The sudo boundary: what an unprivileged user who may run mcpdiag with
sudo gets from it, and nothing more.

Real sudo, not a simulation: the test creates its own user (with a
supplementary group of its own) and a temporary /etc/sudoers.d rule that
lets that user run only the built mcpdiag, then runs
`runuser -u USER -- sudo -n MCPDIAG ...` inside a network namespace, as
that user would. The user, its group, the sudoers file, the namespace and
every process of the user are removed at the end, also on failure.

Checked, each of which failed before the fix:
- COMMAND holds descriptors 0, 1 and 2 only (not the capture socket, not
  the root helper's pipes) and runs with the user's uid, gid and groups;
- -Z root and -Z another user exit 2;
- -w into a directory only group root may write fails; -w to a FIFO fails
  at once; an existing 0666 file of the user's ends 0600;
- a background grandchild of COMMAND keeps neither mcpdiag nor the root
  helper alive;
- `capture -- /nonexistent` exits 3, `probe ""` exits 2;
- bundle passes all of COMMAND's 100 arguments.

usage: sudo_boundary_test.py MCPDIAG
Exits 77 (skipped) with a printed reason when not root or when sudo,
useradd, runuser or `ip netns` are missing.
"""
import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = None
TMP = None
PY = None          # a python3 the test user may run (not root's own)
USER = None
PORT = 3977
failures = []

# COMMAND's view of itself, written as JSON to argv[1]: its open
# descriptors, its ids, and its siblings (mcpdiag's other children: the
# root helper when it runs).
CHILD = r'''
import json, os, sys
fds = []
for fd in range(1024):
    try:
        os.fstat(fd)
    except OSError:
        continue
    try:
        what = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        what = "?"
    fds.append([fd, what])
ppid = os.getppid()
sibs = []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        st = open("/proc/%s/status" % pid, errors="replace").read()
    except OSError:
        continue
    f = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
    if "PPid" in f and int(f["PPid"].strip()) == ppid:
        sibs.append([int(pid), int(f["Uid"].split()[0])])
json.dump({"fds": fds, "uid": os.getuid(), "gid": os.getgid(),
           "euid": os.geteuid(), "egid": os.getegid(),
           "groups": sorted(os.getgroups()), "siblings": sibs},
          open(sys.argv[1], "w"))
'''


def expect(name, ok, detail=""):
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    if not ok:
        failures.append(name)
        if detail:
            print("     %s" % str(detail)[:3000])


def skip(reason):
    print("SKIP: %s" % reason)
    sys.exit(77)


def user_pids(uid):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat("/proc/" + pid).st_uid == uid:
                out.append(int(pid))
        except OSError:
            pass
    return out


def pids_with(token):
    """Processes whose command line holds `token` (our own paths)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read()
        except OSError:
            continue
        if token.encode() in cmd:
            out.append(int(pid))
    return out


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Setup:
    """The user, its group, the sudoers rule and a namespace; all gone at
    the end whatever happened."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.user = "mcpdsu%d" % tag
        self.group = "mcpdsg%d" % tag
        self.sudoers = "/etc/sudoers.d/mcpdiag-test-%d" % tag
        self.ns = "mcpd-sudo-%d" % os.getpid()
        self.made = []

    def __enter__(self):
        r = subprocess.run(["groupadd", self.group], capture_output=True)
        if r.returncode != 0:
            skip("groupadd: %s" % r.stderr.decode().strip())
        self.made.append("group")
        r = subprocess.run(["useradd", "--no-create-home", "--shell",
                            "/bin/sh", "-G", self.group, self.user],
                           capture_output=True)
        if r.returncode != 0:
            self.__exit__()
            skip("useradd: %s" % r.stderr.decode().strip())
        self.made.append("user")
        # Only the built mcpdiag, without a password, keeping the
        # sanitizers' options; no pty so a timeout can reach it.
        rule = ("Defaults:%s !use_pty, !requiretty\n"
                "Defaults:%s env_keep += \"ASAN_OPTIONS UBSAN_OPTIONS\"\n"
                "%s ALL=(root) NOPASSWD: %s\n"
                % (self.user, self.user, self.user, EXE))
        with open(self.sudoers + ".tmp", "w") as f:
            f.write(rule)
        os.chmod(self.sudoers + ".tmp", 0o440)
        r = subprocess.run(["visudo", "-cf", self.sudoers + ".tmp"],
                           capture_output=True)
        if r.returncode != 0:
            os.unlink(self.sudoers + ".tmp")
            self.__exit__()
            skip("visudo rejects the rule: %s" % r.stdout.decode())
        os.rename(self.sudoers + ".tmp", self.sudoers)
        self.made.append("sudoers")
        r = subprocess.run(["ip", "netns", "add", self.ns],
                           capture_output=True)
        if r.returncode != 0:
            self.__exit__()
            skip("ip netns: %s" % r.stderr.decode().strip())
        self.made.append("ns")
        subprocess.run(["ip", "netns", "exec", self.ns, "ip", "link", "set",
                        "lo", "up"], check=True)
        # A rule naming the port: the firewall-counter helper (the
        # process that keeps root) then runs during every capture.
        subprocess.run(["ip", "netns", "exec", self.ns, "iptables", "-A",
                        "INPUT", "-p", "tcp", "--dport", str(PORT), "-j",
                        "ACCEPT"], capture_output=True)
        return self

    def __exit__(self, *exc):
        if "user" in self.made:
            try:
                uid = pwd.getpwnam(self.user).pw_uid
                kill_pids(user_pids(uid))
            except KeyError:
                pass
        if "ns" in self.made:
            subprocess.run(["ip", "netns", "del", self.ns])
        if "sudoers" in self.made:
            os.unlink(self.sudoers)
        if "user" in self.made:
            subprocess.run(["userdel", self.user], capture_output=True)
        if "group" in self.made:
            subprocess.run(["groupdel", self.group], capture_output=True)


def as_user(s, args, timeout=60, token=None):
    """mcpdiag ARGS through sudo as the test user, in the namespace.
    Returns (rc, stdout, stderr, seconds); rc None after a timeout, when
    everything the run started is killed."""
    out = os.path.join(TMP, "out.txt")
    err = os.path.join(TMP, "err.txt")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
           "NO_COLOR": "1"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    # Output to files, not pipes: a background grandchild holds them.
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.monotonic()
        p = subprocess.Popen(["ip", "netns", "exec", s.ns, "runuser", "-u",
                              s.user, "--", "sudo", "-n", EXE] + args,
                             stdout=fo, stderr=fe, env=env, cwd=TMP,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            if token:
                kill_pids(pids_with(token))
            p.wait()
            rc = None
        secs = time.monotonic() - t0
    return (rc, open(out, errors="replace").read(),
            open(err, errors="replace").read(), secs)


def user_dir(s, name, mode=0o700):
    d = os.path.join(TMP, name)
    os.mkdir(d)
    pw = pwd.getpwnam(s.user)
    os.chown(d, pw.pw_uid, pw.pw_gid)
    os.chmod(d, mode)
    return d


def check_command(s):
    """COMMAND: descriptors 0-2 only, the user's ids and groups; the root
    helper was running beside it (so the other checks mean something)."""
    d = user_dir(s, "cmd")
    script = os.path.join(d, "child.py")
    with open(script, "w") as f:
        f.write(CHILD)
    report = os.path.join(d, "child.json")
    rc, out, err, _ = as_user(s, ["capture", str(PORT), "-q", "--",
                                  PY, "-I", script, report])
    if not os.path.exists(report):
        expect("COMMAND ran", False, "rc=%s %s" % (rc, err))
        return False
    doc = json.load(open(report))
    pw = pwd.getpwnam(s.user)
    groups = sorted(set(os.getgrouplist(s.user, pw.pw_gid)))
    expect("COMMAND holds descriptors 0, 1, 2 only",
           [fd for fd, _ in doc["fds"]] == [0, 1, 2], doc["fds"])
    expect("COMMAND runs as the user (uid, gid)",
           (doc["uid"], doc["euid"], doc["gid"], doc["egid"]) ==
           (pw.pw_uid, pw.pw_uid, pw.pw_gid, pw.pw_gid), doc)
    expect("COMMAND has the user's groups (and only those)",
           doc["groups"] == groups and
           grp.getgrnam(s.group).gr_gid in doc["groups"],
           "%s, want %s" % (doc["groups"], groups))
    helper = [p for p, uid in doc["siblings"] if uid == 0]
    if not helper:
        print("note: no root helper ran beside COMMAND (%s)" %
              err.strip().replace("\n", "; "))
    return bool(helper)


def check_z(s):
    for who in ("root", "nobody"):
        try:
            pwd.getpwnam(who)
        except KeyError:
            continue
        rc, out, err, _ = as_user(s, ["capture", str(PORT), "-Z", who,
                                      "--", "id", "-u"])
        expect("-Z %s under sudo exits 2 with the reason" % who,
               rc == 2 and "-Z %s" % who in err and
               out.strip() not in ("0", str(pwd.getpwnam(who).pw_uid)),
               "rc=%s out=%r err=%r" % (rc, out, err))
    # Real root, no sudo: -Z names whom COMMAND runs as, as documented.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}
    p = subprocess.run(["ip", "netns", "exec", s.ns, EXE, "capture",
                        str(PORT), "-q", "-Z", s.user, "--", "id", "-u"],
                       capture_output=True, env=env, timeout=60)
    expect("real root (no sudo): -Z USER runs COMMAND as USER",
           p.returncode in (0, 1) and p.stdout.decode().split()[:1] ==
           [str(pwd.getpwnam(s.user).pw_uid)],
           "rc=%d %s" % (p.returncode, p.stderr.decode()))
    rc, out, err, _ = as_user(s, ["capture", str(PORT), "-Z", s.user, "-q",
                                  "--", "id", "-u"])
    expect("-Z naming the sudo user itself is fine",
           rc in (0, 1) and out.strip().splitlines()[:1] ==
           [str(pwd.getpwnam(s.user).pw_uid)],
           "rc=%s out=%r err=%r" % (rc, out, err))


def check_write(s):
    # A directory only group root may write (owner nobody-like: root
    # writes by group only). Root's own groups used to open it.
    d = os.path.join(TMP, "rootgroup")
    os.mkdir(d)
    os.chown(d, 65534, 0)
    os.chmod(d, 0o070 | 0o005)
    target = os.path.join(d, "x.pcap")
    rc, out, err, _ = as_user(s, ["capture", str(PORT), "-w", target,
                                  "--passive", "--duration", "1"])
    expect("-w into a directory only group root may write fails",
           rc == 3 and not os.path.exists(target),
           "rc=%s exists=%s err=%r" % (rc, os.path.exists(target), err))

    # Another user's FIFO: no reader, so opening it for writing blocks.
    fifo = os.path.join(TMP, "fifo.pcap")
    os.mkfifo(fifo)
    os.chmod(fifo, 0o666)
    rc, out, err, secs = as_user(s, ["capture", str(PORT), "-w", fifo,
                                     "--passive", "--duration", "1"],
                                 timeout=15, token=fifo)
    expect("-w to a FIFO fails at once (exit 3)",
           rc == 3 and secs < 10, "rc=%s after %.1fs err=%r" %
           (rc, secs, err))

    ud = user_dir(s, "w", 0o755)
    old = os.path.join(ud, "old.pcap")
    with open(old, "w") as f:
        f.write("old")
    pw = pwd.getpwnam(s.user)
    os.chown(old, pw.pw_uid, pw.pw_gid)
    os.chmod(old, 0o666)
    rc, out, err, _ = as_user(s, ["capture", str(PORT), "-w", old,
                                  "--passive", "--duration", "1"])
    st = os.stat(old)
    expect("an existing 0666 -w file of the user's ends 0600",
           rc in (0, 1) and st.st_mode & 0o777 == 0o600 and
           st.st_uid == pw.pw_uid and st.st_size >= 24,
           "rc=%s mode=%o size=%d err=%r" % (rc, st.st_mode & 0o777,
                                              st.st_size, err))


def check_grandchild(s, helper_ran):
    token = "20.%05d" % (os.getpid() % 100000)   # seconds, and a mark
    rc, out, err, secs = as_user(s, ["capture", str(PORT), "-q", "--",
                                     "sh", "-c", "sleep %s &" % token],
                                 timeout=40)
    left = [p for p in pids_with(EXE) if p != os.getpid()]
    expect("a background grandchild does not keep mcpdiag alive",
           rc is not None and secs < 8, "rc=%s after %.1fs%s err=%r" %
           (rc, secs, "" if helper_ran else " (no helper ran)", err))
    expect("no mcpdiag process (root helper) is left after the report",
           not left, "left: %s" % left)
    kill_pids(pids_with("sleep " + token) + pids_with(token))


def check_args(s):
    rc, out, err, _ = as_user(s, ["capture", str(PORT), "--",
                                  "/nonexistent/mcpd-no-such-command"])
    expect("capture -- /nonexistent exits 3 with 'cannot run'",
           rc == 3 and "cannot run /nonexistent/mcpd-no-such-command:"
           in err, "rc=%s err=%r" % (rc, err))
    for cmd in ("probe", "capture"):
        p = subprocess.run(["ip", "netns", "exec", s.ns, EXE, cmd, ""],
                           capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        expect("%s \"\" exits 2" % cmd, p.returncode == 2,
               "rc=%d %s" % (p.returncode, p.stderr.decode()))

    d = user_dir(s, "bundle")
    counted = os.path.join(d, "argc")
    words = ["a%d" % i for i in range(99)]
    script = ("import sys; open(%r, 'w').write(str(len(sys.argv) - 1))"
              % counted)
    # python3 -c SCRIPT: sys.argv is ['-c', ...]; COMMAND's arguments
    # are -c, SCRIPT and the 98 words after: 100 in all.
    rc, out, err, _ = as_user(s, ["bundle", str(PORT), "-q", "--timeout",
                                  "1", "-o", os.path.join(d, "b.tar.gz"),
                                  "--", PY, "-c", script]
                              + words[:98], timeout=120)
    n = open(counted).read() if os.path.exists(counted) else "none"
    expect("bundle passes all 100 of COMMAND's arguments",
           n == "98" and os.path.exists(os.path.join(d, "b.tar.gz")),
           "rc=%s count=%s err=%r" % (rc, n, err[-800:]))


def check_read(s):
    """analyze and bundle --inspect read files as the user who ran sudo:
    a sudoers rule for mcpdiag is no way to read root's files."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "pcaps", "closed-http-nano.pcap")
    secret = os.path.join(TMP, "root-only.pcap")
    mine = os.path.join(user_dir(s, "read"), "mine.pcap")
    for path, owner in ((secret, 0), (mine, pwd.getpwnam(s.user).pw_uid)):
        shutil.copyfile(src, path)
        os.chown(path, owner, -1)
        os.chmod(path, 0o600)
    rc, out, err, _ = as_user(s, ["analyze", secret])
    expect("sudo analyze of a root-only file: exit 3, permission denied",
           rc == 3 and "ermission denied" in err and "CLOSED" not in out,
           "rc=%s err=%r" % (rc, err))
    rc, out, err, _ = as_user(s, ["bundle", "--inspect", secret])
    expect("sudo bundle --inspect of a root-only file: exit 3",
           rc == 3 and "ermission denied" in err, "rc=%s err=%r" % (rc, err))
    rc, out, err, _ = as_user(s, ["analyze", mine])
    expect("sudo analyze of the user's own file works",
           rc == 0 and "CLOSED" in out, "rc=%s err=%r" % (rc, err))


def main():
    global EXE, TMP, PY
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    EXE = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        skip("needs root (it creates a user and a sudoers rule)")
    for tool in ("sudo", "visudo", "useradd", "groupadd", "runuser", "ip",
                 "iptables"):
        if shutil.which(tool) is None:
            skip("%s is missing (tests/install-deps.sh installs it)" % tool)
    PY = shutil.which("python3", path="/usr/bin:/bin")
    if PY is None:
        skip("no system python3 in /usr/bin or /bin for the test user")
    # The user must reach the binary through its directories.
    d = os.path.dirname(EXE)
    while d != "/":
        if os.stat(d).st_mode & 0o001 == 0:
            skip("%s is not searchable by other users" % d)
        d = os.path.dirname(d)
    TMP = tempfile.mkdtemp(prefix="mcpd-sudo-")
    os.chmod(TMP, 0o755)
    try:
        with Setup() as s:
            r = subprocess.run(["runuser", "-u", s.user, "--", "sudo", "-n",
                                EXE, "--help"], capture_output=True,
                               timeout=30)
            if r.returncode != 0:
                skip("sudo does not run here: %s" %
                     r.stderr.decode().strip())
            helper_ran = check_command(s)
            check_z(s)
            check_write(s)
            check_grandchild(s, helper_ran)
            check_args(s)
            check_read(s)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print("%d failed: %s" % (len(failures), ", ".join(failures)))
        sys.exit(1)
    print("all passed")


if __name__ == "__main__":
    main()
