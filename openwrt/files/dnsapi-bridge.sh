#!/bin/sh
# SPDX-License-Identifier: MIT
# /usr/lib/nanoacme/dnsapi-bridge: dns-01 for nanoacme through acme.sh's
# dnsapi scripts (package acme-acmesh-dnsapi, /usr/lib/acme/client/dnsapi).
#
# nanoacme --hook calls it as uacme does:
#   dnsapi-bridge begin|done|failed TYPE IDENT TOKEN AUTH
# For TYPE dns-01 it sources dnsapi/dns_NAME.sh (NAME from $dns: `dns_cf`
# or `cf`) and calls dns_NAME_add (begin) or dns_NAME_rm (done, failed)
# with the record name and AUTH, the TXT value. Any other TYPE is declined
# (exit 1), so nanoacme offers the next challenge of the authorization.
#
# Environment (acme-common's hook exports it; nanoacme passes it on):
#   dns       dnsapi name (required)
#   dns_wait  seconds to wait after adding the record, for the provider's
#             name servers to serve it (default 30)
#   calias    challenge alias: the record is _acme-challenge.$calias
#   dalias    domain alias: the record is $dalias itself
#   state_dir acme.sh's home for the scripts' saved settings (/etc/acme)
#   debug     1: debug messages too
#   the provider's credentials (`list credentials 'CF_Token="..."'`)
# The record name is otherwise _acme-challenge.IDENT (IDENT of a wildcard
# is already its base name; a leading "*." is dropped all the same).
#
# The dnsapi scripts call acme.sh's helper functions (_info, _post, ...).
# When /usr/lib/acme/client/acme.sh is installed it is loaded as a library
# for them; otherwise a small built-in set covers logging and settings
# (credentials come from the environment on every run), which is enough
# for scripts that do their own network I/O (nsupdate, ...) but not for
# those that call acme.sh's _get/_post: those then fail with a message.
#
# For tests: NANOACME_ROOT prefixes every absolute path.

set -u
set -f

R=${NANOACME_ROOT:-}
DNSAPI_DIR=$R/usr/lib/acme/client/dnsapi
ACMESH=$R/usr/lib/acme/client/acme.sh
LOG_TAG=acme-nanoacme-dns
: "${dns:=}" "${dns_wait:=}" "${calias:=}" "${dalias:=}"
: "${state_dir:=/etc/acme}" "${debug:=0}"

# _na_log PRIO MESSAGE: syslog (daemon facility) and stderr.
_na_log() {
	[ "$1" != debug ] || [ "$debug" = 1 ] || return 0
	logger -t "$LOG_TAG" -p "daemon.$1" -- "$2" 2>/dev/null
	printf '%s: %s\n' "$LOG_TAG" "$2" >&2
}

# _na_args NAME [VALUE]: acme.sh's message format, NAME='VALUE'.
_na_args() {
	if [ -n "${2:-}" ]; then
		printf "%s='%s'" "$1" "$2"
	else
		printf '%s' "${1:-}"
	fi
}

# The helpers the dnsapi scripts expect, replaced by acme.sh's own below
# when acme.sh is installed.
_info() { _na_log info "$(_na_args "$@")"; }
_err() { _na_log err "$(_na_args "$@")"; return 1; }
_debug() { _na_log debug "$(_na_args "$@")"; }
_debug2() { _debug "$@"; }
_debug3() { _debug "$@"; }
_secure_debug() { _na_log debug "$1"; }
_secure_debug2() { _secure_debug "$@"; }
_secure_debug3() { _secure_debug "$@"; }
_exists() { command -v "$1" >/dev/null 2>&1; }
_contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
_startswith() { case $1 in "$2"*) return 0 ;; esac; return 1; }
_endswith() { case $1 in *"$2") return 0 ;; esac; return 1; }
_math() { printf '%s' "$(($*))"; }
_lower_case() { tr 'A-Z' 'a-z'; }
_upper_case() { tr 'a-z' 'A-Z'; }
_head_n() { head -n "$1"; }
_tail_n() { tail -n "$1"; }
_egrep_o() { grep -Eo -- "$1" 2>/dev/null; }
_sleep() { sleep "$1"; }
_time() { date -u +%s; }
# Settings: credentials come from the environment on every run, so there
# is nothing to read back and nothing needs saving.
_readaccountconf() { :; }
_readaccountconf_mutable() { :; }
_saveaccountconf() { :; }
_saveaccountconf_mutable() { :; }
_clearaccountconf() { :; }
_clearaccountconf_mutable() { :; }
_readdomainconf() { :; }
_savedomainconf() { :; }
_cleardomainconf() { :; }
_getdeployconf() { :; }
_savedeployconf() { :; }
_get() { _err "dns_$name needs acme.sh's _get: install acme.sh (/usr/lib/acme/client/acme.sh)"; }
_post() { _err "dns_$name needs acme.sh's _post: install acme.sh (/usr/lib/acme/client/acme.sh)"; }

# load_acmesh: acme.sh's functions, without running any of its commands
# (with no arguments its main() only prints the usage, sent to /dev/null).
load_acmesh() {
	LE_WORKING_DIR=$state_dir
	LE_CONFIG_HOME=$state_dir
	NO_TIMESTAMP=1
	export LE_WORKING_DIR LE_CONFIG_HOME NO_TIMESTAMP
	# shellcheck source=/dev/null
	. "$ACMESH" >/dev/null 2>&1
	if command -v _initpath >/dev/null 2>&1; then
		_initpath >/dev/null 2>&1
	fi
	return 0
}

if [ $# -ne 5 ]; then
	echo "usage: $0 begin|done|failed TYPE IDENT TOKEN AUTH" >&2
	exit 2
fi
method=$1
type=$2
ident=${3#\*.}
auth=$5
[ "$type" = dns-01 ] || exit 1

name=${dns#dns_}
case $name in
'' | *[!A-Za-z0-9_]*)
	_na_log err "option dns '$dns' is not an acme.sh dnsapi name such as dns_cf"
	exit 1
	;;
esac
script=$DNSAPI_DIR/dns_$name.sh
if [ ! -f "$script" ]; then
	_na_log err "$script not found: install acme-acmesh-dnsapi, or put dns_$name.sh there"
	exit 1
fi
if [ -n "$dalias" ]; then
	fqdn=$dalias
	[ -z "$calias" ] || _na_log warn "both dalias and calias set: using dalias $dalias"
elif [ -n "$calias" ]; then
	fqdn=_acme-challenge.$calias
else
	fqdn=_acme-challenge.$ident
fi

[ ! -f "$ACMESH" ] || load_acmesh
# shellcheck source=/dev/null
. "$script" || {
	_na_log err "$script: cannot be loaded"
	exit 1
}

case $method in
begin)
	_na_log info "dns_${name}_add $fqdn"
	if ! "dns_${name}_add" "$fqdn" "$auth"; then
		_na_log err "dns_${name}_add $fqdn failed"
		exit 1
	fi
	wait_s=${dns_wait:-30}
	case $wait_s in '' | *[!0-9]*) wait_s=30 ;; esac
	[ "$wait_s" -eq 0 ] || sleep "$wait_s"
	;;
done | failed)
	_na_log info "dns_${name}_rm $fqdn"
	"dns_${name}_rm" "$fqdn" "$auth" || {
		_na_log err "dns_${name}_rm $fqdn failed"
		exit 1
	}
	;;
*)
	echo "$0: unknown step '$method'" >&2
	exit 2
	;;
esac
exit 0
