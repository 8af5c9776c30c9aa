#!/bin/sh
# dehydrated hook (CHALLENGETYPE="dns-01", HOOK=/path/to/dehydrated-hook.sh): publishes and
# removes the dns-01 values through Cairn's httpreq API. Works with HOOK_CHAIN="yes" (all
# challenges in one call: DOMAIN TOKEN_FILENAME TOKEN_VALUE repeated). Needs CAIRN_API and
# CAIRN_TOKEN (export them in dehydrated's config); see cairn-httpreq.sh beside this file.
set -eu
helper="$(dirname "$(readlink -f "$0")")/cairn-httpreq.sh"
handler=${1:-}
[ $# -gt 0 ] && shift
case "$handler" in
deploy_challenge | clean_challenge)
    operation=present
    [ "$handler" = clean_challenge ] && operation=cleanup
    while [ $# -ge 3 ]; do
        "$helper" "$operation" "$1" "$3"
        shift 3
    done
    ;;
*) ;; # every other handler (deploy_cert, startup_hook, …): nothing to do for Cairn
esac
