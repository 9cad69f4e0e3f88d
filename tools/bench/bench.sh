#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh RUNS SIZES [WORKLOADS [TREE]]: the guest side of `make bench`.
#
# RUNS timed runs of each workload, with our checkpoint/restart and with
# CRIU, images in the tmpfs /tmp/bench; SIZES is a comma-separated list of
# MiB for the anonymous-memory workloads; WORKLOADS a comma-separated subset
# of mem,small,vmas,files,tree,threads (default all); TREE the process tree
# as NxMIB: N processes with MIB of dirty memory each (default 100x4).
# Results go to stdout as "R,WORKLOAD,TOOL,METRIC,VALUE" lines (seconds,
# bytes; "na" when a figure could not be taken), each "na" explained by a
# "W,WORKLOAD,TOOL,REASON" line, facts as "I,KEY,VALUE", progress to
# stderr.  The host side (scripts/bench/run) aggregates them.
#
# Ours: the workload runs in the cgroup /sys/fs/cgroup/bench; benchtime
# freezes it and calls checkpoint(2) with CHECKPOINT_SUBTREE on its root
# (frozen = cgroup.freeze=1 -> checkpoint returned); the tasks are killed
# and `restart -W -i` brings them back, a tree or a threaded process in a
# new pid namespace with the original pids (restart's default), timed until
# it returns: restart(2) has then restored every task and let it return to
# user space (see "The coordinated restart" in
# Documentation/checkpoint/format.rst).  CRIU: `criu dump -t PID` (the whole
# tree; it kills the tasks) and `criu restore -d`, which returns once the
# tree is restored and resumed; the tasks are stopped for the whole dump.
# Both restarts are then checked, untimed: the workload's session must hold
# exactly its processes and threads again, none of them a zombie or stopped.
set -u
runs=${1:-3}
sizes=$(echo "${2:-64}" | tr , ' ')
workloads=$(echo "${3:-mem,small,vmas,files,tree,threads}" | tr , ' ')
tree=${4:-100x4}
tree_n=${tree%x*} tree_mib=${tree#*x}
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

# session SID / family PID: "PROCS THREADS OTHER" of session SID, or of
# PID and its descendants (pids as this /proc sees them): the processes
# neither zombie nor stopped, their threads, and the processes that are
# zombies or stopped.
procs() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v mode="$1" -v id="$2" '
		{ pid = $1; sub(/^.*\) /, ""); st[pid] = $1; pp[pid] = $2; sid[pid] = $4; nt[pid] = $18 }
		END {
			for (q in st) {
				if (mode == "session") {
					if (sid[q] != id) continue
				} else {
					for (a = q; a != "" && a != id && a > 1; a = pp[a]) ;
					if (a != id) continue
				}
				if (st[q] ~ /^[ZXTt]$/) o++; else { p++; t += nt[q] }
			}
			print p + 0, t + 0, o + 0
		}'
}
session() { procs session "$1"; }
family() { procs family "$1"; }

session_gone() {	# wait until no task of session $1 is left
	i=0
	while [ "$(session $1)" != "0 0 0" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# restored ROOT PROCS THREADS: whether ROOT and its descendants are
# exactly PROCS processes with THREADS threads, all alive and not stopped;
# else sets WHY.
restored() {
	if [ -z "$1" ] || ! running "$1"; then
		WHY="the restored root task '$1' is not running"
		return 1
	fi
	set -- "$1" "$2" "$3" $(family $1)
	if [ "$4" != "$2" ] || [ "$5" != "$3" ] || [ "$6" != 0 ]; then
		WHY="the restored root $1 and its descendants are $4 running processes with $5 threads and $6 zombie or stopped ones (expected $2 with $3 threads)"
		return 1
	fi
}

# ours NAME PROCS THREADS ARGS...: one run of our checkpoint and restart
# of the workload ARGS, PROCS processes with THREADS threads in all.
ours() {
	name=$1 np=$2 nt=$3
	shift 3
	start_wl 1 "$@" || {
		na "$name" ours "the workload did not start: $(cat $D/wl.err)" \
			ckpt_frozen ckpt_call image restart
		return
	}
	set -- $(family $PID)
	if [ "$1 $2 $3" != "$np $nt 0" ]; then
		log "$name: workload $PID: $1 processes, $2 threads, $3 other (expected $np, $nt)"
	fi
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
	session_gone $PID
	# Timed: restart -W returns once restart(2) returned in the
	# coordinator, i.e. every task is restored and back in user space.
	# -v names the restored task (a single task: "restored task is pid
	# N") or the init of the new pid namespace (a tree: "... of init N)
	# restored"), whose only child is the restored root.
	if benchtime exec $D/t restart -W -v -i $D/img 2> $D/restart.err; then
		init=$(sed -n 's/.*(in the pid namespace of init \([0-9]*\)) restored.*/\1/p' \
			$D/restart.err | tail -n1)
		if [ -n "$init" ]; then
			rpid=$(cat /proc/$init/task/$init/children 2>/dev/null | awk '{ print $1 }')
		else
			rpid=$(sed -n 's/.*restored task is pid \([0-9]*\).*/\1/p' \
				$D/restart.err | tail -n1)
		fi
		if restored "$rpid" $np $nt; then
			res "$name" ours restart "$(cat $D/t)"
		else
			na "$name" ours "restart -W -v -i IMG returned 0 but $WHY" restart
		fi
		# Killing a pid namespace's init kills the whole namespace.
		for p in $init $rpid; do kill -9 $p 2>/dev/null; done
		for p in $init $rpid; do gone $p; done
		[ -z "$rpid" ] || session_gone $rpid
	else
		na "$name" ours "restart -W -v -i IMG failed: $(tail -n 3 $D/restart.err)" restart
		log "$name: ours: restart's stderr (tail):"
		tail -n 40 $D/restart.err >&2
		log "$name: ours: dmesg (tail):"
		dmesg | tail -n 20 >&2
	fi
	rm -f $D/img
}

# criu_run NAME PROCS THREADS ARGS...: one run of criu dump and criu
# restore.
criu_run() {
	name=$1 np=$2 nt=$3
	shift 3
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
		session_gone $PID
		return
	fi
	res "$name" criu dump "$(cat $D/t)"
	res "$name" criu image "$(ls -l $D/criu/*.img | awk '{s += $5} END {print s}')"
	wait $WLJOB 2>/dev/null
	gone $PID
	# criu restores the original pids: all of them must be free again.
	session_gone $PID
	if benchtime exec $D/t criu restore -D $D/criu -d -o restore.log; then
		if restored $PID $np $nt; then
			res "$name" criu restore "$(cat $D/t)"
		else
			na "$name" criu "criu restore -d returned 0 but $WHY" restore
		fi
	else
		na "$name" criu "criu restore failed: $(grep -i error $D/criu/restore.log | tail -n 3)" restore
	fi
	kill -9 -$PID 2>/dev/null
	gone $PID
	session_gone $PID
	rm -rf $D/criu
}

# limits NAME BYTES: the guest's memcpy and tmpfs bandwidth for BYTES.
limits() {
	res "$1" limit memcpy "$(benchtime memcpy $2)"
	set -- "$1" $(benchtime tmpfs $2 $D/bw)
	res "$1" limit tmpfs_write "$2"
	res "$1" limit tmpfs_read "$3"
}

# bench NAME BYTES PROCS THREADS ARGS...: RUNS runs of both tools and of
# the limits; the workload ARGS has PROCS processes, THREADS threads in all.
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
want tree && [ $((tree_n * tree_mib)) -gt $maxs ] && maxs=$((tree_n * tree_mib))
log "warming up"
benchtime tmpfs $((maxs << 20)) $D/bw > /dev/null
benchtime memcpy $((maxs << 20)) > /dev/null
ours warmup 1 1 mem 64 dirty > /dev/null
criu_run warmup 1 1 mem 64 dirty > /dev/null

if want small; then
	bench small-1M $((1 << 20)) 1 1 mem 1 dirty
fi
if want mem; then
	for s in $sizes; do
		for f in dirty half zero; do
			b=$((s << 20))
			[ $f = half ] && b=$((s << 19))
			bench mem-$s-$f $b 1 1 mem $s $f
		done
	done
fi
if want vmas; then
	bench vmas-2000 $((2000 * 4096)) 1 1 vmas 2000
fi
if want files; then
	bench files-1000 $((1000 * 4096)) 1 1 files 1000 $D/files
	rm -rf $D/files
fi
if want tree; then
	# N processes with MIB each: the limits copy all of it.
	bench tree-${tree_n}x${tree_mib}M $((tree_n * tree_mib << 20)) $tree_n $tree_n \
		tree $tree_n $tree_mib
fi
if want threads; then
	# 64 threads with 64 KiB stacks: the limits copy the stacks.
	bench threads-64 $((64 * 65536)) 1 64 threads 64
fi
log "done"
