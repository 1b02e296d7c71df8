// SPDX-License-Identifier: GPL-2.0
/*
 * Part 3: control-plane measurements on pktgate's pinned maps.
 *
 * `load` is the kernel-side floor of a bulk load: one batch update of the
 * prefixes into the pinned deny list (what `pktgate load` will use), timed
 * around the syscalls only. Memory is read two ways: the kernel's own
 * accounting of the maps (fdinfo memlock) and the growth of the slab
 * (/proc/meminfo), which also catches what memlock leaves out but is
 * disturbed by anything else the machine does meanwhile.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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
	if (lists_open_pinned(l, o->pin_path)) {
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

/* Fills the per-address counters (top talkers) to capacity, so that a
 * reader of that table is timed on a full one. */
int cmd_fill_top(const struct opts *o)
{
	int ncpus = libbpf_num_possible_cpus(), fd, err = 0;
	size_t n = o->entries, stride = (sizeof(struct pg_top_val) + 7) & ~(size_t)7;
	struct pg_top_key *keys = calloc(n ? n : 1, sizeof(*keys));
	__u8 *vals = calloc((n ? n : 1) * ncpus, stride);
	char path[PATH_MAX];
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 count = n;

	snprintf(path, sizeof(path), "%s/%s", o->pin_path ? o->pin_path : "", PG_MAP_TOP);
	fd = bpf_obj_get(path);
	if (fd < 0 || !keys || !vals) {
		err = bench_err("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i].family = 4;
		keys[i].addr[0] = 100;
		keys[i].addr[1] = 64 + (i >> 16);
		keys[i].addr[2] = i >> 8;
		keys[i].addr[3] = i;
		for (int c = 0; c < ncpus; c++)
			((struct pg_top_val *)(vals + (i * ncpus + c) * stride))->packets = i + 1;
	}
	if (bpf_map_update_batch(fd, keys, vals, &count, &bo))
		err = bench_err("filling %s: %s", path, strerror(errno));
	else
		printf("{\"filled\": %u}\n", count);
out:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return err ? 1 : 0;
}
