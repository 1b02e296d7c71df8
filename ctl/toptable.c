// SPDX-License-Identifier: GPL-2.0
/*
 * Reading pg_top, the kernel's per-remote-address counters: batched lookups
 * (a full table of 64k addresses in a fraction of a second), or key by key
 * where the kernel has no batch lookup for the map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctx.h"
#include "out.h"
#include "toptable.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported", seen by user space */
#endif

/* Per-CPU values come as one 8-byte aligned copy per possible CPU. */
#define TOP_VAL_STRIDE ((sizeof(struct pg_top_val) + 7) / 8 * 8)
/* Size of the per-CPU value buffer of one batch: thousands of entries per
 * system call on usual machines, and bounded however many CPUs there are. */
#define TOP_BATCH_BYTES (1u << 20)

int top_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pg_top_key));	/* the key comes first */
}

static int buffers_alloc(struct top_reader *v, __u32 chunk)
{
	void *k = realloc(v->keys, (size_t)chunk * sizeof(*v->keys));
	void *d;

	if (!k)
		return -ENOMEM;
	v->keys = k;
	d = realloc(v->vals, (size_t)chunk * TOP_VAL_STRIDE * v->ctx->ncpus);
	if (!d)
		return -ENOMEM;
	v->vals = d;
	v->chunk = chunk;
	return 0;
}

/* Add an entry from its per-CPU values; entries that counted nothing are
 * left out. */
static int table_add(struct top_table *tb, const struct pg_top_key *k, const void *vals,
		     int ncpus)
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
	t = &tb->t[tb->n];
	memset(t, 0, sizeof(*t));
	t->key = *k;
	for (int c = 0; c < ncpus; c++) {
		const struct pg_top_val *pv = (const void *)((const char *)vals + c * TOP_VAL_STRIDE);

		t->tot.packets += pv->packets;
		t->tot.bytes += pv->bytes;
		t->tot.drops += pv->drops;
		if (pv->last_seen_ns > t->tot.last_seen_ns)
			t->tot.last_seen_ns = pv->last_seen_ns;
	}
	if (t->tot.packets)
		tb->n++;
	return 0;
}

static int read_batch(struct top_reader *v, struct top_table *tb)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	/* Opaque position tokens; a key's size is always enough. */
	struct pg_top_key in, out;
	bool first = true;
	int err;

	for (;;) {
		__u32 count = v->chunk;

		err = bpf_map_lookup_batch(v->ctx->maps.top, first ? NULL : &in, &out, v->keys,
					   v->vals, &count, &opts);
		if (err == -ENOSPC && !count && v->chunk < (1u << 20)) {
			/* One hash bucket holds more than a batch: take bigger ones. */
			err = buffers_alloc(v, v->chunk * 2);
			if (err)
				return err;
			continue;
		}
		if (err && err != -ENOENT)
			return err;
		for (__u32 i = 0; i < count; i++) {
			int e = table_add(tb, &v->keys[i],
					  (char *)v->vals + (size_t)i * TOP_VAL_STRIDE * v->ctx->ncpus,
					  v->ctx->ncpus);

			if (e)
				return e;
		}
		if (err == -ENOENT)	/* the end of the table */
			return 0;
		in = out;
		first = false;
	}
}

/* Key by key, for kernels without batch lookups. An entry evicted while we
 * stand on it sends the walk back to the start: the walk is bounded, and
 * the duplicates it reads go in dedupe(). */
static int read_keys(struct top_reader *v, struct top_table *tb)
{
	struct pg_top_key key, next, *at = NULL;
	int fd = v->ctx->maps.top, err = 0;

	for (size_t steps = 0; steps < 2 * PG_TOP_ENTRIES; steps++) {
		err = bpf_map_get_next_key(fd, at, &next);
		if (err)
			break;
		key = next;
		at = &key;
		if (bpf_map_lookup_elem(fd, &key, v->vals))
			continue;	/* gone in between */
		err = table_add(tb, &key, v->vals, v->ctx->ncpus);
		if (err)
			return err;
	}
	return err == -ENOENT || !err ? 0 : err;
}

/* Sort by key (to match readings), keeping the last copy of a key. */
static void dedupe(struct top_table *tb)
{
	size_t n = 0;

	qsort(tb->t, tb->n, sizeof(*tb->t), top_key_cmp);
	for (size_t i = 0; i < tb->n; i++) {
		if (n && !top_key_cmp(&tb->t[n - 1].key, &tb->t[i].key))
			n--;
		tb->t[n++] = tb->t[i];
	}
	tb->n = n;
}

int top_table_read(struct top_reader *v, struct top_table *tb)
{
	int err = -EINVAL;

	if (!v->chunk) {
		err = buffers_alloc(v, TOP_BATCH_BYTES / (TOP_VAL_STRIDE * v->ctx->ncpus) + 64);
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
		err = read_keys(v, tb);
	if (err)
		return err;
	dedupe(tb);
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
