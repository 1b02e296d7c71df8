// SPDX-License-Identifier: GPL-2.0
/*
 * allow / deny commands: add, del, list, and flush. add and del change the
 * live tables in place, one entry at a time; every command checks all of
 * its input before it changes anything, and undoes its own changes if the
 * kernel refuses one of them (e.g. a full list). flush goes through a
 * generation switch (bulk.c), like load.
 *
 * A rule is a prefix, or a prefix with a protocol and a port range: the
 * latter is one key per port in the port-scoped table, all with the same
 * rule id.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "bulk.h"
#include "check.h"
#include "clock.h"
#include "compile.h"
#include "cidr.h"
#include "counters.h"
#include "ctx.h"
#include "lists.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "ratelimit.h"
#include "rules.h"
#include "safety.h"
#include "scope.h"
#include "tables.h"
#include "vec.h"
#include "zero.h"

struct rule_add_opts {
	const char *match;		/* --match src|dst|any */
	uint64_t ttl;
	const char *comment;
	const char *list;
	bool no_counter;
};

struct rule_del_opts {
	const char *match;
	const char *list;
};

struct rule_list_opts {
	int sort;		/* SORT_*, -1 = by prefix */
	const char *list;
	bool zero;		/* --zero: reset the entries' counters after reading them */
};

struct flush_opts {
	const char *list;
};

static const char *family_name(int family)
{
	return family == 4 ? "IPv4" : "IPv6";
}

static void rule_id_free(struct pg_ctx *ctx, uint32_t id)
{
	struct pg_rule_meta rm = {};

	if (id && id < PG_MAX_RULES)
		bpf_map_update_elem(ctx->maps.rule_meta, &id, &rm, BPF_ANY);
}

/* Entries whose TTL ran out are dropped by a pass through bulk.c, which
 * frees their rule ids. */
static void sweep_expired(struct pg_ctx *ctx, int kind)
{
	struct bulk b = { .kind = kind };
	struct bulk_result res;

	out_mute(true);
	bulk_apply(ctx, &b, 0, &res);
	out_mute(false);
	bulk_free(&b);
}

/* ---- rule specifications: [CIDR...] [proto P[,P] [port|sport|anyport N[-M] | type T]] ---- */

struct rule_spec {
	struct pg_prefix *pfx;
	bool *norm;
	int n;
	bool implicit;		/* no address given: every address (0.0.0.0/0, ::/0) */
	struct pg_scope sc;
};

static int parse_spec(int argc, char **argv, const char *match, struct rule_spec *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->pfx = calloc(argc + 2, sizeof(*s->pfx));
	s->norm = calloc(argc + 2, sizeof(*s->norm));
	if (!s->pfx || !s->norm)
		return p_err("out of memory");
	int err;

	if (match && (err = scope_match_parse(match, &s->sc.amatch)))
		return err;
	for (i = 0; i < argc && !scope_word(argv[i]); i++) {
		const char *why;

		if (pg_prefix_parse(argv[i], &s->pfx[s->n], &s->norm[s->n], &why))
			return p_usage("invalid prefix '%s': %s", argv[i], why);
		s->n++;
	}
	if (i < argc && (err = scope_parse(argc - i, argv + i, &s->sc)))
		return err;
	if (!s->n && !s->sc.proto)
		return p_usage("give at least one address or prefix%s%s%s", i < argc ? " before '" : "",
			       i < argc ? argv[i] : "", i < argc ? "'" : "");
	if (!s->n) {
		/* A port entry with no address: every address of the families
		 * the protocol has. */
		const char *why;

		s->implicit = true;
		if (s->sc.proto != IPPROTO_ICMPV6)
			pg_prefix_parse("0.0.0.0/0", &s->pfx[s->n++], &s->norm[0], &why);
		if (s->sc.proto != IPPROTO_ICMP)
			pg_prefix_parse("::/0", &s->pfx[s->n++], &s->norm[1], &why);
		s->norm[0] = s->norm[1] = false;
	}
	for (int p = 0; p < s->n; p++)
		if ((err = scope_check_family(&s->sc, s->pfx[p].family, argv[p < argc ? p : 0])))
			return err;
	return 0;
}

static void spec_free(struct rule_spec *s)
{
	free(s->pfx);
	free(s->norm);
}

/* The keys of one prefix under a spec: one per port, protocol, address
 * and port field, or the one key. */
static int spec_keys(const struct rule_spec *s)
{
	return scope_scoped(&s->sc) ? scope_nkeys(&s->sc) : 1;
}

static int spec_tbl(const struct rule_spec *s, const struct pg_prefix *p)
{
	return scope_scoped(&s->sc) ? PG_TBL_PORT : PG_TABLE_FOR(p->family, p->plen);
}

static void spec_key(const struct rule_spec *s, const struct pg_prefix *p, int i, int *tbl,
		     void *key)
{
	uint8_t sel = 0, proto = 0;
	uint16_t port = 0;

	*tbl = spec_tbl(s, p);
	if (*tbl == PG_TBL_PORT)
		scope_key_at(&s->sc, i, &sel, &proto, &port);
	tables_key(p->family == 6, *tbl, p->addr, p->plen, proto, port, key);
	if (*tbl == PG_TBL_PORT)
		tables_key_set_sel(key, sel);
}

static void spec_fmt(const struct rule_spec *s, const struct pg_prefix *p, char *buf,
		     size_t len)
{
	char pfx[PG_PREFIX_STRLEN], ports[64];

	pg_prefix_fmt(p, pfx, sizeof(pfx));
	scope_fmt(&s->sc, false, ports, sizeof(ports));
	snprintf(buf, len, "%s%s%s", pfx, ports[0] ? " " : "", ports);
}

/* The entry with exactly this key. A trie lookup answers with the longest
 * prefix covering the key, which may be a shorter entry: only an answer
 * with the key's own length is the entry. */
static int lookup_exact(int fd, const void *key, uint8_t plen, struct pg_rule *out)
{
	if (bpf_map_lookup_elem(fd, key, out))
		return -1;
	if (out->prefixlen != plen) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static uint64_t max_expiry(uint64_t a, uint64_t b)
{
	return !a || !b ? 0 : a > b ? a : b;
}

/* Where the entry of one key lives: a record of the compiled tier (cidx,
 * changed in place, so a prefix never is in both tiers), or the dynamic
 * table of its key. */
struct slot {
	int fd, idx_fd;		/* idx_fd: the compiled tier's index */
	int fam6;
	uint32_t cidx;		/* 0: the dynamic tier */
};

/* The compiled record of exactly this prefix (0: none), and its rule. */
static uint32_t compiled_find(int fd, int fam6, const uint8_t *addr, uint8_t plen,
			      struct pg_rule *out)
{
	size_t n, vsz, i;
	void *p = tables_mmap(fd, &n, &vsz, false);

	if (!p)
		return 0;
	i = compile_find(p, n, fam6, addr, plen);
	if (i)
		*out = *compile_rule(p, fam6, i);
	tables_munmap(p, n, vsz);
	return i;
}

/* A compiled record changed in place: its fast leaves made plain first
 * (compile_unfast), then the record, so that a packet sees the old entry
 * or the new one. */
static int compiled_put(const struct slot *sl, const struct pg_rule *r)
{
	union { struct pg_cent_v4 v4; struct pg_cent_v6 v6; } rec;
	uint32_t i = sl->cidx;
	uint8_t plen;

	/* The rule leads both layouts; parent, address and prefix length
	 * (the records' sort order) stay. */
	if (bpf_map_lookup_elem(sl->fd, &i, &rec))
		return -1;
	/* Only an entry with fast leaves needs the index (mapping it costs
	 * a few ms at a million entries: the kernel maps every page). */
	if (compile_fast_leaf(&rec, sl->fam6)) {
		size_t ni, ivsz;
		void *ip = tables_mmap(sl->idx_fd, &ni, &ivsz, true);

		if (!ip)
			return -1;
		compile_unfast(ip, ni, sl->fam6, &rec, i);
		tables_munmap(ip, ni, ivsz);
	}
	plen = rec.v4.r.prefixlen;
	memcpy(&rec, r, sizeof(*r));
	rec.v4.r.prefixlen = plen;
	return bpf_map_update_elem(sl->fd, &i, &rec, BPF_EXIST);
}

/* The live-or-expired entry of a key; -1 with errno ENOENT if none (a
 * compiled record in no list is none). */
static int entry_get(struct pg_ctx *ctx, int kind, int fam6, int tbl, const uint8_t *addr,
		     uint8_t plen, const void *key, struct slot *sl, struct pg_rule *out)
{
	if (tbl != PG_TBL_PORT) {
		sl->fd = ctx->maps.list[kind][fam6][PG_TBL_CENT];
		sl->idx_fd = ctx->maps.list[kind][fam6][PG_TBL_CIDX];
		sl->fam6 = fam6;
		sl->cidx = compiled_find(sl->fd, fam6, addr, plen, out);
		if (sl->cidx) {
			errno = ENOENT;
			return out->lists ? 0 : -1;
		}
	}
	sl->fd = ctx->maps.list[kind][fam6][tbl];
	sl->cidx = 0;
	return lookup_exact(sl->fd, key, plen, out);
}

static int entry_put(const struct slot *sl, const void *key, const struct pg_rule *v)
{
	return sl->cidx ? compiled_put(sl, v)
			: bpf_map_update_elem(sl->fd, key, v, BPF_ANY);
}

static int entry_remove(const struct slot *sl, const void *key)
{
	struct pg_rule gone = {};

	return sl->cidx ? compiled_put(sl, &gone)
			: bpf_map_delete_elem(sl->fd, key);
}

/* ---- add ---- */

struct undo {
	struct slot sl;
	uint8_t key[PG_KEY_MAX];
	bool existed;
	struct pg_rule old;
};

static void rollback(struct undo *u, size_t n)
{
	while (n--) {
		if (u[n].existed || u[n].sl.cidx)
			entry_put(&u[n].sl, u[n].key, &u[n].old);
		else
			bpf_map_delete_elem(u[n].sl.fd, u[n].key);
	}
}

/* restore: queue the rules instead of adding them. */
static int add_collect(struct pg_ctx *ctx, const struct rule_spec *s,
		       const struct rule_add_opts *o)
{
	struct bulk_collect *c = ctx->collect;
	int kind = ctx->list_kind, err;
	uint64_t expires = o->ttl ? mono_now_ns() + o->ttl * PG_NSEC_PER_SEC : 0;
	unsigned int id;

	/* A port range may not overlap another range of the same prefix:
	 * each port key has one rule. */
	for (int i = 0; s->sc.proto && i < s->n; i++)
		for (size_t r = 0; r < c->nport; r++) {
			uint32_t pr = c->port_rules[r];
			const struct pg_rule_meta *m = &c->b[pr & 1].rules[pr >> 1].meta;
			const struct pg_prefix *p = &s->pfx[i];

			if (m->list_kind != kind || m->family != p->family || m->prefixlen != p->plen ||
			    memcmp(m->addr, p->addr, 16) || m->proto != s->sc.proto ||
			    m->match != PG_RM_MATCH(s->sc.amatch, s->sc.pfield) ||
			    (m->port_lo == s->sc.lo && m->port_hi == s->sc.hi))
				continue;
			if ((!m->port_lo && !s->sc.lo) ||
			    (m->port_lo && s->sc.lo && m->port_lo <= s->sc.hi && s->sc.lo <= m->port_hi)) {
				char what[PG_PREFIX_STRLEN + 96];

				spec_fmt(s, p, what, sizeof(what));
				return p_err("%s overlaps an earlier rule of the same prefix "
					     "(ports %u-%u)", what, m->port_lo, m->port_hi);
			}
		}
	if (!c->ctx) {
		/* The check pass: only port rules are kept, for the check above. */
		if (!s->sc.proto)
			return 0;
		id = 0;
	} else {
		err = c->plan ? check_list_id(c->ctx, c->plan, kind, o->list, &id) :
				lists_open(c->ctx, kind, o->list, true, &id);
		if (err)
			return err;
	}
	c->lists |= 1ULL << id;
	for (int i = 0; i < s->n; i++) {
		size_t before = c->b[kind].nrules;

		if (bulk_add(&c->b[kind], &s->pfx[i], &s->sc, id, expires, o->comment,
			     !o->no_counter))
			return p_err("out of memory");
		if (s->sc.proto && c->b[kind].nrules > before) {
			if (vec_grow(&c->port_rules, c->nport, &c->pcap, sizeof(*c->port_rules),
				     64))
				return p_err("out of memory");
			c->port_rules[c->nport++] = (c->b[kind].nrules - 1) << 1 | kind;
		}
	}
	return 0;
}

static bool spec_meta_same(const struct rule_spec *s, const struct pg_rule_meta *rm)
{
	struct pg_scope m;

	scope_from_meta(rm, &m);
	return scope_eq(&s->sc, &m);
}

/* The rule id for a prefix under a spec: the one its keys have (a port
 * range must match the rule it is in), else a new one. */
static int pick_rule_id(struct pg_ctx *ctx, int kind, const struct rule_spec *s,
			const struct pg_prefix *p, uint32_t *id, bool *fresh)
{
	char what[PG_PREFIX_STRLEN + 96];

	*id = 0;
	for (int i = 0; i < spec_keys(s); i++) {
		uint8_t key[PG_KEY_MAX];
		struct pg_rule old;
		struct pg_rule_meta rm;
		struct slot sl;
		int tbl;

		spec_key(s, p, i, &tbl, key);
		if (entry_get(ctx, kind, p->family == 6, tbl, p->addr, p->plen, key, &sl, &old) ||
		    !old.rule_id || old.rule_id == *id)
			continue;
		if (scope_scoped(&s->sc) &&
		    (bpf_map_lookup_elem(ctx->maps.rule_meta, &old.rule_id, &rm) || *id ||
		     !spec_meta_same(s, &rm))) {
			struct pg_scope other;
			char ports[64];

			scope_from_meta(&rm, &other);
			spec_fmt(s, p, what, sizeof(what));
			scope_fmt(&other, false, ports, sizeof(ports));
			return p_err("%s overlaps rule %u (%s); delete that rule first, or give "
				     "the same range; nothing was added", what, old.rule_id, ports);
		}
		*id = old.rule_id;
	}
	*fresh = !*id;
	if (!*id)
		*id = rules_id_alloc(ctx, NULL);
	return 0;
}

/* Whether the deny entries would cut off this SSH session (safety.h). */
static int add_lockout_check(struct pg_ctx *ctx, const struct rule_spec *s,
			     const struct rule_add_opts *o)
{
	struct pg_entry *v = calloc(s->n, sizeof(*v));
	struct lockout_change c = { .what = "deny add", .deny_add = v, .ndeny_add = s->n };
	int err;

	if (!v)
		return p_err("out of memory");
	for (int i = 0; i < s->n; i++) {
		v[i].prefix = s->pfx[i];
		v[i].proto = s->sc.proto;
		v[i].proto2 = s->sc.proto2;
		v[i].amatch = s->sc.amatch;
		v[i].pfield = s->sc.pfield;
		v[i].port_lo = s->sc.proto ? s->sc.lo : 0;
		v[i].port_hi = s->sc.proto ? s->sc.hi : 0;
		v[i].rule.lists = 1;
		v[i].rule.expires_ns = o->ttl ? mono_now_ns() + o->ttl * PG_NSEC_PER_SEC : 0;
	}
	err = lockout_check(ctx, &c);
	free(v);
	return err;
}

static int do_rule_add(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct rule_add_opts *o = optp;
	int kind = ctx->list_kind, err;
	struct rule_spec s;
	struct undo *undo = NULL;
	uint32_t *ids = NULL;
	bool *fresh = NULL, *existed = NULL, swept = false, new_list = false;
	size_t nu = 0;
	uint64_t now_mono = mono_now_ns(), bit;
	struct timespec real;
	unsigned int lid;

	err = parse_spec(argc, argv, o->match, &s);
	if (!err && o->comment && strlen(o->comment) >= PG_COMMENT_LEN)
		err = p_usage("comment is %zu bytes long; at most %d are kept",
			      strlen(o->comment), PG_COMMENT_LEN - 1);
	if (!err && o->list)
		err = lists_check_name(o->list);
	if (!err && o->no_counter && o->comment)
		err = p_usage("a comment is kept with a rule's own counter: leave out --no-counter "
			      "or --comment");
	if (!err && ctx->collect)
		err = add_collect(ctx, &s, o);
	if (err || ctx->check_only || ctx->collect)
		goto out;
	undo = calloc((size_t)s.n * spec_keys(&s), sizeof(*undo));
	ids = calloc(s.n, sizeof(*ids));
	fresh = calloc(s.n, sizeof(*fresh));
	existed = calloc(s.n, sizeof(*existed));
	if (!undo || !ids || !fresh || !existed) {
		err = p_err("out of memory");
		goto out;
	}
	err = pins_open(ctx, true);
	if (!err && kind == PG_LIST_DENY)
		err = add_lockout_check(ctx, &s, o);
	if (err)
		goto out;
	new_list = o->list && !lists_exists(ctx, kind, o->list);
	err = lists_open(ctx, kind, o->list, true, &lid);
	if (err)
		goto out;
	bit = 1ULL << lid;
	clock_gettime(CLOCK_REALTIME, &real);
	{
		uint32_t bits = 0, sels = 0;

		for (int i = 0; i < s.n; i++) {
			bits |= PG_TABLE_BIT(kind, s.pfx[i].family, spec_tbl(&s, &s.pfx[i]));
			sels |= scope_sel_bits(kind, s.pfx[i].family, &s.sc);
		}
		/* Before the inserts, or the datapath could skip a new entry. */
		err = pins_tables_mark(ctx, bits);
		if (!err)
			err = pins_sels_mark(ctx, sels);
		if (err)
			goto out;
	}
	for (int p = 0; p < s.n && !err; p++) {
		const struct pg_prefix *pfx = &s.pfx[p];
		struct pg_rule_meta rm = {};
		char what[PG_PREFIX_STRLEN + 96];

		spec_fmt(&s, pfx, what, sizeof(what));
		err = pick_rule_id(ctx, kind, &s, pfx, &ids[p], &fresh[p]);
		if (err)
			break;
		if (o->no_counter && fresh[p]) {
			ids[p] = 0;
			fresh[p] = false;
		} else if (!ids[p] && !swept) {
			sweep_expired(ctx, kind);
			swept = true;
			err = pick_rule_id(ctx, kind, &s, pfx, &ids[p], &fresh[p]);
			if (err)
				break;
		}
		if (!ids[p] && !o->no_counter)
			p_warn("all %d per-rule counters are in use: %s is counted per list only",
			       PG_MAX_RULES - 1, what);
		if (ids[p]) {
			bool keep = !fresh[p] &&
				!bpf_map_lookup_elem(ctx->maps.rule_meta, &ids[p], &rm) && rm.in_use;

			if (!keep)
				memset(&rm, 0, sizeof(rm));
			rm.in_use = 1;
			rm.family = pfx->family;
			rm.list_kind = kind;
			rm.prefixlen = pfx->plen;
			memcpy(rm.addr, pfx->addr, 16);
			scope_to_meta(&s.sc, &rm);
			if (!keep)
				rm.created_ns = (uint64_t)real.tv_sec * PG_NSEC_PER_SEC + real.tv_nsec;
			if (o->comment)
				snprintf(rm.comment, sizeof(rm.comment), "%s", o->comment);
			/* Fresh counters before the entry can be hit. */
			if (fresh[p] && ctr_zero_rule(ctx, ids[p])) {
				err = p_err("cannot reset the counters of rule %u: %s", ids[p],
					    strerror(errno));
				break;
			}
			if (bpf_map_update_elem(ctx->maps.rule_meta, &ids[p], &rm, BPF_ANY)) {
				err = p_err("cannot record rule %s: %s", what, strerror(errno));
				break;
			}
		}
		for (int i = 0; i < spec_keys(&s); i++) {
			struct undo *u = &undo[nu];
			struct pg_rule val = { .prefixlen = pfx->plen, .rule_id = ids[p],
					       .port_hi = s.sc.hi };
			uint64_t expires = o->ttl ? now_mono + o->ttl * PG_NSEC_PER_SEC : 0;
			int tbl;

			spec_key(&s, pfx, i, &tbl, u->key);
			u->existed = !entry_get(ctx, kind, pfx->family == 6, tbl, pfx->addr, pfx->plen,
						u->key, &u->sl, &u->old);
			val.expires_ns = expires;
			val.lists = bit;
			if (u->existed && (!u->old.expires_ns || u->old.expires_ns > now_mono)) {
				/* Live in other lists too: it stays while any holds it. */
				if (u->old.lists & ~bit)
					val.expires_ns = max_expiry(u->old.expires_ns, expires);
				val.lists |= u->old.lists;
				existed[p] |= !!(u->old.lists & bit);
			}
			val.list_id = __builtin_ctzll(val.lists);
			if (entry_put(&u->sl, u->key, &val)) {
				if (errno == ENOSPC || errno == E2BIG)
					err = p_err("the %s list for %s is full (capacity %u entries); "
						    "nothing was added. A load, flush or restore "
						    "with --capacity N builds larger tables",
						    pg_list_names[kind], family_name(pfx->family),
						    tables_capacity(u->sl.fd));
				else
					err = p_err("cannot add %s to the %s list: %s", what,
						    pg_list_names[kind], strerror(errno));
				break;
			}
			nu++;
		}
	}
	if (err) {
		rollback(undo, nu);
		for (int p = 0; p < s.n; p++)
			if (fresh[p])
				rule_id_free(ctx, ids[p]);
		pins_tables_sweep(ctx);
		if (new_list)
			lists_remove(ctx, lid);	/* not even the list stays */
		goto out;
	}
	pins_write_meta(ctx);	/* next_rule_id hint; harmless if it fails */
	pins_tables_sweep(ctx);	/* a compiled entry changed in place left a mark unneeded */

	out_obj_open(NULL);
	out_str("list", NULL, pg_list_names[kind]);
	out_str("list_name", NULL, lists_name(ctx, lid));
	out_arr_open("added");
	for (int p = 0; p < s.n; p++) {
		char buf[PG_PREFIX_STRLEN], what[PG_PREFIX_STRLEN + 96];

		pg_prefix_fmt(&s.pfx[p], buf, sizeof(buf));
		spec_fmt(&s, &s.pfx[p], what, sizeof(what));
		out_obj_open(NULL);
		out_str("prefix", NULL, buf);
		out_str(NULL, "added %s", what);
		scope_json(&s.sc);
		out_str(NULL, " to %s", pg_list_names[kind]);
		if (o->list)
			out_text(" list %s", o->list);
		out_bool("replaced", NULL, existed[p]);
		if (s.norm[p])
			out_str("input", " (normalised from %s)", argv[p]);
		if (o->ttl)
			out_u64("ttl", " ttl %llus", o->ttl);
		else
			out_null("ttl", NULL, NULL);
		out_u64("rule_id", NULL, ids[p]);
		out_text("%s\n", existed[p] ? " (updated existing entry)" : "");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
out:
	spec_free(&s);
	free(undo);
	free(ids);
	free(fresh);
	free(existed);
	return err;
}

/* ---- del ---- */

/* The allow entries left after removing list bit from those the filter
 * keeps (all entries: filter NULL), checked against the SSH session: an
 * allow entry may be what lets it in through a deny entry or the policy. */
static int allow_left_check(struct pg_ctx *ctx, const char *what, uint64_t bit,
			    bool (*hit)(const struct pg_entry *e, const void *arg), const void *arg)
{
	struct pg_entry *v = NULL;
	size_t n = 0;
	struct lockout_change c = { .what = what, .allow_set = true };
	int err = rules_collect(ctx, PG_LIST_ALLOW, &v, &n);

	if (err)
		return p_err("cannot read the allow list: %s", strerror(-err));
	for (size_t i = 0; i < n; i++)
		if (!hit || hit(&v[i], arg))
			v[i].rule.lists &= ~bit;
	c.allow = v;
	c.nallow = n;
	err = lockout_check(ctx, &c);
	free(v);
	return err;
}

/* An allow entry that a del of spec s removes (from the list tested). */
static bool del_hits(const struct pg_entry *e, const void *arg)
{
	const struct rule_spec *s = arg;
	struct pg_scope sc;

	rules_entry_scope(e, &sc);
	if (!scope_eq(&sc, &s->sc))
		return false;
	for (int p = 0; p < s->n; p++)
		if (!pg_prefix_cmp(&e->prefix, &s->pfx[p]))
			return true;
	return false;
}

static int do_rule_del(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct rule_del_opts *o = optp;
	int kind = ctx->list_kind, err;
	struct rule_spec s;
	unsigned int lid;
	uint64_t bit;

	err = parse_spec(argc, argv, o->match, &s);
	if (!err && o->list)
		err = lists_check_name(o->list);
	if (!err && !ctx->check_only)
		err = pins_open(ctx, true);
	if (!err && !ctx->check_only)
		err = lists_open(ctx, kind, o->list, false, &lid);
	if (err || ctx->check_only)
		goto out;
	bit = 1ULL << lid;
	/* All must be present before any is removed. */
	for (int p = 0; p < s.n; p++) {
		for (int i = 0; i < spec_keys(&s); i++) {
			uint8_t key[PG_KEY_MAX];
			struct pg_rule old;
			char what[PG_PREFIX_STRLEN + 96], in[256];
			struct slot sl;
			int tbl, found;

			spec_key(&s, &s.pfx[p], i, &tbl, key);
			found = !entry_get(ctx, kind, s.pfx[p].family == 6, tbl, s.pfx[p].addr,
					   s.pfx[p].plen, key, &sl, &old);
			if (found && (old.lists & bit)) {
				struct pg_rule_meta rm;

				/* A port range goes as a whole, as it was added. */
				if (!scope_scoped(&s.sc) || !old.rule_id ||
				    bpf_map_lookup_elem(ctx->maps.rule_meta, &old.rule_id, &rm) ||
				    spec_meta_same(&s, &rm))
					continue;
				spec_fmt(&s, &s.pfx[p], what, sizeof(what));
				err = p_err("%s is part of rule %u (ports %u-%u); delete it with the "
					    "same range; nothing was deleted", what, old.rule_id,
					    rm.port_lo, rm.port_hi);
				goto out;
			}
			spec_fmt(&s, &s.pfx[p], what, sizeof(what));
			in[0] = '\0';
			if (found && old.lists) {
				char names[200];

				lists_names(ctx, old.lists, names, sizeof(names));
				snprintf(in, sizeof(in), " (it is in: %s)", names);
			}
			err = p_err("%s is not in the %s list %s%s; nothing was deleted", what,
				    pg_list_names[kind], lists_name(ctx, lid), in);
			goto out;
		}
	}
	if (kind == PG_LIST_ALLOW && (err = allow_left_check(ctx, "allow del", bit, del_hits, &s)))
		goto out;
	out_obj_open(NULL);
	out_str("list", NULL, pg_list_names[kind]);
	out_str("list_name", NULL, lists_name(ctx, lid));
	out_arr_open("deleted");
	for (int p = 0; p < s.n; p++) {
		char what[PG_PREFIX_STRLEN + 96];
		uint32_t freed = 0;
		bool gone = false;

		for (int i = 0; i < spec_keys(&s); i++) {
			uint8_t key[PG_KEY_MAX];
			struct pg_rule v;
			struct slot sl;
			int tbl;

			spec_key(&s, &s.pfx[p], i, &tbl, key);
			if (entry_get(ctx, kind, s.pfx[p].family == 6, tbl, s.pfx[p].addr,
				      s.pfx[p].plen, key, &sl, &v) || !(v.lists & bit))
				continue;	/* the same prefix given twice */
			v.lists &= ~bit;
			if (v.lists) {
				v.list_id = __builtin_ctzll(v.lists);
				err = entry_put(&sl, key, &v);
			} else {
				err = entry_remove(&sl, key);
				freed = v.rule_id;
				gone = true;
			}
			if (err && errno != ENOENT) {
				err = p_err("cannot delete from the %s list: %s", pg_list_names[kind],
					    strerror(errno));
				goto out;
			}
			err = 0;
		}
		if (gone)
			rule_id_free(ctx, freed);
		spec_fmt(&s, &s.pfx[p], what, sizeof(what));
		out_str(NULL, "deleted %s", what);
		out_text(" from %s list %s\n", pg_list_names[kind], lists_name(ctx, lid));
	}
	pins_tables_sweep(ctx);
	out_arr_close();
	out_obj_close();
out:
	spec_free(&s);
	return err;
}

/* ---- list ---- */

static void fmt_ago(uint64_t now, uint64_t then, char *buf, size_t len)
{
	char d[32];

	if (!then) {
		snprintf(buf, len, "never");
		return;
	}
	pg_duration_fmt(now > then ? (now - then) / PG_NSEC_PER_SEC : 0, d, sizeof(d));
	snprintf(buf, len, "%s ago", d);
}

static int do_rule_list(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct rule_list_opts *o = optp;
	int kind = ctx->list_kind, err;
	struct pg_entry *v = NULL;
	size_t n = 0, shown = 0, zeroed = 0;
	uint64_t now, filter = ~0ULL;

	(void)argc;
	(void)argv;
	if (o->list && (err = lists_check_name(o->list)))
		return err;
	/* A reset under the writers' lock: two at once read the same values. */
	err = pins_open(ctx, o->zero);
	if (err)
		return err;
	if (o->list) {
		unsigned int lid;

		err = lists_open(ctx, kind, o->list, false, &lid);
		if (err)
			return err;
		filter = 1ULL << lid;
	}
	err = rules_collect(ctx, kind, &v, &n);
	if (err)
		return p_err("cannot read the %s list: %s", pg_list_names[kind], strerror(-err));
	/* Bans the datapath made are deny entries of their list. */
	if (kind == PG_LIST_DENY && bans_collect(ctx, &v, &n)) {
		free(v);
		return p_err("cannot read the bans: %s", strerror(errno));
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t ctr[3];

		if (v[i].rule.rule_id && !zero_read(ctx, ZERO_RULES, v[i].rule.rule_id, v[i].raw,
						    ctr)) {
			v[i].hits = ctr[0];
			v[i].bytes = ctr[1];
			v[i].last_hit_ns = ctr[2];
		}
	}
	rules_sort_by(v, n, o->sort < 0 ? SORT_PREFIX : o->sort);
	now = mono_now_ns();

	out_obj_open(NULL);
	out_str("list", NULL, pg_list_names[kind]);
	if (o->list)
		out_str("list_name", NULL, o->list);
	out_text("%-43s %-13s %-16s %-10s %12s %14s %-12s %s\n", "PREFIX", "PORTS", "LISTS",
		 "EXPIRES", "PACKETS", "BYTES", "LAST-HIT", "COMMENT");
	out_arr_open("entries");
	for (size_t i = 0; i < n; i++) {
		struct pg_entry *e = &v[i];
		uint64_t ctr[3] = { e->hits, e->bytes, e->last_hit_ns };
		struct pg_rule_meta rm = {};
		char buf[PG_PREFIX_STRLEN], ttl[32], ago[48], ports[64], names[256];
		struct pg_scope sc;

		if (!(e->rule.lists & filter))
			continue;
		if (e->rule.expires_ns && e->rule.expires_ns <= now)
			continue;	/* expired: absent, as the datapath sees it */
		shown++;
		if (e->rule.rule_id)
			bpf_map_lookup_elem(ctx->maps.rule_meta, &e->rule.rule_id, &rm);
		pg_prefix_fmt(&e->prefix, buf, sizeof(buf));
		rules_ports_fmt(e, ports, sizeof(ports));
		out_obj_open(NULL);
		out_str("prefix", "%-43s ", buf);
		out_u64("family", NULL, e->prefix.family);
		rules_entry_scope(e, &sc);
		scope_json(&sc);
		out_text("%-13s ", ports[0] ? ports : "-");
		lists_names(ctx, e->rule.lists, names, sizeof(names));
		out_text("%-16s ", names);
		out_arr_open("lists");
		for (uint64_t b = e->rule.lists; b; b &= b - 1)
			out_str(NULL, NULL, lists_name(ctx, __builtin_ctzll(b)));
		out_arr_close();
		if (e->rule.expires_ns) {
			uint64_t left = (e->rule.expires_ns - now + (PG_NSEC_PER_SEC - 1)) / PG_NSEC_PER_SEC;

			pg_duration_fmt(left, ttl, sizeof(ttl));
			out_u64("expires_in", NULL, left);
			out_str(NULL, "%-10s ", ttl);
		} else {
			out_null("expires_in", "%-10s ", "never");
		}
		out_u64("packets", "%12llu ", ctr[0]);
		out_u64("bytes", "%14llu ", ctr[1]);
		if (ctr[2]) {
			fmt_ago(now, ctr[2], ago, sizeof(ago));
			out_u64("last_hit_ago", NULL, (now > ctr[2] ? now - ctr[2] : 0) / PG_NSEC_PER_SEC);
			out_str(NULL, "%-12s ", ago);
		} else {
			out_null("last_hit_ago", "%-12s ", "never");
		}
		if (e->ban_limit) {
			char why[PG_COMMENT_LEN];

			snprintf(why, sizeof(why), "banned by limit %u", e->ban_limit);
			out_str("comment", "%s", why);
			out_u64("ban_limit", NULL, e->ban_limit);
		} else {
			out_str("comment", "%s", rm.comment);
		}
		out_u64("rule_id", NULL, e->rule.rule_id);
		out_text("\n");
		out_obj_close();
		/* What was just read becomes the baseline: a packet counted
		 * since is counted after the reset. */
		if (o->zero && e->rule.rule_id && !err &&
		    !(err = zero_set(ctx, ZERO_RULES, e->rule.rule_id, e->raw)))
			zeroed++;
	}
	out_arr_close();
	if (o->zero) {
		out_bool("zeroed", NULL, !err);
		out_u64("zeroed_entries", NULL, zeroed);
	}
	out_obj_close();
	if (!shown)
		out_text("(the %s list%s%s is empty)\n", pg_list_names[kind], o->list ? " " : "",
			 o->list ? o->list : "");
	if (o->zero && !err)
		out_text("counters of %zu entries zeroed (the values above were read)\n", zeroed);
	free(v);
	return err;
}

/* ---- flush ---- */

static int do_flush(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct flush_opts *o = optp;
	struct bulk b = {};
	struct bulk_result res;
	unsigned int lid = 0;
	int kind, err;

	(void)argc;
	if (!strcmp(argv[0], "deny"))
		kind = PG_LIST_DENY;
	else if (!strcmp(argv[0], "allow"))
		kind = PG_LIST_ALLOW;
	else
		return p_usage("flush: unknown list '%s' (deny or allow)", argv[0]);
	if (o->list && (err = lists_check_name(o->list)))
		return err;
	err = pins_open(ctx, true);
	if (!err && o->list)
		err = lists_open(ctx, kind, o->list, false, &lid);
	if (err)
		return err;
	if (kind == PG_LIST_ALLOW &&
	    (err = allow_left_check(ctx, "flush allow", o->list ? 1ULL << lid : ~0ULL, NULL, NULL)))
		return err;
	b.kind = kind;
	b.focus = o->list ? 1ULL << lid : ~0ULL;
	/* One switch to the kind without the list: no packet sees half of it. */
	err = bulk_apply(ctx, &b, b.focus, &res);
	bulk_free(&b);
	if (err)
		return err;
	if (o->list && lid >= PG_LIST_KIND_MAX)
		lists_remove(ctx, lid);
	out_obj_open(NULL);
	out_str("list", NULL, pg_list_names[kind]);
	if (o->list)
		out_str("list_name", NULL, o->list);
	else
		out_null("list_name", NULL, NULL);
	out_u64("flushed", "flushed %llu entries", res.removed);
	out_text(" from %s%s%s\n", pg_list_names[kind], o->list ? " list " : "",
		 o->list ? o->list : "");
	out_obj_close();
	return 0;
}

/* ---- the commands ---- */

static const struct pg_opt rule_add_opts[] = {
	OPT("ttl", 0, OPT_DURATION, struct rule_add_opts, ttl, "DURATION",
	    "the entry stops matching after DURATION (90s, 10m, 2h, 1d)"),
	OPT("comment", 0, OPT_STR, struct rule_add_opts, comment, "TEXT",
	    "note kept with the entry"),
	OPT("match", 0, OPT_STR, struct rule_add_opts, match, "src|dst|any",
	    "the address the entries name: the source, the destination or either, on every "
	    "hook (default: the remote peer)"),
	OPT("list", 'l', OPT_STR, struct rule_add_opts, list, "NAME",
	    "the named list to add to (default manual; made if missing)"),
	OPT("no-counter", 0, OPT_FLAG, struct rule_add_opts, no_counter, NULL,
	    "count the entry with its lists only, as load does (no per-rule counter)"),
	{},
};

static const struct pg_opt rule_del_opts[] = {
	OPT("match", 0, OPT_STR, struct rule_del_opts, match, "src|dst|any",
	    "the address the entries name, as given to add"),
	OPT("list", 'l', OPT_STR, struct rule_del_opts, list, "NAME",
	    "the named list to delete from (default manual); an entry other lists hold stays "
	    "for them"),
	{},
};

static const char *const sort_keys[] = { "prefix", "hits", "bytes", "last-hit", NULL };
static const struct pg_opt rule_list_opts[] = {
	OPT("sort", 's', OPT_ENUM, struct rule_list_opts, sort, "KEY",
	    "order of the entries; counters largest first", .choices = sort_keys),
	OPT("list", 'l', OPT_STR, struct rule_list_opts, list, "NAME",
	    "only the entries of this named list"),
	OPT("zero", 'z', OPT_FLAG, struct rule_list_opts, zero, NULL, "reset the counters of "
	    "the entries listed after reading them (like ipset -Z); the exporter's stay "
	    "monotonic"),
	{},
};

/* deny and allow: the same three subcommands, on ctx->list_kind. Only add
 * may appear in a rule set; add and del have a check mode. */
#define RULE_CMDS(kind)								\
	static const struct pg_cmd kind##_add = {				\
		.name = "add", .args = "CIDR... [proto P[,P] [port|sport|anyport N[-M] | type T]]",	\
		.help = "add " #kind " entries: addresses or prefixes, optionally "	\
			"only for a protocol and port range",			\
		.min_args = 1, .max_args = -1, .run = do_rule_add,		\
		PG_CMD_OPTS(rule_add_opts, struct rule_add_opts),		\
		.restorable = true, .check = true, .changes = PG_CHANGES_ALWAYS,	\
	};									\
	static const struct pg_cmd kind##_del = {				\
		.name = "del", .args = "CIDR... [proto P[,P] [port|sport|anyport N[-M] | type T]]",	\
		.help = "delete " #kind " entries", .min_args = 1, .max_args = -1,	\
		.run = do_rule_del, PG_CMD_OPTS(rule_del_opts, struct rule_del_opts), \
		.check = true, .changes = PG_CHANGES_ALWAYS,			\
	};									\
	static const struct pg_cmd kind##_list = {				\
		.name = "list", .help = "list " #kind " entries with TTL and hit counters", \
		.run = do_rule_list, PG_CMD_OPTS(rule_list_opts, struct rule_list_opts), \
	};									\
	static const struct pg_cmd *const kind##_cmds[] = {			\
		&kind##_add, &kind##_del, &kind##_list, NULL			\
	}

RULE_CMDS(deny);
RULE_CMDS(allow);

const struct pg_cmd pg_cmd_deny = { .name = "deny", .sub = deny_cmds, .list_kind = PG_LIST_DENY };
const struct pg_cmd pg_cmd_allow = { .name = "allow", .sub = allow_cmds,
				     .list_kind = PG_LIST_ALLOW };

static const struct pg_opt flush_opts[] = {
	OPT("list", 'l', OPT_STR, struct flush_opts, list, "NAME",
	    "only this named list (which then goes)"),
	{},
};

const struct pg_cmd pg_cmd_flush = {
	.name = "flush", .args = "deny|allow",
	.help = "remove every entry of a kind, or of one list, in one atomic switch",
	.min_args = 1, .max_args = 1, .run = do_flush,
	PG_CMD_OPTS(flush_opts, struct flush_opts), .changes = PG_CHANGES_ALWAYS,
};
