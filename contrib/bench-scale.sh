#!/usr/bin/env bash
# The data plane at scale (issue "Data plane at internet scale"): N owned challenge names with
# one TXT value each, 90 % labels in the auth zone (CNAME delegation, acme-dns style) and 10 %
# synthesized `_acme-challenge.<domain>` zones (NS delegation), written straight into a fresh
# store; then a release `cairn serve` is started on it.
#
# It reports: the time from exec to the first DNS answer for the auth zone's SOA (static data,
# answered while the table is restored), the time until a stored name's TXT value is answered
# (the table restored), the "challenge table rebuilt" duration Cairn logs, the time until the
# expiry index is built after it ("expiry index built"), the peak RSS, the RSS right after the
# restore and once the index is built, the RSS per name (index included) over an empty store's,
# and the server's CPU per query at a fixed rate of queries for random stored names (dnsperf;
# BENCH_QPS, default 20000), measured once the index is built; then two reloads (SIGHUP), with the
# zone files unchanged and with one changed: their durations and the RSS after each, and how many
# names the second left to index again.
#
# usage: contrib/bench-scale.sh [N ...] [-- PATH-TO-CAIRN]   (default N: 10000 100000 1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes=()
cairn=""
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then cairn=${2:-}; break; fi
    sizes+=("$1")
    shift
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
for tool in dig python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "bench-scale: $tool is missing (make deps)" >&2; exit 1; }
done
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
[ -n "$cairn" ] || cairn=$(release_cairn "$root")

work=$(mktemp -d /tmp/cairn-bench-scale.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi' EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

write_bench_zone "$work/zones"

# CPU microseconds per query of process $1 on port $2 at a fixed $qps queries/s of random stored
# names' TXT (10 s, after 3 s of warm-up), or "-" without dnsperf.
qps=${BENCH_QPS:-20000}
cpu_per_query() {
    local pid=$1 port=$2 count=$3 before after completed
    command -v dnsperf >/dev/null || { echo "-"; return; }
    bench_queries "$count" >"$work/queries-$count.txt"
    dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-$count.txt" -l 3 -Q "$qps" >/dev/null 2>&1
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    completed=$(dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries-$count.txt" -l 10 -Q "$qps" 2>&1 |
        awk '/Queries completed/ {print $3}')
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    echo "scale=2; ($after - $before) * 1000000 / $(getconf CLK_TCK) / ${completed:-1}" | bc
}

printf '%-9s %9s %10s %12s %9s %9s %11s %9s %10s %10s %18s %18s %10s\n' names "SOA (s)" "TXT (s)" "rebuild" \
    "index (s)" "peak MB" "restored MB" "RSS MB" "B/name" "us/q@$qps" "reload/RSS" "zone-reload/RSS" "unindexed"
base_rss=""
for count in 0 "${sizes[@]}"; do
    state="$work/state-$count"
    seed_store "$cairn" "$work/zones" "$count" "$state"
    port=$(free_port)
    probe=$(python3 -c "import uuid; print(f'{uuid.UUID(int=0)}.auth.bench.test')")
    start=$(now)
    # The environment contrib/cairn.service gives it: malloc advises transparent huge pages.
    GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.hugetlb=1} CAIRN_API_AUTH_ZONE=auth.bench.test "$cairn" serve --state-dir "$state" --zones "$work/zones" \
        --listen "127.0.0.1:$port" --api-listen none --udp-sockets 1 >"$work/serve-$count.log" 2>&1 &
    pid=$!
    soa=""
    txt=""
    for _ in $(seq 1 6000); do
        if [ -z "$soa" ] && dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 auth.bench.test SOA 2>/dev/null | grep -q .; then
            soa=$(echo "$(now) - $start" | bc)
        fi
        if [ "$count" = 0 ]; then
            [ -n "$soa" ] && { txt=$soa; break; }
        elif dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 "$probe" TXT 2>/dev/null | grep -q '"'; then
            txt=$(echo "$(now) - $start" | bc)
            [ -n "$soa" ] || soa=$txt
            break
        fi
        kill -0 "$pid" 2>/dev/null || { echo "bench-scale: cairn exited:" >&2; tail "$work/serve-$count.log" >&2; exit 1; }
        sleep 0.05
    done
    # The log line comes after the swap (and after freed memory is returned to the system).
    for _ in $(seq 1 600); do
        grep -q "challenge table rebuilt" "$work/serve-$count.log" && break
        sleep 0.05
    done
    rebuild=$(grep -o "duration=[^ ]*" "$work/serve-$count.log" | head -1 | cut -d= -f2 || true)
    restored_rss=$(rss_kb "$pid")
    # The expiry index is filled after the restore, 50,000 names a second: RSS and CPU per
    # query are measured once it is built.
    indexed="-"
    if [ "$count" != 0 ]; then
        for _ in $(seq 1 6000); do
            grep -q "expiry index built" "$work/serve-$count.log" && break
            sleep 0.05
        done
        indexed=$(echo "$(now) - $start" | bc)
    fi
    peak=$(hwm_kb "$pid")
    rss=$(rss_kb "$pid")
    cpu="-"
    [ "$count" = 0 ] || cpu=$(cpu_per_query "$pid" "$port" "$count")
    # Two reloads (SIGHUP): one with the zone files unchanged, which follows the store's changes,
    # then one after a record is added to the auth zone's file, which rebuilds the table from the
    # store. Their durations, the RSS after each, and how many names the rebuild left to index
    # again (0 when it kept the expiry index).
    reload="-"
    rebuilt="-"
    unindexed="-"
    if [ "$count" != 0 ]; then
        for round in 1 2; do
            [ "$round" = 2 ] && echo "reload-$count 3600 IN A 127.0.0.2" >>"$work/zones/auth.bench.test.zone"
            kill -HUP "$pid"
            for _ in $(seq 1 6000); do
                [ "$(grep -c "reloaded zones and store" "$work/serve-$count.log")" -ge "$round" ] && break
                sleep 0.05
            done
            line=$(grep "reloaded zones and store" "$work/serve-$count.log" | tail -1)
            took=$(echo "$line" | grep -o "duration=[^ ]*" | cut -d= -f2 || true)
            took="${took:-?}/$(($(rss_kb "$pid") / 1024))MB"
            if [ "$round" = 1 ]; then reload=$took; else rebuilt=$took; fi
            unindexed=$(echo "$line" | grep -o "unindexed=[^ ]*" | cut -d= -f2 || true)
        done
    fi
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    if [ "$count" = 0 ]; then base_rss=$rss; continue; fi
    per=$(((rss - base_rss) * 1024 / count))
    printf '%-9s %9.2f %10.2f %12s %9s %9d %11d %9d %10d %10s %18s %18s %10s\n' "$count" "$soa" "$txt" \
        "${rebuild:-?}" "$indexed" $((peak / 1024)) $((restored_rss / 1024)) $((rss / 1024)) "$per" "$cpu" \
        "$reload" "$rebuilt" "${unindexed:-?}"
done
