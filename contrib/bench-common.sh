# Shell helpers the contrib/bench-*.sh scripts share; sourced, not run.

# Exits naming the first of the tools $2... that is missing; $1 names the benchmark.
require_tools() {
    local bench=$1
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$bench: $tool is missing (make deps)" >&2; exit 1; }
    done
}

# Exits unless the system Python has dnspython (Debian's python3-dnspython); $1 names the benchmark.
require_dnspython() {
    /usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "$1: python3-dnspython is missing" >&2; exit 1; }
}

# The flags of `make release` (the Makefile's RELEASE_FLAGS, printed by `make release-flags`; a
# build with other flags would undo the other's).
read -ra release_flags <<<"$(make -s --no-print-directory -C "$(dirname "${BASH_SOURCE[0]}")/.." release-flags)"
# Builds the release cairn of the checkout at $1 as `make release` does (the binary that is
# deployed) and prints its path.
release_cairn() {
    (cd "$1" && swift build "${release_flags[@]}" --product cairn >&2)
    echo "$(cd "$1" && swift build "${release_flags[@]}" --show-bin-path)/cairn"
}

# A TCP port free on 127.0.0.1 now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most WAIT_FOR_SECONDS, default 15 s) until `$@` succeeds.
wait_for() {
    for _ in $(seq 1 "$((${WAIT_FOR_SECONDS:-15} * 10))"); do
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

# Starts Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0) with the certificate
# pebble_certificate wrote to $1, asking DNS server $2 (host:port), appending its log to $3, rejecting $4 %
# of nonces; sets $directory and $pebble_pid, and adds the pid to the caller's $pids.
start_pebble() {
    local listen management
    listen=$(free_port)
    management=$(free_port)
    while [ "$management" = "$listen" ]; do management=$(free_port); done
    cat >"$1/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$listen", "managementListenAddress": "127.0.0.1:$management",
 "certificate": "$1/pebble-cert.pem", "privateKey": "$1/pebble-key.pem", "httpPort": 5002,
 "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
    PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=$4 \
        pebble -config "$1/pebble.json" -dnsserver "$2" >>"$3" 2>&1 &
    pebble_pid=$!
    pids+=("$pebble_pid")
    directory="https://127.0.0.1:$listen/dir"
    wait_for curl --silent --fail --max-time 1 --cacert "$1/pebble-cert.pem" "$directory"
}

# The auth zone the scale benchmarks serve: $1/auth.bench.test.zone.
write_bench_zone() {
    mkdir -p "$1"
    cat >"$1/auth.bench.test.zone" <<'EOF'
$ORIGIN auth.bench.test.
@    3600 IN SOA ns1 hostmaster 1 3600 600 1209600 60
@    3600 IN NS  ns1
ns1  3600 IN A   127.0.0.1
EOF
}

# Writes $3 owned names with one TXT value each into the store of state directory $4, made by
# cairn $1 with the zones of directory $2 (so the schema is its own): 90 % labels in the auth
# zone (CNAME delegation, acme-dns style), 10 % `_acme-challenge.<domain>` zones (NS delegation),
# owners `registration:<uuid>` as acme-dns usernames are. Name i is `uuid(int=i).auth.bench.test`,
# or `_acme-challenge.d<i>.bench.test` when i % 10 == 9; its value is i in 43 digits.
seed_store() {
    local cairn=$1 zones=$2 count=$3 state=$4
    CAIRN_API_AUTH_ZONE=auth.bench.test "$cairn" registration list --state-dir "$state" --zones "$zones" >/dev/null
    python3 - "$state/cairn.sqlite" "$count" <<'EOF'
import sqlite3, sys, uuid
path, count = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
expires = 4_000_000_000
def rows():
    for i in range(count):
        owner = f"registration:{uuid.UUID(int=(1 << 127) | i)}"
        if i % 10 == 9:
            yield (f"_acme-challenge.d{i}.bench.test", owner, "zone", None)
        else:
            yield (f"{uuid.UUID(int=i)}.auth.bench.test", owner, "label", None)
names = list(rows())
db.executemany("INSERT INTO owned_name (name, owner, kind, domain) VALUES (?, ?, ?, ?)", names)
db.executemany("INSERT INTO txt_value (name, text, expires, ttl) VALUES (?, ?, ?, NULL)",
               ((n[0], f"{i:043d}", expires) for i, n in enumerate(names)))
db.commit()
EOF
}

# 100,000 TXT queries for random names among the first $1 that seed_store writes, dnsperf's format.
bench_queries() {
    python3 - "$1" <<'EOF'
import random, sys, uuid
count = int(sys.argv[1])
pick = random.Random(1)
for _ in range(100_000):
    i = pick.randrange(count)
    print(f"_acme-challenge.d{i}.bench.test TXT" if i % 10 == 9 else f"{uuid.UUID(int=i)}.auth.bench.test TXT")
EOF
}

# The zone `make attack` serves, attack.test with host0..host99, in $1/zones, and those hundred
# names as queries (`name A`) in $1/legit.txt.
write_attack_zone() {
    mkdir -p "$1/zones"
    {
        echo '$ORIGIN attack.test.'
        echo '@ 3600 IN SOA ns1 hostmaster 1 3600 600 1209600 60'
        echo '@ 3600 IN NS ns1'
        echo 'ns1 3600 IN A 127.0.0.1'
        for i in $(seq 0 99); do echo "host$i 3600 IN A 192.0.2.$((i % 250 + 1))"; done
    } >"$1/zones/attack.test.zone"
    for i in $(seq 0 99); do echo "host$i.attack.test A"; done >"$1/legit.txt"
}

# make attack's legitimate client (contrib/attack-rrl.py): 500 queries a second for $2 seconds
# from 127.0.2.1 to 127.0.0.1:$1, names from write_attack_zone's $3/legit.txt; prints its JSON.
attack_legit() {
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/attack-rrl.py" "$1" 500 "$2" 127.0.2.1 "$3/legit.txt"
}

# Starts knotd on write_attack_zone's zone in $1 (its run directory $1/knot) on 127.0.0.1:$2, at
# most 1,024 TCP clients as Cairn, and if $3 is given with its RRL module at $3 responses a second
# and slip 2, as make attack compares. Appends its pid to the caller's pids and sets knot_pid;
# returns once it answers.
start_attack_knot() {
    local work=$1 port=$2 rrl=${3:-}
    mkdir -p "$work/knot/db"
    {
        printf 'server:\n    rundir: "%s"\n    listen: 127.0.0.1@%s\n    tcp-max-clients: 1024\n' "$work/knot" "$port"
        printf 'log:\n  - target: stderr\n    any: warning\ndatabase:\n    storage: "%s"\n' "$work/knot/db"
        [ -z "$rrl" ] || printf 'mod-rrl:\n  - id: flood\n    rate-limit: %s\n    slip: 2\n' "$rrl"
        printf 'template:\n  - id: default\n    storage: "%s"\n    journal-content: none\n    zonefile-sync: -1\n' \
            "$work/zones"
        [ -z "$rrl" ] || printf '    global-module: mod-rrl/flood\n'
        printf 'zone:\n  - domain: attack.test.\n    file: "%s"\n' "$work/zones/attack.test.zone"
    } >"$work/knot/knot.conf"
    knotd -c "$work/knot/knot.conf" >"$work/knot/knot.log" 2>&1 &
    knot_pid=$!
    pids+=("$knot_pid")
    wait_for dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 host1.attack.test A
}

# Makes $2 acme-dns registrations through POST /register on 127.0.0.1:$1 and appends each to
# file $3 as "username password subdomain fulldomain".
register_many() {
    local port=$1 count=$2 file=$3
    for _ in $(seq "$count"); do
        curl -s -X POST "http://127.0.0.1:$port/register" | python3 -c \
            'import json,sys; d=json.load(sys.stdin); print(d["username"], d["password"], d["subdomain"], d["fulldomain"])' \
            >>"$file"
    done
}
