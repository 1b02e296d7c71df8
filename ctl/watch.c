// SPDX-License-Identifier: GPL-2.0
/*
 * Live views: stats --watch/--once, and the sampling loop, frame drawing and
 * rate arithmetic that top shares.
 *
 * A rate always comes from two readings of the per-CPU counters and the time
 * measured between them, never from a single total. On a terminal, each
 * frame is drawn over the previous one (cursor home, each line cleared to its
 * end, the rest of the screen cleared), so nothing flickers; elsewhere
 * frames follow each other, and with --json each sample is one JSON line.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "counters.h"
#include "ctx.h"
#include "iface.h"
#include "names.h"
#include "out.h"
#include "pins.h"
#include "stats.h"
#include "zero.h"

#define CTR_WORDS (sizeof(struct pg_ctr) / sizeof(__u64))
/* Shorter intervals measure the cost of reading more than the traffic. */
#define LIVE_MIN_INTERVAL 0.01
#define LIVE_MAX_INTERVAL 86400.0

/* ---- the sampling loop ---------------------------------------------------- */

int live_interval(const char *where, int argc, char **argv, const char *opt,
		  double *secs)
{
	const char *arg = argc > 0 ? argv[0] : opt;
	char *end;
	double v;

	*secs = 1.0;
	if (argc > 0 && opt)
		return p_usage("%s: give the interval once (INTERVAL or --interval)", where);
	if (!arg)
		return 0;
	errno = 0;
	v = strtod(arg, &end);
	if (end != arg && *end == 's' && !end[1])
		end++;	/* "2s" reads as well as "2" */
	if (errno || end == arg || *end || !isfinite(v) || v < LIVE_MIN_INTERVAL ||
	    v > LIVE_MAX_INTERVAL)
		return p_usage("%s: invalid interval '%s': seconds between readings, at least "
			       "%g and at most %g (e.g. 0.5 or 2)", where, arg, LIVE_MIN_INTERVAL,
			       LIVE_MAX_INTERVAL);
	*secs = v;
	return 0;
}

/* Sleep until the deadline; true if a stop signal came first. The stop
 * signals are blocked and taken here, so one arriving while the counters
 * are read is not lost, and none needs a handler. */
static bool sleep_until(double deadline, const sigset_t *stops)
{
	for (;;) {
		double left = deadline - mono_secs();
		struct timespec ts;

		if (left <= 0)
			return false;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (sigtimedwait(stops, NULL, &ts) > 0)
			return true;
		/* EAGAIN: the time is up; EINTR: another signal, go on waiting. */
	}
}

static struct {
	bool on;		/* drawing over the previous frame */
	int rows;		/* terminal height */
	int used;		/* lines of this frame so far */
} scr;

static void screen_enter(void)
{
	/* A frame goes out in one write, not line by line. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	/* No cursor, and no wrapping: a line too long for the terminal is cut,
	 * so it cannot push the frame down. */
	fputs("\033[?25l\033[?7l", stdout);
	fflush(stdout);
}

static void screen_leave(void)
{
	fputs("\033[?7h\033[?25h", stdout);
	fflush(stdout);
}

int live_run(struct live *lv, const struct live_view *v)
{
	sigset_t stops, old;
	double t0, t1, next;
	int err;

	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &old);
	scr.on = lv->screen;
	if (scr.on)
		screen_enter();

	t0 = mono_secs();
	err = v->read(v->arg);
	if (!err && scr.on) {
		fprintf(stdout, "\033[Hpktgate: first sample in %g s (Ctrl-C quits)\033[K\033[J",
			lv->interval);
		fflush(stdout);
	}
	next = t0 + lv->interval;
	while (!err && !sleep_until(next, &stops)) {
		t1 = mono_secs();
		err = v->read(v->arg);
		if (err)
			break;
		lv->secs = t1 - t0;
		lv->sample++;
		t0 = t1;
		err = v->show(v->arg, lv);
		out_flush_record();
		if (err || (lv->count && lv->sample >= lv->count))
			break;
		next += lv->interval;
		if (next < mono_secs())	/* reading took longer than the interval */
			next = mono_secs() + lv->interval;
	}
	if (scr.on)
		screen_leave();
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* ---- frames --------------------------------------------------------------- */

static void fmt_clock(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void live_frame_begin(const struct live *lv, const char *title)
{
	struct winsize ws;
	char now[40];

	scr.used = 0;
	scr.rows = 0;
	if (scr.on) {
		if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws))
			scr.rows = ws.ws_row;
		out_text("\033[H");
	} else if (lv->sample > 1) {
		out_text("\n");	/* on a pipe, a blank line between frames */
	}
	fmt_clock(now, sizeof(now));
	out_obj_open(NULL);
	out_u64("sample", NULL, lv->sample);
	out_str("time", NULL, now);
	out_text("pktgate %s  %s  ", title, now);
	out_double("interval", "rates over %.2f s", lv->secs);
	out_text("%s", scr.on ? "  (Ctrl-C quits)" : "");
	live_eol();
}

/* Rows the terminal has left, keeping one for the "more" line. */
bool live_room(void)
{
	return !scr.on || scr.rows <= 0 || scr.used < scr.rows - 2;
}

void live_eol(void)
{
	out_text("%s\n", scr.on ? "\033[K" : "");
	scr.used++;
}

void live_frame_end(void)
{
	out_obj_close();
	/* Clear what the previous, longer frame left below this one. */
	if (scr.on)
		out_text("\033[J");
}

/* 1234 -> "1.2k": a live table is read at a glance; JSON has the numbers. */
static const char *fmt_rate(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	while (v >= 999.95 && units[u + 1]) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

void live_rates(uint64_t packets, uint64_t bytes, double secs)
{
	double pps = secs > 0 ? packets / secs : 0, bps = secs > 0 ? bytes * 8.0 / secs : 0;
	char buf[16];

	out_double("pps", NULL, pps);
	out_text(" %9s", fmt_rate(pps, buf, sizeof(buf)));
	out_double("bps", NULL, bps);
	out_text(" %9s", fmt_rate(bps, buf, sizeof(buf)));
}

bool live_restarted(const uint64_t *cur, const uint64_t *prev, int n)
{
	for (int i = 0; i < n; i++)
		if (cur[i] < prev[i])
			return true;
	return false;
}

/* ---- stats --watch -------------------------------------------------------- */

/* One reading of an interface slot. */
struct st_slot {
	bool present;		/* in use, and selected by --iface */
	struct iface_entry e;	/* as the interface table has it, reconciled */
	struct pg_stats hook[PG_HOOK_MAX];	/* since the last stats --zero, as stats shows */
	struct pg_stats raw[PG_HOOK_MAX];	/* the datapath's, for the rates: a reset
						 * takes nothing off them */
};

struct st_view {
	struct pg_ctx *ctx;
	const char *iface;
	struct st_slot *cur, *prev;	/* PG_MAX_IFACES each */
};

static bool st_selected(const struct st_view *v, const struct iface_entry *e)
{
	return !v->iface || (!strcmp(e->rec.ifname, v->iface) && e->here);
}

static int st_read(void *arg)
{
	struct st_view *v = arg;
	struct st_slot *t = v->prev;
	struct iface_table *tab = iface_table_read(v->ctx);

	if (!tab)
		return PG_EXIT_ERR;
	v->prev = v->cur;
	v->cur = t;
	memset(v->cur, 0, PG_MAX_IFACES * sizeof(*v->cur));
	for (int i = 0; i < tab->n; i++) {
		int s = tab->e[i].slot;
		struct st_slot *sl = &v->cur[s];

		if (!st_selected(v, &tab->e[i]))
			continue;
		sl->present = true;
		sl->e = tab->e[i];
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			int err = zero_read(v->ctx, ZERO_STATS, PG_STATS_KEY(s, h),
					    (uint64_t *)&sl->raw[h], (uint64_t *)&sl->hook[h]);

			if (err) {
				free(tab);
				return p_err("cannot read counters: %s", strerror(-err));
			}
		}
	}
	free(tab);
	return 0;
}

/* The same interface in both readings. A slot that is new or was given to
 * another interface had its counters zeroed when it was allocated, in
 * between: all it counts now is new. */
static bool st_same(const struct st_slot *a, const struct st_slot *b)
{
	/* Vanished since (ifindex 0 now): the same counters, standing still. */
	return a->present && b->present && a->e.rec.netns_ino == b->e.rec.netns_ino &&
	       (a->e.rec.ifindex == b->e.rec.ifindex || !a->e.rec.ifindex);
}

static struct pg_ctr st_delta(const struct pg_ctr *cur, const struct pg_ctr *prev, bool same)
{
	if (!same || live_restarted((const uint64_t *)cur, (const uint64_t *)prev, CTR_WORDS))
		return *cur;
	return (struct pg_ctr){ cur->packets - prev->packets, cur->bytes - prev->bytes };
}

/* One reason (or sum) of a hook: totals, then rates. */
static void st_row(const char *key, const char *hook, const struct pg_ctr *tot,
		   const struct pg_ctr *d, double secs, const char *action)
{
	out_obj_open(key);
	out_text("  %-10s %-14s", hook, key);
	out_u64("packets", " %14llu", tot->packets);
	out_u64("bytes", " %16llu", tot->bytes);
	live_rates(d->packets, d->bytes, secs);
	if (action)
		out_str("action", NULL, action);
	out_obj_close();
	live_eol();
}

static void ctr_add(struct pg_ctr *sum, const struct pg_ctr *c)
{
	sum->packets += c->packets;
	sum->bytes += c->bytes;
}

/* Text shows the reasons that counted something (the first row names the
 * hook); JSON has every reason, as stats --json does, and the sums. */
static void st_hook(const struct st_slot *cur, const struct st_slot *prev, int h,
		    const struct live *lv, int *hidden)
{
	struct pg_ctr sum_tot[2] = {}, sum_d[2] = {};
	bool same = st_same(cur, prev), listed = false, named = false;

	out_obj_open(NULL);
	out_str("hook", NULL, pg_hook_names[h]);
	out_bool("attached", NULL, cur->e.rec.hooks & PG_HOOK_BIT(h));
	stats_hook_policy(&cur->e.rec, h);
	out_obj_open("reasons");
	for (int r = 0; r < PG_R_MAX; r++) {
		const struct pg_ctr *c = &cur->hook[h].reason[r];
		struct pg_ctr d = st_delta(&cur->raw[h].reason[r], &prev->raw[h].reason[r], same);

		ctr_add(&sum_tot[PG_REASON_DROPS(r)], c);
		ctr_add(&sum_d[PG_REASON_DROPS(r)], &d);
		if (!out_json && !c->packets)
			continue;
		listed = true;
		if (!live_room()) {
			(*hidden)++;
			continue;
		}
		st_row(pg_reason_names[r], named ? "" : pg_hook_names[h], c, &d, lv->secs,
		       pg_action_names[PG_REASON_ACTION(r)]);
		named = true;
	}
	out_obj_close();
	if (!listed && !live_room()) {
		(*hidden)++;
	} else if (!listed) {
		/* Attached, nothing counted yet: the hook still gets its line. */
		out_text("  %-10s %-14s %14d %16d %9s %9s", pg_hook_names[h], "-", 0, 0, "0.0",
			 "0.0");
		live_eol();
	}
	/* The sums stats --json has too (text has no room for them). */
	if (out_json) {
		st_row("passed", "", &sum_tot[0], &sum_d[0], lv->secs, NULL);
		st_row("dropped", "", &sum_tot[1], &sum_d[1], lv->secs, NULL);
	}
	out_obj_close();
}

static void st_iface(struct pg_ctx *ctx, const struct st_slot *cur, const struct st_slot *prev,
		     const struct live *lv, int *hidden)
{
	out_obj_open(NULL);
	stats_iface_head(ctx, &cur->e);
	live_eol();
	out_arr_open("hooks");
	for (int h = 0; h < PG_HOOK_MAX; h++)
		if (hook_in_use(&cur->e.rec, h, &cur->raw[h]))
			st_hook(cur, prev, h, lv, hidden);
	out_arr_close();
	out_obj_close();
}

static bool st_any(const struct st_view *v)
{
	for (int s = 0; s < PG_MAX_IFACES; s++)
		if (v->cur[s].present)
			return true;
	return false;
}

static int st_show(void *arg, const struct live *lv)
{
	struct st_view *v = arg;
	int hidden = 0;

	live_frame_begin(lv, "stats");
	out_text("  %-10s %-14s %14s %16s %9s %9s", "HOOK", "REASON", "PACKETS", "BYTES",
		 "PKT/S", "BIT/S");
	live_eol();
	out_arr_open("interfaces");
	for (int s = 0; s < PG_MAX_IFACES; s++) {
		if (!v->cur[s].present)
			continue;
		if (!live_room()) {
			hidden++;
			continue;
		}
		st_iface(v->ctx, &v->cur[s], &v->prev[s], lv, &hidden);
	}
	out_arr_close();
	if (!st_any(v)) {
		out_text("no counters: pktgate is not attached anywhere");
		live_eol();
	}
	if (hidden) {
		out_text("... %d more rows: enlarge the window, or use --iface", hidden);
		live_eol();
	}
	live_frame_end();
	return 0;
}

int live_open(struct pg_ctx *ctx, struct live *lv, const char *where, int argc, char **argv,
	      const char *interval, bool watch)
{
	int err = live_interval(where, argc, argv, interval, &lv->interval);

	if (err)
		return err;
	lv->screen = watch && !out_json && isatty(STDOUT_FILENO);
	err = pins_open(ctx, false);
	if (err)
		return err;
	flock(ctx->lock_fd, LOCK_UN);
	return 0;
}

int stats_watch(struct pg_ctx *ctx, struct stats_opts *o, int argc, char **argv)
{
	struct st_view v = { .ctx = ctx, .iface = o->iface };
	struct live lv = { .count = o->once ? 1 : o->count };
	struct live_view view = { st_read, st_show, &v };
	int err;

	if (o->watch && o->once)
		return p_usage("pktgate stats: --watch and --once exclude each other");
	if (!o->watch && !o->once)
		return p_usage("pktgate stats: %s needs --watch or --once",
			       argc ? "INTERVAL" : o->interval ? "--interval" : "--count");
	err = live_open(ctx, &lv, "pktgate stats", argc, argv, o->interval, o->watch);
	if (err)
		return err;
	v.cur = calloc(PG_MAX_IFACES, sizeof(*v.cur));
	v.prev = calloc(PG_MAX_IFACES, sizeof(*v.prev));
	if (!v.cur || !v.prev) {
		err = p_err("out of memory");
		goto out;
	}
	/* Like stats: an interface that never had counters is an error. */
	err = st_read(&v);
	if (!err && o->iface && !st_any(&v))
		err = p_err("no counters for interface '%s' (pktgate was never attached to it)",
			    o->iface);
	if (!err)
		err = live_run(&lv, &view);
out:
	free(v.cur);
	free(v.prev);
	return err;
}
