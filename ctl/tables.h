/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The list tables: for each family and table, an outer ARRAY_OF_MAPS
 * with one slot per kind and generation (PG_GEN_SLOT). These helpers make inner maps, find the
 * live one, and publish a new generation.
 */
#ifndef __PKTGATE_TABLES_H
#define __PKTGATE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported", seen by user space */
#endif

/* The largest key of any table (struct pg_port_v6). */
#define PG_KEY_MAX sizeof(struct pg_port_v6)

/* Pin name of a table's outer map (both kinds'). */
const char *tables_pin_name(int fam6, int tbl);
/* Name of one kind's table (pg_deny_x4, ...): its inner maps' name. */
const char *tables_name(int kind, int fam6, int tbl);
size_t tables_key_size(int fam6, int tbl);
/* A new, empty inner map for a table: an fd, or -errno. */
int tables_create(int kind, int fam6, int tbl, uint32_t capacity);
/* The inner map of one kind's generation: an fd, -ENOENT if the slot is
 * empty, or another -errno. */
int tables_get(int outer_fd, int kind, uint32_t gen);
/* Entries a table can hold (its own: a load can build larger ones). */
uint32_t tables_capacity(int fd);
/* The id of the inner map in a slot; 0 if empty. */
uint32_t tables_id(int outer_fd, int kind, uint32_t gen);
/* Put an inner map in a slot. Updates of map-in-map slots return only
 * after every BPF program that could still see the old content has
 * finished (the kernel waits for an RCU grace period), which is what
 * makes a generation switch safe to build on. */
int tables_set(int outer_fd, int kind, uint32_t gen, int inner_fd);
int tables_clear(int outer_fd, int kind, uint32_t gen);
/* Key of a table entry, from its fields; buf holds PG_KEY_MAX bytes. */
void tables_key(int fam6, int tbl, const uint8_t *addr, uint8_t plen, uint8_t proto,
		uint16_t port, void *buf);
/* Decode a key; proto and port are 0 outside the port table. */
void tables_key_decode(int fam6, int tbl, const void *key, uint8_t *addr, uint8_t *plen,
		       uint8_t *proto, uint16_t *port);
/* The match selector (PG_SEL_*) of a port-scoped key; 0 elsewhere. */
void tables_key_set_sel(void *key, uint8_t sel);
uint8_t tables_key_sel(int tbl, const void *key);
/* The compiled tier (see compile.h): arrays of n elements; the two maps
 * of compiled content, filled; mapping an array's elements. */
struct compiled;
int tables_create_array(int kind, int fam6, int tbl, size_t n);
/* fds: PG_TBL_CENT, PG_TBL_CIDX, in that order. */
#define TABLES_NCOMPILED	(PG_TBL_MAX - PG_TBL_CENT)
int tables_compiled_create(int kind, const struct compiled *c, int fds[TABLES_NCOMPILED]);
void *tables_mmap(int fd, size_t *n, size_t *vsz, bool writable);
void tables_munmap(void *p, size_t n, size_t vsz);
/* A table with no entry (the compiled tier: no record but "no entry"). */
bool tables_empty(int fd, int tbl);
/* Which table a rule goes to. */
static inline int tables_for(int family, int plen, int proto)
{
	return proto ? PG_TBL_PORT : PG_TABLE_FOR(family, plen);
}



/* Call fn for every entry of a table, reading in batches where the kernel
 * can (a million entries in a fraction of a second), else key by key.
 * tbl: the table whose key layout key has. The compiled tier's entries
 * come with the key they would have in the dynamic tier (PG_TBL_EXACT or
 * PG_TBL_PREFIX), so that a prefix has one key whatever its tier. */
typedef int (*tables_fn)(void *arg, int tbl, const void *key, const struct pg_rule *val);
int tables_read(int fd, int fam6, int tbl, tables_fn fn, void *arg);
#endif
