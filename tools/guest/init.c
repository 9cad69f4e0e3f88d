// SPDX-License-Identifier: GPL-2.0
/*
 * init: PID 1 of the checkpoint/restart test guest.
 *
 * Mounts the usual file systems, then either
 *  - runs the command that scripts/vm-run put in /.vmrun/cmd (a shell
 *    script) with stdin /dev/null, stdout on /dev/ttyS1 and stderr on
 *    /dev/ttyS2 (both raw: no \n -> \r\n translation), and reports its exit
 *    status as "VMRUN-STATUS <n>" on /dev/ttyS3; or
 *  - without /.vmrun/cmd, runs an interactive shell on /dev/ttyS0.
 * Meanwhile it reaps every orphan, so killed tasks never linger as zombies
 * holding their pids.  When the command or shell is done it drains the
 * serial ports, syncs and reboots; QEMU runs with -no-reboot and exits.
 *
 * The kernel passes unknown key=value words of its command line to init's
 * environment: ckpt_cols= and ckpt_rows= give the host terminal's size for
 * the interactive shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CMD_SCRIPT	"/.vmrun/cmd"

static void msg(const char *fmt, const char *arg)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	char buf[256];
	int n = snprintf(buf, sizeof(buf), fmt, arg, strerror(errno));

	if (fd < 0)
		fd = dup(2);
	if (fd >= 0) {
		(void)!write(fd, buf, n);
		close(fd);
	}
}

static void do_mount(const char *src, const char *dir, const char *type,
		     unsigned long flags, const char *data, int optional)
{
	struct stat st;

	if (optional && stat(dir, &st) < 0)
		return;
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, data) < 0 && errno != EBUSY)
		msg("init: mount %s: %s\n", dir);
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* Open a serial port for output, raw so that \n stays \n. */
static int open_raw(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		msg("init: open %s: %s\n", path);
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static void finish(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(void)
{
	int out = -1, err = -1, st = -1, status;
	int have_cmd = access(CMD_SCRIPT, R_OK) == 0;
	const char *cols, *rows;
	pid_t child, pid;

	umask(022);
	do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
	do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
	do_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0);
	do_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "gid=5,mode=620,ptmxmode=666", 0);
	do_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
	do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
	do_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0);
	do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
	do_mount("debugfs", "/sys/kernel/debug", "debugfs",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	lo_up();
	sethostname("guest", 5);
	(void)!chdir("/");

	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("SHELL", "/bin/sh", 1);
	setenv("USER", "root", 1);

	if (have_cmd) {
		out = open_raw("/dev/ttyS1");
		err = open_raw("/dev/ttyS2");
		st = open_raw("/dev/ttyS3");
	}

	child = fork();
	if (child < 0) {
		msg("init: fork: %s%s\n", "");
		finish();
	}
	if (child == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (have_cmd) {
			int in = open("/dev/null", O_RDONLY);

			dup2(in, 0);
			dup2(out, 1);
			dup2(err, 2);
			if (in > 2)
				close(in);
			execl("/bin/sh", "sh", CMD_SCRIPT, (char *)NULL);
		} else {
			struct winsize ws = { 0 };
			int tty = open("/dev/ttyS0", O_RDWR);

			if (tty >= 0) {
				ioctl(tty, TIOCSCTTY, 0);
				dup2(tty, 0);
				dup2(tty, 1);
				dup2(tty, 2);
				if (tty > 2)
					close(tty);
			}
			cols = getenv("ckpt_cols");
			rows = getenv("ckpt_rows");
			if (cols && rows) {
				ws.ws_col = atoi(cols);
				ws.ws_row = atoi(rows);
				ioctl(0, TIOCSWINSZ, &ws);
			}
			unsetenv("ckpt_cols");
			unsetenv("ckpt_rows");
			setenv("TERM", "vt100", 0);
			setenv("PS1", "guest:\\w# ", 1);
			execl("/bin/sh", "-sh", (char *)NULL);
		}
		_exit(127);
	}

	/* Reap everything; stop when the command (or shell) is done. */
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			status = 127 << 8;	/* cannot happen: child is ours */
			break;
		}
		if (pid == child)
			break;
	}

	if (have_cmd) {
		char buf[64];
		int code = WIFEXITED(status) ? WEXITSTATUS(status)
					      : 128 + WTERMSIG(status);
		int n = snprintf(buf, sizeof(buf), "VMRUN-STATUS %d\n", code);

		if (out >= 0)
			tcdrain(out);
		if (err >= 0)
			tcdrain(err);
		if (st >= 0) {
			(void)!write(st, buf, n);
			tcdrain(st);
		}
	}
	finish();
	return 0;
}
