#!/usr/bin/env bash
# Publishing under load (issue "Data plane at internet scale"): a release `cairn serve` holding
# N stored challenge names (default 2,400,000) answers dnsperf at a fixed rate of stored-name TXT
# queries (BENCH_QPS, default 50,000) while the acme-dns API takes /update calls at a fixed
# rate (BENCH_UPDATES per second, default 2,000, spread over 64 registrations and 4 client
# processes). Each update's value is asked for over UDP the moment its 200 arrives.
#
# It reports the /update latency (request to 200), the time from each 200 to the first answer
# that holds the value (0 when the first query after the 200 finds it, as it must: the value is
# in the table before the 200 is sent), how many were not found by that first query, and
# dnsperf's sent, completed and lost queries. On a 2-core machine the server, dnsperf and the
# clients share the cores: the rates are offered, not promised.
#
# usage: contrib/bench-publish.sh [-- PATH-TO-CAIRN]   (BENCH_NAMES, BENCH_QPS, BENCH_UPDATES, BENCH_SECONDS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cairn=""
[ "${1:-}" = "--" ] && cairn=${2:-}
names=${BENCH_NAMES:-2400000}
qps=${BENCH_QPS:-50000}
updates=${BENCH_UPDATES:-2000}
seconds=${BENCH_SECONDS:-20}
# dnspython lives in the system Python (Debian's python3-dnspython).
py=/usr/bin/python3
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
require_tools bench-publish dnsperf sqlite3 curl
require_dnspython bench-publish
[ -n "$cairn" ] || cairn=$(release_cairn "$root")
work=$(mktemp -d /tmp/cairn-bench-publish.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
write_bench_zone "$work/zones"
echo "seeding $names names" >&2
seed_store "$cairn" "$work/zones" "$names" "$work/state"
bench_queries "$names" >"$work/queries.txt"

dns_port=$(free_port)
api_port=$(free_port)
export CAIRN_API_AUTH_ZONE=auth.bench.test CAIRN_API_REGISTER_PER_MINUTE=100000 CAIRN_API_UPDATES_PER_MINUTE=100000000 CAIRN_LOG_LEVEL=warning
# The environment contrib/cairn.service gives it: malloc advises transparent huge pages.
GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.hugetlb=1} "$cairn" serve --state-dir "$work/state" --zones "$work/zones" --listen "127.0.0.1:$dns_port" \
    --api-listen "127.0.0.1:$api_port" >"$work/serve.log" 2>&1 &
pid=$!
probe="00000000-0000-0000-0000-000000000000.auth.bench.test"
for _ in $(seq 1 1200); do
    dig +short +time=1 +tries=1 -p "$dns_port" @127.0.0.1 "$probe" TXT 2>/dev/null | grep -q '"' && break
    kill -0 "$pid" 2>/dev/null || { echo "bench-publish: cairn exited:" >&2; tail "$work/serve.log" >&2; exit 1; }
    sleep 0.05
done
wait_for curl -sf "http://127.0.0.1:$api_port/health"
register_many "$api_port" 64 "$work/registrations.txt"

echo "== $names names; dnsperf at $qps qps and $updates /update per second for ${seconds}s ($(nproc) cores)"
dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries.txt" -l "$((seconds + 2))" -Q "$qps" >"$work/dnsperf.txt" 2>&1 &
perf_pid=$!
"$py" "$root/contrib/bench-update-load.py" "$work/registrations.txt" "$api_port" "$updates" "$seconds" \
    "127.0.0.1:$dns_port"
wait "$perf_pid" || true
grep -E "Queries sent|Queries completed|Queries lost|Queries per second" "$work/dnsperf.txt" | sed 's/^ */dnsperf: /'
