#!/usr/bin/env bash
# `make soak`: $SOAK_SECONDS (600) of steady load on a release `cairn serve`, loopback only:
#   - dnsperf at $SOAK_QPS (20,000) queries a second of stored challenge names (about half of
#     what this 2-core VM serves flat out);
#   - 50 acme-dns /update a second, each value asked for right after its 200 (a wrong or missing
#     answer is counted);
#   - values expiring on their own every 60 s (api.valueLifetimeSeconds), so expiry sweeps run
#     throughout;
#   - SIGHUP reloads every 15 s;
#   - the certificate manager renewing: $SOAK_CERTIFICATES (3) declared certificates of two names
#     each (one a wildcard), issued by Pebble (rejecting 5 % of nonces) asking Cairn's own DNS
#     listener, and renewed every 20 s by `cairn renew --force` through the control socket, so
#     orders, challenge publishes and withdrawals, and certificate installs run throughout.
# Reported: queries dnsperf lost, the update checker's misses, RSS every 10 s (anonymous and
# file-backed apart, and SQLite's share of the anonymous from /metrics), the forced renewals
# that succeeded and failed, and at the end whether the last acknowledged value of every
# registration is served and each certificate was installed by the last renewal.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/contrib/bench-common.sh"
require_tools soak dnsperf curl python3 pebble openssl
require_dnspython soak
py=/usr/bin/python3
seconds=${SOAK_SECONDS:-600}
qps=${SOAK_QPS:-20000}
names=${SOAK_NAMES:-10000}
certificates=${SOAK_CERTIFICATES:-3}
cairn=$(release_cairn "$root")
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

write_bench_zone "$work/zones"
seed_store "$cairn" "$work/zones" "$names" "$work/state"
bench_queries "$names" >"$work/queries.txt"
dns_port=$(free_port)
api_port=$(free_port)
pebble_certificate "$work"
start_pebble "$work" "127.0.0.1:$dns_port" "$work/pebble.log" 5
{
    cat <<EOF
acme:
  preflight: false
  resolver: "127.0.0.1:$dns_port"
  certificatesDirectory: "$work/certificates"
issuers:
  - name: pebble
    directory: "$directory"
    caBundle: "$work/pebble-cert.pem"
    email: soak@example.test
    rateLimits: none
certificates:
EOF
    for i in $(seq 1 "$certificates"); do
        printf '  - name: s%d\n    domains: [s%d.soak.test, "*.s%d.soak.test"]\n    issuers: [pebble]\n' "$i" "$i" "$i"
    done
} >"$work/cairn.yaml"
CAIRN_API_AUTH_ZONE=auth.bench.test CAIRN_API_REGISTER_PER_MINUTE=100000 CAIRN_API_UPDATES_PER_MINUTE=100000000 \
    CAIRN_API_VALUE_LIFETIME_SECONDS=60 CAIRN_LOG_LEVEL=warning \
    "$cairn" serve --config "$work/cairn.yaml" --state-dir "$work/state" --zones "$work/zones" --listen "127.0.0.1:$dns_port" \
    --api-listen "127.0.0.1:$api_port" >"$work/serve.log" 2>&1 &
pid=$!
pids+=("$pid")
wait_for curl -sf "http://127.0.0.1:$api_port/health" || { tail -20 "$work/serve.log" >&2; exit 1; }
register_many "$api_port" 64 "$work/registrations.txt"
# Certificates with a notAfter (installed), from `cairn certs --json`.
installed() {
    "$cairn" certs --json --config "$work/cairn.yaml" --state-dir "$work/state" 2>/dev/null |
        "$py" -c 'import json, sys; print(sum(1 for s in json.load(sys.stdin) if s.get("notAfter")))'
}
all_installed() { [ "$(installed)" = "$certificates" ]; }
# The first issuance of every certificate, before the clock starts.
WAIT_FOR_SECONDS=180 wait_for all_installed || { tail -20 "$work/serve.log" >&2; exit 1; }
# Resident KiB: all, anonymous (heap, stacks) and file-backed (the binary's pages as they are
# first touched), so growth can be told apart.
rss() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s ", $2}' "/proc/$pid/status"; }
# KiB SQLite holds (page caches, statements; part of the anonymous figure), from /metrics.
sqlite_kib() {
    curl -sf "http://127.0.0.1:$api_port/metrics" | awk '/^cairn_store_sqlite_bytes / {printf "%d", $2 / 1024}'
}

echo "== soak: ${seconds}s, dnsperf $qps qps of $names stored names, 50 /update a second checked, values living 60 s, SIGHUP every 15 s, $certificates certificates renewed every 20 s ($(nproc) cores)"
dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries.txt" -l "$seconds" -Q "$qps" >"$work/dnsperf.txt" 2>&1 &
perf=$!
pids+=("$perf")
"$py" "$root/contrib/bench-update-load.py" "$work/registrations.txt" "$api_port" 50 "$seconds" "127.0.0.1:$dns_port" \
    >"$work/updates.txt" 2>&1 &
updates=$!
pids+=("$updates")
(
    for tick in $(seq 1 $((seconds / 5))); do
        sleep 5
        [ $((tick % 3)) -eq 0 ] && kill -HUP "$pid"
        [ $((tick % 2)) -eq 0 ] && echo "$((tick * 5)) $(rss)$(sqlite_kib)"
    done
) >"$work/rss.txt" &
ticker=$!
pids+=("$ticker")
# Forced renewals of every certificate through the running server: "exit-status seconds" a line.
(
    end=$(($(date +%s) + seconds - 20))
    while [ "$(date +%s)" -lt "$end" ]; do
        sleep 20
        started=$(now)
        status=0
        timeout 120 "$cairn" renew --force --config "$work/cairn.yaml" --state-dir "$work/state" \
            >>"$work/renew.log" 2>&1 || status=$?
        echo "$status $(awk -v a="$(now)" -v b="$started" 'BEGIN {print a - b}')"
    done
) >"$work/renewals.txt" &
renewer=$!
pids+=("$renewer")
wait "$perf" || true
wait "$updates" || true
wait "$ticker" || true
wait "$renewer" || true
echo "dnsperf: $(grep -E 'Queries (sent|completed|lost)' "$work/dnsperf.txt" | tr -s ' ' | tr '\n' ';')"
echo "updates: $(tr '\n' ' ' <"$work/updates.txt")"
echo "renewals: $(awk '{n++; if ($1 == 0) ok++; else bad++; if ($2 > slow) slow = $2}
    END {printf "%d forced passes of every certificate, %d succeeded, %d failed, the slowest %.1f s", n, ok, bad, slow}' "$work/renewals.txt")"
echo "RSS (KiB) every 10 s, seconds:all/anonymous/file/SQLite's: $(awk '{printf "%s:%s/%s/%s/%s ", $1, $2, $3, $4, $5}' "$work/rss.txt")"
# Every registration's last acknowledged value is still served (values live 60 s: update each once more).
missing=0
while read -r user password subdomain full; do
    value=$("$py" -c 'import secrets, base64; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="))')
    curl -sf -X POST "http://127.0.0.1:$api_port/update" -H "X-Api-User: $user" -H "X-Api-Key: $password" \
        -d "{\"subdomain\":\"$subdomain\",\"txt\":\"$value\"}" >/dev/null
    dig +short +time=1 +tries=1 -p "$dns_port" @127.0.0.1 "$full" TXT | grep -qF -- "$value" || missing=$((missing + 1))
done <"$work/registrations.txt"
echo "at the end: $missing of $(wc -l <"$work/registrations.txt") registrations' last value not served; process alive: $(kill -0 "$pid" && echo yes)"
grep -iE "error|critical" "$work/serve.log" | head -5 || true
