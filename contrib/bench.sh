#!/usr/bin/env bash
# Side-by-side DNS benchmark: a release build of `cairn serve` against Knot, NSD and the
# acme-dns-like miekg/dns server of ../shared/bench, on the same 10,000-record zone and queries.
# One run, one table (../shared/bench/results/<run>/table.txt); ratios belong to one run.
#
# usage: contrib/bench.sh [PEER...]        default peers: knot nsd miekg
#        CAIRN_BENCH_PORT=15360 BENCH_DIR=../shared/bench  (environment)
#        BENCH_UDP_IO="direct event-loop": one cairn per UDP path (dns.udpIO), each its own row
#        ("cairn" for the default, direct; "cairn-event-loop"), on consecutive ports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=$(cd "${BENCH_DIR:-$root/../shared/bench}" && pwd)
port=${CAIRN_BENCH_PORT:-15360}
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(knot nsd miekg)

"$bench/install-tools.sh"
if [ ! -f "$bench/zone/auth.example.test.zone" ] || [ ! -f "$bench/queries/mix.txt" ]; then
    (cd "$bench" && python3 zone/gen_zone.py && python3 queries/gen_queries.py)
fi

cd "$root"
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
# The binary as shipped (make release).
binary=$(release_cairn "$root")
# The figures are the deployed binary's only if it is linked as Package.swift asks.
"$root/contrib/check-link-layout.py" "$binary"

work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
read -r -a paths <<<"${BENCH_UDP_IO:-direct}"
pidfiles=()
stop() {
    for pidfile in "${pidfiles[@]}"; do
        if [ -s "$pidfile" ]; then kill -TERM "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
}
trap stop EXIT
targets=()
for index in "${!paths[@]}"; do
    path=${paths[$index]}
    label=cairn
    [ "$path" = direct ] || label=cairn-$path
    mkdir -p "$work/$path/zones"
    cp "$bench/zone/auth.example.test.zone" "$work/$path/zones/"
    pidfile="$work/$path/cairn.pid"
    pidfiles+=("$pidfile")
    CAIRN_DNS_UDP_IO=$path "$bench/peers/start-custom.sh" "$pidfile" "$binary" serve \
        --listen "127.0.0.1:$((port + index))" --zones "$work/$path/zones" --state-dir "$work/$path/state" \
        --log-level warning --api-listen none
    targets+=("custom:$((port + index)):$pidfile:$label")
done
"$bench/run.sh" "${peers[@]}" "${targets[@]}"
for pidfile in "${pidfiles[@]}"; do echo "cairn's log: $pidfile.log"; done
