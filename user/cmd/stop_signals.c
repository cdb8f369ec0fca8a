// SPDX-License-Identifier: GPL-2.0
/*
 * stop_signals: the stop set of capture and replay, blocked.
 */
#include <pthread.h>
#include <stddef.h>

#include "cmd/stop_signals.h"

/*
 * A blocked signal is never discarded, even one whose action is SIG_IGN,
 * so sigtimedwait() would take it: add sig only if it is not ignored.
 */
static void add_unless_ignored(sigset_t *set, int sig)
{
	struct sigaction sa;

	if (!sigaction(sig, NULL, &sa) && sa.sa_handler == SIG_IGN)
		return;
	sigaddset(set, sig);
}

void stop_signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	add_unless_ignored(set, SIGHUP); /* nohup ignores it: keep so */
	add_unless_ignored(set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}
