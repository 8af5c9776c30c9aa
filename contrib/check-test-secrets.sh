#!/usr/bin/env bash
# After `make test`: no key a test created or was given may appear in the log of any `cairn`
# process the tests started. The tests gather both into $1 (CAIRN_TEST_ARCHIVE):
# $1/secrets, one per line, and $1/logs/*.log. Fails when a secret is found, and when too little
# was gathered for the check to mean anything.
set -euo pipefail
archive=${1:?usage: check-test-secrets.sh ARCHIVE}
minimum_secrets=${CHECK_MINIMUM_SECRETS:-20}
minimum_logs=${CHECK_MINIMUM_LOGS:-20}

[ -f "$archive/secrets" ] || { echo "check-test-secrets: no secrets were noted in $archive" >&2; exit 1; }
[ -d "$archive/logs" ] || { echo "check-test-secrets: no cairn logs were archived in $archive" >&2; exit 1; }
# Keys shorter than 16 characters would match by chance; the tests' are 40 or more.
sort -u "$archive/secrets" | awk 'length($0) >= 16' >"$archive/secrets.unique"
secrets=$(wc -l <"$archive/secrets.unique")
logs=$(find "$archive/logs" -name '*.log' | wc -l)
if [ "$secrets" -lt "$minimum_secrets" ] || [ "$logs" -lt "$minimum_logs" ]; then
    echo "check-test-secrets: only $secrets secrets and $logs logs gathered (want $minimum_secrets and $minimum_logs)" >&2
    exit 1
fi
if found=$(grep -rlF -f "$archive/secrets.unique" "$archive/logs"); then
    echo "check-test-secrets: a key appears in these cairn logs:" >&2
    for file in $found; do
        grep -nF -f "$archive/secrets.unique" "$file" | head -3 >&2
    done
    exit 1
fi
echo "check-test-secrets: none of $secrets keys appears in $logs cairn logs ($(cat "$archive"/logs/*.log | wc -l) lines)"
