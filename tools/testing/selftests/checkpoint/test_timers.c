// SPDX-License-Identifier: GPL-2.0
/*
 * Interval timers: a task with ITIMER_REAL armed (value and interval)
 * checkpoints itself; after restart the timer runs on from what was
 * left, with its interval, and its SIGALRM reaches the restored
 * handler.  A
 * task with ITIMER_VIRTUAL armed cannot be saved yet: EOPNOTSUPP and
 * a log line, never a silently lost timer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define VALUE_MS	3000
#define INTERVAL_MS	300

static volatile sig_atomic_t alarms;

static void on_alarm(int sig __attribute__((unused)))
{
	alarms++;
}

static const char *img_path, *log_path, *out_path;

/* exit codes of the restored task */
enum { T_OK = 0, T_VALUE = 60, T_INTERVAL, T_NO_ALARMS, T_EARLY };

static void worker(void)
{
	struct itimerval it = {
		.it_value = { VALUE_MS / 1000, (VALUE_MS % 1000) * 1000 },
		.it_interval = { 0, INTERVAL_MS * 1000 },
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	int fd, logfd, i;
	long ret;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		_exit(CKPT_EXIT_SETUP);
	fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = ckpt_self(fd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0)
		_exit(CKPT_EXIT_CKPT_FAILED);
	close(fd);
	close(logfd);

	/* restored: the timer runs on from what was left */
	if (getitimer(ITIMER_REAL, &it))
		_exit(T_VALUE);
	if (it.it_interval.tv_sec || it.it_interval.tv_usec != INTERVAL_MS * 1000) {
		ckpt_report("interval %ld.%06ld\n", (long)it.it_interval.tv_sec,
			    (long)it.it_interval.tv_usec);
		_exit(T_INTERVAL);
	}
	if (!it.it_value.tv_sec && !it.it_value.tv_usec && !alarms) {
		ckpt_report("timer disarmed after restart\n");
		_exit(T_VALUE);
	}
	if (it.it_value.tv_sec * 1000 + it.it_value.tv_usec / 1000 > VALUE_MS) {
		ckpt_report("value %ld.%06ld, more than was left\n",
			    (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
		_exit(T_VALUE);
	}
	/* the first alarm, then at least two more at the interval */
	for (i = 0; i < 1000 && alarms < 3; i++)
		ckpt_msleep(10);
	if (alarms < 3) {
		ckpt_report("%d alarms in 10 s\n", (int)alarms);
		_exit(T_NO_ALARMS);
	}
	_exit(T_OK);
}

FIXTURE(timers) {
	struct ckpt_env env;
};

FIXTURE_SETUP(timers)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "timers"), 0);
	img_path = ckpt_path(&self->env, "image");
	log_path = ckpt_path(&self->env, "log");
	out_path = ckpt_path(&self->env, "out");
}

FIXTURE_TEARDOWN_PARENT(timers)
{
	ckpt_env_fini(&self->env);
}

TEST_F_TIMEOUT(timers, itimer_real, 60)
{
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		worker();
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED)
		ckpt_dump("log", log_path, 1024);
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED)
		TH_LOG("worker %s", ckpt_status_str(status));

	pid = ckpt_start_restarter(img_path, -1, log_path, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restored", out_path, 2048);
		ckpt_dump("log", log_path, 1024);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("restored task %s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), T_OK) TH_LOG("restored task %s", ckpt_status_str(status));
}

TEST_F_TIMEOUT(timers, itimer_virtual_refused, 60)
{
	struct itimerval it = { .it_value = { 100, 0 } };
	int fd, logfd, status;
	char *log;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long ret;

		if (setitimer(ITIMER_VIRTUAL, &it, NULL))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = ckpt_self(fd, logfd);
		_exit(ret < 0 && errno == EOPNOTSUPP ? 0 : 1);
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("checkpoint with ITIMER_VIRTUAL armed: %s", ckpt_status_str(status));
	log = ckpt_slurp(log_path, NULL);
	ASSERT_NE(log, NULL);
	EXPECT_NE(strstr(log, "timers are not supported"), NULL) TH_LOG("log: %s", log);
	free(log);
}

TEST_HARNESS_MAIN
