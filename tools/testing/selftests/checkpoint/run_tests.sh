#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side runner of the checkpoint selftests (busybox sh).
#
#   run_tests.sh [--kmemleak] [--timeout SECS] [TEST...]
#
# Runs the given test binaries, else those listed in tests.list beside this
# script (one a line, # comments), else every executable test_* and *_test
# here.  Each runs in its own session under a timeout (--timeout, else
# timeout=N from a kselftest-style "settings" file, else 300 s); whatever it
# leaves behind is killed afterwards.  Its TAP output (stdout and stderr
# merged) is framed by
#   # CKPT-RUN <binary>
#   # CKPT-EXIT <binary> <exit status>
# which scripts/run-check on the host parses.  With --kmemleak, boot-time
# kmemleak reports are cleared first, and after the tests the leak scan runs
# and its report is printed between # CKPT-KMEMLEAK-BEGIN/END.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
kmemleak=0
tmo=
while [ $# -gt 0 ]; do
	case $1 in
	--kmemleak) kmemleak=1 ;;
	--timeout) tmo=$2; shift ;;
	--) shift; break ;;
	-*) echo "usage: $0 [--kmemleak] [--timeout SECS] [TEST...]" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
if [ -z "$tmo" ] && [ -f "$dir/settings" ]; then
	tmo=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$dir/settings")
fi
[ -n "$tmo" ] || tmo=300

if [ $# -eq 0 ]; then
	if [ -f "$dir/tests.list" ]; then
		# shellcheck disable=SC2046
		set -- $(sed 's/#.*//' "$dir/tests.list")
	else
		# shellcheck disable=SC2046
		set -- $(cd "$dir" && for f in test_* *_test; do
			[ -f "$f" ] && [ -x "$f" ] && echo "$f"
		done | sort -u)
	fi
fi

leak=/sys/kernel/debug/kmemleak
if [ $kmemleak = 1 ]; then
	if [ -w $leak ]; then
		# Forget what boot leaked: objects must be 5 s old to be reported.
		up=$(cut -d. -f1 /proc/uptime)
		[ "$up" -lt 8 ] && sleep $((8 - up))
		echo scan > $leak
		echo clear > $leak
	else
		echo "# kmemleak: $leak not available"
		kmemleak=0
	fi
fi

cd "$dir" || exit 1
for t in "$@"; do
	echo "# CKPT-RUN $t"
	if [ ! -x "$t" ]; then
		echo "# $t: no such test"
		echo "# CKPT-EXIT $t 127"
		continue
	fi
	# A background job of a shell without job control is not a process
	# group leader, so setsid execs in place: $! is the test's pid and
	# the id of its own process group.  timeout execs in place too.
	timeout -s KILL "$tmo" setsid "./$t" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	kill -KILL "-$pid" 2>/dev/null
	[ $rc = 137 ] && echo "# $t: killed (timeout ${tmo}s?)"
	echo "# CKPT-EXIT $t $rc"
done

if [ $kmemleak = 1 ]; then
	sleep 6
	echo scan > $leak
	sleep 1
	echo scan > $leak
	echo "# CKPT-KMEMLEAK-BEGIN"
	cat $leak
	echo "# CKPT-KMEMLEAK-END"
fi
exit 0
