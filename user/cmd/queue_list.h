/* SPDX-License-Identifier: GPL-2.0 */
/*
 * queue_list: the -Q LIST option of the commands that open one socket
 * per queue (capture: RX queues, replay: TX queues), and how many queues
 * of a kind an interface has.
 */
#ifndef FS_QUEUE_LIST_H
#define FS_QUEUE_LIST_H

/* Queues of kind "rx" or "tx" of ifname (sysfs); at least 1. */
unsigned int queue_list_count(const char *ifname, const char *kind);

/*
 * spec "0,2-3" into a sorted, duplicate-free, malloc'ed list of queues
 * below max; spec NULL: all of 0..max-1 (at most FS_MAX_QUEUES).
 * Returns 0, -EINVAL (not a list, or empty), -ERANGE (a queue >= max)
 * or -ENOMEM.
 */
int queue_list_parse(const char *spec, unsigned int max, unsigned int **out,
		     unsigned int *n);

#endif /* FS_QUEUE_LIST_H */
