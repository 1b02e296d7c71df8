// SPDX-License-Identifier: GPL-2.0
/* Counter baselines for stats --zero and list --zero (see zero.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"
#include "out.h"
#include "clock.h"
#include "zero.h"

#define ZERO_WORDS_MAX (PG_WORDS(struct pg_stats))

static const struct {
	const char *pin;
	uint32_t entries, words;
	bool last_max;
} zk[ZERO_KINDS] = {
	[ZERO_STATS] = { PG_MAP_STATS_ZERO, PG_STATS_KEYS,
			 PG_WORDS(struct pg_stats), false },
	[ZERO_LISTS] = { PG_MAP_LIST_STATS_ZERO, PG_MAX_LISTS, 2, false },
	[ZERO_RULES] = { PG_MAP_RULE_STATS_ZERO, PG_MAX_RULES,
			 PG_WORDS(struct pg_rule_ctr), true },
};

/* The baselines' fds, by pin directory; none until a reset made them. A
 * long-running reader (stats --watch) looks again at most once a second. */
static struct {
	char path[PATH_MAX];
	int fd[ZERO_KINDS];
	double tried[ZERO_KINDS];
} cache = { .fd = { -1, -1, -1 } };

enum { LOOK_THROTTLED, LOOK_CREATE };

static int zero_fd(struct pg_ctx *ctx, int which, int look)
{
	char pin[PATH_MAX + 64];
	double now = mono_secs();
	int fd;

	if (strcmp(cache.path, ctx->pin_path)) {
		for (int k = 0; k < ZERO_KINDS; k++) {
			if (cache.fd[k] >= 0)
				close(cache.fd[k]);
			cache.fd[k] = -1;
			cache.tried[k] = 0;
		}
		snprintf(cache.path, sizeof(cache.path), "%s", ctx->pin_path);
	}
	if (cache.fd[which] >= 0 || (look == LOOK_THROTTLED && cache.tried[which] &&
				      now - cache.tried[which] < 1))
		return cache.fd[which];
	cache.tried[which] = now;
	snprintf(pin, sizeof(pin), "%s/%s", ctx->pin_path, zk[which].pin);
	fd = bpf_obj_get(pin);
	if (fd < 0 && look == LOOK_CREATE) {
		/* User space only: a plain array, not per CPU, never read by
		 * the datapath, so the programs and the schema do not change. */
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, zk[which].pin, sizeof(uint32_t),
				    zk[which].words * sizeof(uint64_t), zk[which].entries, NULL);
		if (fd < 0) {
			p_err("cannot create %s: %s", pin, strerror(errno));
			return -1;
		}
		if (bpf_obj_pin(fd, pin)) {
			p_err("cannot pin %s: %s", pin, strerror(errno));
			close(fd);
			return -1;
		}
	}
	cache.fd[which] = fd;
	return fd;
}

/* The datapath's counter, summed over CPUs, as words. */
static int raw_read(struct pg_ctx *ctx, int which, uint32_t key, uint64_t *r)
{
	if (which == ZERO_STATS)
		return ctr_read_stats(ctx, key / PG_HOOK_MAX, key % PG_HOOK_MAX,
				      (struct pg_stats *)r);
	if (which == ZERO_LISTS)
		return ctr_read_list(ctx, key, (struct pg_ctr *)r);
	return ctr_read_rule(ctx, key, (struct pg_rule_ctr *)r);
}

int zero_read(struct pg_ctx *ctx, int which, uint32_t key, uint64_t *raw, uint64_t *shown)
{
	uint64_t r[ZERO_WORDS_MAX], base[ZERO_WORDS_MAX] = {};
	int n = zk[which].words, fd, err;

	err = raw_read(ctx, which, key, r);
	if (err)
		return err;
	if (raw)
		memcpy(raw, r, n * sizeof(*r));
	fd = zero_fd(ctx, which, LOOK_THROTTLED);
	if (fd >= 0)
		bpf_map_lookup_elem(fd, &key, base);
	for (int w = 0; w + 1 < n; w += 2) {
		bool stale = r[w] < base[w] || r[w + 1] < base[w + 1];

		shown[w] = stale ? r[w] : r[w] - base[w];
		shown[w + 1] = stale ? r[w + 1] : r[w + 1] - base[w + 1];
	}
	if (zk[which].last_max)
		shown[n - 1] = shown[0] ? r[n - 1] : 0;	/* a hit since the reset, or none */
	return 0;
}

int zero_set(struct pg_ctx *ctx, int which, uint32_t key, const uint64_t *raw)
{
	int fd = zero_fd(ctx, which, LOOK_CREATE);

	if (fd < 0)
		return PG_EXIT_ERR;
	if (bpf_map_update_elem(fd, &key, raw, BPF_ANY))
		return p_err("cannot write %s/%s: %s", ctx->pin_path, zk[which].pin,
			     strerror(errno));
	return 0;
}
