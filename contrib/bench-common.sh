# Shell helpers the contrib/bench-*.sh scripts share; sourced, not run.

# A TCP port free on 127.0.0.1 now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most 15 s) until `$@` succeeds.
wait_for() {
    for _ in $(seq 1 150); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "$(basename "$0"): not ready: $*" >&2
    return 1
}

# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# A self-signed certificate for Pebble's HTTPS listener: $1/pebble-cert.pem and $1/pebble-key.pem.
pebble_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/pebble-key.pem" \
        -out "$1/pebble-cert.pem" -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}
