/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces known by inode: finding a way into one, and running
 * in it for a while (the interface table checks and detaches interfaces of
 * every namespace it has records for). */
#ifndef __PKTGATE_NETNS_H
#define __PKTGATE_NETNS_H

#include <stdbool.h>
#include <stdint.h>

/* Long enough for /run/netns/NAME and /proc/PID/ns/net; a mount point
 * longer than this is passed over. */
#define NETNS_PATH_LEN 256

struct netns_ref {
	uint64_t ino;			/* in: the namespace's inode */
	char path[NETNS_PATH_LEN];	/* out: a file that refers to it, "" if none */
};

/* Find a path for each namespace: an nsfs mount (ip netns add makes those
 * under /run/netns, and one found there is preferred), else a process that
 * lives in it. A namespace found neither way can no longer be entered by
 * anyone pktgate could serve: it is gone, or held only by a descriptor. */
void netns_find(struct netns_ref *ns, int n);
/* Its name under /run/netns, or NULL. */
const char *netns_ref_name(const struct netns_ref *ns);
/* Switch this thread to the namespace at path; *saved is where to return
 * with netns_leave(). 0 or -errno (then nothing changed). */
int netns_enter(const char *path, int *saved);
void netns_leave(int saved);

#endif
