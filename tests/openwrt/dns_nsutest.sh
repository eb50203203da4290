#!/usr/bin/env sh
# shellcheck disable=SC2034
dns_nsutest_info='RFC 2136 updates with nsupdate, in the form of acme.sh dnsapi scripts
Options:
 NSUTEST_SERVER Server address. Default: "localhost".
 NSUTEST_SERVER_PORT Server port. Default: "53".
 NSUTEST_KEY File path to TSIG key. Optional.
 NSUTEST_ZONE Domain zone to update. Optional.
'
# For tests/openwrt.sh: written the way acme.sh's dns_nsupdate is (its
# variables unset until read, $DEBUG and $nsdebug used bare, settings
# saved with _saveaccountconf_mutable), against a real DNS server (knot)
# on 127.0.0.1.

#Usage: dns_nsutest_add _acme-challenge.www.domain.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_nsutest_add() {
  fulldomain=$1
  txtvalue=$2
  _nsutest_read
  _saveaccountconf_mutable NSUTEST_SERVER "${NSUTEST_SERVER}"
  _saveaccountconf_mutable NSUTEST_SERVER_PORT "${NSUTEST_SERVER_PORT}"
  _saveaccountconf_mutable NSUTEST_KEY "${NSUTEST_KEY}"
  _saveaccountconf_mutable NSUTEST_ZONE "${NSUTEST_ZONE}"

  _info "adding ${fulldomain}. 60 in txt \"${txtvalue}\""
  [ -n "$DEBUG" ] && [ "$DEBUG" -ge "$DEBUG_LEVEL_1" ] && nsdebug="-d"
  [ -n "$DEBUG" ] && [ "$DEBUG" -ge "$DEBUG_LEVEL_2" ] && nsdebug="-D"
  _nsutest_send "update add ${fulldomain}. 60 in txt \"${txtvalue}\"" || {
    _err "error updating domain"
    return 1
  }
  return 0
}

#Usage: dns_nsutest_rm _acme-challenge.www.domain.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_nsutest_rm() {
  fulldomain=$1
  txtvalue=$2
  _nsutest_read

  _info "removing ${fulldomain}. txt \"${txtvalue}\""
  _nsutest_send "update delete ${fulldomain}. txt \"${txtvalue}\"" || {
    _err "error updating domain"
    return 1
  }
  return 0
}

# _nsutest_read: the settings from the environment, else the saved ones.
_nsutest_read() {
  NSUTEST_SERVER="${NSUTEST_SERVER:-$(_readaccountconf_mutable NSUTEST_SERVER)}"
  NSUTEST_SERVER_PORT="${NSUTEST_SERVER_PORT:-$(_readaccountconf_mutable NSUTEST_SERVER_PORT)}"
  NSUTEST_KEY="${NSUTEST_KEY:-$(_readaccountconf_mutable NSUTEST_KEY)}"
  NSUTEST_ZONE="${NSUTEST_ZONE:-$(_readaccountconf_mutable NSUTEST_ZONE)}"
}

# _nsutest_send COMMAND: one nsupdate COMMAND to the server (defaults
# localhost:53), in the zone if one is set.
_nsutest_send() {
  [ -n "${NSUTEST_SERVER}" ] || NSUTEST_SERVER="localhost"
  [ -n "${NSUTEST_SERVER_PORT}" ] || NSUTEST_SERVER_PORT=53
  if [ -z "${NSUTEST_ZONE}" ]; then
    #shellcheck disable=SC2086
    nsupdate ${NSUTEST_KEY:+-k "$NSUTEST_KEY"} $nsdebug <<EOT
server ${NSUTEST_SERVER} ${NSUTEST_SERVER_PORT}
$1
send
EOT
  else
    #shellcheck disable=SC2086
    nsupdate ${NSUTEST_KEY:+-k "$NSUTEST_KEY"} $nsdebug <<EOT
server ${NSUTEST_SERVER} ${NSUTEST_SERVER_PORT}
zone ${NSUTEST_ZONE}.
$1
send
EOT
  fi
}
