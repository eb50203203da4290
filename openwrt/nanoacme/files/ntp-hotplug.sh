#!/bin/sh
# SPDX-License-Identifier: MIT
# /etc/hotplug.d/ntp/25-acme-nanoacme and 25-nanoacme-cron: run what
# waited for a set clock.
#
# Routers without an RTC boot in 1970 (or in the past); until NTP syncs,
# nanoacme exits 10 ("clock not set") instead of failing TLS with "not yet
# valid". The acme-common hook and nanoacme-cron then leave a marker in
# /var/run/nanoacme/pending/ holding the command to run again, one
# argument a line. sysntpd runs hotplug.d/ntp with ACTION=stratum once the
# time is synced: each marker is taken (renamed, so a second event cannot
# run it twice) and its command started in the background; a command that
# still finds no clock leaves a new marker for the next event.
# Both packages install this same script; whichever runs first takes the
# markers, the other finds none.
#
# For tests: NANOACME_ROOT prefixes every absolute path, also the command
# of a marker (a path like /etc/init.d/acme).

[ "${ACTION:-}" = stratum ] || exit 0

R=${NANOACME_ROOT:-}
dir=$R/var/run/nanoacme/pending

for f in "$dir"/*; do
	case $f in *.running) continue ;; esac
	[ -f "$f" ] || continue
	mv -f "$f" "$f.running" 2>/dev/null || continue
	(
		set --
		while IFS= read -r a || [ -n "$a" ]; do
			set -- "$@" "$a"
		done <"$f.running"
		rm -f "$f.running"
		[ $# -gt 0 ] || exit 0
		logger -t nanoacme -p daemon.info -- "clock synced: running $*"
		cmd=$1
		shift
		exec "$R$cmd" "$@"
	) </dev/null >/dev/null 2>&1 &
done
exit 0
