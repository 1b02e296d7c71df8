// SPDX-License-Identifier: GPL-2.0
/*
 * Reading pg_top, the datapath's heavy-hitter sketch (a per-CPU array of
 * rows, struct pg_top_row), into per-address totals: each CPU keeps its own
 * rows, so one address can be in every CPU's copy of its row (and, for
 * programs loaded with different seeds, in other rows): its counts are
 * summed. Rows are read in batches, a few hundred per system call; kernels
 * without batch lookups for the map get them one by one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctx.h"
#include "out.h"
#include "toptable.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported", seen by user space */
#endif

/* Per-CPU values come as one 8-byte aligned copy per possible CPU. */
#define TOP_ROW_STRIDE ((sizeof(struct pg_top_row) + 7) / 8 * 8)
/* Size of the per-CPU value buffer of one batch: hundreds of rows per
 * system call on usual machines, and bounded however many CPUs there are. */
#define TOP_BATCH_BYTES (1u << 20)

int top_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pg_top_key));	/* the key comes first */
}

unsigned int top_every(const struct pg_iface *rec)
{
	return rec->top_sample > 1 ? rec->top_sample : 1;
}

/* A draw is a nonzero 32-bit word: below 2^32 / every is one in every. */
uint32_t top_below(unsigned int every)
{
	return every > 1 ? (uint32_t)((1ULL << 32) / every) : 0;
}

bool top_same(const struct pg_iface *a, const struct pg_iface *b)
{
	return a->no_top == b->no_top && top_every(a) == top_every(b);
}

uint64_t top_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	/* No entropy yet (early boot): still differs per load. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec << 32 ^ ts.tv_nsec ^ (uint64_t)getpid() << 48) |
	       0x8000000000000001ULL;
}

static int buffers_alloc(struct top_reader *v, __u32 chunk)
{
	void *k = realloc(v->keys, (size_t)chunk * sizeof(*v->keys));
	void *d;

	if (!k)
		return -ENOMEM;
	v->keys = k;
	d = realloc(v->vals, (size_t)chunk * TOP_ROW_STRIDE * v->ctx->ncpus);
	if (!d)
		return -ENOMEM;
	v->vals = d;
	v->chunk = chunk;
	return 0;
}

static int table_add(struct top_table *tb, const struct pg_top_way *w)
{
	struct talker *t;

	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 1024;
		void *p = realloc(tb->t, cap * sizeof(*tb->t));

		if (!p)
			return -ENOMEM;
		tb->t = p;
		tb->cap = cap;
	}
	t = &tb->t[tb->n++];
	memset(t, 0, sizeof(*t));
	t->key = w->key;
	t->tot = w->val;
	return 0;
}

/* The ways in use of one row, on every CPU. A way that counted nothing (or
 * was never used) is left out. */
static int row_add(struct top_table *tb, const void *vals, int ncpus)
{
	for (int c = 0; c < ncpus; c++) {
		const struct pg_top_row *r = (const void *)((const char *)vals + c * TOP_ROW_STRIDE);

		for (int i = 0; i < PG_TOP_WAYS; i++) {
			int err;

			if (!r->way[i].key.family || !r->way[i].val.packets)
				continue;
			err = table_add(tb, &r->way[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

static int read_batch(struct top_reader *v, struct top_table *tb)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0;	/* opaque position tokens, key-sized */
	bool first = true;
	int err;

	for (;;) {
		__u32 count = v->chunk;

		err = bpf_map_lookup_batch(v->ctx->maps.top, first ? NULL : &in, &out, v->keys,
					   v->vals, &count, &opts);
		if (err && err != -ENOENT)
			return err;
		for (__u32 i = 0; i < count; i++) {
			int e = row_add(tb, (char *)v->vals + (size_t)i * TOP_ROW_STRIDE * v->ctx->ncpus,
					v->ctx->ncpus);

			if (e)
				return e;
		}
		if (err == -ENOENT || !count)	/* the end of the array */
			return 0;
		in = out;
		first = false;
	}
}

/* Row by row, for kernels without batch lookups. */
static int read_rows(struct top_reader *v, struct top_table *tb)
{
	for (__u32 idx = 0; idx < PG_TOP_ROWS; idx++) {
		int err;

		if (bpf_map_lookup_elem(v->ctx->maps.top, &idx, v->vals))
			return -errno;
		err = row_add(tb, v->vals, v->ctx->ncpus);
		if (err)
			return err;
	}
	return 0;
}

/* Sort by key (to match readings) and sum the copies of a key: counters
 * add up, last seen is the latest. */
static void merge(struct top_table *tb)
{
	size_t n = 0;

	if (tb->n)	/* qsort of a NULL array, even empty, is undefined */
		qsort(tb->t, tb->n, sizeof(*tb->t), top_key_cmp);
	for (size_t i = 0; i < tb->n; i++) {
		struct talker *t = &tb->t[i], *m = n ? &tb->t[n - 1] : NULL;

		if (m && !top_key_cmp(&m->key, &t->key)) {
			m->tot.packets += t->tot.packets;
			m->tot.bytes += t->tot.bytes;
			m->tot.drops += t->tot.drops;
			if (t->tot.last_seen_ns > m->tot.last_seen_ns)
				m->tot.last_seen_ns = t->tot.last_seen_ns;
			continue;
		}
		tb->t[n++] = *t;
	}
	tb->n = n;
}

int top_table_read(struct top_reader *v, struct top_table *tb)
{
	int err = -EINVAL;

	if (!v->chunk) {
		__u32 chunk = TOP_BATCH_BYTES / (TOP_ROW_STRIDE * v->ctx->ncpus);

		err = buffers_alloc(v, chunk < 1 ? 1 : chunk > PG_TOP_ROWS ? PG_TOP_ROWS : chunk);
		if (err)
			return err;
	}
	tb->n = 0;
	if (!v->no_batch) {
		err = read_batch(v, tb);
		if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
			p_debug("top: batch lookup of %s not supported (%s): reading it key by key",
				PG_MAP_TOP, strerror(-err));
			v->no_batch = true;
			tb->n = 0;
		}
	}
	if (v->no_batch)
		err = read_rows(v, tb);
	if (err)
		return err;
	merge(tb);
	return 0;
}

void top_reader_free(struct top_reader *v)
{
	free(v->keys);
	free(v->vals);
	v->keys = NULL;
	v->vals = NULL;
	v->chunk = 0;
}
