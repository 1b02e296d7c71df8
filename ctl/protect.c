// SPDX-License-Identifier: GPL-2.0
/*
 * protect add|del|list: management prefixes, looked up by the datapath
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
#include "protect.h"
#include "safety.h"
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

static bool in_set(const struct pg_prefix *v, size_t n, const struct pg_prefix *p)
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
static int insert_all(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n, bool *fresh)
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
	err = insert_all(ctx, v, n, fresh);
	for (size_t i = 0; !err && i < nn; i++) {
		uint8_t key[PG_KEY_MAX];

		if (in_set(v, n, &now[i]))
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

/* ---- commands ---- */

static int parse_prefixes(int argc, char **argv, struct pvec *pv, bool *norm)
{
	for (int i = 0; i < argc; i++) {
		struct pg_prefix p;
		const char *why;

		if (pg_prefix_parse(argv[i], &p, &norm[i], &why))
			return p_usage("invalid prefix '%s': %s", argv[i], why);
		if (pvec_push(pv, &p))
			return p_err("out of memory");
	}
	return 0;
}

static int do_protect_add(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pvec pv = {};
	bool *norm = calloc(argc, sizeof(bool)), *fresh = calloc(argc, sizeof(bool));
	int err = norm && fresh ? 0 : p_err("out of memory");

	(void)optp;
	if (!err)
		err = parse_prefixes(argc, argv, &pv, norm);
	if (err || ctx->check_only)
		goto out;
	if (ctx->collect) {
		/* restore: the set is made whole after all lines are read. */
		for (size_t i = 0; !err && i < pv.n; i++)
			if (!in_set(queued.v, queued.n, &pv.v[i]) && pvec_push(&queued, &pv.v[i]))
				err = p_err("out of memory");
		goto out;
	}
	err = pins_open(ctx, true);
	if (!err)
		err = insert_all(ctx, pv.v, pv.n, fresh);
	if (err)
		goto out;
	out_obj_open(NULL);
	out_arr_open("added");
	for (size_t i = 0; i < pv.n; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
		out_obj_open(NULL);
		out_str("prefix", "protected %s", buf);
		if (norm[i])
			out_str("input", " (normalised from %s)", argv[i]);
		out_bool("existed", NULL, !fresh[i]);
		out_text("%s\n", fresh[i] ? "" : " (already protected)");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
out:
	free(pv.v);
	free(norm);
	free(fresh);
	return err;
}

static int do_protect_del(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pvec pv = {};
	struct pg_prefix *now = NULL, *left = NULL;
	size_t nn = 0, nl = 0;
	bool *norm = calloc(argc, sizeof(bool));
	int err = norm ? 0 : p_err("out of memory");

	(void)optp;
	if (!err)
		err = parse_prefixes(argc, argv, &pv, norm);
	if (err || ctx->check_only)
		goto out;
	err = pins_open(ctx, true);
	if (!err && (err = protect_read(ctx, &now, &nn)))
		err = p_err("cannot read the protect list: %s", strerror(-err));
	if (err)
		goto out;
	/* All must be there before any goes. */
	for (size_t i = 0; i < pv.n; i++)
		if (!in_set(now, nn, &pv.v[i])) {
			char buf[PG_PREFIX_STRLEN];

			pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
			err = p_err("%s is not in the protect list; nothing was deleted", buf);
			goto out;
		}
	left = calloc(nn ? nn : 1, sizeof(*left));
	if (!left) {
		err = p_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nn; i++)
		if (!in_set(pv.v, pv.n, &now[i]))
			left[nl++] = now[i];
	{
		struct lockout_change c = { .what = "protect del", .protect = left,
					    .nprotect = nl, .protect_set = true };

		err = lockout_check(ctx, &c);
		if (err)
			goto out;
	}
	out_obj_open(NULL);
	out_arr_open("deleted");
	for (size_t i = 0; i < pv.n; i++) {
		uint8_t key[PG_KEY_MAX];
		char buf[PG_PREFIX_STRLEN];

		key_of(&pv.v[i], key);
		if (bpf_map_delete_elem(fd_of(ctx, &pv.v[i]), key) && errno != ENOENT) {
			err = p_err("cannot delete from the protect list: %s", strerror(errno));
			goto out;
		}
		pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
		out_str(NULL, "unprotected %s\n", buf);
	}
	out_arr_close();
	out_obj_close();
	err = protect_bits(ctx, 0, true);
out:
	free(pv.v);
	free(now);
	free(left);
	free(norm);
	return err;
}

/* The prefixes as a JSON array "protect" and text lines. */
static int print_set(struct pg_ctx *ctx, bool status)
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

static int do_protect_list(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	int err = pins_open(ctx, false);

	(void)optp;
	(void)argc;
	(void)argv;
	if (err)
		return err;
	out_obj_open(NULL);
	err = print_set(ctx, false);
	out_obj_close();
	return err;
}

int protect_status(struct pg_ctx *ctx)
{
	return print_set(ctx, true);
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

#define CMD(n, a, h, mn, mx, fn) \
	{ .name = n, .args = a, .help = h, .min_args = mn, .max_args = mx, .run = fn }

const struct pg_cmd protect_cmds[] = {
	CMD("add", "CIDR...", "protect management prefixes: their packets pass before any "
	    "list, policy or limit", 1, -1, do_protect_add),
	CMD("del", "CIDR...", "delete protected prefixes (refused if that cuts off this SSH "
	    "session, unless --force)", 1, -1, do_protect_del),
	CMD("list", NULL, "list the protected prefixes", 0, 0, do_protect_list),
	{},
};
