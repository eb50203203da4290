#!/usr/bin/env sh
# shellcheck disable=SC2034
dns_natapi_info='A provider in the form of acme.sh dnsapi scripts, for tests/openwrt.sh
Site: 127.0.0.1 (tests/openwrt/fake-dnsapi.py)
Options:
 NATAPI_Token API token
 NATAPI_Url API base URL. Default: "https://api.natapi.example/v1".
'
# Written the way acme.sh's dnsapi scripts are (dns_cf and its kin), so
# that the bridge meets what they do: variables read before they are set,
# credentials from the environment or saved with _saveaccountconf_mutable,
# _get/_post with custom headers ($_H1, $_H2) and JSON bodies, _egrep_o
# and _normalizeJson on the replies, _info/_err/_debug, HTTP_HEADER read.

########  Public functions #####################

#Usage: dns_natapi_add _acme-challenge.www.domain.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_natapi_add() {
  fulldomain=$1
  txtvalue=$2

  NATAPI_Token="${NATAPI_Token:-$(_readaccountconf_mutable NATAPI_Token)}"
  NATAPI_Url="${NATAPI_Url:-$(_readaccountconf_mutable NATAPI_Url)}"
  if [ -z "$NATAPI_Token" ]; then
    NATAPI_Token=""
    _err "You didn't specify a NATAPI token yet."
    return 1
  fi
  _saveaccountconf_mutable NATAPI_Token "$NATAPI_Token"
  _saveaccountconf_mutable NATAPI_Url "$NATAPI_Url"
  [ -n "$NATAPI_Url" ] || NATAPI_Url="https://api.natapi.example/v1"

  _debug "First detect the root zone"
  if ! _get_root "$fulldomain"; then
    _err "invalid domain"
    return 1
  fi
  _debug _domain_id "$_domain_id"
  _debug _sub_domain "$_sub_domain"
  _debug _domain "$_domain"

  _info "Adding record"
  if _natapi_rest POST "zones/$_domain_id/records" "{\"type\":\"TXT\",\"name\":\"$fulldomain\",\"content\":\"$txtvalue\",\"ttl\":120}"; then
    if _contains "$response" "$txtvalue"; then
      _info "Added, OK"
      return 0
    fi
  fi
  _err "Add txt record error."
  return 1
}

#Usage: dns_natapi_rm _acme-challenge.www.domain.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_natapi_rm() {
  fulldomain=$1
  txtvalue=$2

  NATAPI_Token="${NATAPI_Token:-$(_readaccountconf_mutable NATAPI_Token)}"
  NATAPI_Url="${NATAPI_Url:-$(_readaccountconf_mutable NATAPI_Url)}"
  [ -n "$NATAPI_Url" ] || NATAPI_Url="https://api.natapi.example/v1"

  if ! _get_root "$fulldomain"; then
    _err "invalid domain"
    return 1
  fi

  _natapi_rest GET "zones/${_domain_id}/records?type=TXT&name=$fulldomain"
  if ! printf "%s" "$response" | grep \"success\":true >/dev/null; then
    _err "Error: $response"
    return 1
  fi
  record_id=$(echo "$response" | _normalizeJson | _egrep_o "\"id\":\"[^\"]*\",\"type\":\"TXT\",\"name\":\"$fulldomain\",\"content\":\"$txtvalue\"" | cut -d : -f 2 | cut -d , -f 1 | tr -d \")
  _debug "record_id" "$record_id"
  if [ -z "$record_id" ]; then
    _info "Don't need to remove."
    return 0
  fi
  if ! _natapi_rest DELETE "zones/$_domain_id/records/$record_id"; then
    _err "Delete record error."
    return 1
  fi
  _contains "$response" '"success":true'
}

####################  Private functions below ##################################
#_acme-challenge.www.domain.com
#returns
# _sub_domain=_acme-challenge.www
# _domain=domain.com
# _domain_id=sdjkglgdfewsdfg
_get_root() {
  domain=$1
  i=1
  p=1

  while true; do
    h=$(printf "%s" "$domain" | cut -d . -f "$i"-100)
    _debug h "$h"
    if [ -z "$h" ]; then
      #not valid
      return 1
    fi

    if ! _natapi_rest GET "zones?name=$h"; then
      return 1
    fi

    if _contains "$response" "\"name\":\"$h\"" >/dev/null; then
      _domain_id=$(echo "$response" | _egrep_o "\[.\"id\": *\"[^\"]*\"" | _head_n 1 | cut -d : -f 2 | tr -d " " | tr -d \")
      if [ "$_domain_id" ]; then
        _sub_domain=$(printf "%s" "$domain" | cut -d . -f 1-"$p")
        _domain=$h
        return 0
      fi
      return 1
    fi
    p=$i
    i=$(_math "$i" + 1)
  done
  return 1
}

_natapi_rest() {
  m=$1
  ep="$2"
  data="$3"
  _debug "$ep"

  export _H1="Authorization: Bearer $NATAPI_Token"
  export _H2="X-Api-Client: nanoacme"

  if [ "$m" != "GET" ]; then
    _debug data "$data"
    response="$(_post "$data" "$NATAPI_Url/$ep" "" "$m" "application/json")"
  else
    response="$(_get "$NATAPI_Url/$ep")"
  fi

  if [ "$?" != "0" ]; then
    _err "error $ep"
    return 1
  fi
  _info "request" "$m $ep $(grep -i '^x-request-id:' "$HTTP_HEADER" | tr -d '\r')"
  _debug2 response "$response"
  return 0
}
