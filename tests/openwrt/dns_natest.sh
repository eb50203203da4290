# shellcheck shell=sh
# A dnsapi script in acme.sh's form (dns_NAME_add/dns_NAME_rm FQDN VALUE)
# for the tests: it publishes TXT records in pebble-challtestsrv, the DNS
# server Pebble's validator asks, through its management API on
# 127.0.0.1:$CHALLTESTSRV_MGMT_PORT. Uses _info/_err like real scripts,
# and NATEST_TOKEN, a "credential" that must come from the environment.
dns_natest_add() {
	[ "${NATEST_TOKEN:-}" = secret ] || { _err "NATEST_TOKEN missing"; return 1; }
	_info "Adding TXT record" "$1"
	echo "add $1 $2" >>"$STUB_LOG"
	curl -fsS -o /dev/null -X POST \
		-d "{\"host\":\"$1.\",\"value\":\"$2\"}" \
		"http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT/set-txt"
}

dns_natest_rm() {
	_info "Removing TXT record" "$1"
	echo "rm $1 $2" >>"$STUB_LOG"
	curl -fsS -o /dev/null -X POST -d "{\"host\":\"$1.\"}" \
		"http://127.0.0.1:$CHALLTESTSRV_MGMT_PORT/clear-txt"
}
