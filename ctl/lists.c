// SPDX-License-Identifier: GPL-2.0
/*
 * Named lists: ids, names and sources in pg_lists (user space only), read
 * once per command into a cache, and their hit counters in pg_list_stats
 * (the datapath's). The lists command is in cmd_lists.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"
#include "lists.h"
#include "names.h"
#include "out.h"

/* Names are read back from the pins on every call: a CLI run is short and
 * the table is small (PG_MAX_LISTS entries). */
static struct pg_list cache[PG_MAX_LISTS];
static int cache_fd = -1;

static int load_cache(struct pg_ctx *ctx)
{
	if (cache_fd == ctx->maps.lists)
		return 0;
	for (__u32 id = 0; id < PG_MAX_LISTS; id++)
		if (bpf_map_lookup_elem(ctx->maps.lists, &id, &cache[id]))
			return p_err("cannot read %s/%s: %s", ctx->pin_path, PG_MAP_LISTS,
				     strerror(errno));
	cache_fd = ctx->maps.lists;
	return 0;
}

static int store(struct pg_ctx *ctx, unsigned int id)
{
	__u32 key = id;

	if (bpf_map_update_elem(ctx->maps.lists, &key, &cache[id], BPF_ANY))
		return p_err("cannot write %s/%s: %s", ctx->pin_path, PG_MAP_LISTS,
			     strerror(errno));
	return 0;
}

int lists_check_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= PG_LIST_NAME_LEN)
		return p_usage("list name '%s': give 1 to %d characters", name,
			       PG_LIST_NAME_LEN - 1);
	if (!isalnum((unsigned char)name[0]))
		return p_usage("list name '%s' must start with a letter or digit", name);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return p_usage("list name '%s': only letters, digits, '_', '.' and '-' "
				       "may be used", name);
	return 0;
}

/* The id of list NAME of a kind, or -1. */
static int find(int kind, const char *name)
{
	for (unsigned int i = 0; i < PG_MAX_LISTS; i++)
		if (cache[i].in_use && cache[i].kind == kind && !strcmp(cache[i].name, name))
			return i;
	return -1;
}

/* List ids an attached interface's --lists selection names. Its programs
 * apply entries of those ids until re-attached, so a list of another name
 * must not take one. */
static uint64_t held_ids(struct pg_ctx *ctx)
{
	uint64_t held = 0;

	for (__u32 slot = 0; slot < PG_MAX_IFACES; slot++) {
		struct pg_iface r;

		if (!bpf_map_lookup_elem(ctx->maps.ifaces, &slot, &r) && r.in_use && r.hooks &&
		    r.lists != PG_IFACE_ALL_LISTS)
			held |= r.lists;
	}
	return held;
}

int lists_new_id(struct pg_ctx *ctx, int kind, const char *name, uint64_t taken,
		 unsigned int *id)
{
	uint64_t held;
	int err = load_cache(ctx);

	if (err)
		return err;
	/* A list made again takes back the id its name had (lists_remove
	 * keeps the name): a selection naming it applies to it again. */
	for (unsigned int i = PG_LIST_KIND_MAX; i < PG_MAX_LISTS; i++)
		if (!cache[i].in_use && !(taken >> i & 1) && cache[i].kind == kind &&
		    !strcmp(cache[i].name, name)) {
			*id = i;
			return 0;
		}
	held = held_ids(ctx);
	for (unsigned int i = PG_LIST_KIND_MAX; i < PG_MAX_LISTS; i++)
		if (!cache[i].in_use && !((taken | held) >> i & 1)) {
			*id = i;
			return 0;
		}
	return p_err("all %d lists are in use or named by an interface's --lists; flush one with "
		     "pktgate flush %s --list NAME, or attach again with other --lists",
		     PG_MAX_LISTS, pg_list_names[kind]);
}

int lists_open(struct pg_ctx *ctx, int kind, const char *name, bool create, unsigned int *id)
{
	unsigned int free_id;
	int err, found;

	if (!name) {
		*id = PG_LIST_MANUAL(kind);
		return 0;
	}
	err = load_cache(ctx);
	if (err)
		return err;
	found = find(kind, name);
	if (found >= 0) {
		*id = found;
		return 0;
	}
	if (!create)
		return p_err("there is no %s list named '%s' (see pktgate lists)",
			     pg_list_names[kind], name);
	err = lists_new_id(ctx, kind, name, 0, &free_id);
	if (err)
		return err;
	memset(&cache[free_id], 0, sizeof(cache[free_id]));
	cache[free_id].in_use = 1;
	cache[free_id].kind = kind;
	snprintf(cache[free_id].name, sizeof(cache[free_id].name), "%s", name);
	/* New counters: a list id may have been used before. */
	err = ctr_zero_list(ctx, free_id);
	if (err)
		return p_err("cannot reset the counters of list %s: %s", name, strerror(-err));
	err = store(ctx, free_id);
	if (err)
		return err;
	*id = free_id;
	return 0;
}

bool lists_exists(struct pg_ctx *ctx, int kind, const char *name)
{
	return !load_cache(ctx) && find(kind, name) >= 0;
}

bool lists_in_use(struct pg_ctx *ctx, unsigned int id)
{
	return id < PG_MAX_LISTS && !load_cache(ctx) && cache[id].in_use;
}

const char *lists_name(struct pg_ctx *ctx, unsigned int id)
{
	__u32 key = id;

	if (id >= PG_MAX_LISTS || load_cache(ctx))
		return "?";
	/* Long-running readers (events) see lists made after they started. */
	if (!cache[id].in_use)
		bpf_map_lookup_elem(ctx->maps.lists, &key, &cache[id]);
	return cache[id].in_use ? cache[id].name : "?";
}

void lists_names(struct pg_ctx *ctx, uint64_t bits, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int id = 0; id < PG_MAX_LISTS && off < len; id++)
		if (bits & (1ULL << id))
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					lists_name(ctx, id));
}

int lists_loaded(struct pg_ctx *ctx, unsigned int id, const char *source)
{
	struct timespec real;
	int err = load_cache(ctx);

	if (err)
		return err;
	clock_gettime(CLOCK_REALTIME, &real);
	cache[id].loaded_ns = (uint64_t)real.tv_sec * PG_NSEC_PER_SEC + real.tv_nsec;
	snprintf(cache[id].source, sizeof(cache[id].source), "%s", source ? source : "");
	return store(ctx, id);
}

int lists_remove(struct pg_ctx *ctx, unsigned int id)
{
	struct pg_list gone = {};
	int err = load_cache(ctx);

	if (err || id < PG_LIST_KIND_MAX)
		return err;
	/* The name stays, not in use: a --lists selection names lists by
	 * name, and its id is not another list's while one names it. */
	gone.kind = cache[id].kind;
	memcpy(gone.name, cache[id].name, sizeof(gone.name));
	cache[id] = gone;
	return store(ctx, id);
}

const char *lists_kept_name(struct pg_ctx *ctx, unsigned int id, bool *live)
{
	*live = false;
	if (id >= PG_MAX_LISTS || load_cache(ctx) || !cache[id].name[0])
		return NULL;
	*live = cache[id].in_use;
	return cache[id].name;
}

const struct pg_list *lists_all(struct pg_ctx *ctx)
{
	return load_cache(ctx) ? NULL : cache;
}
