// SPDX-License-Identifier: GPL-2.0
/*
 * counter: the process the demo checkpoints.  Prints 0, 1, 2, ... once
 * a second (or every MS milliseconds) on stdout, keeping its count in
 * memory, so a restarted counter visibly goes on from where it was.
 *
 *   counter [MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1000;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	unsigned long i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0;; i++) {
		printf("%lu\n", i);
		nanosleep(&ts, NULL);
	}
}
