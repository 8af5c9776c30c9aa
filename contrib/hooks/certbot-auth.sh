#!/bin/sh
# certbot --manual-auth-hook: publishes CERTBOT_VALIDATION at _acme-challenge.CERTBOT_DOMAIN
# through Cairn's httpreq API (POST /present). Needs CAIRN_API and CAIRN_TOKEN; see
# cairn-httpreq.sh beside this file.
#
#   certbot certonly --manual --preferred-challenges dns \
#       --manual-auth-hook /path/to/certbot-auth.sh --manual-cleanup-hook /path/to/certbot-cleanup.sh \
#       -d example.com -d '*.example.com'
set -eu
exec "$(dirname "$(readlink -f "$0")")/cairn-httpreq.sh" present \
    "${CERTBOT_DOMAIN:?run by certbot: CERTBOT_DOMAIN is not set}" \
    "${CERTBOT_VALIDATION:?run by certbot: CERTBOT_VALIDATION is not set}"
