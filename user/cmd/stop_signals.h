/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stop_signals: the signals that stop a live command cleanly (SIGINT,
 * SIGTERM, and SIGHUP and SIGQUIT unless ignored, as under nohup),
 * blocked in the calling thread (and so in the threads it starts after)
 * for the main thread to take with sigtimedwait().
 */
#ifndef FS_STOP_SIGNALS_H
#define FS_STOP_SIGNALS_H

#include <signal.h>

void stop_signals_block(sigset_t *set);

#endif /* FS_STOP_SIGNALS_H */
