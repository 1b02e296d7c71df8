// SPDX-License-Identifier: GPL-2.0
/*
 * Management prefixes (the model of protect add|del|list, cmd_protect.c),
 * looked up by the datapath
 * before any list (xdp/protect.h), so that no deny entry, policy or limit
 * drops their packets. Few and rarely changed: two small LPM tries, read
 * key by key, and a bit per family in pg_config.tables set before the
 * first insert and cleared once the family's trie is empty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "ctx.h"
#include "out.h"
#include "pins.h"
#include "protect.h"
#include "tables.h"
#include "vec.h"

struct pvec {
	struct pg_prefix *v;
	size_t n, cap;
};

static int pvec_push(struct pvec *pv, const struct pg_prefix *p)
{
	if (vec_grow(&pv->v, pv->n, &pv->cap, sizeof(*pv->v), 16))
		return -ENOMEM;
	pv->v[pv->n++] = *p;
	return 0;
}

static int prefix_cmp(const void *a, const void *b)
{
	return pg_prefix_cmp(a, b);
}

static void key_of(const struct pg_prefix *p, void *key)
{
	tables_key(p->family == 6, PG_TBL_PREFIX, p->addr, p->plen, 0, 0, key);
}

static int fd_of(struct pg_ctx *ctx, const struct pg_prefix *p)
{
	return ctx->maps.protect[p->family == 6];
}

int protect_read(struct pg_ctx *ctx, struct pg_prefix **v, size_t *n)
{
	struct pvec pv = {};

	for (int f = 0; f < 2; f++) {
		uint8_t key[PG_KEY_MAX], next[PG_KEY_MAX];
		void *prev = NULL;

		while (!bpf_map_get_next_key(ctx->maps.protect[f], prev, next)) {
			struct pg_prefix p = { .family = f ? 6 : 4 };
			uint16_t port;
			uint8_t proto;

			tables_key_decode(f, PG_TBL_PREFIX, next, p.addr, &p.plen, &proto, &port);
			if (pvec_push(&pv, &p)) {
				free(pv.v);
				return -ENOMEM;
			}
			memcpy(key, next, sizeof(key));
			prev = key;
		}
		if (errno != ENOENT) {
			free(pv.v);
			return -errno;
		}
	}
	if (pv.n)
		qsort(pv.v, pv.n, sizeof(*pv.v), prefix_cmp);
	*v = pv.v;
	*n = pv.n;
	return 0;
}

bool protect_in(const struct pg_prefix *v, size_t n, const struct pg_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (!pg_prefix_cmp(&v[i], p))
			return true;
	return false;
}

/* The family bits of pg_config.tables: set for the families given before
 * an insert; after deletes, cleared for the families left empty. */
static int protect_bits(struct pg_ctx *ctx, uint32_t set, bool sweep)
{
	struct pg_config cfg;
	uint32_t tables;
	int err = pins_config_read(ctx, &cfg);

	if (err)
		return err;
	tables = cfg.tables | set;
	for (int f = 0; sweep && f < 2; f++) {
		uint8_t next[PG_KEY_MAX];

		if (bpf_map_get_next_key(ctx->maps.protect[f], NULL, next) && errno == ENOENT)
			tables &= ~PG_PROTECT_BIT(f ? 6 : 4);
	}
	if (tables == cfg.tables)
		return 0;
	cfg.tables = tables;
	return pins_config_write(ctx, &cfg);
}

static uint64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Insert the prefixes not there yet; on a refusal, take out again what
 * this call put in. */
int protect_insert(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n, bool *fresh)
{
	struct pg_protect val = { .created_ns = real_now_ns() };
	uint32_t bits = 0;
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		bits |= PG_PROTECT_BIT(v[i].family);
	/* Before the inserts: the datapath skips a family without its bit. */
	err = protect_bits(ctx, bits, false);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		uint8_t key[PG_KEY_MAX];

		key_of(&v[i], key);
		fresh[i] = false;
		if (bpf_map_update_elem(fd_of(ctx, &v[i]), key, &val, BPF_NOEXIST)) {
			if (errno == EEXIST)
				continue;
			break;
		}
		fresh[i] = true;
	}
	if (i == n)
		return 0;
	err = errno == ENOSPC || errno == E2BIG
		? p_err("the protect list is full (%d entries per family); nothing was added",
			PG_PROTECT_MAX)
		: p_err("cannot add to the protect list: %s", strerror(errno));
	while (i--)
		if (fresh[i]) {
			uint8_t key[PG_KEY_MAX];

			key_of(&v[i], key);
			bpf_map_delete_elem(fd_of(ctx, &v[i]), key);
		}
	protect_bits(ctx, 0, true);
	return err;
}

/* ---- restore ---- */

static struct pvec queued;

void protect_queued(const struct pg_prefix **v, size_t *n)
{
	*v = queued.v;
	*n = queued.n;
}

int protect_queue_add(const struct pg_prefix *p)
{
	return protect_in(queued.v, queued.n, p) ? 0 : pvec_push(&queued, p);
}

int protect_delete(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t key[PG_KEY_MAX];

		key_of(&v[i], key);
		if (bpf_map_delete_elem(fd_of(ctx, &v[i]), key) && errno != ENOENT)
			return p_err("cannot delete from the protect list: %s", strerror(errno));
	}
	return protect_bits(ctx, 0, true);
}

void protect_queue_reset(void)
{
	free(queued.v);
	memset(&queued, 0, sizeof(queued));
}

int protect_replace(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n)
{
	struct pg_prefix *now;
	size_t nn;
	bool *fresh = calloc(n ? n : 1, sizeof(*fresh));
	int err = fresh ? protect_read(ctx, &now, &nn) : -ENOMEM;

	if (err) {
		free(fresh);
		return p_err("cannot read the protect list: %s", strerror(-err));
	}
	/* The new prefixes first: a peer both sets protect stays protected
	 * throughout. */
	err = protect_insert(ctx, v, n, fresh);
	for (size_t i = 0; !err && i < nn; i++) {
		uint8_t key[PG_KEY_MAX];

		if (protect_in(v, n, &now[i]))
			continue;
		key_of(&now[i], key);
		if (bpf_map_delete_elem(fd_of(ctx, &now[i]), key) && errno != ENOENT)
			err = p_err("cannot delete from the protect list: %s", strerror(errno));
	}
	if (!err)
		err = protect_bits(ctx, 0, true);
	free(now);
	free(fresh);
	return err;
}

/* The prefixes as a JSON array "protect" and text lines. */
int protect_print(struct pg_ctx *ctx, bool status)
{
	struct pg_prefix *v;
	size_t n;
	int err = protect_read(ctx, &v, &n);

	if (err)
		return p_err("cannot read the protect list: %s", strerror(-err));
	if (status)
		out_text("\nprotected (pass before any list): %s", n ? "" : "none");
	out_arr_open("protect");
	for (size_t i = 0; i < n; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&v[i], buf, sizeof(buf));
		if (status)
			out_str(NULL, i ? " %s" : "%s", buf);
		else
			out_str(NULL, "%s\n", buf);
	}
	out_arr_close();
	if (status)
		out_text("\n");
	else if (!n)
		out_text("(the protect list is empty)\n");
	free(v);
	return 0;
}

int protect_status(struct pg_ctx *ctx)
{
	return protect_print(ctx, true);
}

int protect_save(struct pg_ctx *ctx, FILE *f)
{
	struct pg_prefix *v;
	size_t n;
	int err = protect_read(ctx, &v, &n);

	if (err)
		return p_err("cannot read the protect list: %s", strerror(-err));
	for (size_t i = 0; i < n; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&v[i], buf, sizeof(buf));
		fprintf(f, "protect add %s\n", buf);
	}
	free(v);
	return 0;
}
