#!/usr/bin/env bash
# Side-by-side DNS benchmark: a release build of `cairn serve` against Knot, NSD and the
# acme-dns-like miekg/dns server of ../shared/bench, on the same 10,000-record zone and queries.
# One run, one table (../shared/bench/results/<run>/table.txt); ratios belong to one run.
#
# usage: contrib/bench.sh [PEER...]        default peers: knot nsd miekg
#        CAIRN_BENCH_PORT=15360 BENCH_DIR=../shared/bench  (environment)
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
# The binary as shipped (make release): Swift runtime and Foundation linked statically.
swift build -c release --static-swift-stdlib --product cairn
binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/cairn"

work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
mkdir -p "$work/zones"
cp "$bench/zone/auth.example.test.zone" "$work/zones/"
pidfile="$work/cairn.pid"
stop() {
    if [ -s "$pidfile" ]; then kill -TERM "$(cat "$pidfile")" 2>/dev/null || true; fi
}
trap stop EXIT
"$bench/peers/start-custom.sh" "$pidfile" "$binary" serve --listen "127.0.0.1:$port" \
    --zones "$work/zones" --state-dir "$work/state" --log-level warning
"$bench/run.sh" "${peers[@]}" "custom:$port:$pidfile:cairn"
echo "cairn's log: $pidfile.log"
