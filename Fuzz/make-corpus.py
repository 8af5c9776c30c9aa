#!/usr/bin/env python3
"""make-corpus.py - regenerate the seed corpora of Cairn's fuzz targets from real DNS traffic.

    python3 Fuzz/make-corpus.py [--out Fuzz/Corpus] [--knot-port 26353] [--nsd-port 26354]
                                [--proxy-port 26355]

What it does, in order:
  1. Writes the zones embedded below (example.test as in the survey zone and in
     Sources/FuzzAnswer/FuzzZones.swift, its child sub2.example.test, neg.test, and types.test
     with record types Cairn keeps opaque) and configs for Knot and NSD into a fresh temporary
     directory.
  2. Starts knotd on 127.0.0.1:KNOT_PORT and nsd on 127.0.0.1:NSD_PORT, both its own child
     processes, and stops them by pid when done (also on error).
  3. Runs a recording proxy on 127.0.0.1:PROXY_PORT, UDP and TCP: every message a client sends
     is saved, forwarded to Knot (or NSD), and every reply saved on its way back; TCP frames
     are saved without their 2-octet length (so an AXFR gives one file per message).
  4. Queries through the proxy with dig, kdig and drill: EDNS sizes, DO, cookies, NSID, ECS,
     padding, EDNS version 1, TSIG, +tcp, TC fallback, ANY, AXFR, IXFR, CH, 0x20 mixed case...
  5. Sends hand-built queries no tool produces (odd opcodes, two OPTs, OPT in the wrong place,
     records in a query with compressed names, pointer loops, overlong labels, trailing
     octets, ...) to both servers over UDP through the same recorder.
  6. Replaces Corpus/answer/ with every query (the FuzzAnswer seeds) and Corpus/message/ with
     every reply (FuzzMessage is seeded from both directories). Files are named
     TOOL-WHAT-N.query and TOOL-WHAT-N.SERVER (knot or nsd); identical octets are kept once,
     so a reply NSD sends exactly as Knot did appears only as Knot's.

Needs python3 (stdlib only), knotd and nsd (Debian knot, nsd), dig (bind9-dnsutils), kdig
(knot-dnsutils) and drill (ldnsutils). IDs, cookies and TSIG times differ from run to run, so
a rerun rewrites most files; that is expected.
"""
import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

# ----------------------------------------------------------------------------- zones
EXAMPLE_ZONE = r"""$ORIGIN example.test.
$TTL 3600
@        3600 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 3600
@             NS   ns1
@             MX   10 mail
@             CAA  0 issue "ca.example.net"
@        300  TXT  "apex-txt"
ns1           A    192.0.2.1
ns1           AAAA 2001:db8::1
mail          A    192.0.2.60
mail          AAAA 2001:db8::60
_sip._tcp     SRV  10 20 5060 sip
sip           A    192.0.2.61
sip           AAAA 2001:db8::61
txt      600  TXT  "first value"
txt      600  TXT  "second value"
a.b.ent       A    192.0.2.10
*.wild        A    192.0.2.20
*.wild        TXT  "wildcard-txt"
*.wc          CNAME target
target        A    192.0.2.30
c1            CNAME c2
c2            CNAME host
host          A    192.0.2.40
host          AAAA 2001:db8::40
dangling      CNAME nothere
out           CNAME www.other.invalid.
loop1         CNAME loop2
loop2         CNAME loop1
sub      86400 NS  ns.sub
sub           DS   12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub        A    192.0.2.50
ns.sub        AAAA 2001:db8::50
ext           NS   ns.elsewhere.invalid.
sub2          NS   ns1.sub2
sub2          DS   54321 13 2 FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210
ns1.sub2      A    192.0.2.70
a\.b          TXT  "escaped-dot-label"
\200\001bin   A    192.0.2.80
MiXeD         A    192.0.2.81
bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa TXT "name-of-255-octets"
sib           NS   ns.sub.example.test.
sib           NS   host.example.test.
sub3          NS   ns1.sub3
ns1.sub3      A    192.0.2.90
tosub         CNAME x.sub
towild        CNAME foo.wild
tosub2        CNAME www.sub2
toapex        CNAME @
ptr           PTR  host
""" + "".join(
    'big TXT "v%02d-%s"\n' % (i, "x" * 56) for i in range(20)
) + "".join(
    'mid TXT "m%02d-%s"\n' % (i, "z" * 56) for i in range(8)
) + "".join(
    "mx10 MX %d m%d\nm%d A 192.0.2.%d\nm%d AAAA 2001:db8::%d\n" % (i * 10, i, i, 100 + i, i, 100 + i)
    for i in range(1, 11)
) + "".join(
    "bigdel NS ns%d.bigdel\nns%d.bigdel A 192.0.2.%d\nns%d.bigdel AAAA 2001:db8::%d\n" % (i, i, 150 + i, i, 150 + i)
    for i in range(1, 11)
) + "".join(
    "chain%d CNAME chain%d\n" % (i, i + 1) for i in range(12)
) + "chain12 A 192.0.2.12\n" + "t1232 TXT %s\n" % " ".join(['"' + "y" * 230 + '"'] * 5)

SUB2_ZONE = """$ORIGIN sub2.example.test.
$TTL 3600
@        7200 IN SOA ns1.sub2.example.test. hostmaster.sub2.example.test. 1 7200 3600 1209600 300
@             NS   ns1
ns1           A    192.0.2.70
www           A    192.0.2.71
back          CNAME host.example.test.
"""

NEG_ZONE = """$ORIGIN neg.test.
$TTL 3600
@        300 IN SOA ns1.neg.test. hostmaster.neg.test. 1 7200 3600 1209600 7200
@             NS   ns1
ns1           A    192.0.2.90
"""

# Types Cairn's codec keeps as opaque RDATA, so the message corpus has them in responses.
TYPES_ZONE = """$ORIGIN types.test.
$TTL 3600
@        IN SOA ns1.types.test. hostmaster.types.test. 1 7200 3600 1209600 300
@             NS     ns1
ns1           A      192.0.2.9
@             DNSKEY 257 3 13 iOQbf2yI3Lm2MPpb2fEJyJ0UjnVCED2LybwFx/VX+hRfb7zOUwvv7NRSJ5EyH8nEV+1yc/eejhFyDitxkrZDrw==
@             RRSIG  SOA 13 2 3600 20261223110038 20261125110038 61727 types.test. bSq1JA460Fka6+kWYQR9zV4q2WbtmXgVM5TXWMUfZtWEAXgr/CiUgRjlG5Pi/NTqtyJuJ3cgNnuDMZOdhUbwOw==
@             NSEC   ns1.types.test. NS SOA RRSIG NSEC DNSKEY
info          HINFO  "x86" "Linux"
info          LOC    52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
svc           SVCB   1 svc-target.types.test. alpn=h2,h3 port=8443
www           HTTPS  1 . alpn=h2 ipv4hint=192.0.2.7
_443._tcp.www TLSA   3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
host          SSHFP  4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
naptr         NAPTR  100 10 "u" "E2U+sip" "!^.*$!sip:info@example.test!" .
uri           URI    10 1 "https://www.example.test/"
rp            RP     hostmaster.types.test. txt.types.test.
txt           TXT    "a" "" "multi string" "\\000\\255"
dname         DNAME  example.test.
unknown       TYPE65280 \\# 4 DEADBEEF
"""

ZONES = {
    "example.test": EXAMPLE_ZONE,
    "sub2.example.test": SUB2_ZONE,
    "neg.test": NEG_ZONE,
    "types.test": TYPES_ZONE,
}

TSIG_KEY = "hmac-sha256:fuzz-key:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAxMjM0NTY="


# ----------------------------------------------------------------------------- servers
def start_servers(run, knot_port, nsd_port):
    zonedir = os.path.join(run, "zones")
    os.makedirs(zonedir)
    for name, text in ZONES.items():
        with open(os.path.join(zonedir, name + ".zone"), "w") as f:
            f.write(text)
    os.makedirs(os.path.join(run, "knot", "db"))
    os.makedirs(os.path.join(run, "nsd"))
    knot_conf = [
        "server:",
        '    rundir: "%s/knot"' % run,
        "    user: root:root",
        '    pidfile: "%s/knot/knot.pid"' % run,
        "    listen: 127.0.0.1@%d" % knot_port,
        '    identity: "knot-corpus"',
        '    nsid: "knot-corpus"',
        "database:",
        '    storage: "%s/knot/db"' % run,
        "log:",
        "  - target: stderr",
        "    any: warning",
        "key:",
        "  - id: fuzz-key",
        "    algorithm: hmac-sha256",
        "    secret: %s" % TSIG_KEY.split(":")[2],
        "acl:",
        "  - id: transfer",
        "    address: 127.0.0.1",
        "    action: transfer",
        "template:",
        "  - id: default",
        '    storage: "%s"' % zonedir,
        '    file: "%s.zone"',
        "    journal-content: none",
        "    zonefile-load: whole",
        "    zonefile-sync: -1",
        "zone:",
    ]
    for name in ZONES:
        knot_conf.append("  - domain: %s" % name)
        if name == "neg.test":
            knot_conf.append("    acl: transfer")
    with open(os.path.join(run, "knot.conf"), "w") as f:
        f.write("\n".join(knot_conf) + "\n")
    nsd_conf = [
        "server:",
        "    ip-address: 127.0.0.1@%d" % nsd_port,
        "    port: %d" % nsd_port,
        "    server-count: 1",
        '    username: ""',
        '    chroot: ""',
        '    database: ""',
        '    zonesdir: "%s"' % zonedir,
        '    pidfile: "%s/nsd/nsd.pid"' % run,
        '    xfrdfile: "%s/nsd/xfrd.state"' % run,
        '    zonelistfile: "%s/nsd/zone.list"' % run,
        '    xfrdir: "%s/nsd"' % run,
        '    identity: "nsd-corpus"',
        '    nsid: "ascii_nsd-corpus"',
        "    rrl-ratelimit: 0",
        "    minimal-responses: yes",
        "    verbosity: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for name in ZONES:
        if name == "types.test":
            continue  # NSD 4.6 rejects some of its newer types; Knot serves it.
        nsd_conf += ["zone:", '    name: "%s"' % name, '    zonefile: "%s.zone"' % name]
    with open(os.path.join(run, "nsd.conf"), "w") as f:
        f.write("\n".join(nsd_conf) + "\n")
    knot_log = open(os.path.join(run, "knot.log"), "w")
    nsd_log = open(os.path.join(run, "nsd.log"), "w")
    knot = subprocess.Popen(["knotd", "-c", os.path.join(run, "knot.conf")], stdout=knot_log, stderr=knot_log)
    nsd = subprocess.Popen(["nsd", "-d", "-c", os.path.join(run, "nsd.conf")], stdout=nsd_log, stderr=nsd_log)
    procs = [knot, nsd]
    for port, proc in ((knot_port, knot), (nsd_port, nsd)):
        for _ in range(100):
            if proc.poll() is not None:
                stop(procs)
                sys.exit("server on port %d exited; see %s" % (port, run))
            if exchange_udp(("127.0.0.1", port), build_query("neg.test", 6), timeout=0.2):
                break
            time.sleep(0.1)
        else:
            stop(procs)
            sys.exit("server on port %d does not answer; see %s" % (port, run))
    return procs


def stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- recording
class Recorder:
    """Collects (label, kind, octets): kind is "query" or a server name for replies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.label = "unlabelled"
        self.items = []

    def add(self, kind, data):
        with self.lock:
            self.items.append((self.label, kind, bytes(data)))


def exchange_udp(server, query, timeout=2.0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.sendto(query, server)
        return sock.recv(65535)
    except OSError:
        return None
    finally:
        sock.close()


class Proxy:
    """A UDP and TCP proxy on one port that records both directions."""

    def __init__(self, port, recorder):
        self.recorder = recorder
        self.upstream = None  # (name, (host, port)); set per tool run
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(8)
        self.closing = False
        for target in (self.serve_udp, self.serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    def close(self):
        self.closing = True
        self.udp.close()
        self.tcp.close()

    def serve_udp(self):
        while not self.closing:
            try:
                query, client = self.udp.recvfrom(65535)
            except OSError:
                return
            name, server = self.upstream
            self.recorder.add("query", query)
            reply = exchange_udp(server, query)
            if reply is not None:
                self.recorder.add(name, reply)
                self.udp.sendto(reply, client)

    def serve_tcp(self):
        while not self.closing:
            try:
                client, _ = self.tcp.accept()
            except OSError:
                return
            name, server = self.upstream
            try:
                upstream = socket.create_connection(server, timeout=5)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self.pump, args=(client, upstream, "query"), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, name), daemon=True).start()

    def pump(self, source, sink, kind):
        """Copies a DNS-over-TCP stream, recording each length-prefixed message."""
        pending = b""
        try:
            while True:
                data = source.recv(65535)
                if not data:
                    break
                sink.sendall(data)
                pending += data
                while len(pending) >= 2:
                    length = struct.unpack("!H", pending[:2])[0]
                    if len(pending) < 2 + length:
                        break
                    self.recorder.add(kind, pending[2 : 2 + length])
                    pending = pending[2 + length :]
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# ----------------------------------------------------------------------------- building
def name_wire(text):
    """Presentation name to wire form; labels given as bytes are taken as they are."""
    if isinstance(text, bytes):
        return text
    if text in (".", ""):
        return b"\x00"
    out = b""
    for label in text.rstrip(".").split("."):
        raw = label.encode()
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def header(qid=0x2F1C, flags=0x0000, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def opt(size=1232, rcode_high=0, version=0, do=False, options=b"", owner=b"\x00"):
    ttl = (rcode_high << 24) | (version << 16) | (0x8000 if do else 0)
    return owner + struct.pack("!HHIH", 41, size, ttl, len(options)) + options


def option(code, data):
    return struct.pack("!HH", code, len(data)) + data


def question(name, qtype, qclass=1):
    return name_wire(name) + struct.pack("!HH", qtype, qclass)


def record(owner, rtype, rdata, rclass=1, ttl=0):
    return name_wire(owner) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def build_query(name, qtype, qclass=1, flags=0, edns=None, qid=0x2F1C):
    body = question(name, qtype, qclass)
    if edns is None:
        return header(qid, flags) + body
    return header(qid, flags, ar=1) + body + edns


SOA_RDATA = name_wire("ns1.example.test") + name_wire("hostmaster.example.test") + struct.pack("!IIIII", 1, 7200, 3600, 1209600, 300)

# Queries no tool sends: (label, octets). Names chosen to reach different answer rules.
def handmade():
    q = []
    add = lambda label, data: q.append((label, data))
    add("0x20-mixed-case", build_query("hOsT.ExAmPlE.tEsT", 1, edns=opt()))
    add("0x20-wildcard", build_query("FoO.WiLd.ExAmPlE.TeSt", 16, edns=opt()))
    add("0x20-cname-chain", build_query("C1.eXaMpLe.TeSt", 1))
    add("0x20-referral", build_query("X.SuB.eXaMpLe.TeSt", 1, edns=opt(do=True)))
    add("challenge-txt", build_query("_acme-challenge.host.example.test", 16, edns=opt()))
    add("challenge-ent", build_query("host.example.test", 16, edns=opt(size=512)))
    add("challenge-expired", build_query("_acme-challenge.old.example.test", 16))
    add("challenge-wildcard-ent", build_query("_ACME-challenge.foo.wild.example.test", 255, edns=opt()))
    add("challenge-child", build_query("_acme-challenge.www.sub2.example.test", 16, edns=opt()))
    add("chain-too-long", build_query("chain0.example.test", 1, edns=opt()))
    add("ds-at-child-apex", build_query("sub2.example.test", 43, edns=opt(do=True)))
    add("long-name-255", build_query(
        "b" * 48 + "." + "a" * 63 + "." + "a" * 63 + "." + "a" * 63 + ".example.test", 16, edns=opt()))
    add("name-256-octets", build_query(
        "b" * 49 + "." + "a" * 63 + "." + "a" * 63 + "." + "a" * 63 + ".example.test", 16))
    add("binary-label", build_query(b"\x05\x80\x01bin\x07example\x04test\x00", 1))
    add("escaped-dot-label", build_query(b"\x03a.b\x07example\x04test\x00", 16))
    add("root-soa", build_query(".", 6, edns=opt()))
    add("opcode-iquery", build_query("example.test", 1, flags=1 << 11))
    add("opcode-status", build_query("example.test", 1, flags=2 << 11))
    add("opcode-notify", header(flags=(4 << 11) | 0x0400, an=1) + question("example.test", 6) + record("example.test", 6, SOA_RDATA))
    add("opcode-update",
        header(flags=5 << 11, qd=1, an=1, ns=2)
        + question("example.test", 6)
        + record("host.example.test", 255, b"", rclass=255)
        + record("new.example.test", 1, bytes([192, 0, 2, 99]), ttl=300)
        + record("old.example.test", 255, b"", rclass=254))
    add("opcode-15", build_query("example.test", 1, flags=15 << 11, edns=opt()))
    add("qr-set", build_query("example.test", 1, flags=0x8000))
    add("all-flags", build_query("example.test", 1, flags=0x07F0))
    add("qdcount-0", header(qd=0))
    add("qdcount-0-opt", header(qd=0, ar=1) + opt())
    add("qdcount-2", header(qd=2) + question("example.test", 1) + question("host.example.test", 1))
    add("header-only-short", header()[:11])
    add("class-ch-version", build_query("version.bind", 16, qclass=3))
    add("class-none", build_query("example.test", 1, qclass=254))
    add("class-any", build_query("example.test", 1, qclass=255))
    add("type-0", build_query("example.test", 0))
    add("type-65535", build_query("example.test", 65535, edns=opt()))
    add("type-any-wild", build_query("x.wild.example.test", 255))
    add("type-mailb", build_query("example.test", 253))
    add("type-rrsig", build_query("example.test", 46, edns=opt(do=True)))
    add("type-opt-question", build_query("example.test", 41, edns=opt()))
    add("axfr-udp", build_query("example.test", 252))
    add("ixfr-udp-soa", header(ns=1) + question("neg.test", 251) + record("neg.test", 6, SOA_RDATA))
    add("two-opts", header(ar=2) + question("example.test", 1) + opt() + opt(size=4096))
    add("opt-in-answer", header(an=1) + question("example.test", 1) + opt())
    add("opt-in-authority", header(ns=1) + question("example.test", 1) + opt())
    add("opt-owner-not-root", header(ar=1) + question("example.test", 1) + opt(owner=name_wire("example.test")))
    add("opt-owner-compressed", header(ar=1) + question("example.test", 1) + opt(owner=b"\xc0\x14"))
    add("edns-version-1", build_query("example.test", 6, edns=opt(version=1)))
    add("edns-version-255-do", build_query("example.test", 6, edns=opt(version=255, do=True)))
    add("edns-size-0", build_query("big.example.test", 16, edns=opt(size=0)))
    add("edns-size-511", build_query("mid.example.test", 16, edns=opt(size=511)))
    add("edns-size-1233", build_query("t1232.example.test", 16, edns=opt(size=1233)))
    add("edns-size-65535", build_query("mx10.example.test", 15, edns=opt(size=65535)))
    add("edns-extended-rcode", build_query("example.test", 1, edns=opt(rcode_high=1)))
    add("edns-cookie-client", build_query("example.test", 6, edns=opt(options=option(10, bytes(range(8))))))
    add("edns-cookie-bad-length", build_query("example.test", 6, edns=opt(options=option(10, bytes(5)))))
    add("edns-nsid-ecs-padding", build_query("example.test", 6, edns=opt(options=option(3, b"") + option(8, b"\x00\x01\x18\x00\xc0\x00\x02") + option(12, bytes(40)))))
    add("edns-option-truncated", build_query("example.test", 6, edns=opt(options=b"\x00\x0a\x00\x08abc")))
    add("edns-option-unknown", build_query("example.test", 6, edns=opt(options=option(65001, b"\xde\xad"))))
    add("edns-ede-in-query", build_query("example.test", 6, edns=opt(options=option(15, b"\x00\x14hi"))))
    add("answer-record-compressed", header(an=1) + question("host.example.test", 1) + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1]))
    add("additional-ns-compressed", header(ar=2) + question("example.test", 2) + record(b"\xc0\x0c", 2, b"\x03ns1\xc0\x0c", ttl=60) + opt())
    add("additional-soa-compressed", header(ar=1) + question("example.test", 6) + record(b"\xc0\x0c", 6, b"\x03ns1\xc0\x0c\x02hm\xc0\x0c" + struct.pack("!IIIII", 1, 2, 3, 4, 5), ttl=60))
    add("rdata-length-mismatch", header(ar=1) + question("example.test", 1) + record("example.test", 1, bytes(5)))
    add("rdata-beyond-message", header(ar=1) + question("example.test", 1) + name_wire("x") + struct.pack("!HHIH", 1, 1, 0, 200) + bytes(4))
    add("pointer-loop", header() + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
    add("pointer-forward", header() + b"\xc0\x10" + struct.pack("!HH", 1, 1) + b"\x00")
    add("pointer-into-header", header() + b"\xc0\x02" + struct.pack("!HH", 1, 1))
    add("pointer-chain", header(an=3) + question("a.b.c.d.example.test", 1)
        + b"\xc0\x0e" + struct.pack("!HHIH", 1, 1, 0, 0)
        + b"\x01x\xc0\x26" + struct.pack("!HHIH", 1, 1, 0, 0)
        + b"\x01y\xc0\x32" + struct.pack("!HHIH", 1, 1, 0, 0))
    add("label-64", header() + b"\x40" + b"a" * 64 + b"\x00" + struct.pack("!HH", 1, 1))
    add("label-type-extended", header() + b"\x41\x00" + struct.pack("!HH", 1, 1))
    add("label-type-reserved", header() + b"\x80\x00" + struct.pack("!HH", 1, 1))
    add("trailing-octets", build_query("example.test", 1) + b"\x00\x00\x00")
    add("truncated-question", build_query("example.test", 1)[:-2])
    add("count-exceeds-data", header(an=5) + question("example.test", 1))
    add("tsig-fake", header(ar=1) + question("example.test", 6) + record("fuzz-key", 250, name_wire("hmac-sha256") + struct.pack("!HIHH", 0, 0x60000000, 300, 32) + bytes(32) + struct.pack("!HHH", 0x2F1C, 0, 0), rclass=255))
    add("padded-to-512", build_query("example.test", 6, edns=opt(options=option(12, bytes(512 - 12 - 18 - 11 - 4)))))
    return q


# ----------------------------------------------------------------------------- tools
def tool_runs(port):
    """(label, server, argv): dig, kdig and drill queries through the proxy."""
    at = ["@127.0.0.1", "-p", str(port)]
    dig = ["dig", "+time=2", "+tries=1"] + at
    kdig = ["kdig", "+timeout=2", "+retry=0"] + at
    drill = ["drill", "-p", str(port), "@127.0.0.1"]
    runs = [
        ("dig-soa", "knot", dig + ["example.test", "SOA"]),
        ("dig-a-norec", "knot", dig + ["+norec", "host.example.test", "A"]),
        ("dig-mixed-case", "knot", dig + ["HoSt.ExAmPlE.TeSt", "A"]),
        ("dig-mx-additional", "knot", dig + ["example.test", "MX"]),
        ("dig-mx10-bufsize512", "knot", dig + ["+bufsize=512", "mx10.example.test", "MX"]),
        ("dig-srv", "knot", dig + ["_sip._tcp.example.test", "SRV"]),
        ("dig-caa", "knot", dig + ["example.test", "CAA"]),
        ("dig-txt-dnssec", "knot", dig + ["+dnssec", "txt.example.test", "TXT"]),
        ("dig-wildcard", "knot", dig + ["foo.wild.example.test", "TXT"]),
        ("dig-wildcard-cname", "knot", dig + ["x.wc.example.test", "A"]),
        ("dig-cname-chain", "knot", dig + ["c1.example.test", "A"]),
        ("dig-cname-loop", "knot", dig + ["loop1.example.test", "A"]),
        ("dig-cname-dangling", "knot", dig + ["dangling.example.test", "A"]),
        ("dig-cname-out", "knot", dig + ["out.example.test", "A"]),
        ("dig-cname-to-referral", "knot", dig + ["tosub.example.test", "A"]),
        ("dig-nxdomain", "knot", dig + ["nothere.example.test", "A"]),
        ("dig-ent-nodata", "knot", dig + ["b.ent.example.test", "A"]),
        ("dig-referral", "knot", dig + ["www.sub.example.test", "A"]),
        ("dig-referral-bigdel", "knot", dig + ["+bufsize=512", "x.bigdel.example.test", "A"]),
        ("dig-ds", "knot", dig + ["+dnssec", "sub.example.test", "DS"]),
        ("dig-ds-child-apex", "knot", dig + ["sub2.example.test", "DS"]),
        ("dig-any", "knot", dig + ["example.test", "ANY"]),
        ("dig-big-tc", "knot", dig + ["+ignore", "+noedns", "big.example.test", "TXT"]),
        ("dig-big-tc-fallback", "knot", dig + ["big.example.test", "TXT"]),
        ("dig-big-tcp", "knot", dig + ["+tcp", "big.example.test", "TXT"]),
        ("dig-t1232", "knot", dig + ["+bufsize=4096", "t1232.example.test", "TXT"]),
        ("dig-axfr-refused", "knot", dig + ["example.test", "AXFR"]),
        ("dig-axfr", "knot", dig + ["neg.test", "AXFR"]),
        ("dig-ixfr", "knot", dig + ["neg.test", "IXFR=0"]),
        ("dig-edns1", "knot", dig + ["+edns=1", "+noednsneg", "example.test", "SOA"]),
        ("dig-ednsopt", "knot", dig + ["+ednsopt=65001:abcd", "+ednsflags=0x10", "example.test", "NS"]),
        ("dig-subnet", "knot", dig + ["+subnet=192.0.2.0/24", "host.example.test", "A"]),
        ("dig-nsid-expire", "knot", dig + ["+nsid", "+expire", "example.test", "SOA"]),
        ("dig-padding-tcp", "knot", dig + ["+tcp", "+padding=128", "+keepalive", "example.test", "SOA"]),
        ("dig-zflag-adflag-cdflag", "knot", dig + ["+zflag", "+adflag", "+cdflag", "example.test", "A"]),
        ("dig-nocookie-bufsize0", "knot", dig + ["+nocookie", "+bufsize=0", "example.test", "SOA"]),
        ("dig-type65280", "knot", dig + ["unknown.types.test", "TYPE65280"]),
        ("dig-refused", "knot", dig + ["www.other.invalid", "A"]),
        ("dig-tsig", "knot", dig + ["-y", TSIG_KEY, "example.test", "SOA"]),
        ("dig-tsig-unknown-key", "knot", dig + ["-y", "hmac-sha256:nokey:c2VjcmV0", "example.test", "SOA"]),
        ("dig-types-dnskey", "knot", dig + ["+dnssec", "types.test", "DNSKEY"]),
        ("dig-types-any", "knot", dig + ["types.test", "ANY"]),
        ("dig-types-svcb", "knot", dig + ["svc.types.test", "SVCB"]),
        ("dig-types-https", "knot", dig + ["www.types.test", "HTTPS"]),
        ("dig-types-naptr", "knot", dig + ["naptr.types.test", "NAPTR"]),
        ("dig-types-dname", "knot", dig + ["x.dname.types.test", "A"]),
        ("dig-types-loc-hinfo", "knot", dig + ["info.types.test", "LOC"]),
        ("dig-types-txt-multi", "knot", dig + ["txt.types.test", "TXT"]),
        ("dig-nsd-referral", "nsd", dig + ["+dnssec", "x.sub.example.test", "A"]),
        ("dig-nsd-any", "nsd", dig + ["host.example.test", "ANY"]),
        ("dig-nsd-big-tc", "nsd", dig + ["+ignore", "+bufsize=512", "big.example.test", "TXT"]),
        ("dig-nsd-nxdomain", "nsd", dig + ["nothere.neg.test", "A"]),
        ("kdig-soa-nsid", "knot", kdig + ["+nsid", "+bufsize=4096", "example.test", "SOA"]),
        ("kdig-cookie", "knot", kdig + ["+cookie", "host.example.test", "AAAA"]),
        ("kdig-padding", "knot", kdig + ["+padding=256", "mail.example.test", "A"]),
        ("kdig-edns1", "knot", kdig + ["+edns=1", "example.test", "SOA"]),
        ("kdig-ednsopt", "knot", kdig + ["+ednsopt=12:00000000", "+ednsopt=65002", "example.test", "NS"]),
        ("kdig-subnet6", "knot", kdig + ["+subnet=2001:db8::/56", "host.example.test", "AAAA"]),
        ("kdig-flags", "knot", kdig + ["+aaflag", "+tcflag", "+raflag", "+zflag", "+adflag", "+cdflag", "example.test", "A"]),
        ("kdig-tcp-mx", "knot", kdig + ["+tcp", "mx10.example.test", "MX"]),
        ("kdig-axfr", "knot", kdig + ["neg.test", "AXFR"]),
        ("kdig-ixfr", "knot", kdig + ["neg.test", "IXFR=1"]),
        ("kdig-noedns-wild-any", "knot", kdig + ["+noedns", "a.wild.example.test", "ANY"]),
        ("kdig-long-name", "knot", kdig + ["b" * 48 + "." + "a" * 63 + "." + "a" * 63 + "." + "a" * 63 + ".example.test", "TXT"]),
        ("kdig-nsd-expire", "nsd", kdig + ["+expire", "+nsid", "neg.test", "SOA"]),
        ("kdig-nsd-ds", "nsd", kdig + ["+dnssec", "sub2.example.test", "DS"]),
        ("drill-soa", "knot", drill + ["example.test", "SOA"]),
        ("drill-dnssec", "knot", drill + ["-D", "types.test", "DNSKEY"]),
        ("drill-tcp", "knot", drill + ["-t", "c2.example.test", "A"]),
        ("drill-bufsize", "knot", drill + ["-b", "4096", "mid.example.test", "TXT"]),
        ("drill-flags", "knot", drill + ["-o", "CD", "-o", "AD", "host.example.test", "AAAA"]),
        ("drill-reverse", "knot", drill + ["-x", "192.0.2.1"]),
        ("drill-tsig", "knot", drill + ["-y", "fuzz-key:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAxMjM0NTY=:hmac-sha256", "example.test", "SOA"]),
        ("drill-chaos", "knot", drill + ["id.server", "TXT", "CH"]),
        ("drill-nsd-mixed-case", "nsd", drill + ["MiXeD.ExAmPlE.TeSt", "A"]),
    ]
    return runs


# ----------------------------------------------------------------------------- main
def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(here, "Corpus"))
    parser.add_argument("--knot-port", type=int, default=26353)
    parser.add_argument("--nsd-port", type=int, default=26354)
    parser.add_argument("--proxy-port", type=int, default=26355)
    args = parser.parse_args()
    for tool in ("knotd", "nsd", "dig", "kdig", "drill"):
        if shutil.which(tool) is None:
            sys.exit("missing %s (Debian: knot nsd bind9-dnsutils knot-dnsutils ldnsutils)" % tool)

    run = tempfile.mkdtemp(prefix="cairn-corpus-")
    servers = {"knot": ("127.0.0.1", args.knot_port), "nsd": ("127.0.0.1", args.nsd_port)}
    recorder = Recorder()
    procs = start_servers(run, args.knot_port, args.nsd_port)
    proxy = None
    try:
        proxy = Proxy(args.proxy_port, recorder)
        for label, server, argv in tool_runs(args.proxy_port):
            recorder.label = label
            proxy.upstream = (server, servers[server])
            result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
            time.sleep(0.05)  # let the TCP pumps record the last frames
            if result.returncode != 0:
                print("note: %s exited %d: %s" % (label, result.returncode, result.stderr.decode().strip()[:120]))
        for label, query in handmade():
            recorder.label = "hand-" + label
            recorder.add("query", query)
            for name, server in servers.items():
                reply = exchange_udp(server, query, timeout=1.0)
                if reply is not None:
                    recorder.add(name, reply)
    finally:
        if proxy is not None:
            proxy.close()
        stop(procs)
        shutil.rmtree(run, ignore_errors=True)

    write_corpus(args.out, recorder.items)


def write_corpus(out, items):
    """Queries go to answer/, replies to message/ (FuzzMessage is run on both directories)."""
    directories = {"query": os.path.join(out, "answer"), "reply": os.path.join(out, "message")}
    for directory in directories.values():
        os.makedirs(directory, exist_ok=True)
        for entry in os.listdir(directory):
            os.remove(os.path.join(directory, entry))
    seen = set()
    counts = {}
    written = {"query": 0, "reply": 0}
    for label, kind, data in items:
        # Knot and NSD often send the very same octets; keep one copy of anything.
        if data in seen:
            continue
        seen.add(data)
        counts[(label, kind)] = counts.get((label, kind), 0) + 1
        filename = "%s-%d.%s" % (label, counts[(label, kind)], kind)
        target = "query" if kind == "query" else "reply"
        with open(os.path.join(directories[target], filename), "wb") as f:
            f.write(data)
        written[target] += 1
    print("wrote %d queries to %s and %d replies to %s"
          % (written["query"], directories["query"], written["reply"], directories["reply"]))


if __name__ == "__main__":
    main()
