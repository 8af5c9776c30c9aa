#!/usr/bin/python3
"""The legitimate client of `make attack`: `rate` queries a second for `seconds` from `source`
(a loopback address standing for another prefix) to 127.0.0.1:`port`, each waited for up to
one second, names taken round robin from the `names` file (`name TYPE` per line). Prints one
JSON object: sent, answered (in full), truncated, lost, p50 and p99 latency in ms."""
import json, socket, sys, time
import dns.flags, dns.message, dns.rdatatype

port, rate, seconds, source, names_path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
names = [line.split() for line in open(names_path) if line.strip()]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((source, 0))
sock.settimeout(1.0)
latencies, answered, truncated, lost, sent = [], 0, 0, 0, 0
start = time.monotonic()
while time.monotonic() - start < seconds:
    due = start + sent / rate
    pause = due - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    name, qtype = names[sent % len(names)]
    query = dns.message.make_query(name, dns.rdatatype.from_text(qtype), use_edns=True)
    query.flags = 0
    sent += 1
    began = time.monotonic()
    sock.sendto(query.to_wire(), ("127.0.0.1", port))
    while True:
        try:
            data, _ = sock.recvfrom(4096)
        except socket.timeout:
            lost += 1
            break
        response = dns.message.from_wire(data, ignore_trailing=True) if len(data) >= 12 else None
        if response is None or response.id != query.id:
            continue
        latencies.append((time.monotonic() - began) * 1000)
        if response.flags & dns.flags.TC:
            truncated += 1
        else:
            answered += 1
        break
latencies.sort()
def pct(p):
    return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 3) if latencies else None
print(json.dumps({"sent": sent, "answered": answered, "truncated": truncated, "lost": lost,
                  "p50_ms": pct(0.50), "p99_ms": pct(0.99), "rate": round(answered / seconds, 1)}))
