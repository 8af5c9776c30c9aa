#!/usr/bin/env bash
# `make attack`: response-rate limiting under a spoofed-source flood, on loopback. A release
# `cairn serve` (loopback not exempt, so 127.0.1.0/24 and 127.0.2.0/24 stand for two client
# prefixes) is flooded by dnsperf from 127.0.1.1 with NXDOMAIN bait (random names) at
# $ATTACK_QPS (50,000) queries a second, while a client in another prefix (127.0.2.1) asks
# real names at 500 a second, answer by answer. Reported, with RRL on and off, in one run:
# the legitimate client's answer rate and p50/p99 latency before and during the flood, what
# the flood got back (answered, slipped, lost), and the octets sent per octet received. Then
# Knot (if knotd is installed) under the same flood, with its RRL module at the same rate and
# slip, as a yardstick (its octets from dnsperf's packet sizes: Knot does not count them).
# Last, a control: the legitimate client asks Cairn while the flood goes to Knot, so what the
# flood costs the client through the shared cores alone is seen beside what it costs through
# the server it hits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/contrib/bench-common.sh"
require_tools attack dnsperf curl python3
require_dnspython attack
qps=${ATTACK_QPS:-50000}
seconds=${ATTACK_SECONDS:-10}
cairn=$(release_cairn "$root")
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

write_attack_zone "$work"
python3 -c 'import random
r = random.Random(7)
for _ in range(200000): print("%016x.attack.test A" % r.getrandbits(64))' >"$work/bait.txt"

metric() { curl -s "http://127.0.0.1:$api_port/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

# start_cairn LABEL RRL: a release cairn serve with RRL at RRL responses a second, loopback not
# exempt, on fresh ports; sets dns_port, api_port and cairn_pid, and returns once it is healthy.
start_cairn() {
    local label=$1 rrl=$2
    dns_port=$(free_port)
    api_port=$(free_port)
    printf 'dns:\n  rrl:\n    responsesPerSecond: %s\n    exemptLoopback: false\n' "$rrl" >"$work/cairn-$label.yaml"
    CAIRN_LOG_LEVEL=warning "$cairn" serve --config "$work/cairn-$label.yaml" --zones "$work/zones" \
        --state-dir "$work/state-$label" --listen "127.0.0.1:$dns_port" --api-listen "127.0.0.1:$api_port" \
        >"$work/serve-$label.log" 2>&1 &
    cairn_pid=$!
    pids+=("$cairn_pid")
    wait_for curl -sf "http://127.0.0.1:$api_port/health"
}

run() {
    local label=$1 rrl=$2
    start_cairn "$label" "$rrl"
    local pid=$cairn_pid
    local results before during
    results=$(legit_and_flood "$label" "$dns_port" counters)
    before=$(sed -n 1p <<<"$results"); during=$(sed -n 2p <<<"$results")
    local in0 out0 limited0
    read -r in0 out0 limited0 <"$work/counters"
    local in1 out1 limited1 slipped
    in1=$(metric cairn_dns_udp_received_bytes); out1=$(metric cairn_dns_udp_sent_bytes)
    limited1=$(metric cairn_dns_rate_limited); slipped=$(metric cairn_dns_rate_limit_slipped)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local sent completed
    sent=$(awk '/Queries sent:/ {print $3}' "$work/dnsperf-$label.txt")
    completed=$(awk '/Queries completed:/ {print $3}' "$work/dnsperf-$label.txt")
    python3 - "$label" "$before" "$during" "$sent" "$completed" "$in0" "$in1" "$out0" "$out1" \
        "$limited0" "$limited1" "$slipped" "$seconds" <<'PY'
import json, sys
label, before, during = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sent, completed = int(sys.argv[4]), int(sys.argv[5])
in0, in1, out0, out1 = (float(x) for x in sys.argv[6:10])
limited = float(sys.argv[11]) - float(sys.argv[10])
slipped, seconds = float(sys.argv[12]), float(sys.argv[13])
print(f"== RRL {label}")
print(f"  legitimate, before the flood: {before['rate']}/s answered of 500/s, p50 {before['p50_ms']} ms, p99 {before['p99_ms']} ms, lost {before['lost']}, truncated {before['truncated']}")
print(f"  legitimate, during the flood: {during['rate']}/s answered of 500/s, p50 {during['p50_ms']} ms, p99 {during['p99_ms']} ms, lost {during['lost']}, truncated {during['truncated']}")
print(f"  flood: {sent} sent ({sent / (seconds + 2):.0f}/s), {completed} got a response ({completed / (seconds + 2):.0f}/s); rate-limited {limited:.0f}, of them slipped (TC) {slipped:.0f}")
print(f"  octets out per octet in during the flood: {(out1 - out0) / max(1, in1 - in0):.3f} ({in1 - in0:.0f} in, {out1 - out0:.0f} out)")
PY
}

# Writes the octets received and sent and the responses limited so far to $work/counters.
counters() {
    echo "$(metric cairn_dns_udp_received_bytes) $(metric cairn_dns_udp_sent_bytes) $(metric cairn_dns_rate_limited)" \
        >"$work/counters"
}

# The legitimate client, before and during the flood from 127.0.1.1, against DNS-PORT; prints
# the two JSON objects, one a line, and leaves dnsperf's output in $work/dnsperf-LABEL.txt.
# HOOK, if given, runs between the two, just before the flood.
# legit_and_flood LABEL PORT [HOOK [FLOOD_PORT]]: the legitimate client's JSON before and during
# a flood of FLOOD_PORT (by default PORT), one line each; HOOK runs as the flood starts.
legit_and_flood() {
    local label=$1 dns_port=$2 hook=${3:-} flood_port=${4:-$2}
    attack_legit "$dns_port" "$seconds" "$work"
    [ -z "$hook" ] || "$hook"
    dnsperf -s 127.0.0.1 -p "$flood_port" -a 127.0.1.1 -d "$work/bait.txt" -Q "$qps" -l "$((seconds + 2))" \
        -c 8 -t 1 -q 200000 >"$work/dnsperf-$label.txt" 2>&1 &
    local flood=$!
    pids+=("$flood")
    attack_legit "$dns_port" "$seconds" "$work"
    wait "$flood" || true
}

run_knot() {
    local port
    port=$(free_port)
    start_attack_knot "$work" "$port" 200
    local results
    results=$(legit_and_flood knot "$port")
    kill "$knot_pid"; wait "$knot_pid" 2>/dev/null || true
    python3 - "$results" "$work/dnsperf-knot.txt" "$seconds" <<'PY'
import json, re, sys
before, during = (json.loads(line) for line in sys.argv[1].splitlines())
text = open(sys.argv[2]).read()
number = lambda pattern: float(re.search(pattern, text).group(1))
sent, completed = number(r"Queries sent:\s+(\d+)"), number(r"Queries completed:\s+(\d+)")
request, response = number(r"Average packet size:\s+request (\d+)"), number(r"response (\d+)")
seconds = float(sys.argv[3]) + 2
print("== Knot, RRL 200/s, slip 2")
for when, result in (("before", before), ("during", during)):
    print(f"  legitimate, {when} the flood: {result['rate']}/s answered of 500/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, lost {result['lost']}, truncated {result['truncated']}")
print(f"  flood: {sent:.0f} sent ({sent / seconds:.0f}/s), {completed:.0f} got a response ({completed / seconds:.0f}/s)")
print(f"  octets out per octet in during the flood (dnsperf's packet sizes): {completed * response / max(1, sent * request):.3f}")
PY
}

echo "== $(nproc) cores; flood $qps qps from 127.0.1.1 for $((seconds + 2)) s; legitimate 500 qps from 127.0.2.1"
# The legitimate client asks a Cairn with RRL on while Knot takes the flood.
run_control() {
    local knot_port
    knot_port=$(free_port)
    start_attack_knot "$work" "$knot_port" 200
    start_cairn control 200
    local results
    results=$(legit_and_flood control "$dns_port" "" "$knot_port")
    kill "$cairn_pid" "$knot_pid"; wait "$cairn_pid" "$knot_pid" 2>/dev/null || true
    python3 - "$results" <<'PY'
import json, sys
before, during = (json.loads(line) for line in sys.argv[1].splitlines())
print("== control: the legitimate client asks Cairn (RRL on) while the flood goes to Knot")
for when, result in (("before", before), ("during", during)):
    print(f"  legitimate, {when} the flood: {result['rate']}/s answered of 500/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, lost {result['lost']}")
PY
}

run on 200
run off 0
if command -v knotd >/dev/null; then
    run_knot
    run_control
else
    echo "== Knot not run (knotd is not installed; make deps installs it)"
fi
