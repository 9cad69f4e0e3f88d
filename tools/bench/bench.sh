#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh RUNS SIZES [WORKLOADS]: the guest side of `make bench`.
#
# RUNS timed runs of each workload, with our checkpoint/restart and with
# CRIU, images in the tmpfs /tmp/bench; SIZES is a comma-separated list of
# MiB for the anonymous-memory workloads; WORKLOADS a comma-separated subset
# of mem,small,vmas,files,tree,threads (default all).  Results go to stdout
# as "R,WORKLOAD,TOOL,METRIC,VALUE" lines (seconds, bytes; "na" when a
# figure could not be taken), each "na" explained by a
# "W,WORKLOAD,TOOL,REASON" line, facts as "I,KEY,VALUE", progress to stderr.
# The host side (scripts/bench/run) aggregates them.
#
# Ours: the workload runs in the cgroup /sys/fs/cgroup/bench; benchtime
# freezes it and calls checkpoint(2) (frozen = cgroup.freeze=1 -> checkpoint
# returned); the task is killed and `restart -W -i` brings it back (timed
# until it returns, then the restored pid is checked).  CRIU: `criu dump -t
# PID` (which kills the task) and `criu restore -d`, the task frozen for the
# whole dump.
set -u
runs=${1:-3}
sizes=$(echo "${2:-64}" | tr , ' ')
workloads=$(echo "${3:-mem,small,vmas,files,tree,threads}" | tr , ' ')
D=/tmp/bench
CG=/sys/fs/cgroup/bench
PATH=/usr/sbin:/usr/bin:/sbin:/bin

log() { echo "bench: $*" >&2; }
res() { echo "R,$1,$2,$3,$4"; }
# na NAME TOOL REASON METRIC...: the metrics could not be taken, and why.
na() {
	_n=$1 _t=$2 _why=$(printf '%s' "$3" | tr ',\n' ';  ')
	shift 3
	for _m in "$@"; do
		res "$_n" "$_t" "$_m" na
	done
	echo "W,$_n,$_t,$_why"
	log "$_n: $_t: n/a: $_why"
}
info() { echo "I,$1,$2"; }
want() { case " $workloads " in *" $1 "*) return 0 ;; esac; return 1; }

rm -rf $D
mkdir -p $D $CG
ip link set lo up 2>/dev/null

info clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
info cpus "$(grep -c ^processor /proc/cpuinfo)"
info mem_total_kib "$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
info kernel "$(uname -r)"
info criu "$(criu --version 2>&1 | head -n1)"
if criu check > $D/criu-check.log 2>&1; then
	criu_ok=1
	info criu_check "$(tail -n1 $D/criu-check.log)"
else
	criu_ok=0
	info criu_check "FAILED: $(tail -n1 $D/criu-check.log)"
	log "criu check failed, CRIU is not measured:"
	tail -n 20 $D/criu-check.log >&2
fi

# start_wl INCG ARGS...: start the workload, set PID once it is ready.
start_wl() {
	incg=$1
	shift
	rm -f $D/ready
	if [ "$incg" = 1 ]; then
		sh -c "echo \$\$ > $CG/cgroup.procs && exec workload -r $D/ready $*" \
			< /dev/null > /dev/null 2> $D/wl.err &
	else
		workload -r $D/ready "$@" < /dev/null > /dev/null 2> $D/wl.err &
	fi
	WLJOB=$!
	i=0
	while [ ! -f $D/ready ]; do
		if ! kill -0 $WLJOB 2>/dev/null; then
			log "workload $* died: $(cat $D/wl.err)"
			PID=
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	PID=$(cat $D/ready)
}

gone() {	# wait until pid $1 is gone (reaped)
	i=0
	while [ -d /proc/$1 ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

running() {	# pid $1 exists and is not a zombie
	[ -r /proc/$1/stat ] || return 1
	st=$(sed 's/.*) \(.\).*/\1/' /proc/$1/stat)
	[ "$st" != Z ] && [ "$st" != X ]
}

# ours NAME ARGS...: one run of our checkpoint and restart.
ours() {
	name=$1
	shift
	start_wl 1 "$@" || {
		na "$name" ours "the workload did not start: $(cat $D/wl.err)" \
			ckpt_frozen ckpt_call image restart
		return
	}
	out=$(benchtime ckpt $CG $PID $D/img 2>&1)
	echo 1 > $CG/cgroup.kill
	wait $WLJOB 2>/dev/null
	while [ -n "$(cat $CG/cgroup.procs)" ]; do sleep 0.02; done
	echo 0 > $CG/cgroup.freeze
	case $out in
	ok*)
		set -- $out
		res "$name" ours ckpt_frozen "$2"
		res "$name" ours ckpt_call "$3"
		res "$name" ours image "$(stat -c %s $D/img)"
		;;
	*)
		na "$name" ours "checkpoint: $out" ckpt_frozen ckpt_call image
		na "$name" ours "no image to restart" restart
		rm -f $D/img
		return
		;;
	esac
	if benchtime exec $D/t restart -W -v -i $D/img 2> $D/restart.err; then
		rpid=$(sed -n 's/.*restored task is pid \([0-9]*\).*/\1/p' $D/restart.err | tail -n1)
		if [ -n "$rpid" ] && running "$rpid"; then
			res "$name" ours restart "$(cat $D/t)"
			kill -9 "$rpid" 2>/dev/null
			gone "$rpid"
		else
			na "$name" ours "the restored task '$rpid' is not running" restart
		fi
	else
		na "$name" ours "restart -W -v -i IMG failed: $(tail -n 3 $D/restart.err)" restart
		log "$name: ours: restart's stderr (tail):"
		tail -n 40 $D/restart.err >&2
		log "$name: ours: dmesg (tail):"
		dmesg | tail -n 20 >&2
	fi
	rm -f $D/img
}

# criu NAME ARGS...: one run of criu dump and criu restore.
criu_run() {
	name=$1
	shift
	[ $criu_ok = 1 ] || {
		na "$name" criu "criu check failed" dump image restore
		return
	}
	start_wl 0 "$@" || {
		na "$name" criu "the workload did not start: $(cat $D/wl.err)" dump image restore
		return
	}
	rm -rf $D/criu
	mkdir -p $D/criu
	if ! benchtime exec $D/t criu dump -t $PID -D $D/criu -o dump.log; then
		na "$name" criu "criu dump failed: $(grep -i error $D/criu/dump.log | tail -n 3)" \
			dump image restore
		kill -9 -$PID 2>/dev/null
		wait $WLJOB 2>/dev/null
		return
	fi
	res "$name" criu dump "$(cat $D/t)"
	res "$name" criu image "$(ls -l $D/criu/*.img | awk '{s += $5} END {print s}')"
	wait $WLJOB 2>/dev/null
	gone $PID
	if benchtime exec $D/t criu restore -D $D/criu -d -o restore.log &&
	   running $PID; then
		res "$name" criu restore "$(cat $D/t)"
	else
		na "$name" criu "criu restore failed or the task is not running: $(grep -i error $D/criu/restore.log | tail -n 3)" restore
	fi
	kill -9 -$PID 2>/dev/null
	gone $PID
	rm -rf $D/criu
}

# limits NAME BYTES: the guest's memcpy and tmpfs bandwidth for BYTES.
limits() {
	res "$1" limit memcpy "$(benchtime memcpy $2)"
	set -- "$1" $(benchtime tmpfs $2 $D/bw)
	res "$1" limit tmpfs_write "$2"
	res "$1" limit tmpfs_read "$3"
}

# bench NAME BYTES ARGS...: RUNS runs of both tools and of the limits.
bench() {
	name=$1 bytes=$2
	shift 2
	log "$name ($(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo) MiB available)"
	r=1
	while [ $r -le $runs ]; do
		ours "$name" "$@"
		criu_run "$name" "$@"
		limits "$name" "$bytes"
		r=$((r + 1))
	done
}

# Warm up: touch the guest's memory once and go through both tools once.
maxs=64
for s in $sizes; do [ $s -gt $maxs ] && maxs=$s; done
log "warming up"
benchtime tmpfs $((maxs << 20)) $D/bw > /dev/null
benchtime memcpy $((maxs << 20)) > /dev/null
ours warmup mem 64 dirty > /dev/null
criu_run warmup mem 64 dirty > /dev/null

if want small; then
	bench small-1M $((1 << 20)) mem 1 dirty
fi
if want mem; then
	for s in $sizes; do
		for f in dirty half zero; do
			b=$((s << 20))
			[ $f = half ] && b=$((s << 19))
			bench mem-$s-$f $b mem $s $f
		done
	done
fi
if want vmas; then
	bench vmas-2000 $((2000 * 4096)) vmas 2000
fi
if want files; then
	bench files-1000 $((1000 * 4096)) files 1000 $D/files
	rm -rf $D/files
fi
if want tree; then
	bench tree-100x4M $((100 << 22)) tree 100 4
fi
if want threads; then
	bench threads-64 $((64 * 65536)) threads 64
fi
log "done"
