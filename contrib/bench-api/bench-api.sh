#!/usr/bin/env bash
# Durable acme-dns /update throughput of `cairn serve` (release build): 32 concurrent
# connections with wrk, every 200 after an fsync'd SQLite commit (WAL, synchronous=FULL)
# and the new DNS snapshot swapped in. Then the CPU cost of one bcrypt-10 check, measured in
# the same server through imported acme-dns credentials (the first /update of an imported
# key verifies bcrypt and replaces the hash; acme-dns pays that on every update).
#
# Usage: contrib/bench-api/bench-api.sh [seconds]   (needs wrk, sqlite3, python3, curl)
set -euo pipefail
SECONDS_TO_RUN=${1:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CAIRN=${CAIRN:-$ROOT/.build/release/cairn}
WORK=$(mktemp -d /tmp/cairn-bench-api.XXXXXX)
DNS_PORT=${DNS_PORT:-25353}
API_PORT=${API_PORT:-28053}
# The benchmark registers its accounts from loopback faster than the default per-source limit.
export CAIRN_API_AUTH_ZONE=auth.bench.test CAIRN_LOG_LEVEL=warning CAIRN_API_REGISTER_PER_MINUTE=100000 CAIRN_API_UPDATES_PER_MINUTE=100000000
mkdir -p "$WORK/zones"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# Imported acme-dns registrations for the bcrypt measurement (hashes made with libxcrypt).
BCRYPT_USERS=20
python3 - "$WORK/acme-dns.db" "$BCRYPT_USERS" "$WORK/imported.txt" <<'PY'
import crypt, sqlite3, sys, uuid, secrets, string
db, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
alphabet = string.ascii_letters + string.digits + "-_"
con = sqlite3.connect(db)
con.executescript("""
CREATE TABLE acmedns(Name TEXT, Value TEXT);
CREATE TABLE records(Username TEXT UNIQUE NOT NULL PRIMARY KEY, Password TEXT UNIQUE NOT NULL,
  Subdomain TEXT UNIQUE NOT NULL, AllowFrom TEXT);
CREATE TABLE txt(Subdomain TEXT NOT NULL, Value TEXT NOT NULL DEFAULT '', LastUpdate INT);
INSERT INTO acmedns VALUES('db_version','1');""")
with open(out, "w") as f:
    for _ in range(count):
        user, sub = str(uuid.uuid4()), str(uuid.uuid4())
        pw = "".join(secrets.choice(alphabet) for _ in range(40))
        salt = "".join(secrets.choice("./" + string.ascii_letters + string.digits) for _ in range(22))
        con.execute("INSERT INTO records VALUES(?,?,?,?)", (user, crypt.crypt(pw, "$2b$10$" + salt).encode(), sub, "[]"))
        f.write(f"{user} {pw} {sub}\n")
con.commit()
PY
"$CAIRN" import acme-dns "$WORK/acme-dns.db" --state-dir "$WORK/state" --zones "$WORK/zones" >/dev/null

"$CAIRN" serve --state-dir "$WORK/state" --zones "$WORK/zones" --listen 127.0.0.1:$DNS_PORT \
    --api-listen 127.0.0.1:$API_PORT 2>"$WORK/cairn.log" &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$API_PORT/health" >/dev/null && break; sleep 0.1; done

# 64 registrations to spread the updates over.
: >"$WORK/registrations.txt"
for _ in $(seq 64); do
    curl -s -X POST "http://127.0.0.1:$API_PORT/register" | python3 -c \
        'import json,sys; d=json.load(sys.stdin); print(d["username"], d["password"], d["subdomain"])' \
        >>"$WORK/registrations.txt"
done

echo "== durable /update, 32 connections, ${SECONDS_TO_RUN}s (cairn $(git -C "$ROOT" rev-parse --short HEAD), $(nproc) cores)"
REGISTRATIONS="$WORK/registrations.txt" wrk -t 4 -c 32 -d "${SECONDS_TO_RUN}s" --latency \
    -s "$HERE/update.lua" "http://127.0.0.1:$API_PORT" | grep -E "Requests/sec|non-200|p50|Latency|requests in"
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E "^cairn_store_commit_changes_(sum|count)" | tr '\n' ' '
echo

echo "== bcrypt cost 10: first /update of each of $BCRYPT_USERS imported keys (bcrypt check) vs their second (SHA-256)"
python3 - "$WORK/imported.txt" "$API_PORT" <<'PY'
import sys, time, urllib.request, statistics
path, port = sys.argv[1], int(sys.argv[2])
def update(user, pw, sub, txt):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/update", method="POST",
        data=('{"subdomain":"%s","txt":"%s"}' % (sub, txt)).encode(),
        headers={"X-Api-User": user, "X-Api-Key": pw})
    t = time.perf_counter(); urllib.request.urlopen(req).read(); return time.perf_counter() - t
first, second = [], []
for i, line in enumerate(open(path)):
    user, pw, sub = line.split()
    first.append(update(user, pw, sub, ("f%02d" % i).ljust(43, "x")))
    second.append(update(user, pw, sub, ("s%02d" % i).ljust(43, "x")))
m1, m2 = statistics.median(first), statistics.median(second)
print(f"median first update {m1*1000:.1f} ms, second {m2*1000:.1f} ms: one bcrypt-10 check costs ~{(m1-m2)*1000:.1f} ms of CPU"
      f" (~{1/(m1-m2):.0f} checks/s per core)")
PY
