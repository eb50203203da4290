#!/bin/sh
# SPDX-License-Identifier: MIT
# /usr/sbin/nanoacme-cron: nanoacme renewals from busybox cron, without
# acme-common (package nanoacme-cron).
#
#   nanoacme-cron install   add the daily entry to /etc/crontabs/root, at a
#                           random minute and hour chosen once (so routers
#                           do not all reach the CA at midnight); an entry
#                           already there is kept as it is and duplicates
#                           are removed, so running it again (postinst,
#                           after sysupgrade) never adds a line
#   nanoacme-cron remove    remove the entry
# "The entry" is exactly the line install writes, `M H * * *
# /usr/sbin/nanoacme-cron run`: any other line, also one an administrator
# wrote that runs nanoacme-cron differently, is left as it is. Cron is
# restarted when the file changed, and only if it is enabled: a cron an
# administrator disabled stays disabled (a warning says so).
#   nanoacme-cron run [NANOACME ARGS...]
#                           nanoacme --syslog ARGS (default: renew); what
#                           the entry runs, and a way to run a first
#                           `issue` at boot: if the clock is not set yet
#                           (nanoacme exit 10) the same command runs again
#                           from /etc/hotplug.d/ntp/ once NTP has synced
#
# The entry: `M H * * * /usr/sbin/nanoacme-cron run`. nanoacme renew waits
# a random time up to 5 minutes when something is due (--jitter), renews
# what is due, and runs each certificate's remembered --deploy-hook (e.g.
# /usr/lib/nanoacme/deploy-uhttpd).
#
# Exit status: nanoacme's for run (0 renewed, 1 nothing due, ...); 0 or 1
# for install and remove.
#
# For tests: NANOACME_ROOT prefixes every absolute path.

set -u

R=${NANOACME_ROOT:-}
NANOACME=$R/usr/bin/nanoacme
SELF=/usr/sbin/nanoacme-cron
CRONTAB=$R/etc/crontabs/root
CRON_INIT=$R/etc/init.d/cron
RUN_DIR=$R/var/run/nanoacme
LOG_TAG=nanoacme-cron

log() {
	logger -t "$LOG_TAG" -p "daemon.$1" -- "$2" 2>/dev/null
	printf '%s: %s\n' "$LOG_TAG" "$2" >&2
}

# random N: a number from 0 to N-1 (ash's $RANDOM, else /dev/urandom).
random() {
	# shellcheck disable=SC3028 # busybox ash has RANDOM; else urandom
	local r=${RANDOM:-}
	[ -n "$r" ] || r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((r % $1))
}

# ours LINE: true if LINE is exactly an entry made by this script:
# minute (0-59) and hour (0-23) in plain digits, then "* * * SELF run".
ours() {
	local m h rest
	case $1 in *[!0-9\ \*/a-z-]*) return 1 ;; esac
	m=${1%% *}
	rest=${1#* }
	h=${rest%% *}
	rest=${rest#* }
	case $m in '' | *[!0-9]* | ???*) return 1 ;; esac
	case $h in '' | *[!0-9]* | ???*) return 1 ;; esac
	[ "$m" -le 59 ] && [ "$h" -le 23 ] && [ "$rest" = "* * * $SELF run" ]
}

# write_crontab FILE: FILE becomes the crontab (same directory, renamed).
write_crontab() {
	chmod 600 "$1" && mv -f "$1" "$CRONTAB"
}

# restart_cron: make crond read the new crontab, if cron is enabled.
restart_cron() {
	[ -x "$CRON_INIT" ] || return 0
	if ! "$CRON_INIT" enabled; then
		log warn "cron is disabled (/etc/init.d/cron enable): the renewal entry will not run"
		return 0
	fi
	"$CRON_INIT" restart
}

# edit add|remove: the crontab without our entries, plus one entry for add
# (the first existing one, else a new random time), left in $entry.
# Unchanged files are not rewritten and cron is not restarted.
edit() {
	local tmp line keep='' found=0 changed=0
	mkdir -p "${CRONTAB%/*}" || return 1
	[ -f "$CRONTAB" ] || : >>"$CRONTAB"
	tmp=$(mktemp "$CRONTAB.XXXXXX") || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		if ours "$line"; then
			found=$((found + 1))
			if [ "$1" = add ] && [ -z "$keep" ]; then
				keep=$line
				printf '%s\n' "$line" >>"$tmp"
			else
				changed=1
			fi
			continue
		fi
		printf '%s\n' "$line" >>"$tmp"
	done <"$CRONTAB"
	if [ "$1" = add ] && [ -z "$keep" ]; then
		keep="$(random 60) $(random 24) * * * $SELF run"
		printf '%s\n' "$keep" >>"$tmp"
		changed=1
	fi
	entry=$keep
	if [ "$changed" = 0 ]; then
		rm -f "$tmp"
		return 0
	fi
	write_crontab "$tmp" || {
		rm -f "$tmp"
		return 1
	}
	restart_cron
}

# pending ARGS...: run `nanoacme-cron run ARGS...` again once NTP synced
# (one argument a line; the file name tells equal commands apart).
pending() {
	local id
	id=$(printf '%s\n' "$@" | md5sum | cut -c1-12)
	mkdir -p "$RUN_DIR/pending" &&
		printf '%s\n' "$SELF" run "$@" >"$RUN_DIR/pending/cron-$id"
}

case ${1:-} in
install)
	edit add || exit 1
	log info "renewal entry: $entry"
	;;
remove)
	edit remove || exit 1
	;;
run)
	shift
	[ $# -gt 0 ] || set -- renew
	"$NANOACME" --syslog "$@"
	rc=$?
	if [ "$rc" = 10 ]; then
		pending "$@"
		log warn "the system clock is not set; nanoacme $* runs again once NTP has synced"
	fi
	exit "$rc"
	;;
*)
	echo "usage: nanoacme-cron install | remove | run [NANOACME ARGS...]" >&2
	exit 2
	;;
esac
