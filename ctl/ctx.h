/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by the pktgate commands: global options and the open maps. */
#ifndef __PKTGATE_CTX_H
#define __PKTGATE_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "pktgate.h"

#define PG_DEFAULT_PIN_ROOT "/sys/fs/bpf"
#define PG_DEFAULT_PIN_PATH PG_DEFAULT_PIN_ROOT "/pktgate"

struct pg_maps {
	int meta, ifaces, stats, rule_stats, rule_meta;
	int config, top, events, ev_bucket, top_bucket, lists, list_stats;
	/* [allow|deny][v4|v6][table]: the outer (generation) maps, one per
	 * family and table, shared by the kinds; the inner maps of the
	 * generation in use. */
	int outer[PG_LIST_KIND_MAX][2][PG_TBL_MAX];
	int list[PG_LIST_KIND_MAX][2][PG_TBL_MAX];
	int tmpl[2][PG_TBL_MAX];	/* inner-map templates, [v4|v6][table] */
};

struct pg_ctx {
	const char *pin_path;
	const char *netns;		/* -n NAME, NULL for the current one */
	const char *command;		/* the command running, for messages */
	uint64_t netns_ino;		/* inode of the network namespace in use */
	unsigned long capacity;		/* --capacity, 0 = keep / default */
	int list_kind;			/* enum pg_list_kind of allow/deny commands */
	bool check_only;		/* validate the command's input, change nothing */
	int lock_fd;
	int ncpus;
	uint32_t gens;			/* pg_config.gens when the maps were opened */
	struct bulk_collect *collect;	/* restore: add commands queue here instead */
	struct pg_meta meta;
	struct pg_maps maps;
};

struct bpf_object;
struct bpf_object_open_opts;

/* pins.c */
int pins_open(struct pg_ctx *ctx, bool exclusive);
void pins_close(struct pg_ctx *ctx);
/* Opening a pktgate BPF object so that its maps reuse the pins: the open
 * options, then the list capacities (between open and load). */
void pins_obj_opts(struct pg_ctx *ctx, struct bpf_object_open_opts *opts);
void pins_obj_prepare(struct pg_ctx *ctx, struct bpf_object *obj);
int pins_write_meta(struct pg_ctx *ctx);
/* Rates over all CPUs, in pg_config: drop events per second (0: no events),
 * new addresses admitted into pg_top per second (0: no cap). */
enum pg_rate { PG_RATE_EVENTS, PG_RATE_TOP };
int pins_set_rate(struct pg_ctx *ctx, enum pg_rate which, uint32_t rate);
/* pg_config.tables: mark tables before inserting into them; after deleting,
 * clear the marks of tables that are now empty. */
int pins_tables_mark(struct pg_ctx *ctx, uint32_t bits);
int pins_tables_sweep(struct pg_ctx *ctx);
/* Mark match selectors (PG_SEL_BIT()s) before their first key is added. */
int pins_sels_mark(struct pg_ctx *ctx, uint32_t sels);
/* Follow a generation switch made since the maps were opened. */
int pins_tables_refresh(struct pg_ctx *ctx);
int pins_config_read(struct pg_ctx *ctx, struct pg_config *cfg);
int pins_config_write(struct pg_ctx *ctx, const struct pg_config *cfg);
int check_privileges(void);

/* Sum a per-CPU value of nwords u64 words; last_word_max takes the max of
 * the last word instead of the sum (last-hit times). */
int percpu_sum(struct pg_ctx *ctx, int fd, uint32_t key, uint64_t *out, int nwords,
	       bool last_word_max);
int percpu_zero(struct pg_ctx *ctx, int fd, uint32_t key, int nwords);

/* main.c: run one command line (as after the global options). */
int pg_run(struct pg_ctx *ctx, int argc, char **argv);

/* Commands. */
int do_attach(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_detach(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_status(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_stats(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_top(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_rule_add(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_rule_del(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_rule_list(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_flush(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_events(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_save(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_restore(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_config(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_lists(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_load(struct pg_ctx *ctx, void *opts, int argc, char **argv);
int do_exporter(struct pg_ctx *ctx, void *opts, int argc, char **argv);

#endif
