#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sizes.sh [WORKLOAD...]: where the bytes of an image go, in the benchmark
# guest.  For each workload (files, threads, vmas, small; default all), one
# checkpoint of ours and one `criu dump`: our image's bytes per record type
# (ckptinfo) and CRIU's per image file.  Run from the host with
#   VM_KOBJ=build/kobj-bench VM_INITRD=build/bench/initramfs.cpio \
#	scripts/vm-run --mem 2048 -- /usr/share/bench/sizes.sh
D=/tmp/sizes
mkdir -p $D

start() {
	rm -f $D/ready
	workload -r $D/ready "$@" < /dev/null > /dev/null 2>&1 &
	while [ ! -f $D/ready ]; do sleep 0.05; done
	PID=$(cat $D/ready)
}

one() {
	name=$1
	shift
	start "$@"
	kill -STOP $PID
	sleep 0.2
	rm -f $D/img
	if checkpoint -o $D/img $PID; then
		echo "$name: ours $(stat -c %s $D/img) bytes"
		ckptinfo $D/img 2> /dev/null | awk '$1 ~ /^[0-9]+$/ {
			n[$2]++; b[$2] += $3 }
			END { for (t in n) printf "  %9d  %6d x %s\n", b[t], n[t], t }' |
			sort -n -r
	fi
	kill -9 $PID
	if command -v criu > /dev/null; then
		start "$@"
		rm -rf $D/criu
		mkdir -p $D/criu
		if criu dump -t $PID -D $D/criu -o dump.log; then
			echo "$name: CRIU $(cat $D/criu/*.img | wc -c) bytes"
			ls -l $D/criu/*.img | awk '{ printf "  %9d  %s\n", $5, $9 }' |
				sort -n -r | head -n 8
		else
			echo "$name: criu dump failed"
		fi
		kill -9 $PID 2> /dev/null
	fi
}

for w in ${*:-files threads vmas small}; do
	case $w in
	files) one files-1000 files 1000 $D/files ;;
	threads) one threads-64 threads 64 ;;
	vmas) one vmas-2000 vmas 2000 ;;
	small) one small-1M mem 1 dirty ;;
	*) echo "sizes.sh: unknown workload $w" >&2; exit 2 ;;
	esac
done
