#!/bin/sh
# SPDX-License-Identifier: MIT
# /usr/lib/nanoacme/dnsapi-bridge: dns-01 (and dns-account-01) for
# nanoacme through acme.sh's dnsapi scripts (package acme-acmesh-dnsapi,
# /usr/lib/acme/client/dnsapi), without acme.sh.
#
# nanoacme --hook calls it as uacme does:
#   dnsapi-bridge begin|done|failed TYPE IDENT TOKEN AUTH
# For TYPE dns-01 or dns-account-01 it sources dnsapi/dns_NAME.sh (NAME
# from $dns: `dns_cf` or `cf`) and calls dns_NAME_add (begin) or
# dns_NAME_rm (done, failed) with the record name and AUTH, the TXT
# value. Any other TYPE is declined (exit 1), so nanoacme offers the next
# challenge of the authorization.
#
# The record name: $NANOACME_DNS_NAME (nanoacme sets it for every dns
# challenge: _acme-challenge.IDENT for dns-01, _LABEL._acme-challenge.IDENT
# for dns-account-01), else _acme-challenge.IDENT (IDENT of a wildcard is
# already its base name; a leading "*." is dropped all the same). With
# calias the part after "_acme-challenge." becomes $calias; with dalias
# the record is $dalias itself (acme.sh's challenge and domain alias).
# With either alias, dns-account-01 is declined: the CNAME an alias relies
# on is _acme-challenge.IDENT's, and dns-account-01's name is another.
#
# Environment (acme-common's hook exports it; nanoacme passes it on):
#   dns       dnsapi name (required)
#   dns_wait  seconds to wait after adding the record, for the provider's
#             name servers to serve it (default 30)
#   calias, dalias   see above
#   state_dir where the scripts' saved settings live: STATE/dnsapi/
#             (account.conf; one IDENT.conf a name), as acme.sh keeps them
#   debug     1: debug messages too
#   the provider's credentials (`list credentials 'CF_Token="..."'`)
#
# The scripts get acme.sh's helper functions from dnsapi-helpers.sh (our
# implementation of their contracts: _get, _post, _info, ...). They run
# as acme.sh runs them: without `set -u` or `set -e`, their own variables
# unset until they set them.
#
# For tests: NANOACME_ROOT prefixes every absolute path.

R=${NANOACME_ROOT:-}
DNSAPI_DIR=$R/usr/lib/acme/client/dnsapi
HELPERS=$R/usr/lib/nanoacme/dnsapi-helpers.sh
LOG_TAG=acme-nanoacme-dns
: "${dns:=}" "${dns_wait:=}" "${calias:=}" "${dalias:=}"
: "${state_dir:=/etc/acme}" "${debug:=0}"
NA_CONF_DIR=$state_dir/dnsapi

# _na_bridge_log PRIO MESSAGE: syslog (daemon facility) and stderr.
_na_bridge_log() {
	logger -t "$LOG_TAG" -p "daemon.$1" -- "$2" 2>/dev/null
	printf '%s: %s\n' "$LOG_TAG" "$2" >&2
}

# _na_is_name WORD: letters, digits, '-', '_', '*' and dots only.
_na_is_name() {
	case $1 in '' | -* | .* | *..* | *[!A-Za-z0-9._*-]*) return 1 ;; esac
	return 0
}

if [ $# -ne 5 ]; then
	echo "usage: $0 begin|done|failed TYPE IDENT TOKEN AUTH" >&2
	exit 2
fi
_na_method=$1
_na_type=$2
_na_ident=${3#\*.}
_na_auth=$5
case $_na_type in dns-01 | dns-account-01) ;; *) exit 1 ;; esac
case $_na_method in begin | done | failed) ;; *)
	echo "$0: unknown step '$_na_method'" >&2
	exit 2
	;;
esac

_na_name=${dns#dns_}
case $_na_name in
'' | *[!A-Za-z0-9_]*)
	_na_bridge_log err "option dns '$dns' is not an acme.sh dnsapi name such as dns_cf"
	exit 1
	;;
esac
_na_script=$DNSAPI_DIR/dns_$_na_name.sh
if [ ! -f "$_na_script" ]; then
	_na_bridge_log err "$_na_script not found: install acme-acmesh-dnsapi, or put dns_$_na_name.sh there"
	exit 1
fi

if [ "$_na_type" = dns-account-01 ] && [ -n "$calias$dalias" ]; then
	_na_bridge_log info "dns-account-01 declined for $_na_ident: calias/dalias name _acme-challenge records (dns-01)"
	exit 1
fi
_na_fqdn=${NANOACME_DNS_NAME:-_acme-challenge.$_na_ident}
if [ -n "$dalias" ]; then
	[ -z "$calias" ] || _na_bridge_log warn "both dalias and calias set: using dalias $dalias"
	_na_fqdn=$dalias
elif [ -n "$calias" ]; then
	case $_na_fqdn in
	*_acme-challenge.*) _na_fqdn=${_na_fqdn%%_acme-challenge.*}_acme-challenge.$calias ;;
	*) _na_fqdn=_acme-challenge.$calias ;;
	esac
fi
for _na_w in "$_na_ident" "$_na_fqdn"; do
	_na_is_name "$_na_w" || {
		_na_bridge_log err "'$_na_w' is not a DNS name"
		exit 1
	}
done
case $_na_auth in '' | *[!A-Za-z0-9_=+/-]*)
	_na_bridge_log err "the TXT value is not base64url text"
	exit 1
	;;
esac

# shellcheck source=/dev/null
. "$HELPERS" || {
	_na_bridge_log err "$HELPERS: cannot be loaded"
	exit 1
}
# shellcheck disable=SC2034 # read by dnsapi-helpers.sh
DOMAIN_CONF=$NA_CONF_DIR/$_na_ident.conf
trap _na_helpers_cleanup EXIT
umask 077

# shellcheck source=/dev/null
. "$_na_script" || {
	_na_bridge_log err "$_na_script: cannot be loaded"
	exit 1
}

if [ "$_na_method" = begin ]; then
	_na_bridge_log info "dns_${_na_name}_add $_na_fqdn ($_na_type)"
	if ! "dns_${_na_name}_add" "$_na_fqdn" "$_na_auth"; then
		_na_bridge_log err "dns_${_na_name}_add $_na_fqdn failed"
		exit 1
	fi
	_na_wait=${dns_wait:-30}
	case $_na_wait in '' | *[!0-9]*) _na_wait=30 ;; esac
	[ "$_na_wait" -eq 0 ] || sleep "$_na_wait"
else
	_na_bridge_log info "dns_${_na_name}_rm $_na_fqdn ($_na_type)"
	if ! "dns_${_na_name}_rm" "$_na_fqdn" "$_na_auth"; then
		_na_bridge_log err "dns_${_na_name}_rm $_na_fqdn failed"
		exit 1
	fi
fi
exit 0
