/* SPDX-License-Identifier: GPL-2.0 */
/* The pinned maps: opening (and first creating) them under the pin
 * directory lock, their metadata and the datapath settings in pg_config. */
#ifndef __PKTGATE_PINS_H
#define __PKTGATE_PINS_H

#include <stdbool.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_ctx;
struct bpf_object;
struct bpf_object_open_opts;

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

#endif
