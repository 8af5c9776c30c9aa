#!/bin/sh
# certbot --manual-cleanup-hook: removes CERTBOT_VALIDATION from _acme-challenge.CERTBOT_DOMAIN
# through Cairn's httpreq API (POST /cleanup); other values there stay. Needs CAIRN_API and
# CAIRN_TOKEN; see cairn-httpreq.sh beside this file.
set -eu
exec "$(dirname "$(readlink -f "$0")")/cairn-httpreq.sh" cleanup \
    "${CERTBOT_DOMAIN:?run by certbot: CERTBOT_DOMAIN is not set}" \
    "${CERTBOT_VALIDATION:?run by certbot: CERTBOT_VALIDATION is not set}"
