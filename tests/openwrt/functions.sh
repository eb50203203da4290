# shellcheck shell=sh
# Test double of acme-common's /usr/lib/acme/functions.sh: the same
# interface and behaviour (log through logger; add_nft_rule inserts an
# input accept rule with nft -a -e and keeps its handle in NFT_HANDLE;
# del_nft_rule deletes it), run against the nft stub. log records the
# logger call in $STUB_LOG itself: Debian's busybox-static ash runs its
# own logger applet whatever $PATH says.
log() {
	prio=$1
	shift
	if [ "$prio" != debug ] || [ "${debug:-0}" = 1 ]; then
		echo "logger -t $LOG_TAG -p daemon.$prio -- $*" >>"$STUB_LOG"
	fi
}

NFT_HANDLE=

add_nft_rule() {
	[ -n "$2" ] || return
	case $2 in
	[0-9]*) ;;
	*) log err "Invalid listen port $2 for $1"; return 1 ;;
	esac
	if ! NFT_HANDLE=$(nft -a -e insert rule inet fw4 input tcp dport "$2" \
		counter accept comment \""ACME $1"\" | grep -o 'handle [0-9]\+'); then
		log err "Failed to add nftables rule for port $2"
		return 1
	fi
	echo "$NFT_HANDLE"
}

del_nft_rule() {
	if [ -n "$NFT_HANDLE" ]; then
		# shellcheck disable=SC2086 # "handle N": two words
		nft delete rule inet fw4 input $NFT_HANDLE ||
			log err "Failed to delete nftables rule $NFT_HANDLE"
		NFT_HANDLE=
	fi
}
