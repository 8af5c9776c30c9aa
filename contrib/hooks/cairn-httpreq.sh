#!/bin/sh
# Publishes or removes one dns-01 value through Cairn's lego-httpreq compatible API.
#
# usage: cairn-httpreq.sh present|cleanup DOMAIN VALUE
#   DOMAIN  the name being validated: example.com or *.example.com (the TXT goes to
#           _acme-challenge.example.com.)
#   VALUE   the dns-01 TXT value (43 base64url characters)
#
# Environment:
#   CAIRN_API        API base URL, e.g. http://127.0.0.1:8053 (required)
#   CAIRN_TOKEN      "ID:KEY" as printed by `cairn token create --domain example.com` (required)
#   CAIRN_CA_BUNDLE  PEM file to trust for an https API with a private CA (optional)
#   CAIRN_TIMEOUT    seconds per request (default 30)
#
# Exits non-zero, with the API's reply on standard error, when Cairn refuses. A 2xx from Cairn
# means the value is stored and already served, so there is nothing to wait for afterwards.
set -eu

operation=${1:-}
domain=${2:-}
value=${3:-}
case "$operation" in present | cleanup) ;; *)
    echo "usage: $0 present|cleanup DOMAIN VALUE" >&2
    exit 2
    ;;
esac
api=${CAIRN_API:?set CAIRN_API to the base URL of the Cairn API, e.g. http://127.0.0.1:8053}
token=${CAIRN_TOKEN:?set CAIRN_TOKEN to ID:KEY from cairn token create}

domain=${domain#\*.}
domain=${domain%.}
# Only what a DNS name and a dns-01 value can contain, so the JSON below needs no escaping.
case "$domain" in '' | *[!A-Za-z0-9.-]*)
    echo "$0: not a domain name: '$domain'" >&2
    exit 2
    ;;
esac
case "$value" in '' | *[!A-Za-z0-9_-]*)
    echo "$0: not a dns-01 value: '$value'" >&2
    exit 2
    ;;
esac

set -- --silent --show-error --fail-with-body --max-time "${CAIRN_TIMEOUT:-30}" \
    --retry 2 --user "$token" --header 'Content-Type: application/json' \
    --data "{\"fqdn\":\"_acme-challenge.$domain.\",\"value\":\"$value\"}"
if [ -n "${CAIRN_CA_BUNDLE:-}" ]; then set -- "$@" --cacert "$CAIRN_CA_BUNDLE"; fi

if ! reply=$(curl "$@" "${api%/}/$operation" 2>&1); then
    echo "$0: POST ${api%/}/$operation for _acme-challenge.$domain. failed: $reply" >&2
    exit 1
fi
