#!/usr/bin/env bash
# `make demo-dns`: starts `cairn serve` on its embedded defaults (the zones in zones/ on
# 127.0.0.1:10053, UDP and TCP), asks it what a resolver following an ACME delegation would
# ask, and stops it. usage: contrib/demo-dns.sh PATH-TO-CAIRN
set -euo pipefail
cairn=${1:?usage: contrib/demo-dns.sh PATH-TO-CAIRN}
cd "$(dirname "$0")/.."
state=$(mktemp -d /tmp/cairn-demo.XXXXXX)
log="$state/cairn.log"
"$cairn" serve --state-dir "$state" >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$state"' EXIT

# Ready when it answers the apex SOA (at most 10 s).
for _ in $(seq 1 100); do
    dig +time=1 +tries=1 @127.0.0.1 -p 10053 example.test SOA >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done

ask() {
    echo
    echo "\$ dig @127.0.0.1 -p 10053 $*"
    dig +norecurse +nocmd +nostats +noquestion @127.0.0.1 -p 10053 "$@" | grep -v '^$'
}
echo "== cairn serve, running on its defaults:"
sed 's/^/   /' "$log"
ask example.test SOA
ask _acme-challenge.example.test TXT      # the delegation CNAME an operator adds once
ask 8c1f0a5e-demo.auth.example.test TXT   # no value published yet: NXDOMAIN with the SOA
ask www.example.test A +tcp
ask example.com A                         # not Cairn's: REFUSED
echo
echo "== stopping (SIGTERM)"
