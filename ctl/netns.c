// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces by inode. pg_ifaces records the inode of each
 * interface's namespace; to look at the interface again, pktgate needs a
 * file that refers to that namespace. There are two kinds: nsfs bind
 * mounts (ip netns add, container runtimes) and /proc/PID/ns/net.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "out.h"

#define RUN_NETNS "/run/netns/"

/* Mount points in mountinfo escape space, tab, newline and backslash as
 * three octal digits. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static struct netns_ref *ref_of(struct netns_ref *ns, int n, uint64_t ino)
{
	for (int i = 0; i < n; i++)
		if (ns[i].ino == ino)
			return &ns[i];
	return NULL;
}

/* nsfs mounts: "ID PARENT MAJ:MIN net:[INO] MOUNTPOINT ... - nsfs ...". */
static int find_mounts(struct netns_ref *ns, int n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, root[64], mnt[NETNS_PATH_LEN * 4];
	size_t cap = 0;
	int left = n;

	if (!f)
		return left;
	while (left && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - ");
		unsigned long long ino;
		struct netns_ref *r;

		if (!sep || strncmp(sep + 3, "nsfs ", 5) ||
		    sscanf(line, "%*s %*s %*s %63s %1023s", root, mnt) != 2 ||
		    sscanf(root, "net:[%llu]", &ino) != 1 || !(r = ref_of(ns, n, ino)))
			continue;
		unescape(mnt);
		if (strlen(mnt) >= sizeof(r->path))
			continue;
		if (!r->path[0])
			left--;
		else if (!strncmp(r->path, RUN_NETNS, strlen(RUN_NETNS)))
			continue;	/* a name operators use is worth keeping */
		snprintf(r->path, sizeof(r->path), "%s", mnt);
	}
	free(line);
	fclose(f);
	return left;
}

static void find_processes(struct netns_ref *ns, int n, int left)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while (left && (e = readdir(d))) {
		char path[NETNS_PATH_LEN];
		struct netns_ref *r;
		struct stat st;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (snprintf(path, sizeof(path), "/proc/%.32s/ns/net", e->d_name) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) || !(r = ref_of(ns, n, st.st_ino)) || r->path[0])
			continue;
		snprintf(r->path, sizeof(r->path), "%s", path);
		left--;
	}
	closedir(d);
}

void netns_find(struct netns_ref *ns, int n)
{
	int left;

	for (int i = 0; i < n; i++)
		ns[i].path[0] = '\0';
	left = find_mounts(ns, n);
	if (left)
		find_processes(ns, n, left);
}

const char *netns_ref_name(const struct netns_ref *ns)
{
	size_t len = strlen(RUN_NETNS);

	if (strncmp(ns->path, RUN_NETNS, len) || !ns->path[len] || strchr(ns->path + len, '/'))
		return NULL;
	return ns->path + len;
}

int netns_enter(const char *path, int *saved)
{
	int fd, err;

	/* thread-self: the exporter's threads each have their own. */
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		close(*saved);
		return err;
	}
	close(fd);
	return 0;
}

void netns_leave(int saved)
{
	if (setns(saved, CLONE_NEWNET)) {
		/* Going on in another namespace would act on the wrong interfaces. */
		exit(out_finish(p_err("cannot return to the network namespace of the "
				      "command: %s", strerror(errno))));
	}
	close(saved);
}
