// SPDX-License-Identifier: GPL-2.0
/*
 * bench_run: run one capture tool for the benchmarks and report the CPU it
 * used, exactly, whatever threads it had.
 *
 *   bench_run OUTFILE CMD [ARGS...]
 *
 * Starts CMD, forwards SIGINT and SIGTERM to it (the benchmark stops every
 * tool the way an operator would), waits for it and writes one line to
 * OUTFILE:
 *
 *   utime_s stime_s maxrss_kb exit_code
 *
 * exit_code is 128 + signal when CMD was killed by a signal.  bench_run
 * exits with CMD's exit code.  /proc/PID/stat read from outside would miss
 * the CPU a tool spends after the last sample (the final flush), and GNU
 * time does not forward signals; wait4() has the whole count.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

static int report(const char *path, const struct rusage *ru, int code)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench_run: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%.3f %.3f %ld %d\n", tv_s(&ru->ru_utime),
		tv_s(&ru->ru_stime), ru->ru_maxrss, code);
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = forward};
	struct rusage ru;
	int status, code;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_run OUTFILE CMD [ARGS...]\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		perror("bench_run: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "bench_run: %s: %s\n", argv[2],
			strerror(errno));
		_exit(127);
	}
	child = pid;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("bench_run: wait4");
			return 1;
		}
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (report(argv[1], &ru, code))
		return 1;
	return code;
}
