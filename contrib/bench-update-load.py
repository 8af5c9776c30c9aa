#!/usr/bin/env python3
"""The acme-dns /update load the contrib/bench-*.sh scripts share (run by them, with the system
Python for dnspython): `rate` updates per second for `seconds`, spread over the registrations in
`path` and 4 client processes. After each 200 the value is asked for over UDP at every DNS server
given (`host:port`, Cairn and its secondaries): it must be in the first answer of each.

It prints the /update latency (request to 200), the time from each 200 to the first answer that
holds the value (0 when the first query after the 200 finds it), and how many were not found by
that first query, per server.

usage: bench-update-load.py REGISTRATIONS API_PORT RATE SECONDS HOST:PORT...
"""
import http.client, json, multiprocessing, socket, sys, time
import dns.message, dns.rdatatype

path, api_port, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
servers = [(address.rsplit(":", 1)[0], int(address.rsplit(":", 1)[1])) for address in sys.argv[5:]]
registrations = [line.split() for line in open(path)]
workers = 4


def first_visible(udp, server, full, value, acknowledged):
    """Asks `server` for `full` TXT until `value` is there: (delay, found at first, answered)."""
    first = True
    while True:
        query = dns.message.make_query(full, dns.rdatatype.TXT, use_edns=0, payload=1232)
        udp.sendto(query.to_wire(), server)
        answer = None
        try:
            # Answers to earlier queries that timed out may still arrive: only this one counts.
            while answer is None or answer.id != query.id:
                answer = dns.message.from_wire(udp.recv(4096))
        except socket.timeout:
            if time.perf_counter() - acknowledged > 5:
                return None, False, False
            continue
        texts = {b"".join(r.strings).decode() for rrset in answer.answer for r in rrset}
        if value in texts:
            return (0.0 if first else time.perf_counter() - acknowledged), first, True
        if not first and time.perf_counter() - acknowledged > 1:
            return None, False, True
        first = False


def run(index, results):
    mine = registrations[index::workers]
    api = http.client.HTTPConnection("127.0.0.1", api_port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(1)
    interval = workers / rate
    latencies, delays, missed, failed, unanswered = [], [], [0] * len(servers), 0, 0
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        due = start + n * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        user, key, sub, full = mine[n % len(mine)]
        value = f"w{index}n{n}".ljust(43, "x")
        body = json.dumps({"subdomain": sub, "txt": value})
        sent = time.perf_counter()
        api.request("POST", "/update", body=body, headers={"X-Api-User": user, "X-Api-Key": key,
                                                          "Content-Type": "application/json"})
        response = api.getresponse()
        response.read()
        acknowledged = time.perf_counter()
        n += 1
        if response.status != 200:
            failed += 1
            continue
        latencies.append(acknowledged - sent)
        for position, server in enumerate(servers):
            delay, at_first, answered = first_visible(udp, server, full, value, acknowledged)
            if not answered:
                unanswered += 1
            if delay is not None:
                delays.append(delay)
            if not at_first:
                missed[position] += 1
    results.put((latencies, delays, missed, failed, unanswered, n))


if __name__ == "__main__":
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=run, args=(i, results)) for i in range(workers)]
    for p in processes: p.start()
    latencies, delays, missed, failed, unanswered, total = [], [], [0] * len(servers), 0, 0, 0
    for _ in processes:
        l, d, m, f, u, n = results.get()
        latencies += l; delays += d; failed += f; unanswered += u; total += n
        missed = [a + b for a, b in zip(missed, m)]
    for p in processes: p.join()
    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")
    print(f"/update: {total} sent ({total / seconds:.0f}/s), {failed} not 200; latency p50 {pct(latencies, .5):.2f} ms,"
          f" p99 {pct(latencies, .99):.2f} ms, max {pct(latencies, 1):.2f} ms")
    checked = total - failed
    print(f"value visible after its 200: p99 {pct(delays, .99):.3f} ms, max {pct(delays, 1):.3f} ms;"
          f" not in the first answer after the 200: "
          + ", ".join(f"{m} of {checked} at {h}:{p}" for m, (h, p) in zip(missed, servers))
          + f"; {unanswered} probes unanswered for 5 s")
