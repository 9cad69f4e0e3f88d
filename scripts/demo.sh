#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The checkpoint/restart demo, run in the guest by `make run`
# (installed as /usr/share/checkpoint/demo.sh).
#
# Starts a process that counts once a second into a file, freezes it
# with the cgroup v2 freezer, checkpoints it, kills it, restarts it from
# the image and shows that it counts on from where it was.  Exits
# non-zero if any step fails.
set -u

out=/tmp/counter.out
img=/tmp/counter.img
log=/tmp/checkpoint.log
cg=/sys/fs/cgroup/demo
pid= rpid= newpid=

say() { echo "demo: $*"; }
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "$newpid" ] && kill -KILL "$newpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	[ -d "$cg" ] && { echo 0 > "$cg/cgroup.freeze"; sleep 1; rmdir "$cg"; } 2>/dev/null
}
fail() {
	say "FAILED: $*"
	[ -s "$log" ] && { say "kernel log of the call ($log):"; sed 's/^/demo:   /' "$log"; }
	cleanup
	exit 1
}
show() { sed 's/^/    | /' "$out" | tail -n "${1:-100}"; }
frozen() { grep -q '^frozen 1' "$cg/cgroup.events"; }

for t in counter checkpoint restart ckptinfo; do
	command -v $t > /dev/null || fail "$t is not installed in the guest"
done
: > "$log"

# The counter: one process, in a cgroup of its own, output to a file.
mkdir -p "$cg" || fail "cannot create $cg"
setsid counter > "$out" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$cg/cgroup.procs" || fail "cannot move $pid into $cg"
say "started the counter, pid $pid; letting it count for 4 seconds"
sleep 4
show

say "freezing it: echo 1 > $cg/cgroup.freeze"
echo 1 > "$cg/cgroup.freeze"
i=0
until frozen; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the cgroup did not freeze"
	sleep 0.1
done
last=$(tail -n 1 "$out")
say "frozen at $last"

say "checkpoint -o $img -l $log $pid"
checkpoint -o "$img" -l "$log" "$pid" || fail "checkpoint exited with status $?"
say "image written: $(wc -c < "$img") bytes; ckptinfo $img says:"
ckptinfo "$img" 2>&1 | head -n 12 | sed 's/^/    /'

say "killing the counter: kill -KILL $pid"
kill -KILL "$pid"
echo 0 > "$cg/cgroup.freeze"
sleep 1
kill -0 "$pid" 2>/dev/null && fail "the counter survived SIGKILL"
pid=
say "counter gone; its output stays at $(tail -n 1 "$out")"

say "restart -i $img -l $log (in the background)"
restart -i "$img" -l "$log" &
rpid=$!
sleep 4
kill -0 "$rpid" 2>/dev/null || { wait "$rpid"; fail "restart exited with status $?"; }
newpid=$(ps -o pid,ppid | awk -v p="$rpid" '$2 == p { print $1 }')
say "restored counter: pid ${newpid:-?}, child of restart (pid $rpid); after the restart:"
show 8
next=$(awk -v last="$last" '$1 == last { getline; print; exit }' "$out")
now=$(tail -n 1 "$out")
cleanup
if [ "$next" = $((last + 1)) ] && [ "$now" -gt "$((last + 1))" ]; then
	say "OK: the restarted counter went on from $last to $now"
	exit 0
fi
fail "the counter did not go on from $last (next line '${next:-none}', last '$now')"
