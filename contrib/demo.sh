#!/usr/bin/env bash
# `make demo`: one certificate for example.test, *.example.test and www.demo.test from a local
# Pebble (Let's Encrypt's test CA), with Cairn answering every dns-01 challenge from its own
# DNS listener. Pebble's validation authority asks Cairn directly (-dnsserver), the way a
# public CA reaches Cairn through an NS or CNAME delegation. Everything started here is
# stopped at the end. usage: contrib/demo.sh PATH-TO-CAIRN
set -euo pipefail
cairn=${1:?usage: contrib/demo.sh PATH-TO-CAIRN}
work=$(mktemp -d /tmp/cairn-demo.XXXXXX)
pebble_pid=
cleanup() {
    if [ -n "$pebble_pid" ]; then
        kill -TERM "$pebble_pid" 2>/dev/null || true
        wait "$pebble_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
acme_port=$(free_port)
management_port=$(free_port)
dns_port=$(free_port)

echo "== Pebble's own HTTPS certificate (made per run; Pebble ships none)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/pebble-key.pem" \
    -out "$work/pebble-cert.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
cat >"$work/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme_port", "managementListenAddress": "127.0.0.1:$management_port",
  "certificate": "$work/pebble-cert.pem", "privateKey": "$work/pebble-key.pem", "httpPort": 5002, "tlsPort": 5001,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON

echo "== starting Pebble on 127.0.0.1:$acme_port, validating through Cairn at 127.0.0.1:$dns_port"
# Every authorization really validated (no reuse), no artificial validation delay.
PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$dns_port" \
    >"$work/pebble.log" 2>&1 &
pebble_pid=$!
for _ in $(seq 1 100); do
    curl -sf --cacert "$work/pebble-cert.pem" "https://127.0.0.1:$acme_port/dir" >/dev/null && break
    kill -0 "$pebble_pid" 2>/dev/null || { cat "$work/pebble.log"; exit 1; }
    sleep 0.1
done

echo
echo "\$ cairn issue -d example.test -d '*.example.test' -d www.demo.test --server https://127.0.0.1:$acme_port/dir ..."
# --skip-preflight: there is no delegation to check here, Pebble asks Cairn for every name.
"$cairn" issue -d example.test -d '*.example.test' -d www.demo.test \
    --server "https://127.0.0.1:$acme_port/dir" --ca-bundle "$work/pebble-cert.pem" \
    --listen "127.0.0.1:$dns_port" --skip-preflight \
    --out "$work/certificates" --state-dir "$work/state" --email admin@example.test

certificate="$work/certificates/example.test"
echo
echo "== the certificate (openssl x509)"
openssl x509 -in "$certificate/cert.pem" -noout -subject -issuer -dates -ext subjectAltName
ls -l "$certificate" | sed 1d

echo
echo "== verified against Pebble's root (https://127.0.0.1:$management_port/roots/0)"
curl -sf --cacert "$work/pebble-cert.pem" "https://127.0.0.1:$management_port/roots/0" >"$work/root.pem"
openssl verify -CAfile "$work/root.pem" -untrusted "$certificate/chain.pem" "$certificate/cert.pem"
echo
echo "== stopping Pebble"
