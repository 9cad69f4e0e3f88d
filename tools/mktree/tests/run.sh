#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host checks of the checkpoint/restart tools: no checkpoint kernel
# needed.  ckptinfo runs on synthetic images (valid, broken, truncated
# at every 8-byte boundary, fuzzed); checkpoint and restart run against
# this kernel (ENOSYS) for their option parsing and error paths, and
# against fake system calls (tests/fake-syscalls.c) for their logic.
#
#   sh tests/run.sh BINDIR TESTDIR       (make test does this)
#   VALGRIND=1: run every ckptinfo under valgrind
#
# Prints one line per failed check and ends with "N passed, N failed".

BIN=${1:?usage: run.sh BINDIR TESTDIR}
T=${2:?usage: run.sh BINDIR TESTDIR}
W=$T/work
MKIMAGE=$T/mkimage
CKPTINFO=$T/ckptinfo-asan
RFAKE=$T/restart-fake
CFAKE=$T/checkpoint-fake

pass=0
fail=0
skip=0

rm -rf "$W"
mkdir -p "$W" || exit 1

if [ -n "$VALGRIND" ]; then
	if ! command -v valgrind >/dev/null; then
		echo "valgrind is not installed" >&2
		exit 1
	fi
	CKPTINFO="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect $T/ckptinfo-dyn"
fi

ok() {
	pass=$((pass + 1))
}

ko() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	if [ -s "$W/err" ]; then
		sed 's/^/    stderr: /' "$W/err" | head -5
	fi
}

# run EXPECTED_RC CMD...: stdout in $W/out, stderr in $W/err
run() {
	want=$1
	shift
	"$@" >"$W/out" 2>"$W/err" </dev/null
	rc=$?
	if [ "$rc" = "$want" ]; then
		return 0
	fi
	ko "'$*': exit status $rc, expected $want"
	return 1
}

# t NAME EXPECTED_RC PATTERN CMD...: exit status and a pattern in stderr
t() {
	name=$1 want=$2 pat=$3
	shift 3
	if run "$want" "$@"; then
		if [ -z "$pat" ] || grep -q -e "$pat" "$W/err"; then
			ok
		else
			ko "$name: stderr lacks '$pat'"
		fi
	fi
}

# A check on a condition: pass NAME COMMAND...
check() {
	name=$1
	shift
	if "$@"; then
		ok
	else
		ko "$name"
	fi
}

json_ok() {
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
}

have_python=
command -v python3 >/dev/null && have_python=1

# ---------------------------------------------------------------------
# The tree planner (tests/tree-test.c): its own cases
if "$T/tree-test" >"$W/out" 2>"$W/err"; then
	ok
else
	ko "tree-test: $(grep -c '^FAIL' "$W/out") planner cases"
	grep '^FAIL' "$W/out" | head -5
fi

# ---------------------------------------------------------------------
# ckptinfo on valid images
VALID=$W/valid.img
"$MKIMAGE" valid >"$VALID" || exit 1
SIZE=$(wc -c <"$VALID")

for v in valid shmem big unknown multi zombie nested ghosts ipc debugregs; do
	"$MKIMAGE" $v >"$W/$v.img"
	t "ckptinfo $v" 0 "" $CKPTINFO "$W/$v.img"
	check "ckptinfo $v: ends with 'image ok'" grep -q '^image ok$' "$W/out"
	t "ckptinfo $v from a pipe" 0 "" sh -c "cat '$W/$v.img' | $CKPTINFO"
	t "ckptinfo -v $v" 0 "" $CKPTINFO -v "$W/$v.img"
	t "ckptinfo --json $v" 0 "" $CKPTINFO --json "$W/$v.img"
	if [ -n "$have_python" ]; then
		check "ckptinfo --json $v: valid JSON" json_ok "$W/out"
	fi
	t "ckptinfo -v --json $v" 0 "" $CKPTINFO -v --json "$W/$v.img"
	if [ -n "$have_python" ]; then
		check "ckptinfo -v --json $v: valid JSON" json_ok "$W/out"
	fi
done

run 0 $CKPTINFO "$VALID"
for pat in 'magic=ok format_version=4 arch=x86_64' 'page_size=4096' \
	   'release="6.12.57"' 'ckpt_id=7' 'xfeatures=0x207(x87|SSE|AVX|PKRU) xstate_size=2696' \
	   'task 0: pid=42 tgid=42 ppid=0 pgid=42 sid=42 flags=0x1(ROOT) exit_signal=17' \
	   'objtype=FILE objtype_id=2 objref=2' 'path="/tmp/counter.log"' \
	   'FILE_TABLE .* nr_ents=5 nr_fds=6' 'fd 3: file=2 flags=0x1(CLOEXEC)' \
	   'fd 4: file=2 flags=0x0' 'fd 5: file=3 flags=0x0' \
	   'umask=0022 cwd="/tmp" root="/"' \
	   'MM .* brk=0x600000 nr_vmas=2 exe=8' \
	   'vma 0: start=0x400000 end=0x401000 vma_type=FILE vm_flags=0x55(READ|EXEC|MAYREAD|MAYEXEC) file=8' \
	   'vma 1: start=0x7ffd0000 end=0x7ffd2000 vma_type=ANON .*GROWSDOWN' \
	   'FPU .* xfeatures=0x3(x87|SSE) size=2696$' \
	   'nr_runs=1 nr_pages=1 bytes=4096' 'comm="counter0" flags=0x1(STOPPED)' \
	   'ip=0x401234 sp=0x7ffd1f00' 'SIGINT: handler=0x401100' \
	   'SIGPIPE: handler=SIG_IGN' 'rlimit NOFILE: cur=1024 max=524288' \
	   'blocked=0x200(SIGUSR1)' 'queued 0: signo=12 signal=SIGUSR2' \
	   'TAIL .* magic=ok ckpt_id=7' '31 records, 8 objects' \
	   'ITIMER_REAL: value_ns=2500000000 interval_ns=0' \
	   'ITIMER_PROF: value_ns=700000000 interval_ns=100000000' \
	   'next_id=4 nr_timers=2' \
	   'timer 0: id=0 clock=CLOCK_REALTIME notify=SIGEV_SIGNAL signo=34 signal=SIGRTMIN+2 sigval=0x2a value_ns=1000000 interval_ns=0 flags=0x1(PENDING) queued_overrun=0' \
	   'timer 3: id=3 clock=CLOCK_MONOTONIC notify=SIGEV_NONE value_ns=5000000000 interval_ns=1000000000 flags=0x0$' \
	   "1 pages (4096 bytes), $SIZE bytes in all"; do
	check "ckptinfo output has '$pat'" grep -q -e "$pat" "$W/out"
done
check "ckptinfo prints no page data" sh -c "! grep -q 'data' '$W/out'"
check "ckptinfo: no DEBUGREGS in their initial state" sh -c "! grep -q 'DEBUGREGS' '$W/out'"
run 0 $CKPTINFO -v "$VALID"
check "ckptinfo -v: the FPU's non-zero words" grep -q 'FPU .* size=2696 nr_words=5$' "$W/out"
check "ckptinfo -v: a VMA's pgoff" grep -q 'vma 1: .* file=0 pgoff=0$' "$W/out"
run 0 $CKPTINFO --json "$VALID"
check "ckptinfo --json: the VMAs in the MM record" grep -q '"nr_vmas":2,"exe":8,"vmas":\[{"start":"0x400000","end":"0x401000","vma_type":"FILE"' "$W/out"
check "ckptinfo --json: the fds of a run" grep -q '{"fd":5,"file":3,"flags":"0x0"' "$W/out"
run 0 $CKPTINFO "$W/debugregs.img"
check "ckptinfo: DEBUGREGS after the FPU" grep -q 'DEBUGREGS .* dr7=0x1 dr0=0x401234' "$W/out"
run 0 $CKPTINFO "$W/zombie.img"
check "ckptinfo: a zombie entry" grep -q 'task 2: pid=44 tgid=44 ppid=42 pgid=42 sid=42 flags=0x4(ZOMBIE) exit_code=0x300 exit_signal=17' "$W/out"
check "ckptinfo: the robust list" grep -q 'robust_list=0x7f0000001000' "$W/out"
run 0 $CKPTINFO -v "$W/zombie.img"
check "ckptinfo -v: the robust list's length" grep -q 'robust_list_len=24' "$W/out"
run 0 $CKPTINFO "$W/nested.img"
check "ckptinfo: a nested pid namespace" grep -q 'pidns 1: parent=0 level=1 init=1' "$W/out"
check "ckptinfo: a task's pids at every level" grep -q 'task 2: ns=1 ns_for_children=1 pids=44/2' "$W/out"
run 0 $CKPTINFO --json "$W/nested.img"
check "ckptinfo --json: the pids as an array" grep -q '"pids":\[44,2\]' "$W/out"
run 0 $CKPTINFO "$W/ghosts.img"
check "ckptinfo: a ghost in a nested pid namespace" grep -q 'ghost 0: ns=1 pids=50/3' "$W/out"
check "ckptinfo: the PIDNS_GHOSTS record" grep -q 'PIDNS_GHOSTS .* nr_ghosts=1 nr_pids=2' "$W/out"
run 0 $CKPTINFO "$W/unknown.img"
check "ckptinfo shows an unknown record" grep -q 'unknown .* 24  type=7777' "$W/out"

t "ckptinfo --help" 0 "" $CKPTINFO --help
check "ckptinfo --help is usage" grep -q '^Usage: ckptinfo' "$W/out"
t "ckptinfo bad option" 2 "Try 'ckptinfo --help'" $CKPTINFO --bogus
t "ckptinfo two files" 2 "one image at a time" $CKPTINFO a b
t "ckptinfo missing file" 1 "cannot open /nonexistent" $CKPTINFO /nonexistent
t "ckptinfo directory" 1 "is a directory" $CKPTINFO /
t "ckptinfo empty" 1 "empty input" $CKPTINFO /dev/null

# ---------------------------------------------------------------------
# ckptinfo on broken images: exit 1, a clear message, valid JSON
while read -r v pat; do
	"$MKIMAGE" "$v" >"$W/$v.img"
	t "ckptinfo $v" 1 "$pat" $CKPTINFO "$W/$v.img"
	check "ckptinfo $v: ends with 'image MALFORMED'" grep -q '^image MALFORMED$' "$W/out"
	t "ckptinfo $v from a pipe" 1 "$pat" sh -c "cat '$W/$v.img' | $CKPTINFO"
	t "ckptinfo --json $v" 1 "$pat" $CKPTINFO --json "$W/$v.img"
	if [ -n "$have_python" ]; then
		check "ckptinfo --json $v: valid JSON, valid=false" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(d["valid"] is not False or not d["error"])' "$W/out"
	fi
done <<EOF2
badmagic bad header magic
swapped other byte order
badversion format version 99 is not supported
badarch architecture 3 is not supported
badpagesize invalid page size 4095
badtailmagic bad tail magic
tailid checkpoint id 8 differs
hugelen runs past the end of the input\\|1 tasks do not fit the length 4294967288
zerolen invalid length 0
oddlen invalid length 12
shortlen length 16 is shorter than the fixed part
trailing trailing data after the TAIL
notail without a TAIL record
notree PIDNS record before the TREE record
nrtasks tasks do not fit the length
nrfds 4294967295 fd entries do not fit the length
nrruns runs for 1 pages
pathlen path length 2147483647 is more than 4096
nrtimers 3 timers do not fit the length
timerorder timer ids are not unique and sorted: 0 after 0
notimers expected a TIMERS record after the SIGPENDING of a SIGNAL
noterm do not end with a PAGES record of no page
badobjref an object record without its OBJ record
badref mm 2 is a FILE object, not a MM
objorder objref 2 (FILE) is open: its FILE record must come before a FILE_TABLE record
objopen objref 7 (MM) is still waiting for its record
vmaorder vma 1: 0x7ffd0000 overlaps or precedes the previous one
vmatype vma 1: unknown vma_type 99
nrvmas 3 VMAs do not fit the length 712
fdrun0 entry 1 (fd 1): a run of no fd
fdoverlap entry 4: fd 5 negative, not sorted or inside the previous run
fdsum nr_fds 5, but the entries hold 6 fds
fdfiles entry 4: files 3 + 2 do not name earlier objects
fpubits nr_words 5, but 6 bits are set in the bitmap
fpubeyond bitmap bits beyond the 337 words of the buffer
fpusize XSAVE size 2692 is not a multiple of 8
fpubv XSTATE_BV 0x3 differs from xfeatures 0x7
runoutside not inside the address space's VMAs
nopidns expected a PIDNS record after the TREE record
pidnslevel pid namespace 1: parent 0, level 2, init 1: malformed
pidnsinit task 1: pid 1 in pid namespace 1 but not its init
ghostsns ghost 0: in pid namespace 5 of 1
ghostsorder PIDNS_GHOSTS not right after the PIDNS record
ipccount the IPCNS record announces 0/0/1 more objects
ipcsem semaphore 0: value 40000 out of range
EOF2

# Truncated at every 8-byte boundary, from a file and from a pipe
n=0
tfail=0
while [ "$n" -lt "$SIZE" ]; do
	head -c "$n" "$VALID" >"$W/trunc.img"
	$CKPTINFO "$W/trunc.img" >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" != 1 ] || ! grep -q -E 'truncated|past the end|empty input' "$W/err"; then
		ko "ckptinfo on the image truncated to $n bytes: exit status $rc"
		tfail=$((tfail + 1))
	fi
	if [ -z "$VALGRIND" ]; then
		cat "$W/trunc.img" | $CKPTINFO >/dev/null 2>"$W/err"
		rc=$?
		if [ "$rc" != 1 ] || ! grep -q -E 'truncated|empty input' "$W/err"; then
			ko "ckptinfo on a pipe of $n bytes: exit status $rc"
			tfail=$((tfail + 1))
		fi
	fi
	n=$((n + 8))
	[ "$tfail" -gt 5 ] && break
done
[ "$tfail" = 0 ] && ok

# Every record's length set to impossible values
mfail=0
"$MKIMAGE" records <"$VALID" >"$W/records"
while read -r off type len; do
	[ "$off" = 0 ] && continue
	for l in 0 4 12 $((len - 8)) $((len + 8)) 4294967288; do
		"$MKIMAGE" put32 $((off + 4)) "$l" <"$VALID" >"$W/mut.img"
		$CKPTINFO "$W/mut.img" >/dev/null 2>"$W/err"
		rc=$?
		if [ "$rc" != 1 ]; then
			ko "ckptinfo: record $type at $off with len $l: exit status $rc"
			mfail=$((mfail + 1))
		fi
	done
done <"$W/records"
[ "$mfail" = 0 ] && ok

# Every 4-byte word before the page data set to 0xffffffff: never crash
ffail=0
w=0
pages=$(awk '$2 == 303 { print $1; exit }' "$W/records")
while [ "$w" -lt "$pages" ]; do
	"$MKIMAGE" put32 "$w" 0xffffffff <"$VALID" >"$W/mut.img"
	$CKPTINFO "$W/mut.img" >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		ko "ckptinfo: word at $w set to 0xffffffff: exit status $rc"
		ffail=$((ffail + 1))
	fi
	w=$((w + 4))
	[ "$ffail" -gt 5 ] && break
done
[ "$ffail" = 0 ] && ok

# Random bit flips
seeds=300
[ -n "$VALGRIND" ] && seeds=60
ffail=0
s=1
while [ "$s" -le "$seeds" ]; do
	"$MKIMAGE" fuzz "$s" <"$W/shmem.img" >"$W/fuzz.img"
	$CKPTINFO -v "$W/fuzz.img" >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		ko "ckptinfo on fuzz seed $s: exit status $rc"
		ffail=$((ffail + 1))
	fi
	$CKPTINFO --json -v "$W/fuzz.img" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		ko "ckptinfo --json on fuzz seed $s: exit status $rc"
		ffail=$((ffail + 1))
	elif [ -n "$have_python" ] && ! json_ok "$W/out"; then
		ko "ckptinfo --json on fuzz seed $s: invalid JSON"
		ffail=$((ffail + 1))
	fi
	s=$((s + 1))
	[ "$ffail" -gt 5 ] && break
done
[ "$ffail" = 0 ] && ok

# ---------------------------------------------------------------------
# checkpoint against this kernel: options and error paths
C=$BIN/checkpoint
t "checkpoint: no PID" 2 "no PID given" $C
t "checkpoint --help" 0 "" $C --help
check "checkpoint --help is usage" grep -q '^Usage: checkpoint' "$W/out"
t "checkpoint: bad PID" 2 "invalid PID 'abc'" $C abc
t "checkpoint: PID 0" 2 "invalid PID '0'" $C 0
t "checkpoint: two PIDs" 2 "too many arguments" $C 1 2
t "checkpoint: bad option" 2 "Try 'checkpoint --help'" $C --bogus 1
t "checkpoint: -o and --output-fd" 2 "mutually exclusive" $C -o "$W/x" --output-fd 1 1
t "checkpoint: bad --output-fd" 2 "invalid file descriptor" $C --output-fd x 1
t "checkpoint: closed --output-fd" 1 "output fd 9: Bad file descriptor" $C --output-fd 9 1
touch "$W/exists"
t "checkpoint: -o existing" 1 "already exists (use -f" $C -o "$W/exists" 1
t "checkpoint: -o into a missing dir" 1 "cannot create $W/nodir/x" $C -o "$W/nodir/x" 1
t "checkpoint: ENOSYS" 1 "pid $$: Function not implemented" $C -o "$W/new.img" $$
check "checkpoint: the kernel hint" grep -q "CONFIG_CHECKPOINT" "$W/err"
check "checkpoint: a failed -o file is removed" test ! -e "$W/new.img"
t "checkpoint -f: ENOSYS" 1 "Function not implemented" $C -f -o "$W/exists" $$
check "checkpoint -f: the failed file is removed" test ! -e "$W/exists"
t "checkpoint -l: ENOSYS" 1 "Function not implemented" $C -l "$W/ck.log" -o "$W/new.img" $$
check "checkpoint -l creates the log" test -e "$W/ck.log"
if command -v script >/dev/null; then
	script -qec "$C 1" /dev/null >"$W/out" 2>&1
	check "checkpoint refuses a terminal" grep -q "refusing to write an image to a terminal" "$W/out"
else
	skip=$((skip + 1))
fi

# checkpoint with fake system calls
export FAKE_ARGS="$W/args" FAKE_IMAGE="$VALID"
rm -f "$W/args"
FAKE_CKPT=ok t "checkpoint: success" 0 "" $CFAKE -o "$W/ck.img" 123
check "checkpoint: the image is written" cmp -s "$VALID" "$W/ck.img"
check "checkpoint: -o makes a 0600 file" sh -c "ls -l '$W/ck.img' | grep -q '^-rw-------'"
check "checkpoint: CHECKPOINT_SUBTREE by default" grep -qx "123 1" "$W/args"
FAKE_CKPT=ok t "checkpoint -c" 0 "" $CFAKE -c -f -o "$W/ck.img" 124
check "checkpoint -c: flags 0" grep -qx "124 0" "$W/args"
FAKE_CKPT=ok t "checkpoint -v to a file" 0 "checkpoint id 42, image size $SIZE bytes" $CFAKE -v -f -o "$W/ck.img" 123
FAKE_CKPT=ok t "checkpoint -v to a pipe" 0 "checkpoint id 42, image size $SIZE bytes" sh -c "$CFAKE -v 123 | cat > '$W/pipe.img'"
check "checkpoint: the image through a pipe" cmp -s "$VALID" "$W/pipe.img"
FAKE_CKPT=ok t "checkpoint to stdout" 0 "" sh -c "$CFAKE 123 > '$W/out.img'"
check "checkpoint: the image on stdout" cmp -s "$VALID" "$W/out.img"
exec 5>"$W/fd5.img"
FAKE_CKPT=ok t "checkpoint --output-fd" 0 "" $CFAKE --output-fd 5 123
exec 5>&-
check "checkpoint --output-fd: the image" cmp -s "$VALID" "$W/fd5.img"
FAKE_CKPT=fail t "checkpoint: failure" 1 "checkpoint: pid 123: Operation not supported" $CFAKE -o "$W/f.img" 123
check "checkpoint: the kernel's log line" grep -q "^checkpoint: pid 42 fd 5: socket files are not supported$" "$W/err"
FAKE_CKPT=partial t "checkpoint: partial" 1 "Device or resource busy" $CFAKE -o "$W/f.img" 123
check "checkpoint: partial -o file removed" test ! -e "$W/f.img"
check "checkpoint: EBUSY hint" grep -q "kill -STOP" "$W/err"
FAKE_CKPT=fail t "checkpoint -l: failure" 1 "socket files are not supported" $CFAKE -l "$W/ck2.log" -o "$W/f.img" 123
check "checkpoint -l: the log file has the line" grep -q "socket files are not supported" "$W/ck2.log"

# ---------------------------------------------------------------------
# restart against this kernel: options and error paths
for R in "$BIN/restart" "$BIN/mktree"; do
	n=${R##*/}
	t "$n --help" 0 "" $R --help
	check "$n --help is usage" grep -q '^Usage: restart' "$W/out"
	t "$n --pids -P" 2 "in a new pid namespace only" $R --pids -P
	t "$n: bad option" 2 "Try 'restart --help'" $R --bogus
	t "$n: argument" 2 "unexpected argument" $R foo
	t "$n: -i and --input-fd" 2 "mutually exclusive" $R -i x --input-fd 0
	t "$n --self -W" 2 "do not apply" $R --self -W
	t "$n -W --copy-status" 2 "needs --wait" $R -W --copy-status
	t "$n: bad --input-fd" 2 "invalid file descriptor" $R --input-fd -1
	t "$n: closed --input-fd" 1 "input fd 9: Bad file descriptor" $R --input-fd 9
	t "$n: missing -i" 1 "cannot open /nonexistent" $R -i /nonexistent
	t "$n: empty input" 1 "stdin: empty input: no image" $R
	t "$n: ENOSYS" 1 "restart failed: Function not implemented" $R -i "$VALID"
	check "$n: ENOSYS hint" grep -q "CONFIG_CHECKPOINT" "$W/err"
	t "$n -P: ENOSYS" 1 "restart failed: Function not implemented" $R -P -i "$VALID"
	t "$n: ENOSYS via a pipe" 1 "restart failed: Function not implemented" sh -c "cat '$VALID' | $R"
	t "$n --self: ENOSYS" 1 "restart failed: Function not implemented" $R --self -i "$VALID"
	t "$n --self: ENOSYS via a pipe" 1 "restart failed: Function not implemented" sh -c "cat '$VALID' | $R --self"
	t "$n --self: multi-task image" 1 "single-task images only; this one holds 2 tasks" $R --self -i "$W/multi.img"
	t "$n -P: multi-task image, ENOSYS" 1 "restart failed: Function not implemented" $R -P -i "$W/multi.img"
	t "$n -P: multi-task image via a pipe" 1 "restart failed: Function not implemented" sh -c "cat '$W/multi.img' | $R -P"
	t "$n -P -v: the plan" 1 "plan: this pid namespace, fresh pids" $R -P -v -i "$W/zombie.img"
	check "$n -P -v: the plan's tasks" grep -q "zombie 44: ppid 42 pgid 42 sid 42, joins group 42" "$W/err"
	t "$n: bad magic" 1 "not a checkpoint image: bad header magic" $R -i "$W/badmagic.img"
	t "$n: bad version" 1 "format version 99 is not supported" $R -i "$W/badversion.img"
	t "$n: bad page size" 1 "invalid page size" $R -i "$W/badpagesize.img"
	t "$n: no tree" 1 "PIDNS record at offset .* before the TREE record" $R -i "$W/notree.img"
	t "$n: no PIDNS record" 1 "(unknown type) after the TREE record: expected PIDNS" $R -i "$W/nopidns.img"
	# as root the tree is built (CLONE_NEWPID), else clone3() fails
	t "$n -P -d: nested pid namespaces" 1 "restart failed: Function not implemented\|clone3: Operation not permitted" $R -P -d -i "$W/nested.img"
	check "$n -d: the pids of a nested task" grep -q "task 2: pid 44 .* pidns 1 pids 44/2" "$W/err"
	check "$n -d: the nested namespace" grep -q "pid namespace 1: in 0, level 1, init task 1" "$W/err"
	t "$n -P -v: a ghost in a nested pid namespace" 1 "restart failed: Function not implemented\|clone3: Operation not permitted" $R -P -d -v -i "$W/ghosts.img"
	check "$n -d: the ghost's pids" grep -q "ghost 0: pidns 1 pids 50/3" "$W/err"
	check "$n -v: the ghost in the plan" grep -q "ghost 50: ppid 44 pgid 50 sid 0, setpgid(0, 0), exits before restart, pid namespace 1, pids 50/3" "$W/err"
	t "$n: a ghost in a namespace out of range" 1 "ghost 0: in pid namespace 5 of 1" $R -i "$W/ghostsns.img"
	t "$n: huge record" 1 "(TREE) has length 4294967288: more than the 16 MiB read ahead" $R -i "$W/hugelen.img"
	t "$n: truncated" 1 "truncated image" sh -c "head -c 300 '$VALID' | $R"
	t "$n -F missing cgroup" 1 "cannot put the task into cgroup /nonexistent" $R -F /nonexistent -i "$VALID"
	t "$n -r missing root" 1 "cannot chroot to /nonexistent" $R -r /nonexistent -i "$VALID"
	t "$n -d" 1 "tree: 1 task" $R -d -i "$VALID"
	check "$n -d prints the header" grep -q "image: checkpoint id 7" "$W/err"
	if command -v script >/dev/null; then
		script -qec "$R" /dev/null >"$W/out" 2>&1
		check "$n refuses a terminal" grep -q "refusing to read an image from a terminal" "$W/out"
	fi
done

# restart's own image reading on fuzzed images: a clean failure
ffail=0
s=1
while [ "$s" -le 100 ]; do
	"$MKIMAGE" fuzz "$s" <"$VALID" >"$W/fuzz.img"
	$BIN/restart -i "$W/fuzz.img" >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" != 1 ]; then
		ko "restart on fuzz seed $s: exit status $rc"
		ffail=$((ffail + 1))
	fi
	cat "$W/fuzz.img" | $BIN/restart >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" != 1 ]; then
		ko "restart on a pipe of fuzz seed $s: exit status $rc"
		ffail=$((ffail + 1))
	fi
	s=$((s + 1))
	[ "$ffail" -gt 5 ] && break
done
[ "$ffail" = 0 ] && ok

# restart with fake system calls: the kernel sees the whole stream
R=$RFAKE
export FAKE_RESTART=ok FAKE_DUMP="$W/dump.img" FAKE_EXIT=exit:7
rm -f "$W/args"
t "restart: success" 0 "" $R -i "$VALID"
check "restart: the kernel reads the image from its start" cmp -s "$VALID" "$W/dump.img"
check "restart: restart(0, fd, RESTART_TASKSELF)" grep -qx "0 1" "$W/args"
rm -f "$W/dump.img"
t "restart: success on stdin" 0 "" sh -c "$R < '$VALID'"
check "restart: stdin rewound" cmp -s "$VALID" "$W/dump.img"
rm -f "$W/dump.img"
t "restart: success on a pipe" 0 "feeding the image through a pipe" sh -c "cat '$VALID' | $R -v"
check "restart: the pipe is replayed" cmp -s "$VALID" "$W/dump.img"
rm -f "$W/dump.img"
t "restart: a big image on a pipe" 0 "" sh -c "cat '$W/big.img' | $R"
check "restart: the big pipe is replayed" cmp -s "$W/big.img" "$W/dump.img"
rm -f "$W/dump.img"
{ printf 'JUNKJUNK'; cat "$VALID"; } >"$W/offset.img"
t "restart: --input-fd at an offset" 0 "" sh -c "exec 3<'$W/offset.img'; dd bs=8 count=1 <&3 >/dev/null 2>&1; $R --input-fd 3"
check "restart: rewound to the fd's offset" cmp -s "$VALID" "$W/dump.img"

t "restart --copy-status" 7 "" $R --copy-status -i "$VALID"
t "restart --show-status" 0 "" $R --show-status -i "$VALID"
check "restart --show-status: exited" grep -q "^restart: pid [0-9]* exited with status 7$" "$W/out"
FAKE_EXIT=signal:15 t "restart: killed, --copy-status" 143 "" $R --copy-status -i "$VALID"
FAKE_EXIT=signal:15 t "restart: killed, --show-status" 0 "" $R --show-status -i "$VALID"
check "restart --show-status: killed" grep -q "^restart: pid [0-9]* killed by signal 15$" "$W/out"
FAKE_RESTART=fail t "restart: failure" 1 "restart failed: Invalid argument" $R -i "$VALID"
check "restart: the kernel's log line" grep -q "^restart: image: bad record at offset 1480$" "$W/err"
FAKE_RESTART=fail t "restart: failure on a pipe" 1 "restart failed: Invalid argument" sh -c "cat '$VALID' | $R"
FAKE_RESTART=fail t "restart -l: failure" 1 "bad record at offset 1480" $R -l "$W/r.log" -i "$VALID"
check "restart -l: the log file has the line" grep -q "bad record at offset 1480" "$W/r.log"
FAKE_RESTART=kill t "restart: killed after the point of no return" 1 "the kernel killed pid" $R --copy-status -i "$VALID"
check "restart: the kernel's log line after SIGKILL" grep -q "cannot map 0x400000" "$W/err"
FAKE_RESTART=kill t "restart -W: killed after the point of no return" 1 "the kernel killed pid" $R -W -i "$VALID"
FAKE_RESTART=warn FAKE_EXIT=exit:0 t "restart: a kernel warning" 0 "warning: image from kernel" $R -i "$VALID"
t "restart --self: success" 7 "" $R --self -i "$VALID"
FAKE_RESTART=fail t "restart --self: failure" 1 "restart failed: Invalid argument" $R --self -i "$VALID"
check "restart --self: the kernel's log line" grep -q "bad record at offset 1480" "$W/err"
rm -f "$W/dump.img"
t "restart --self on a pipe" 7 "" sh -c "cat '$VALID' | $R --self"
check "restart --self: the pipe is handed over" cmp -s "$VALID" "$W/dump.img"

# -W: returns while the task runs
FAKE_EXIT=sleep t "restart -W" 0 "not waiting" $R -W -v -i "$VALID"
pid=$(sed -n 's/.*restored task is pid \([0-9]*\).*/\1/p' "$W/err")
check "restart -W: the task runs" kill -0 "$pid"
[ -n "$pid" ] && kill "$pid" 2>/dev/null

# -F: the task moves into the cgroup (a fake cgroup directory here)
mkdir -p "$W/cg"
: >"$W/cg/cgroup.procs"
t "restart -F" 0 "" $R -v -F "$W/cg" -i "$VALID"
pid=$(sed -n 's/.*restored task is pid \([0-9]*\).*/\1/p' "$W/err")
check "restart -F: the pid is in cgroup.procs" grep -qx "$pid" "$W/cg/cgroup.procs"

# -r: the task is chrooted before restart()
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$W/root"
	FAKE_DUMP=/dump.img t "restart -r" 0 "" $R -r "$W/root" -i "$VALID"
	check "restart -r: restart() runs in the chroot" cmp -s "$VALID" "$W/root/dump.img"
else
	skip=$((skip + 1))
fi

# A task restored in group stop: reported, waited for until it exits
FAKE_EXIT=stop $R --show-status --copy-status -i "$VALID" >"$W/out" 2>"$W/err" </dev/null &
rpid=$!
i=0
while ! grep -q stopped "$W/out" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
pid=$(sed -n 's/^restart: pid \([0-9]*\) is stopped.*/\1/p' "$W/out")
check "restart: a stopped task is reported" test -n "$pid"
[ -n "$pid" ] && kill -CONT "$pid"
wait $rpid
rc=$?
check "restart: waits for the stopped task until it exits" test "$rc" = 3
check "restart: the stopped task's exit is reported" grep -q "^restart: pid $pid exited with status 3$" "$W/out"

# Signals sent to restart go on to the restored task
FAKE_EXIT=sleep $R -v --show-status --copy-status -i "$VALID" >"$W/out" 2>"$W/err" </dev/null &
rpid=$!
i=0
while ! grep -q "restored task is pid" "$W/err" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $rpid
wait $rpid
rc=$?
check "restart: SIGTERM goes on to the restored task" test "$rc" = 143
check "restart: the forwarded signal's end is reported" grep -q "killed by signal 15$" "$W/out"

FAKE_EXIT=stop $R -v --copy-status -i "$VALID" >"$W/out" 2>"$W/err" </dev/null &
rpid=$!
i=0
pid=
while [ $i -lt 100 ]; do
	pid=$(sed -n 's/.*restored task is pid \([0-9]*\).*/\1/p' "$W/err")
	[ -n "$pid" ] && grep -q '^[0-9]* ([^)]*) T' "/proc/$pid/stat" 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
kill -CONT $rpid
wait $rpid
rc=$?
check "restart: SIGCONT resumes a task restored stopped" test "$rc" = 3

unset FAKE_RESTART FAKE_DUMP FAKE_EXIT FAKE_ARGS FAKE_IMAGE FAKE_CKPT

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
