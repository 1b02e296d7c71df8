/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --confirm SECONDS: a change that undoes itself unless `pktgate confirm`
 * runs in time, as `commit confirmed` on routers. Before the change, the
 * whole configuration is saved (save --all) under PG_CONFIRM_DIR with a
 * record naming it, and a detached timer process (fork + setsid) is
 * started; at the deadline it restores the saved rule set unless confirm
 * removed the record first. Killing the CLI does not stop it.
 *
 * One pending change at a time: while one waits, every other command that
 * changes the configuration is refused.
 */
#ifndef __PKTGATE_CONFIRM_H
#define __PKTGATE_CONFIRM_H

#define PG_CONFIRM_DIR		"/run/pktgate"
#define PG_CONFIRM_MAX_SEC	86400

struct pg_ctx;

/* Around a command of the command line (path: "pktgate deny add", nargs
 * its positional arguments): refuse a change while a rollback is pending;
 * with --confirm, save the state and start the timer. Then, with the
 * command's exit code: a change that failed is no change, so its timer
 * goes. Returns 0 or an exit code; confirm_end returns rc or an error. */
struct pg_cmd;
int confirm_begin(struct pg_ctx *ctx, const struct pg_cmd *c, const char *path, int nargs);
int confirm_end(struct pg_ctx *ctx, int rc);
/* status: the pending rollback, if any. */
void confirm_status(struct pg_ctx *ctx);

#endif
