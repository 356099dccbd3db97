#!/usr/bin/env python3
"""Every capture in the public corpus (tcpdump's and Zeek's test traces,
kept beside the checkout in shared/pcaps-public) is analysed without
error: exit 0 or 1, one valid JSON document that agrees with itself, and
nothing on stderr.

Some files also carry what they must show (EXPECT below): connections
that only a particular decoder finds.

usage: public_pcaps.py MCPDIAG CORPUS_DIR
Exits 77 (ctest: skipped) with a printed reason when the corpus is absent.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402


# file -> connections it must contain (subset of each record's keys).
EXPECT = {
    # Zeek's trace: one connection behind 802.1Q (VLAN 4093), one behind
    # an MPLS label (ethertype 0x8847, label 29, bottom of stack), one
    # untagged. The MPLS one holds the client's packets only.
    "zeek/mixed-vlan-mpls.pcap": [
        {"client": {"addr": "10.1.2.1", "port": 11001},
         "server": {"addr": "10.34.0.1", "port": 23},
         "verdict": "CLOSED", "one_sided": True},
        {"client": {"addr": "10.20.80.1", "port": 50343},
         "server": {"addr": "10.0.0.15", "port": 80},
         "verdict": "CLOSED"},
        {"client": {"addr": "141.42.64.125", "port": 56730},
         "server": {"addr": "125.190.109.199", "port": 80},
         "verdict": "CLOSED"},
    ],
    # A SYN answered by a bare ACK (ack 0, not ISN+1), then the client's
    # RST: the client rejected the answer (answer_rejected).
    "zeek/tcp/syn-then-ack-then-rst.pcap": [
        {"client": {"addr": "1.1.1.1", "port": 13131},
         "server": {"addr": "1.1.1.2", "port": 31313},
         "verdict": "HALF_OPEN", "reset_by": "client"},
    ],
}


# file -> the diagnosis it must give.
EXPECT_CAUSE = {
    # HTTP sent to an SSH server, whose banner comes first.
    "zeek/http/http-to-ssh.pcap": "port_in_use_by_other",
    "zeek/tls/https-to-http.pcap": "wrong_protocol",
    "zeek/tcp/syn-then-ack-then-rst.pcap": "answer_rejected",
}


def missing(doc, rel):
    """The expected connections of file `rel` that the report lacks."""
    out = []
    for want in EXPECT.get(rel, []):
        if not any(all(c.get(k) == v for k, v in want.items())
                   for c in doc["connections"]):
            out.append(want)
    return out


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus):
        print("SKIP: no public capture corpus at %s" % corpus)
        sys.exit(77)
    files = []
    for root, _, names in os.walk(corpus):
        files += [os.path.join(root, n) for n in names
                  if n.endswith((".pcap", ".pcapng"))]
    failed = 0
    for path in sorted(files):
        rel = os.path.relpath(path, corpus)
        p = subprocess.run([exe, "analyze", path, "--json"],
                           capture_output=True, timeout=120,
                           env=dict(os.environ, LC_ALL="C"))
        why = None
        if p.returncode not in (0, 1):
            why = "exit %d: %s" % (p.returncode, p.stderr.decode()[:300])
        elif p.stderr:
            why = "stderr: %s" % p.stderr.decode()[:300]
        else:
            try:
                doc = json.loads(p.stdout)
                errs = schema_check.validate(doc)
                if errs:
                    why = "schema: " + "; ".join(errs[:3])
                elif doc["summary"]["connections"] != len(doc["connections"]):
                    why = "summary count differs from connections"
                elif EXPECT_CAUSE.get(rel, doc["diagnosis"]["cause"]) != \
                        doc["diagnosis"]["cause"]:
                    why = "diagnosis %s, want %s" % (doc["diagnosis"]["cause"],
                                                     EXPECT_CAUSE[rel])
                elif missing(doc, rel):
                    why = "expected connection not found: %r" % missing(
                        doc, rel)
            except ValueError as e:
                why = "not JSON: %s" % e
        if why:
            failed += 1
            print("FAIL: %s: %s" % (rel, why))
        else:
            print("ok: %s: %s" % (rel, doc["summary"]["verdicts"]))
    for rel in list(EXPECT) + list(EXPECT_CAUSE):
        if not os.path.exists(os.path.join(corpus, rel)):
            failed += 1
            print("FAIL: %s: expected in the corpus, not there" % rel)
    print("%d passed, %d failed" % (len(files) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
