#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The checkpoint/restart demo, run in the guest by `make run`
# (installed as /usr/share/checkpoint/demo.sh).
#
# Starts a process that counts once a second into a file, stops it,
# checkpoints it, kills it, restarts it from the image and shows that it
# counts on from where it was stopped.  Exits non-zero if any step fails.
set -u

out=/tmp/counter.out
img=/tmp/counter.img
log=/tmp/checkpoint.log

say() { echo "demo: $*"; }
fail() {
	say "FAILED: $*"
	[ -s "$log" ] && { say "kernel log of the call ($log):"; sed 's/^/demo:   /' "$log"; }
	kill -KILL "-$pid" 2>/dev/null
	exit 1
}
show() { sed 's/^/    | /' "$out" | tail -n "${1:-100}"; }

# The counter: a session of its own (so that it and its `sleep` child form
# one process group to stop, checkpoint and kill), output to a file.
setsid sh -c 'echo $$ > /tmp/counter.pid
	i=0; while :; do echo $i; i=$((i+1)); sleep 1; done' > "$out" 2>&1 < /dev/null &
sleep 1
pid=$(cat /tmp/counter.pid)
say "started the counter, pid $pid; letting it count for 4 seconds"
sleep 4
show

say "stopping it: kill -STOP -$pid (its whole process group)"
kill -STOP "-$pid" || fail "kill -STOP"
sleep 1
last=$(tail -n 1 "$out")
say "stopped at $last; process tree:"
ps -o pid,ppid,pgid,stat,comm | awk -v p="$pid" 'NR == 1 || $3 == p' | sed 's/^/    /'

say "checkpoint -o $img -l $log $pid"
if ! command -v checkpoint > /dev/null; then
	fail "the checkpoint tool is not installed in the guest (tools/mktree is not built yet)"
fi
checkpoint -o "$img" -l "$log" "$pid"
rc=$?
[ $rc = 0 ] || fail "checkpoint exited with status $rc"
say "image written: $(wc -c < "$img") bytes"
command -v ckptinfo > /dev/null && ckptinfo "$img" 2>&1 | head -n 5 | sed 's/^/    /'

say "killing the counter: kill -KILL -$pid"
kill -KILL "-$pid"
sleep 1
if kill -0 "$pid" 2>/dev/null; then fail "the counter survived SIGKILL"; fi
say "counter gone; output stays at $(tail -n 1 "$out")"

say "restart -i $img (in the background)"
restart -i "$img" -l "$log" &
rpid=$!
sleep 5
kill -0 "$rpid" 2>/dev/null || { wait "$rpid"; fail "restart exited with status $?"; }

say "after the restart:"
show 8
next=$(awk -v last="$last" '$1 == last { getline; print; exit }' "$out")
now=$(tail -n 1 "$out")
kill -KILL "-$pid" 2>/dev/null
kill "$rpid" 2>/dev/null
if [ "$next" = $((last + 1)) ] && [ "$now" -gt "$((last + 1))" ]; then
	say "OK: the restarted counter went on from $last to $now"
	exit 0
fi
fail "the counter did not go on from $last (next line '${next:-none}', last '$now')"
