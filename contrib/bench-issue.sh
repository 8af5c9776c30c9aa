#!/usr/bin/env bash
# Time to a certificate, lego against `cairn issue`, for 3 names and for 100 names (issue 4,
# "Performance"). Both run against Pebble with the same settings (PEBBLE_VA_NOSLEEP=1,
# PEBBLE_AUTHZREUSE=0 so every name is validated, default 5 % nonce rejection); each client gets
# a fresh Pebble whose -dnsserver is the DNS server that client publishes into:
#   lego:  exec provider writing into pebble-challtestsrv's management API
#          (EXEC_SEQUENCE_INTERVAL=0, EXEC_POLLING_INTERVAL=1, --dns.resolvers at that server,
#          --dns.disable-cp);
#   cairn: `cairn issue` with its own DNS listener (--skip-preflight: lego skips its
#          propagation check too).
# Wall-clock time of the client process only (account creation included for both).
#
# usage: contrib/bench-issue.sh [PATH-TO-CAIRN]     (default: a release build, built here)
#        BENCH_SIZES="3 100" BENCH_TIMEOUT=1800     (environment)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${BENCH_SIZES:-3 100}
limit=${BENCH_TIMEOUT:-1800}
# shellcheck source=contrib/bench-common.sh
. "$root/contrib/bench-common.sh"
require_tools bench-issue pebble pebble-challtestsrv lego openssl curl

cairn=${1:-}
[ -n "$cairn" ] || cairn=$(release_cairn "$root")
have_issue=0
if "$cairn" issue --help >/dev/null 2>&1; then have_issue=1; fi

work=$(mktemp -d /tmp/cairn-bench-issue.XXXXXX)
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_all; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"' EXIT

pebble_certificate "$work"

names_for() { # $1 = how many, $2 = label
    local i
    for i in $(seq 1 "$1"); do printf -- '-d\nn%d.%s.bench.test\n' "$i" "$2"; done
}

now() { date +%s.%N; }

# Fails unless certificate $1 names exactly $2 DNS names.
check_names() {
    local count
    count=$(openssl x509 -in "$1" -noout -ext subjectAltName | grep -o 'DNS:' | wc -l)
    if [ "$count" != "$2" ]; then
        echo "bench-issue: $1 has $count names, expected $2" >&2
        exit 1
    fi
}

declare -A lego_seconds cairn_seconds
for n in $sizes; do
    # lego, exec provider -> pebble-challtestsrv.
    dns=$(free_port)
    api=$(free_port)
    timeout "$limit" pebble-challtestsrv -dns01 "127.0.0.1:$dns" -management "127.0.0.1:$api" \
        -http01 "" -https01 "" -tlsalpn01 "" >>"$work/challtestsrv.log" 2>&1 &
    pids+=($!)
    wait_for curl --silent --max-time 1 -X POST -d '{"host":"ready.test.","value":"x"}' \
        "http://127.0.0.1:$api/set-txt"
    cat >"$work/exec-hook.sh" <<EOF
#!/bin/sh
# lego exec provider: present|cleanup FQDN VALUE
case "\$1" in
present) curl --silent --fail --max-time 10 -X POST -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" http://127.0.0.1:$api/set-txt ;;
cleanup) curl --silent --fail --max-time 10 -X POST -d "{\"host\":\"\$2\"}" http://127.0.0.1:$api/clear-txt ;;
esac
EOF
    chmod +x "$work/exec-hook.sh"
    start_pebble "$work" "127.0.0.1:$dns" "$work/pebble.log" 5
    mapfile -t domains < <(names_for "$n" lego$n)
    start=$(now)
    if ! LEGO_CA_CERTIFICATES="$work/pebble-cert.pem" EXEC_PATH="$work/exec-hook.sh" \
        EXEC_SEQUENCE_INTERVAL=0 EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=60 \
        timeout "$limit" lego --accept-tos --email bench@example.test --server "$directory" \
        --path "$work/lego-$n" --dns exec --dns.resolvers "127.0.0.1:$dns" --dns.disable-cp \
        "${domains[@]}" run >"$work/lego-$n.log" 2>&1; then
        echo "bench-issue: lego failed for $n names:" >&2
        tail -20 "$work/lego-$n.log" >&2
        exit 1
    fi
    lego_seconds[$n]=$(echo "$(now) - $start" | bc)
    check_names "$work/lego-$n/certificates/n1.lego$n.bench.test.crt" "$n"
    echo "lego, $n names: ${lego_seconds[$n]} s" >&2
    stop_all

    # cairn issue, its own DNS listener.
    if [ $have_issue = 1 ]; then
        dns=$(free_port)
        start_pebble "$work" "127.0.0.1:$dns" "$work/pebble.log" 5
        mapfile -t domains < <(names_for "$n" cairn$n)
        start=$(now)
        if ! timeout "$limit" "$cairn" issue --server "$directory" --ca-bundle "$work/pebble-cert.pem" \
            --email bench@example.test --out "$work/cairn-$n" --state-dir "$work/cairn-state-$n" \
            --listen "127.0.0.1:$dns" --skip-preflight --log-level warning "${domains[@]}" \
            >"$work/cairn-$n.log" 2>&1; then
            echo "bench-issue: cairn issue failed for $n names:" >&2
            tail -20 "$work/cairn-$n.log" >&2
            exit 1
        fi
        cairn_seconds[$n]=$(echo "$(now) - $start" | bc)
        check_names "$work/cairn-$n/n1.cairn$n.bench.test/cert.pem" "$n"
        echo "cairn issue, $n names: ${cairn_seconds[$n]} s" >&2
        stop_all
    fi
done

echo
echo "Time to a certificate against Pebble 2.4.0 (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0), $(date -u +%Y-%m-%d)"
printf '%-7s %12s %12s %14s\n' names "lego (s)" "cairn (s)" "cairn / lego"
for n in $sizes; do
    if [ -n "${cairn_seconds[$n]:-}" ]; then
        printf '%-7s %12.2f %12.2f %14.3f\n' "$n" "${lego_seconds[$n]}" "${cairn_seconds[$n]}" \
            "$(echo "scale=6; ${cairn_seconds[$n]} / ${lego_seconds[$n]}" | bc)"
    else
        printf '%-7s %12.2f %12s %14s\n' "$n" "${lego_seconds[$n]}" "-" "(no cairn issue)"
    fi
done
