#!/usr/bin/env bash
# `make link-order`: rewrites contrib/link-order.txt, the order in which the release link lays out
# cairn's functions (Package.swift passes it to lld as --symbol-ordering-file). The release binary
# runs under callgrind in three phases: start-up (a 10,000-record zone file and 1,000 stored
# names), DNS over UDP and TCP, and hook API registrations and updates. The functions seen running
# are listed phase by phase, DNS first, then the API, then what start-up alone ran; the busiest
# first within a phase. Laid out so, the code serving runs sits on few pages, and start-up's
# together after it: the kernel maps up to 64 KiB around each page a process first touches, so
# scattered code costs RSS. Run it after changes to the answer path or start-up; a stale list only
# places new functions elsewhere.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/contrib/bench-common.sh"
require_tools link-order valgrind callgrind_control dnsperf curl python3 strip nm
# Linked with .rodata writable (Package.swift says why valgrind needs it); the functions are the same.
cairn=$(CAIRN_LINK_FOR_VALGRIND=1 release_cairn "$root")
work=$(mktemp -d)
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# valgrind 3.19 cannot read the DWARF 5 the toolchain writes: profile a copy without it.
strip --strip-debug -o "$work/cairn" "$cairn"
mkdir -p "$work/zones"
write_bench_zone "$work/zones"
python3 - "$work/zones/example.test.zone" <<'PY'
import sys
with open(sys.argv[1], "w") as zone:
    zone.write("$ORIGIN example.test.\n@ 3600 IN SOA ns1 hostmaster 1 3600 600 1209600 60\n@ 3600 IN NS ns1\n")
    zone.write("ns1 3600 IN A 127.0.0.1\n*.wild 300 IN A 192.0.2.2\nwww 300 IN CNAME ns1\n")
    for i in range(10_000):
        zone.write(f"txt{i} 300 IN TXT \"value {i}\"\n")
PY
seed_store "$work/cairn" "$work/zones" 1000 "$work/state"
bench_queries 1000 >"$work/queries.txt"
python3 - >>"$work/queries.txt" <<'PY'
for i in range(0, 10_000, 7):
    print(f"txt{i}.example.test TXT")
    print(f"nothere{i}.example.test A")
    print(f"host{i}.wild.example.test A")
print("example.test SOA\nexample.test NS\nwww.example.test A\nexample.test ANY\nexample.test AXFR")
PY
dns_port=$(free_port)
api_port=$(free_port)
CAIRN_API_AUTH_ZONE=auth.bench.test valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
    "$work/cairn" serve --zones "$work/zones" --state-dir "$work/state" --log-level warning \
    --listen "127.0.0.1:$dns_port" --api-listen "127.0.0.1:$api_port" >"$work/serve.log" 2>&1 &
pid=$!
# Start-up under callgrind runs some 50 times slower than natively.
WAIT_FOR_SECONDS=60 wait_for curl -sf "http://127.0.0.1:$api_port/health" || { cat "$work/serve.log" >&2; exit 1; }
callgrind_control --dump=start-up "$pid" >/dev/null 2>&1
dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries.txt" -l 10 -Q 1000 >/dev/null
dnsperf -s 127.0.0.1 -p "$dns_port" -m tcp -d "$work/queries.txt" -l 5 -Q 500 >/dev/null
callgrind_control --dump=dns "$pid" >/dev/null 2>&1
register_many "$api_port" 10 "$work/registrations.txt"
while read -r user password subdomain _; do
    for value in AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB; do
        curl -sf -X POST "http://127.0.0.1:$api_port/update" -H "X-Api-User: $user" -H "X-Api-Key: $password" \
            -d "{\"subdomain\":\"$subdomain\",\"txt\":\"$value\"}" >/dev/null
    done
done <"$work/registrations.txt"
curl -sf "http://127.0.0.1:$api_port/metrics" >/dev/null
kill -TERM "$pid"
wait "$pid" || true
pid=
ls -l "$work"/callgrind.out*
python3 "$root/contrib/link-order.py" "$cairn" "$work/callgrind.out.2" "$work/callgrind.out" "$work/callgrind.out.1" \
    >"$root/contrib/link-order.txt"
# SwiftPM does not know the binary depends on the list: remove it, so the next build links again.
rm -f "$cairn"
echo "wrote contrib/link-order.txt ($(wc -l <"$root/contrib/link-order.txt") functions); make release links with it"
