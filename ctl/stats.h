/* SPDX-License-Identifier: GPL-2.0 */
/* Options of the stats and top commands, and the live views they share. */
#ifndef __PKTGATE_STATS_H
#define __PKTGATE_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct pg_ctx;

struct stats_opts {
	const char *iface;
	bool watch;		/* refresh until interrupted (or --count) */
	bool once;		/* one sample: two readings an interval apart */
	unsigned long count;	/* samples to show; 0 = no limit */
	const char *interval;	/* seconds between readings; NULL = 1 */
	bool zero;		/* --zero: reset the counters after reading them */
};

/* watch.c: stats --watch/--once, and the sampling loop top shares. */
struct live {
	double interval;	/* seconds between the readings of a sample */
	unsigned long count;	/* samples to show; 0 = until interrupted */
	bool screen;		/* redraw in place: watching on a terminal */
	unsigned long sample;	/* number of the sample being shown, from 1 */
	double secs;		/* time measured between its two readings */
};

struct live_view {
	int (*read)(void *arg);	/* take a reading; keep the previous one */
	int (*show)(void *arg, const struct live *lv);	/* print previous -> current */
	void *arg;
};

/* The interval from the positional argument or --interval (one at most). */
int live_interval(const char *where, int argc, char **argv, const char *opt,
		  double *secs);
int live_run(struct live *lv, const struct live_view *v);
/* The common start of a view: its interval, whether it redraws a screen,
 * and the maps, opened without keeping the pin directory lock (a view runs
 * for long and must not block commands that change state). */
int live_open(struct pg_ctx *ctx, struct live *lv, const char *where, int argc, char **argv,
	      const char *interval, bool watch);
/* Frames: a header line, rows while live_room() says they fit, the end. */
void live_frame_begin(const struct live *lv, const char *title);
bool live_room(void);
void live_eol(void);
void live_frame_end(void);
/* pps and bps from a difference of counters over secs (JSON and text). */
void live_rates(uint64_t packets, uint64_t bytes, double secs);
/* Whether counters (n words) restarted from zero between two readings: a
 * value went down (slot reused, entry evicted and added again). Then all of
 * the current value is new, and the difference would be negative. */
bool live_restarted(const uint64_t *cur, const uint64_t *prev, int n);
/* cmd_stats.c: the head of an interface's counters (name, ifindex, namespace,
 * state; JSON: the lists that apply), for stats and stats --watch; text ends
 * without a newline. */
struct iface_entry;
struct pg_ctx;
void stats_iface_head(struct pg_ctx *ctx, const struct iface_entry *e);
/* JSON only: a hook's default policy (attach --policy, --egress-policy). */
struct pg_iface;
void stats_hook_policy(const struct pg_iface *rec, int hook);
int stats_watch(struct pg_ctx *ctx, struct stats_opts *o, int argc, char **argv);

#endif
