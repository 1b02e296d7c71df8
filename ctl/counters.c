// SPDX-License-Identifier: GPL-2.0
/* Typed reads of the per-CPU counter maps (see counters.h). */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"

/* Sum a per-CPU value of nwords u64 words; last_word_max takes the max of
 * the last word instead of the sum (last-hit times). */
static int percpu_sum(struct pg_ctx *ctx, int fd, uint32_t key, uint64_t *out, int nwords,
		      bool last_word_max)
{
	size_t stride = (size_t)nwords * sizeof(uint64_t);	/* already 8-aligned */
	uint64_t *vals = calloc(ctx->ncpus, stride);

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		free(vals);
		return -errno;
	}
	memset(out, 0, stride);
	for (int c = 0; c < ctx->ncpus; c++) {
		for (int w = 0; w < nwords; w++) {
			uint64_t v = vals[c * nwords + w];

			if (last_word_max && w == nwords - 1)
				out[w] = v > out[w] ? v : out[w];
			else
				out[w] += v;
		}
	}
	free(vals);
	return 0;
}

static int percpu_zero(struct pg_ctx *ctx, int fd, uint32_t key, int nwords)
{
	uint64_t *vals = calloc(ctx->ncpus, (size_t)nwords * sizeof(uint64_t));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, vals, BPF_ANY))
		err = -errno;
	free(vals);
	return err;
}

int ctr_read_stats(struct pg_ctx *ctx, uint32_t slot, int hook, struct pg_stats *out)
{
	return percpu_sum(ctx, ctx->maps.stats, PG_STATS_KEY(slot, hook), (uint64_t *)out,
			  PG_WORDS(*out), false);
}

int ctr_read_rule(struct pg_ctx *ctx, uint32_t rule_id, struct pg_rule_ctr *out)
{
	_Static_assert(offsetof(struct pg_rule_ctr, last_hit_ns) ==
		       sizeof(struct pg_rule_ctr) - sizeof(__u64), "last_hit_ns is the last word");
	return percpu_sum(ctx, ctx->maps.rule_stats, rule_id, (uint64_t *)out, PG_WORDS(*out),
			  true);
}

int ctr_read_list(struct pg_ctx *ctx, unsigned int list_id, struct pg_ctr *out)
{
	return percpu_sum(ctx, ctx->maps.list_stats, list_id, (uint64_t *)out, PG_WORDS(*out),
			  false);
}

int ctr_read_bucket(struct pg_ctx *ctx, int fd, struct pg_ev_bucket *out)
{
	return percpu_sum(ctx, fd, 0, (uint64_t *)out, PG_WORDS(*out), false);
}

int bucket_counts(struct pg_ctx *ctx, int fd, uint64_t *granted, uint64_t *refused)
{
	struct pg_ev_bucket b;
	int err;

	err = ctr_read_bucket(ctx, fd, &b);
	if (err)
		return err;
	*granted = b.emitted;
	*refused = b.suppressed;
	return 0;
}

int events_counts(struct pg_ctx *ctx, uint64_t *emitted, uint64_t *suppressed)
{
	return bucket_counts(ctx, ctx->maps.ev_bucket, emitted, suppressed);
}

/* A slot or id given out again starts from zero: no stats --zero or
 * list --zero baseline (zero.c) of its previous owner either. */
static void forget_base(struct pg_ctx *ctx, const char *pin, uint32_t key)
{
	uint64_t none[PG_WORDS(struct pg_stats)] = {};	/* the largest value */
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ctx->pin_path, pin);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;	/* no reset was ever made */
	bpf_map_update_elem(fd, &key, none, BPF_ANY);
	close(fd);
}

int ctr_zero_stats(struct pg_ctx *ctx, uint32_t slot, int hook)
{
	forget_base(ctx, PG_MAP_STATS_ZERO, PG_STATS_KEY(slot, hook));
	return percpu_zero(ctx, ctx->maps.stats, PG_STATS_KEY(slot, hook),
			   PG_WORDS(struct pg_stats));
}

int ctr_zero_rule(struct pg_ctx *ctx, uint32_t rule_id)
{
	forget_base(ctx, PG_MAP_RULE_STATS_ZERO, rule_id);
	return percpu_zero(ctx, ctx->maps.rule_stats, rule_id, PG_WORDS(struct pg_rule_ctr));
}

int ctr_zero_list(struct pg_ctx *ctx, unsigned int list_id)
{
	forget_base(ctx, PG_MAP_LIST_STATS_ZERO, list_id);
	return percpu_zero(ctx, ctx->maps.list_stats, list_id, PG_WORDS(struct pg_ctr));
}

bool hook_in_use(const struct pg_iface *rec, int hook, const struct pg_stats *st)
{
	if (rec->hooks & PG_HOOK_BIT(hook))
		return true;
	for (int r = 0; st && r < PG_R_MAX; r++)
		if (st->reason[r].packets)
			return true;
	return false;
}
