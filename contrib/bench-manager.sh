#!/usr/bin/env bash
# The certificate manager at scale (issue "Certificate manager"): N declared certificates of
# 3 names each (cNNNN.bench.test, *.cNNNN.bench.test, www.cNNNN.bench.test) issued by a release
# `cairn serve` from a cold start against one Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0),
# whose -dnsserver is Cairn's own DNS listener. Everything on loopback, in a temporary directory.
#
# For each acme.concurrency in BENCH_CONCURRENCY it reports: wall time from the start of
# `cairn serve` until every certificate is valid (polled once a second through `cairn certs
# --json`, so ±1 s), failed certificates and failed attempts, the peak RSS of the cairn process
# (VmHWM), its CPU time, the most orders in flight (from cairn's log: a certificate's order is in
# flight from its "ordering" line to its "installed"/"failed" line; and from Pebble's log, newOrder
# requests minus certificate downloads, exact only without nonce rejection), Pebble's request
# counts, and how long one `cairn certs --json` takes once all are installed (it decides every
# certificate as a scheduling pass does, reading each installed certificate from disk).
#
# Target (issue): 1,000 valid in under 5 minutes on 2 cores, none failed, RSS under 200 MB.
#
# usage: contrib/bench-manager.sh [N] [PATH-TO-CAIRN]   (N default 1000; cairn default: the
#                                                        release build, built here)
# environment:
#   BENCH_CONCURRENCY="4 16"  acme.concurrency values, one fresh run (Pebble, state) each
#   BENCH_TIMEOUT=900         seconds a run may take before it is given up
#   BENCH_STALL=90            seconds without a newly valid or failed certificate before a run is
#                             given up (the rate-limit budget can hold orders back for hours)
#   BENCH_PER_ISSUER=0        0: one issuer for all; K: a new issuer name (same Pebble, same
#                             account) every K certificates — each issuer name has its own
#                             order budget (300 new orders per 3 h, Let's Encrypt's limit)
#   BENCH_NONCEREJECT=5       Pebble's PEBBLE_WFE_NONCEREJECT (its default is 5 %)
#   BENCH_KEEP=1              keep the temporary directory (logs, state) and say where
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000}
cairn=${2:-}
concurrencies=${BENCH_CONCURRENCY:-4 16}
limit=${BENCH_TIMEOUT:-900}
stall=${BENCH_STALL:-90}
per_issuer=${BENCH_PER_ISSUER:-0}
nonce_reject=${BENCH_NONCEREJECT:-5}
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
require_tools bench-manager pebble openssl curl python3
[ -n "$cairn" ] || cairn=$(release_cairn "$root")
[ -x "$cairn" ] || { echo "bench-manager: $cairn is not executable" >&2; exit 1; }

work=$(mktemp -d /tmp/cairn-bench-manager.XXXXXX)
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_all; if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi' EXIT
trap 'exit 130' INT TERM

# Peak resident set (VmHWM) of process $1 in kB, empty once it is gone.
peak_rss() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# User + system CPU seconds of process $1.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0
}

pebble_certificate "$work"

# Writes the configuration for run directory $1, DNS port $2, API port $3, concurrency $4.
write_config() {
    local run=$1 i issuers=1 issuer
    if [ "$per_issuer" -gt 0 ]; then issuers=$(((count + per_issuer - 1) / per_issuer)); fi
    {
        cat <<EOF
dns:
  listen: ["127.0.0.1:$2"]
  udpSockets: 1
api:
  listen: "127.0.0.1:$3"
log:
  level: info
acme:
  preflight: false
  resolver: "127.0.0.1:$2"
  certificatesDirectory: "$run/certificates"
  concurrency: $4
issuers:
EOF
        for i in $(seq 1 "$issuers"); do
            printf '  - name: pebble%d\n    directory: "%s"\n    caBundle: "%s"\n    email: bench@example.test\n    rateLimits: none\n' \
                "$i" "$directory" "$work/pebble-cert.pem"
        done
        echo "certificates:"
        for i in $(seq 1 "$count"); do
            issuer=1
            if [ "$per_issuer" -gt 0 ]; then issuer=$(((i - 1) / per_issuer + 1)); fi
            printf '  - name: c%04d\n    domains: [c%04d.bench.test, "*.c%04d.bench.test", www.c%04d.bench.test]\n    issuers: [pebble%d]\n' \
                "$i" "$i" "$i" "$i" "$issuer"
        done
    } >"$run/cairn.yaml"
}

# Summarizes `cairn certs --json` on stdin: "valid failed ratelimited pending failuresTotal".
summarize='
import json, sys
statuses = json.load(sys.stdin)
valid = sum(1 for s in statuses if s.get("notAfter"))
failed = sum(1 for s in statuses if not s.get("notAfter") and s.get("failures", 0) > 0)
limited = sum(1 for s in statuses if not s.get("notAfter") and "rate" in s.get("reason", "").lower())
attempts = sum(s.get("failuresTotal", 0) for s in statuses)
print(valid, failed, limited, len(statuses) - valid - failed, attempts)
'

# Most orders in flight, from cairn's log ($1) and from Pebble's log ($2); Pebble's counts.
analyze='
import re, sys
cairn_log, pebble_log = sys.argv[1], sys.argv[2]
flight, most, ordering, installed, failed, errors = set(), 0, 0, 0, 0, {}
for line in open(cairn_log, errors="replace"):
    m = re.search(r"certificate=(\S+)", line)
    if not m:
        continue
    name = m.group(1)
    if " ordering " in line:
        ordering += 1
        flight.add(name)
        most = max(most, len(flight))
    elif " installed version " in line:
        installed += 1
        flight.discard(name)
    elif " failed: " in line:
        failed += 1
        flight.discard(name)
        kind = re.sub(r"[0-9a-f]{8,}|c\d{4}|\d+", "#", line.split(" failed: ", 1)[1])[:120].strip()
        errors[kind] = errors.get(kind, 0) + 1
counts, running, pebble_most = {}, 0, 0
for line in open(pebble_log, errors="replace"):
    m = re.search(r" (POST|GET|HEAD) (/[A-Za-z-]+)[^ ]* -> calling handler", line)
    if not m:
        continue
    path = m.group(2)
    counts[path] = counts.get(path, 0) + 1
    if path == "/order-plz":
        running += 1
        pebble_most = max(pebble_most, running)
    elif path == "/certZ":
        running -= 1
print(f"cairn_ordering={ordering} cairn_installed={installed} cairn_failed={failed} cairn_most_in_flight={most}")
print(f"pebble_most_in_flight={pebble_most} " + " ".join(f"pebble{p.replace(chr(47), chr(95))}={n}" for p, n in sorted(counts.items())))
for kind, n in sorted(errors.items(), key=lambda e: -e[1])[:5]:
    print(f"error {n}x: {kind}")
'

declare -A r_wall r_valid r_failed r_attempts r_rss r_cpu r_pcpu r_most r_pmost r_orders r_certz r_certs r_outcome
status=0
for c in $concurrencies; do
    run="$work/c$c"
    mkdir -p "$run/zones" "$run/state"
    dns=$(free_port)
    api=$(free_port)
    start_pebble "$work" "127.0.0.1:$dns" "$run/pebble.log" "$nonce_reject"
    write_config "$run" "$dns" "$api" "$c"
    certs() { "$cairn" certs --json --config "$run/cairn.yaml" --state-dir "$run/state" 2>/dev/null; }

    echo "bench-manager: $count certificates, concurrency $c ..." >&2
    start=$(now)
    "$cairn" serve --config "$run/cairn.yaml" --zones "$run/zones" --state-dir "$run/state" \
        >"$run/cairn.log" 2>&1 &
    cairn_pid=$!
    pids+=("$cairn_pid")
    rss=0
    elapsed=0
    last_valid=-1
    last_change=$(now)
    outcome=timeout
    summary="0 0 0 $count 0"
    while true; do
        sleep 1
        if ! kill -0 "$cairn_pid" 2>/dev/null; then outcome="cairn exited"; break; fi
        peak=$(peak_rss "$cairn_pid")
        [ -n "$peak" ] && [ "$peak" -gt "$rss" ] && rss=$peak
        if json=$(certs) && line=$(python3 -c "$summarize" <<<"$json"); then summary=$line; fi
        read -r valid failed limited pending attempts <<<"$summary"
        t=$(now)
        elapsed=$(echo "$t - $start" | bc)
        if [ $((valid + failed)) != "$last_valid" ]; then
            last_valid=$((valid + failed))
            last_change=$t
            printf '  %6.1f s: %d valid, %d failed, %d held by the rate-limit budget, %d pending\n' \
                "$elapsed" "$valid" "$failed" "$limited" "$pending" >&2
        fi
        if [ $((valid + failed)) -ge "$count" ]; then outcome=done; break; fi
        if [ "$(echo "$elapsed > $limit" | bc)" = 1 ]; then outcome="timeout (${limit} s)"; break; fi
        if [ "$(echo "$t - $last_change > $stall" | bc)" = 1 ]; then
            outcome="stalled ${stall} s at $valid valid ($limited held by the rate-limit budget)"
            break
        fi
    done
    wall=$elapsed
    read -r valid failed limited pending attempts <<<"$summary"
    cpu=$(cpu_seconds "$cairn_pid")
    pcpu=$(cpu_seconds "$pebble_pid")
    # One `cairn certs --json` with everything installed: best of 3, in ms.
    best=""
    for _ in 1 2 3; do
        t0=$(now)
        certs >/dev/null || true
        ms=$(echo "($(now) - $t0) * 1000 / 1" | bc)
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    peak=$(peak_rss "$cairn_pid")
    [ -n "$peak" ] && [ "$peak" -gt "$rss" ] && rss=$peak
    if [ "$valid" -gt 0 ]; then
        sans=$(openssl x509 -in "$run/certificates/live/c0001/cert.pem" -noout -ext subjectAltName | grep -o 'DNS:' | wc -l)
        [ "$sans" = 3 ] || { echo "bench-manager: c0001 has $sans names, expected 3" >&2; status=1; }
    fi
    stop_all
    analysis=$(python3 -c "$analyze" "$run/cairn.log" "$run/pebble.log")
    grep '^error' <<<"$analysis" | sed 's/^/  /' >&2 || true
    kv() { grep -o "$1=[0-9]*" <<<"$analysis" | head -1 | cut -d= -f2 || true; }
    r_wall[$c]=$wall r_valid[$c]=$valid r_failed[$c]=$failed r_attempts[$c]=$attempts
    r_rss[$c]=$((rss / 1024)) r_cpu[$c]=$cpu r_pcpu[$c]=$pcpu r_certs[$c]=$best r_outcome[$c]=$outcome
    r_most[$c]=$(kv cairn_most_in_flight) r_pmost[$c]=$(kv pebble_most_in_flight)
    r_orders[$c]=$(kv pebble_order-plz) r_certz[$c]=$(kv pebble_certZ)
    [ "$outcome" = done ] && [ "$failed" = 0 ] || status=1
    echo "bench-manager: concurrency $c: $outcome after $wall s" >&2
done

echo
echo "Certificate manager, $count certificates x 3 names, one Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0," \
    "PEBBLE_WFE_NONCEREJECT=$nonce_reject), $(nproc) cores, $(date -u +%Y-%m-%d)"
[ "$per_issuer" -gt 0 ] && echo "(a new issuer name every $per_issuer certificates: separate order budgets)"
printf '%-5s %-8s %9s %7s %7s %9s %8s %8s %7s %7s %8s %8s %9s  %s\n' conc valid "wall (s)" failed \
    retries "RSS (MB)" "CPU (s)" "Pebble" "flight" "Pebble" newOrder certZ "certs ms" outcome
printf '%-5s %-8s %9s %7s %7s %9s %8s %8s %7s %7s %8s %8s %9s\n' "" "" "" "" "" "" cairn "CPU (s)" cairn \
    flight "" "" ""
for c in $concurrencies; do
    printf '%-5s %-8s %9.1f %7s %7s %9s %8.1f %8.1f %7s %7s %8s %8s %9s  %s\n' "$c" "${r_valid[$c]}/$count" \
        "${r_wall[$c]}" "${r_failed[$c]}" "${r_attempts[$c]}" "${r_rss[$c]}" "${r_cpu[$c]}" "${r_pcpu[$c]}" \
        "${r_most[$c]:-?}" "${r_pmost[$c]:-?}" "${r_orders[$c]:-0}" "${r_certz[$c]:-0}" "${r_certs[$c]}" \
        "${r_outcome[$c]}"
done
echo "target: all valid in < 300 s, 0 failed, RSS < 200 MB"
exit $status
