// SPDX-License-Identifier: GPL-2.0
/*
 * Part 3: control-plane measurements on pktgate's pinned maps.
 *
 * `load` is the kernel-side floor of a bulk load: batch updates of the
 * prefixes into the live tables of the pinned deny list (what `pktgate
 * load` does into fresh tables before it switches generations), timed
 * around the syscalls only. Memory is read two ways: the kernel's own
 * accounting of the maps (fdinfo memlock) and the growth of the slab
 * (/proc/meminfo), which also catches what memlock leaves out but is
 * disturbed by anything else the machine does meanwhile.
 *
 * `time` runs a command (`pktgate load`, say) and times it from fork to
 * exit: what a user waits for. pktgate frees a replaced generation's maps
 * in a background process after it exits; `time` adopts such leftovers
 * (it is a child subreaper) and waits for them too, reporting that time
 * apart, so no measurement overlaps the previous one's cleanup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "pktgate.h"

static long long meminfo_kb(const char *field)
{
	char line[256];
	long long v = -1;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = atoll(line + len + 1);
			break;
		}
	fclose(f);
	return v;
}

static int load_set(struct prefix_set *s, struct bench_lists *l, const struct opts *o)
{
	if (!o->pin_path)
		return bench_err("--pin-path or PKTGATE_PIN_PATH needed");
	if (prefixes_make(s, o->family, o->layout, o->entries, o->seed))
		return bench_err("cannot make %zu prefixes", o->entries);
	l->dynamic = o->dynamic;
	if (lists_open_pinned(l, o->pin_path)) {
		lists_close(l);
		prefixes_free(s);
		return -1;
	}
	return 0;
}

int cmd_load(const struct opts *o)
{
	struct prefix_set s;
	struct bench_lists l;
	double ins = 0, del = -1;
	long long slab0, slab1, memlock, empty;
	int err;

	if (load_set(&s, &l, o))
		return 1;
	empty = lists_memlock(&l, o->family);
	slab0 = meminfo_kb("Slab");
	err = lists_fill(&l, &s, &ins);
	memlock = lists_memlock(&l, o->family);
	slab1 = meminfo_kb("Slab");
	if (!err && !o->keep)
		err = lists_clear(&l, &s, &del);
	if (!err) {
		printf("{\"entries\": %zu, \"insert_s\": %.6f, \"memlock_bytes\": %lld, "
		       "\"memlock_empty_bytes\": %lld, \"slab_delta_bytes\": %lld", s.n, ins, memlock, empty,
		       (slab1 - slab0) * 1024);
		if (del >= 0)
			printf(", \"delete_s\": %.6f", del);
		printf("}\n");
	}
	lists_close(&l);
	prefixes_free(&s);
	return err ? 1 : 0;
}

int cmd_clear(const struct opts *o)
{
	struct prefix_set s;
	struct bench_lists l;
	double del = 0;
	int err;

	if (load_set(&s, &l, o))
		return 1;
	err = lists_clear(&l, &s, &del);
	if (!err)
		printf("{\"entries\": %zu, \"delete_s\": %.6f}\n", s.n, del);
	lists_close(&l);
	prefixes_free(&s);
	return err ? 1 : 0;
}

/* Fills the per-address counters (top talkers) with N addresses, at most
 * the sketch's capacity (PG_TOP_ENTRIES), the same on every CPU, so that a
 * reader of that table is timed on a full one. Address i goes to way
 * i % PG_TOP_WAYS of row i / PG_TOP_WAYS: a reader does not care which row
 * the datapath would have picked. */
int cmd_fill_top(const struct opts *o)
{
	int ncpus = libbpf_num_possible_cpus(), fd, err = 0;
	size_t n = o->entries < PG_TOP_ENTRIES ? o->entries : PG_TOP_ENTRIES;
	size_t stride = (sizeof(struct pg_top_row) + 7) & ~(size_t)7;
	__u32 rows = (n + PG_TOP_WAYS - 1) / PG_TOP_WAYS, count = rows;
	__u32 *keys = calloc(rows ? rows : 1, sizeof(*keys));
	__u8 *vals = calloc((rows ? rows : 1) * (size_t)ncpus, stride);
	char path[PATH_MAX];
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	snprintf(path, sizeof(path), "%s/%s", o->pin_path ? o->pin_path : "", PG_MAP_TOP);
	fd = bpf_obj_get(path);
	if (fd < 0 || !keys || !vals) {
		err = bench_err("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	for (__u32 r = 0; r < rows; r++)
		keys[r] = r;
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < ncpus; c++) {
			struct pg_top_row *row = (void *)(vals + (i / PG_TOP_WAYS * ncpus + c) * stride);
			struct pg_top_way *w = &row->way[i % PG_TOP_WAYS];

			w->key.family = 4;
			w->key.addr[0] = 100;
			w->key.addr[1] = 64 + (i >> 16);
			w->key.addr[2] = i >> 8;
			w->key.addr[3] = i;
			w->val.packets = i + 1;
		}
	}
	if (rows && bpf_map_update_batch(fd, keys, vals, &count, &bo))
		err = bench_err("filling %s: %s", path, strerror(errno));
	else
		printf("{\"filled\": %zu}\n", n);
out:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return err ? 1 : 0;
}

int cmd_time(const struct opts *o)
{
	double t0, t1, t2;
	int out, st, code;
	pid_t pid;

	if (o->nargs < 1)
		return bench_err("time: no command given (pgbench time [--out FILE] -- CMD ...)"), 2;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		return bench_err("time: cannot become a subreaper: %s", strerror(errno)), 1;
	out = open(o->out ? o->out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return bench_err("cannot write %s: %s", o->out ? o->out : "/dev/null",
				 strerror(errno)), 1;
	fflush(stdout);
	t0 = mono_s();
	pid = fork();
	if (pid == 0) {
		if (dup2(out, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(o->args[0], o->args);
		bench_err("cannot run %s: %s", o->args[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		close(out);
		return bench_err("fork: %s", strerror(errno)), 1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			close(out);
			return bench_err("waitpid: %s", strerror(errno)), 1;
		}
	t1 = mono_s();
	close(out);
	/* Whatever the command left running has been handed to us. */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	t2 = mono_s();
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("{\"seconds\": %.6f, \"background_s\": %.6f, \"status\": %d}\n", t1 - t0, t2 - t1,
	       code);
	if (code)
		bench_err("%s exited with status %d", o->args[0], code);
	return code ? 1 : 0;
}
