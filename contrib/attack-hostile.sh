#!/usr/bin/env bash
# `make attack`, second part: hostile DNS traffic (contrib/attack-hostile.py: garbage datagrams,
# 1,000 idle TCP connections, one-byte-a-second writers, clients that never read, 20,000
# pipelined queries) against a release `cairn serve`, while a legitimate client asks 500 UDP
# queries a second from another address, answer by answer. Reported: its answer rate and p99
# before and during, the server's RSS sampled every second, its open file descriptors before and
# after, and what each attack achieved. Then the same against Knot (if knotd is installed) on the
# same zone, with as many UDP and TCP workers as cores, so the figures have a yardstick: the
# attack driver and the legitimate client share this machine's cores with the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/contrib/bench-common.sh"
require_tools attack curl python3
require_dnspython attack
seconds=${ATTACK_SECONDS:-20}
ulimit -n 8192
cairn=$(release_cairn "$root")
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
write_attack_zone "$work"

# attack NAME PID DNS-PORT [DROPPED-COMMAND]: the legitimate client before and during the attack
# on the server PID listening on DNS-PORT, and the report.
attack() {
    local name=$1 pid=$2 dns_port=$3 dropped_command=${4:-}
    rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
    fds() { ls "/proc/$pid/fd" | wc -l; }
    local fds_before rss_before before during attacker sampler fds_after dropped=
    fds_before=$(fds)
    rss_before=$(rss)
    before=$(attack_legit "$dns_port" "$seconds" "$work")
    /usr/bin/python3 "$root/contrib/attack-hostile.py" "$dns_port" "$seconds" >"$work/attack.json" &
    attacker=$!
    pids+=("$attacker")
    (for _ in $(seq 1 "$((seconds + 5))"); do rss; sleep 1; done) >"$work/rss.txt" &
    sampler=$!
    pids+=("$sampler")
    during=$(attack_legit "$dns_port" "$seconds" "$work")
    wait "$attacker"
    wait "$sampler" || true
    # Connections the attack left are closed by then; the server closes its side within its timeouts.
    for _ in $(seq 1 30); do [ "$(fds)" -le "$((fds_before + 2))" ] && break; sleep 1; done
    fds_after=$(fds)
    [ -z "$dropped_command" ] || dropped=$($dropped_command)
    /usr/bin/python3 - "$name" "$before" "$during" "$rss_before" "$work/rss.txt" "$fds_before" "$fds_after" \
        "$(cat "$work/attack.json")" "$dropped" <<'PY'
import json, sys
name, before, during = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
rss = [int(x) for x in open(sys.argv[5]).read().split()]
attack = json.loads(sys.argv[8])
print(f"== hostile traffic: {name}")
print(f"  legitimate, before: {before['rate']}/s answered of 500/s, p50 {before['p50_ms']} ms, p99 {before['p99_ms']} ms, lost {before['lost']}")
print(f"  legitimate, during: {during['rate']}/s answered of 500/s, p50 {during['p50_ms']} ms, p99 {during['p99_ms']} ms, lost {during['lost']}")
print(f"  RSS: {int(sys.argv[4]) // 1024} MiB before, at most {max(rss) // 1024} MiB during ({len(rss)} samples)")
print(f"  file descriptors: {sys.argv[6]} before, {sys.argv[7]} after")
dropped = f"; datagrams dropped unanswered: {sys.argv[9]}" if sys.argv[9] else ""
print(f"  attacks: {json.dumps(attack)}{dropped}")
PY
}

dns_port=$(free_port)
api_port=$(free_port)
CAIRN_LOG_LEVEL=warning "$cairn" serve --zones "$work/zones" --state-dir "$work/state" \
    --listen "127.0.0.1:$dns_port" --api-listen "127.0.0.1:$api_port" >"$work/serve.log" 2>&1 &
cairn_pid=$!
pids+=("$cairn_pid")
wait_for curl -sf "http://127.0.0.1:$api_port/health"
cairn_dropped() { curl -s "http://127.0.0.1:$api_port/metrics" | awk '$1 == "cairn_dns_dropped" {print $2}'; }
attack cairn "$cairn_pid" "$dns_port" cairn_dropped
kill "$cairn_pid"
wait "$cairn_pid" 2>/dev/null || true

if ! command -v knotd >/dev/null; then
    echo "== hostile traffic: knot not run (knotd is not installed; make deps installs it)"
    exit 0
fi
knot_port=$(free_port)
start_attack_knot "$work" "$knot_port"
attack knot "$knot_pid" "$knot_port"
