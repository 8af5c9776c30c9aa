#!/usr/bin/python3
"""The hostile traffic of `make attack`, against 127.0.0.1:PORT for SECONDS, each kind from its
own loopback addresses (Linux routes 127.0.0.0/8 to lo), all at once:

  garbage     UDP from 127.0.3.1: random bytes, truncated headers, a compression loop, QR=1,
              QDCOUNT 65535, 2,000 a second
  idle        1,000 TCP connections from 127.0.4.1-127.0.19.1 (64 each) that never send
  trickle     50 TCP connections from 127.0.20.1 sending a query one byte a second
  nonreader   20 TCP connections from 127.0.21.1 pipelining queries as fast as the socket takes
              them and never reading an answer
  pipeline    one connection from 127.0.22.1 sending 20,000 queries at once, then reading

and, meanwhile, a legitimate TCP client from 127.0.23.1: a fresh connection and one query
twice a second, from the second second on.

Prints one JSON object with what each kind achieved (connections held at the end, answers
read, bytes the non-readers got written)."""
import asyncio, json, os, random, socket, struct, sys, time
import dns.message

port, seconds = int(sys.argv[1]), float(sys.argv[2])
stats = {"tcp_legit_tried": 0, "tcp_legit_answered": 0, "garbage_sent": 0, "idle_opened": 0, "idle_open_at_end": 0, "trickle_open_at_end": 0,
         "nonreader_bytes_sent": 0, "pipeline_sent": 0, "pipeline_answered": 0}
query = dns.message.make_query("host1.attack.test", "A").to_wire()
framed = struct.pack("!H", len(query)) + query

def garbage_packets():
    rnd = random.Random(3)
    header = bytearray(query[:12])
    loop = bytes(header[:4]) + b"\x00\x01\x00\x00\x00\x00\x00\x00" + b"\xc0\x0c\x00\x01\x00\x01"
    qr = bytes([query[0], query[1], query[2] | 0x80]) + query[3:]
    huge = query[:4] + b"\xff\xff" + query[6:]
    while True:
        kind = rnd.randrange(5)
        if kind == 0:
            yield bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 600)))
        elif kind == 1:
            yield query[:rnd.randrange(1, len(query))]
        elif kind == 2:
            yield loop
        elif kind == 3:
            yield qr
        else:
            yield huge

async def garbage(deadline):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.3.1", 0))
    sock.setblocking(False)
    packets = garbage_packets()
    while time.monotonic() < deadline:
        for _ in range(20):
            try:
                sock.sendto(next(packets), ("127.0.0.1", port))
                stats["garbage_sent"] += 1
            except BlockingIOError:
                pass
        await asyncio.sleep(0.01)

async def connect(source):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))

async def idle(deadline):
    conns = []
    for prefix in range(4, 20):
        for _ in range(64):
            try:
                conns.append(await asyncio.wait_for(connect(f"127.0.{prefix}.1"), 2))
                stats["idle_opened"] += 1
            except Exception:
                pass
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    stats["idle_open_at_end"] = sum(1 for r, w in conns if not r.at_eof())
    for _, w in conns:
        w.close()

async def trickle(deadline):
    async def one():
        try:
            reader, writer = await connect("127.0.20.1")
            for byte in framed:
                if time.monotonic() >= deadline:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
            alive = not reader.at_eof()
            writer.close()
            return alive
        except Exception:
            return False
    results = await asyncio.gather(*(one() for _ in range(50)))
    stats["trickle_open_at_end"] = sum(results)

async def nonreader(deadline):
    async def one():
        try:
            reader, writer = await connect("127.0.21.1")
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            while time.monotonic() < deadline:
                writer.write(framed * 100)
                try:
                    await asyncio.wait_for(writer.drain(), 1)
                    stats["nonreader_bytes_sent"] += len(framed) * 100
                except asyncio.TimeoutError:
                    await asyncio.sleep(0.5)
            writer.close()
        except Exception:
            pass
    await asyncio.gather(*(one() for _ in range(20)))

async def pipeline(deadline):
    try:
        reader, writer = await connect("127.0.22.1")
        writer.write(framed * 20000)
        stats["pipeline_sent"] = 20000
        await writer.drain()
        while time.monotonic() < deadline and stats["pipeline_answered"] < 20000:
            length = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 5))[0]
            await reader.readexactly(length)
            stats["pipeline_answered"] += 1
        writer.close()
    except Exception:
        pass

async def tcp_legit(deadline):
    # A resolver falling back to TCP: a fresh connection from another prefix twice a second.
    await asyncio.sleep(2)  # once the idle connections are open
    while time.monotonic() < deadline:
        stats["tcp_legit_tried"] += 1
        try:
            reader, writer = await asyncio.wait_for(connect("127.0.23.1"), 2)
            writer.write(framed)
            length = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 2))[0]
            await asyncio.wait_for(reader.readexactly(length), 2)
            stats["tcp_legit_answered"] += 1
            writer.close()
        except Exception:
            pass
        await asyncio.sleep(0.5)

async def main():
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        garbage(deadline), idle(deadline), trickle(deadline), nonreader(deadline), pipeline(deadline),
        tcp_legit(deadline))
    print(json.dumps(stats))

asyncio.run(main())
