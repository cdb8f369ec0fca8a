/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdnotify: the service manager's readiness protocol (systemd's
 * Type=notify, sd_notify(3)) without libsystemd: one datagram of
 * newline-separated VAR=value assignments to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name written "@name").
 */
#ifndef FS_SDNOTIFY_H
#define FS_SDNOTIFY_H

/*
 * Send state, e.g. "READY=1" or "STOPPING=1".  0 when sent or when
 * $NOTIFY_SOCKET is unset (not run by a service manager); -errno
 * otherwise.  Never waits: a full socket buffer is -EAGAIN.
 */
int sdnotify_send(const char *state);

#endif /* FS_SDNOTIFY_H */
