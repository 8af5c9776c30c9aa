#!/usr/bin/env bash
# Replication (issue "More than one nameserver"): a release `cairn serve` with N stored names
# (default 100,000; 90 % in the auth zone, which the secondaries carry) feeds NSD and Knot as
# TSIG-signed secondaries of the auth zone.
#
# It reports:
#   - the first transfer: from Cairn's start until both secondaries serve the zone;
#   - an IXFR of one change and an AXFR of the whole zone, as `dig` receives them from Cairn:
#     records, messages, octets and time;
#   - BENCH_SECONDS (default 60) of /update load from wrk on BENCH_CONNECTIONS connections (default
#     1024: each request waits until both secondaries serve it, a few hundred milliseconds under
#     this load, so 2,000 a second needs several hundred requests in flight), and beside it
#     BENCH_CHECKS /update a second (default 20) whose values are asked for at both secondaries the
#     moment the 200 arrives (each must be in their first answer: the 200 waits until every
#     secondary serves it), with dnsperf at BENCH_QPS (default 20,000) against Cairn meanwhile:
#     /update rate and latency p50/p99 (the time from request to served everywhere), NOTIFYs sent
#     and transfers served, and Cairn's CPU per answered query;
#   - the same load with no secondaries configured, for the CPU per query beside it.
# On a 2-core machine Cairn, the secondaries, dnsperf and the clients share the cores: the rates
# are offered, not promised.
#
# usage: contrib/bench-replication.sh [-- PATH-TO-CAIRN]
#        (BENCH_NAMES, BENCH_CONNECTIONS, BENCH_CHECKS, BENCH_SECONDS, BENCH_QPS, BENCH_NOTIFY_MS, BENCH_PERF)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cairn=""
[ "${1:-}" = "--" ] && cairn=${2:-}
names=${BENCH_NAMES:-100000}
connections=${BENCH_CONNECTIONS:-1024}
checks=${BENCH_CHECKS:-20}
notify_ms=${BENCH_NOTIFY_MS:-20}
seconds=${BENCH_SECONDS:-60}
qps=${BENCH_QPS:-20000}
py=/usr/bin/python3
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
require_tools bench-replication dnsperf sqlite3 curl dig nsd knotd wrk
require_dnspython bench-replication
[ -n "$cairn" ] || cairn=$(release_cairn "$root")
work=$(mktemp -d /tmp/cairn-bench-replication.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
zone=auth.bench.test
key_name=xfr-key
secret=$(head -c 32 /dev/urandom | base64)
write_bench_zone "$work/zones"
echo "seeding $names names" >&2
seed_store "$cairn" "$work/zones" "$names" "$work/state"
bench_queries "$names" >"$work/queries.txt"
dns_port=$(free_port)
api_port=$(free_port)
nsd_port=$(free_port)
knot_port=$(free_port)
ticks=$(getconf CLK_TCK)

mkdir -p "$work/nsd" "$work/knot/db" "$work/knot/zones"
cat >"$work/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$nsd_port
    port: $nsd_port
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$work/nsd"
    pidfile: "$work/nsd/nsd.pid"
    xfrdfile: "$work/nsd/xfrd.state"
    zonelistfile: "$work/nsd/zone.list"
    xfrdir: "$work/nsd"
    logfile: "$work/nsd.log"
    rrl-ratelimit: 0
    xfrd-reload-timeout: 0
remote-control:
    control-enable: no
key:
    name: "$key_name"
    algorithm: hmac-sha256
    secret: "$secret"
zone:
    name: "$zone"
    zonefile: "$zone.secondary"
    request-xfr: 127.0.0.1@$dns_port $key_name
    allow-notify: 127.0.0.0/8 $key_name
EOF
cat >"$work/knot.conf" <<EOF
server:
    rundir: "$work/knot"
    user: $(id -un)
    pidfile: "$work/knot/knot.pid"
    listen: 127.0.0.1@$knot_port
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: warning
key:
  - id: $key_name
    algorithm: hmac-sha256
    secret: $secret
remote:
  - id: primary
    address: 127.0.0.1@$dns_port
    key: $key_name
acl:
  - id: notify
    address: 127.0.0.0/8
    key: $key_name
    action: notify
template:
  - id: default
    storage: "$work/knot/zones"
    file: "%s.secondary"
    master: primary
    acl: notify
    # Keep changes in the journal instead of writing the whole zone file after each one.
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: $zone
EOF

serial_at() { dig +short +time=1 +tries=1 -p "$1" @127.0.0.1 "$zone" SOA 2>/dev/null | awk '{print $3}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Starts cairn serve on the seeded state; with secondaries when $1 is "with".
start_cairn() {
    {
        echo "tsigKeys:"
        echo "  - name: $key_name"
        echo "    secret: \"$secret\""
        if [ "$1" = with ]; then
            echo "secondaries:"
            for port in "$nsd_port" "$knot_port"; do
                printf '  - address: 127.0.0.1\n    port: %s\n    key: %s\n    zones: [%s]\n' "$port" "$key_name" "$zone"
            done
            echo "replication:"
            echo "  notifyIntervalMilliseconds: $notify_ms"
            [ -n "${BENCH_ACK_MS:-}" ] && echo "  acknowledgeTimeoutMilliseconds: $BENCH_ACK_MS"
        fi
    } >"$work/cairn.yaml"
    CAIRN_API_AUTH_ZONE=$zone CAIRN_API_REGISTER_PER_MINUTE=100000 CAIRN_API_UPDATES_PER_MINUTE=100000000 CAIRN_LOG_LEVEL=warning \
        "$cairn" serve --config "$work/cairn.yaml" --state-dir "$work/state" --zones "$work/zones" \
        --listen "127.0.0.1:$dns_port" --api-listen "127.0.0.1:$api_port" >>"$work/serve.log" 2>&1 &
    cairn_pid=$!
    pids+=("$cairn_pid")
    wait_for curl -sf "http://127.0.0.1:$api_port/health"
}

stop_cairn() {
    kill -TERM "$cairn_pid"
    wait "$cairn_pid" 2>/dev/null || true
}

# The bulk load: wrk's /update calls on $connections connections and, beside them, $checks
# checked /update a second whose values are asked for at $@.
bulk() {
    REGISTRATIONS="$work/registrations.txt" wrk -t 2 -c "$connections" -d "${seconds}s" --latency \
        -s "$root/contrib/bench-api/update.lua" "http://127.0.0.1:$api_port" >"$work/wrk.txt" 2>&1 &
    local wrk_pid=$!
    "$py" "$root/contrib/bench-update-load.py" "$work/registrations.txt" "$api_port" "$checks" "$seconds" "$@"
    wait "$wrk_pid" || true
    echo "wrk /update on $connections connections: $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")/s," \
        "$(grep -E '^p50' "$work/wrk.txt"), $(grep -E '^non-200' "$work/wrk.txt")"
}

# Cairn's CPU per query: dnsperf at $qps against it while $checks checked /update a second run,
# values asked for at $@ (the same update rate with and without secondaries).
cpu_per_query() {
    dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries.txt" -l "$((seconds + 2))" -Q "$qps" \
        >"$work/dnsperf.txt" 2>&1 &
    local perf=$! before after completed profile=""
    before=$(cpu_ticks "$cairn_pid")
    # BENCH_PERF=DIR: a perf profile of Cairn during each CPU phase, DIR/perf-<port>.data.
    if [ -n "${BENCH_PERF:-}" ]; then
        perf record -g -p "$cairn_pid" -o "$BENCH_PERF/perf-$1.data" -- sleep "$seconds" >/dev/null 2>&1 &
        profile=$!
    fi
    "$py" "$root/contrib/bench-update-load.py" "$work/registrations.txt" "$api_port" "$checks" "$seconds" "$@"
    wait "$perf" || true
    [ -n "$profile" ] && { wait "$profile" || true; }
    after=$(cpu_ticks "$cairn_pid")
    completed=$(awk '/Queries completed/ {print $3}' "$work/dnsperf.txt")
    grep -E "Queries sent|Queries lost" "$work/dnsperf.txt" | sed 's/^ */dnsperf: /'
    echo "cairn CPU: $(( (after - before) * 1000 / ticks )) ms for $completed answered queries (and the checked updates):" \
        "$("$py" -c "print(f'{($after - $before) / $ticks / max(1, $completed) * 1e6:.1f}')") µs per query"
}

echo "== $names names ($((names * 9 / 10)) in $zone), secondaries NSD and Knot ($(nproc) cores)"
nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
pids+=($!)
knotd -c "$work/knot.conf" >"$work/knot.out" 2>&1 &
pids+=($!)
started=$(now)
start_cairn with
current=$(serial_at "$dns_port")
for _ in $(seq 1 1200); do
    [ "$(serial_at "$nsd_port")" = "$current" ] && [ "$(serial_at "$knot_port")" = "$current" ] && break
    sleep 0.05
done
[ "$(serial_at "$nsd_port")" = "$current" ] && [ "$(serial_at "$knot_port")" = "$current" ] ||
    { echo "bench-replication: the secondaries did not load the zone" >&2; tail "$work/nsd.log" "$work/knot.out" >&2; exit 1; }
echo "first transfer: both secondaries serve serial $current $("$py" -c "print(f'{$(now) - $started:.2f}')") s after Cairn's start"

register_many "$api_port" 64 "$work/registrations.txt"
before=$(serial_at "$dns_port")
read -r user password subdomain _ <"$work/registrations.txt"
curl -sf -X POST "http://127.0.0.1:$api_port/update" -H "X-Api-User: $user" -H "X-Api-Key: $password" \
    -d "{\"subdomain\": \"$subdomain\", \"txt\": \"$(printf 'i%.0s' $(seq 43))\"}" >/dev/null
for kind in "IXFR=$before" AXFR; do
    dig -y "hmac-sha256:$key_name:$secret" -p "$dns_port" @127.0.0.1 "$zone" "$kind" +onesoa >"$work/xfr.txt"
    echo "$kind of one change: $(grep -E '^;; XFR size' "$work/xfr.txt" | sed 's/^;; //'), $(grep -E '^;; Query time' "$work/xfr.txt" | sed 's/^;; //')"
done

echo "-- with the secondaries: /update load"
bulk "127.0.0.1:$nsd_port" "127.0.0.1:$knot_port"
curl -s "http://127.0.0.1:$api_port/metrics" | grep -E '^cairn_secondary_(notifies|transfers|late)' | sed 's/^/metrics: /'
echo "-- with the secondaries: dnsperf at $qps qps and $checks /update a second"
cpu_per_query "127.0.0.1:$nsd_port" "127.0.0.1:$knot_port"
stop_cairn

echo "-- without secondaries: /update load"
start_cairn without
bulk "127.0.0.1:$dns_port"
echo "-- without secondaries: dnsperf at $qps qps and $checks /update a second"
cpu_per_query "127.0.0.1:$dns_port"
