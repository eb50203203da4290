# shellcheck shell=sh
# shellcheck disable=SC2034,SC2119,SC2120 # a library: its variables are
# read and its optional arguments passed by the dnsapi scripts
# SPDX-License-Identifier: MIT
# /usr/lib/nanoacme/dnsapi-helpers.sh: the helper functions acme.sh's
# dnsapi scripts (acme-acmesh-dnsapi, /usr/lib/acme/client/dnsapi) call,
# so that they run without acme.sh. Sourced by the dnsapi bridge before
# the provider script; written for busybox ash.
#
# Each function keeps the contract of acme.sh's function of the same name
# (arguments, output, status, the variables it reads and sets), read in
# acme.sh's source; the code is ours. In short:
#   _info/_err/_debug*/_secure_debug* NAME [VALUE]   log (syslog + stderr);
#       _err returns 1; _debug* only with debug=1 (DEBUG is then 1)
#   _get URL [ONLYHEADER] [TIMEOUT]   body on stdout (the headers with
#       ONLYHEADER); the response headers in the file $HTTP_HEADER;
#       status: the HTTP client's (0 also for an HTTP error status)
#   _post BODY URL [NEEDBASE64] [METHOD] [CONTENT_TYPE]   the same for
#       POST (default), PUT, DELETE, PATCH, HEAD; NEEDBASE64: the body
#       comes back base64-encoded. Both send the headers $_H1.. $_H5 and
#       User-Agent $USER_AGENT. curl when installed (any method); else
#       uclient-fetch (OpenWrt's default; GET and POST only, and no
#       response headers)
#   _readaccountconf[_mutable] KEY, _saveaccountconf[_mutable] KEY VALUE
#       [BASE64], _clearaccountconf[_mutable] KEY: settings kept in
#       $ACCOUNT_CONF_PATH as KEY='VALUE' lines (SAVED_KEY for _mutable);
#       _readdomainconf/_savedomainconf/_cleardomainconf: $DOMAIN_CONF
#   _contains STR SUB (grep pattern), _startswith, _endswith, _hasfield,
#   _getfield, _egrep_o RE (stdin), _math EXPR, _lower_case,
#   _upper_case (stdin), _head_n N, _tail_n N, _tail_c N,
#   _normalizeJson, _json_decode, _json_encode (stdin), _url_encode
#   [upper-hex] (stdin), _base64 [multiline], _dbase64 [multiline],
#   _digest ALG [hex] (stdin), _hmac ALG HEXKEY [hex], _h2b, _hex_dump,
#   _sed_i OPTIONS FILE, _mktemp, _time, _utc_date, _exists CMD,
#   _sleep N, _url_replace, _resethttp (ACME_HTTP_NO_REDIRECTS: curl
#   does not follow redirects), _log (nothing: no log file), _is_idn,
#   _idn (no conversion: names arrive as A-labels)
# _digest uses openssl when installed, else busybox's sha256sum, sha1sum
# or md5sum; _hmac needs openssl (package openssl-util); _base64 uses
# openssl or base64.
#
# Before sourcing: LOG_TAG (syslog tag), debug (1 or not), NA_CONF_DIR
# (where the settings files live, created 0700). Variables set here for
# the scripts: DEBUG, DEBUG_LEVEL_1..3, DEBUG_LEVEL_DEFAULT, USER_AGENT,
# HTTP_HEADER, ACCOUNT_CONF_PATH, DOMAIN_CONF (the caller may change it),
# LE_WORKING_DIR, LE_CONFIG_HOME. NANOACME_HTTP_CLIENT=curl|uclient-fetch
# forces a client (tests).

DEBUG_LEVEL_1=1
DEBUG_LEVEL_2=2
DEBUG_LEVEL_3=3
DEBUG_LEVEL_DEFAULT=$DEBUG_LEVEL_1
DEBUG=
[ "${debug:-0}" != 1 ] || DEBUG=$DEBUG_LEVEL_1
USER_AGENT=${USER_AGENT:-nanoacme-dnsapi}
B64CONF_START=__ACME_BASE64__START_
B64CONF_END=__ACME_BASE64__END_
LE_WORKING_DIR=$NA_CONF_DIR
LE_CONFIG_HOME=$NA_CONF_DIR
ACCOUNT_CONF_PATH=$NA_CONF_DIR/account.conf
DOMAIN_CONF=$NA_CONF_DIR/domain.conf
# one file for the whole run, as acme.sh's (the scripts call _get and
# _post in $(...) subshells and read it afterwards)
HTTP_HEADER=$(mktemp "${TMPDIR:-/tmp}/nanoacme-dnsapi.XXXXXX") || HTTP_HEADER=
_na_tmp=$HTTP_HEADER

# --- logging ------------------------------------------------------------------

# _na_log PRIO TEXT: syslog (daemon facility) and stderr.
_na_log() {
	logger -t "${LOG_TAG:-nanoacme-dnsapi}" -p "daemon.$1" -- "$2" 2>/dev/null
	printf '%s: %s\n' "${LOG_TAG:-nanoacme-dnsapi}" "$2" >&2
}

# _na_msg NAME [VALUE]: acme.sh's message form, NAME='VALUE'.
_na_msg() {
	if [ $# -gt 1 ]; then
		printf "%s='%s'" "$1" "$2"
	else
		printf '%s' "${1:-}"
	fi
}

# _log: acme.sh's log file only; there is none here (syslog has the rest)
_log() { :; }
_info() { _na_log info "$(_na_msg "$@")"; }
_err() {
	_na_log err "$(_na_msg "$@")"
	return 1
}
_usage() { _err "$@"; }
_debug() { [ -z "$DEBUG" ] || _na_log debug "$(_na_msg "$@")"; }
_debug2() { _debug "$@"; }
_debug3() { _debug "$@"; }
# secrets are not logged, only their name
_secure_debug() { _debug "$1" "${2:+(hidden)}"; }
_secure_debug2() { _secure_debug "$@"; }
_secure_debug3() { _secure_debug "$@"; }

# --- strings ------------------------------------------------------------------

_exists() { [ -n "${1:-}" ] && command -v "$1" >/dev/null 2>&1; }
_contains() { printf '%s\n' "$1" | grep -- "$2" >/dev/null 2>&1; }
_startswith() { printf '%s\n' "$1" | grep -- "^$2" >/dev/null 2>&1; }
_endswith() { printf '%s\n' "$1" | grep -- "$2\$" >/dev/null 2>&1; }
_math() { printf '%s' "$(($*))"; }
_lower_case() { tr 'A-Z' 'a-z'; }
_upper_case() { tr 'a-z' 'A-Z'; }
_head_n() { head -n "$1"; }
_tail_n() { tail -n "$1"; }
_tail_c() { tail -c "$1"; }
_egrep_o() { grep -Eo -- "$1" 2>/dev/null; }
_sleep() { sleep "$1"; }
_time() { date -u +%s; }
_utc_date() { date -u '+%Y-%m-%d %H:%M:%S'; }
_url_replace() { tr '/+' '_-' | tr -d '= '; }
_is_idn() { return 1; }
_idn() { printf '%s' "$1"; }

# _hasfield STR FIELD [SEP]: FIELD is one of STR's SEP-separated fields.
_hasfield() {
	local f
	[ -n "${2:-}" ] || return 1
	for f in $(printf '%s' "$1" | tr "${3:-,}" ' '); do
		[ "$f" != "$2" ] || return 0
	done
	return 1
}

# _getfield STR INDEX [SEP]: field INDEX (from 1), else the nearest
# non-empty one before it, else STR.
_getfield() {
	local i=$2 v
	while [ "$i" -gt 0 ]; do
		v=$(printf '%s\n' "$1" | cut -d "${3:-,}" -f "$i")
		if [ -n "$v" ]; then
			printf '%s' "$v"
			return 0
		fi
		i=$((i - 1))
	done
	printf '%s' "$1"
}

# _sed_i OPTIONS FILE: sed -i.
_sed_i() {
	[ -n "${2:-}" ] || return 1
	sed -i "$1" "$2"
}

_mktemp() { mktemp "${TMPDIR:-/tmp}/nanoacme-dnsapi.XXXXXX"; }

# --- JSON, encodings, digests ---------------------------------------------------

# stdin: JSON; out: one line, no space between a key's colon and its
# string, object or array value, no leading blanks.
_normalizeJson() {
	sed 's/" *: *\(["{[]\)/":\1/g' | sed 's/^ *\([^ ]\)/\1/' | tr -d '\r\n'
}

# stdin: JSON text; "\/" becomes "/".
_json_decode() { sed 's#\\/#/#g'; }

# stdin: text; out: the text as the inside of a JSON string (quotes,
# backslashes and control characters escaped, lines joined with \n).
_json_encode() {
	awk 'BEGIN { ORS = "" }
	{
		gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r")
		if (NR > 1) print "\\n"
		print
	}'
}

# stdin: bytes; out: " 61 62 63" (lower-case hex, one space before each).
_hex_dump() {
	od -A n -v -t x1 | tr -s ' \t\n' '   ' | sed 's/ $//'
}

# stdin: hex digits; out: those bytes.
_h2b() {
	local hex p
	hex=$(tr -d ' \n\r\t' | tr 'A-F' 'a-f')
	while [ -n "$hex" ]; do
		p=${hex%"${hex#??}"}
		hex=${hex#??}
		# shellcheck disable=SC2059 # an octal escape built here
		printf "\\$(printf '%03o' "$((0x$p))")"
	done
}

# _ascii_hex STR: " 61 62" for each character of STR.
_ascii_hex() { printf '%s' "$1" | _hex_dump; }

# _url_encode [upper-hex]: stdin percent-encoded, all but A-Z a-z 0-9 - _ . ~
_url_encode() {
	_hex_dump | awk -v up="${1:-}" '{
		for (i = 1; i <= NF; i++) {
			h = $i
			n = index("0123456789abcdef", substr(h, 1, 1)) * 16 - 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1
			if ((n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122) || n == 45 || n == 95 || n == 46 || n == 126)
				printf "%c", n
			else
				printf "%%%s", up != "" ? toupper(h) : h
		}
	}'
}

# _base64 [multiline]: stdin in base64, one line unless multiline.
_base64() {
	if _exists openssl; then
		if [ -n "${1:-}" ]; then openssl base64 -e; else openssl base64 -e | tr -d '\r\n'; fi
	elif [ -n "${1:-}" ]; then
		base64
	else
		base64 | tr -d '\r\n'
	fi
}

# _dbase64 [multiline]: stdin decoded.
_dbase64() {
	if _exists openssl; then
		if [ -n "${1:-}" ]; then openssl base64 -d; else openssl base64 -d -A; fi
	else
		tr -d '\r\n' | base64 -d
	fi
}

# _digest sha256|sha1|md5 [hex]: digest of stdin, base64 (or hex).
_digest() {
	local hex
	case ${1:-} in
	sha256 | sha1 | md5) ;;
	*)
		_err "$1 is not supported yet"
		return 1
		;;
	esac
	if _exists openssl; then
		if [ -n "${2:-}" ]; then
			openssl dgst -"$1" -hex | cut -d = -f 2 | tr -d ' '
		else
			openssl dgst -"$1" -binary | _base64
		fi
		return
	fi
	_exists "${1}sum" || {
		_err "_digest $1: neither openssl nor ${1}sum is installed"
		return 1
	}
	hex=$("${1}sum" | cut -d ' ' -f 1)
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$hex"
	else
		printf '%s' "$hex" | _h2b | _base64
	fi
}

# _hmac sha256|sha1 HEXKEY [hex]: HMAC of stdin, binary (or hex).
_hmac() {
	[ -n "${2:-}" ] || {
		_usage "Usage: _hmac hashalg secret [outputhex]"
		return 1
	}
	case ${1:-} in
	sha256 | sha1) ;;
	*)
		_err "$1 is not supported yet"
		return 1
		;;
	esac
	_exists openssl || {
		_err "_hmac needs openssl: install openssl-util"
		return 1
	}
	if [ -n "${3:-}" ]; then
		openssl dgst -"$1" -mac HMAC -macopt "hexkey:$2" | cut -d = -f 2 | tr -d ' '
	else
		openssl dgst -"$1" -mac HMAC -macopt "hexkey:$2" -binary
	fi
}

# --- settings -------------------------------------------------------------------

# _na_key KEY: KEY is a shell variable name (else an error).
_na_key() {
	case $1 in '' | [0-9]* | *[!A-Za-z0-9_]*)
		_err "'$1' is not a variable name"
		return 1
		;;
	esac
}

# _na_conf_read FILE KEY: the value of KEY='...' in FILE (the last one).
_na_conf_read() {
	local v
	_na_key "$2" || return 1
	[ -f "$1" ] || return 0
	v=$(sed -n "s/^$2=//p" "$1" | tail -n 1)
	v=${v#\'}
	v=${v%\'}
	v=$(printf '%s' "$v" | sed "s/'\\\\''/'/g")
	case $v in
	"$B64CONF_START"*"$B64CONF_END")
		v=${v#"$B64CONF_START"}
		v=${v%"$B64CONF_END"}
		v=$(printf '%s' "$v" | _dbase64)
		;;
	esac
	printf '%s' "$v"
}

# _na_conf_write FILE KEY VALUE [BASE64]: KEY='VALUE' replaces KEY's line
# (a new file of mode 0600, renamed over FILE).
_na_conf_write() {
	local v=$3 tmp
	_na_key "$2" || return 1
	[ -z "$v" ] || [ -z "${4:-}" ] || v=$B64CONF_START$(printf '%s' "$v" | _base64)$B64CONF_END
	v=$(printf '%s' "$v" | sed "s/'/'\\\\''/g")
	{ mkdir -p "${1%/*}" && chmod 700 "${1%/*}"; } || return 1
	tmp=$(mktemp "$1.XXXXXX") || return 1
	if {
		[ ! -f "$1" ] || awk -v k="$2" 'index($0, k "=") != 1' "$1"
		printf "%s='%s'\n" "$2" "$v"
	} >"$tmp" && mv -f "$tmp" "$1"; then
		return 0
	fi
	rm -f "$tmp"
	return 1
}

# _na_conf_clear FILE KEY
_na_conf_clear() {
	local tmp
	_na_key "$2" || return 1
	[ -f "$1" ] || return 0
	tmp=$(mktemp "$1.XXXXXX") || return 1
	awk -v k="$2" 'index($0, k "=") != 1' "$1" >"$tmp" && mv -f "$tmp" "$1"
}

_readaccountconf() { _na_conf_read "$ACCOUNT_CONF_PATH" "$1"; }
_readaccountconf_mutable() { _na_conf_read "$ACCOUNT_CONF_PATH" "SAVED_$1"; }
_saveaccountconf() { _na_conf_write "$ACCOUNT_CONF_PATH" "$@"; }
_saveaccountconf_mutable() {
	_na_conf_write "$ACCOUNT_CONF_PATH" "SAVED_$1" "${2:-}" "${3:-}" &&
		_na_conf_clear "$ACCOUNT_CONF_PATH" "$1"
}
_clearaccountconf() { _na_conf_clear "$ACCOUNT_CONF_PATH" "$1"; }
_clearaccountconf_mutable() {
	_na_conf_clear "$ACCOUNT_CONF_PATH" "SAVED_$1" &&
		_na_conf_clear "$ACCOUNT_CONF_PATH" "$1"
}
_readdomainconf() { _na_conf_read "$DOMAIN_CONF" "$1"; }
_savedomainconf() { _na_conf_write "$DOMAIN_CONF" "$@"; }
_cleardomainconf() { _na_conf_clear "$DOMAIN_CONF" "$1"; }
_savedeployconf() { _savedomainconf "SAVED_$1" "${2:-}" "${3:-}"; }

# _getdeployconf KEY: KEY from the environment, else the saved value
# (exported either way).
_getdeployconf() {
	local v
	eval "v=\${$1:-}"
	[ -n "$v" ] || v=$(_readdomainconf "SAVED_$1")
	eval "$1=\$v"
	export "${1?}"
}

# --- HTTP -----------------------------------------------------------------------

# _inithttp: $HTTP_HEADER is writable, the client chosen.
_inithttp() {
	[ -n "$HTTP_HEADER" ] && : >>"$HTTP_HEADER" || {
		_err "cannot write the HTTP header file '$HTTP_HEADER'"
		return 1
	}
	[ -z "${_na_client:-}" ] || return 0
	_na_client=${NANOACME_HTTP_CLIENT:-}
	if [ -z "$_na_client" ]; then
		if _exists curl; then
			_na_client=curl
		elif _exists uclient-fetch; then
			_na_client=uclient-fetch
		else
			_err "neither curl nor uclient-fetch is installed: cannot reach the DNS provider"
			return 1
		fi
	fi
}

# _na_http METHOD URL ONLYHEADER TIMEOUT [BODY]: the request; body (or,
# with ONLYHEADER, the headers) on stdout; headers in $HTTP_HEADER.
_na_http() {
	local m=$1 url=$2 oh=$3 t=$4 body rc n v
	shift 4
	: >"$HTTP_HEADER"
	if [ "$_na_client" = curl ]; then
		_na_curl "$m" "$url" "$oh" "$t" "$@"
		return
	fi
	case $m in GET | POST) ;; *)
		_err "$m $url: uclient-fetch knows GET and POST only; install curl for this DNS provider"
		return 1
		;;
	esac
	[ -z "$oh" ] || {
		_err "HEAD $url: install curl for this DNS provider"
		return 1
	}
	body=${1:-}
	set -- -q -O - --user-agent="$USER_AGENT"
	[ -z "$t" ] || set -- "$@" --timeout="$t"
	for n in 1 2 3 4 5; do
		eval "v=\${_H$n:-}"
		[ -z "$v" ] || set -- "$@" --header="$v"
	done
	[ -z "${_na_ctype:-}" ] || set -- "$@" --header="Content-Type: $_na_ctype"
	[ "$m" != POST ] || set -- "$@" --post-data="$body"
	uclient-fetch "$@" "$url"
	rc=$?
	[ "$rc" = 0 ] || _err "uclient-fetch $url: exit $rc"
	return "$rc"
}

# _na_curl METHOD URL ONLYHEADER TIMEOUT [BODY]
_na_curl() {
	local m=$1 url=$2 oh=$3 t=$4 body has_body=0 rc n v
	[ $# -lt 5 ] || { body=$5; has_body=1; }
	set -- --silent --dump-header "$HTTP_HEADER" -g --user-agent "$USER_AGENT"
	[ -n "${ACME_HTTP_NO_REDIRECTS:-}" ] || set -- "$@" -L
	[ -z "$t" ] || set -- "$@" --connect-timeout "$t"
	if [ -n "$oh" ] || [ "$m" = HEAD ]; then
		set -- "$@" -I
	elif [ "$m" != GET ]; then
		set -- "$@" -X "$m"
	fi
	for n in 1 2 3 4 5; do
		eval "v=\${_H$n:-}"
		[ -z "$v" ] || set -- "$@" -H "$v"
	done
	[ -z "${_na_ctype:-}" ] || set -- "$@" -H "Content-Type: $_na_ctype"
	[ "$has_body" = 0 ] || [ -z "$body" ] || set -- "$@" --data "$body"
	curl "$@" "$url"
	rc=$?
	[ "$rc" = 0 ] || _err "curl $url: exit $rc (see https://curl.se/libcurl/c/libcurl-errors.html)"
	return "$rc"
}

# _resethttp: the next request chooses its client again (and reads
# ACME_HTTP_NO_REDIRECTS anew).
_resethttp() { _na_client=; }

# _get URL [ONLYHEADER] [TIMEOUT]
_get() {
	local rc
	_debug GET "$1"
	_inithttp || return 1
	_na_ctype=
	_na_http GET "$1" "${2:-}" "${3:-}"
	rc=$?
	_debug "ret" "$rc"
	return "$rc"
}

# _post BODY URL [NEEDBASE64] [METHOD] [CONTENT_TYPE]
_post() {
	local m=${4:-POST} rc
	_debug "$m" "$2"
	_inithttp || return 1
	_na_ctype=${5:-}
	if [ -n "${3:-}" ]; then
		response=$(_na_http "$m" "$2" "" "" "$1" | _base64)
	else
		response=$(_na_http "$m" "$2" "" "" "$1")
	fi
	rc=$?
	_ret=$rc
	_na_ctype=
	_debug "_ret" "$rc"
	printf '%s' "$response"
	return "$rc"
}

# _na_helpers_cleanup: remove the temporary files made here.
_na_helpers_cleanup() {
	# shellcheck disable=SC2086 # a list of mktemp names
	[ -z "$_na_tmp" ] || rm -f $_na_tmp
	_na_tmp=
}
