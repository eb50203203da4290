#!/bin/sh
# SPDX-License-Identifier: MIT
# /usr/lib/nanoacme/deploy-uhttpd: nanoacme --deploy-hook that makes
# uhttpd (LuCI's web server) serve the new certificate.
#
#   nanoacme -y -e me@example.com issue router.example.com \
#       --deploy-hook /usr/lib/nanoacme/deploy-uhttpd
#
# nanoacme remembers the hook with the certificate and runs it after each
# issue and renewal, with NANOACME_FULLCHAIN and NANOACME_PRIVKEY naming
# the files (STATE/certs/NAME/..., a path that stays the same across
# renewals). The hook points uhttpd.SECTION.cert/key (SECTION: the first
# argument, default main) at them. If that changed the configuration,
# `/etc/init.d/uhttpd reload` restarts uhttpd (procd restarts an instance
# whose command line changed); if the paths were already these, reload
# would do nothing and uhttpd would keep serving the old certificate from
# memory, so it is restarted instead.
#
# Attach it to the one certificate uhttpd should serve. Exit status 0, or
# 1 with a message (nanoacme then exits 9 and keeps the new certificate).
#
# For tests: NANOACME_ROOT prefixes every absolute path.

set -u

R=${NANOACME_ROOT:-}
UHTTPD_INIT=$R/etc/init.d/uhttpd
section=${1:-main}
crt=${NANOACME_FULLCHAIN:-}
key=${NANOACME_PRIVKEY:-}

err() {
	logger -t nanoacme-deploy -p daemon.err -- "$1" 2>/dev/null
	echo "deploy-uhttpd: $1" >&2
	exit 1
}

[ -n "$crt" ] && [ -n "$key" ] ||
	err "NANOACME_FULLCHAIN and NANOACME_PRIVKEY are not set: run me as nanoacme --deploy-hook"
[ -s "$crt" ] && [ -s "$key" ] || err "$crt or $key is missing or empty"
[ "$(uci -q get "uhttpd.$section")" = uhttpd ] ||
	err "uhttpd.$section: no such uhttpd section in /etc/config/uhttpd"
[ -x "$UHTTPD_INIT" ] || err "$UHTTPD_INIT not found: is uhttpd installed?"

old_crt=$(uci -q get "uhttpd.$section.cert") || old_crt=
old_key=$(uci -q get "uhttpd.$section.key") || old_key=
if [ "$old_crt" = "$crt" ] && [ "$old_key" = "$key" ]; then
	action=restart
else
	uci set "uhttpd.$section.cert=$crt" &&
		uci set "uhttpd.$section.key=$key" &&
		uci commit uhttpd || err "cannot update /etc/config/uhttpd"
	action=reload
fi
[ -n "$(uci -q get "uhttpd.$section.listen_https")" ] ||
	logger -t nanoacme-deploy -p daemon.warn -- \
		"uhttpd.$section has no listen_https: uhttpd will not serve HTTPS" 2>/dev/null
logger -t nanoacme-deploy -p daemon.info -- \
	"${NANOACME_NAME:-certificate} ${NANOACME_EVENT:-}: uhttpd $action" 2>/dev/null
"$UHTTPD_INIT" "$action" || err "$UHTTPD_INIT $action failed"
exit 0
