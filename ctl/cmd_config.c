// SPDX-License-Identifier: GPL-2.0
/* config: datapath settings that apply at once, to every attached program. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"
#include "opts.h"
#include "out.h"
#include "pins.h"

#define RATE_MAX 10000000

static const struct setting {
	const char *name;
	enum pg_rate which;
	const char *zero;	/* what 0 means */
} settings[] = {
	{ "event-rate", PG_RATE_EVENTS, "no drop events" },
	{ "top-rate", PG_RATE_TOP, "no cap on new top-talker addresses" },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static int parse_rate(const struct setting *st, const char *s, uint32_t *rate)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-' || v > RATE_MAX)
		return p_usage("config: invalid %s '%s' (per second, 0-%d; 0: %s)", st->name, s,
			       RATE_MAX, st->zero);
	*rate = v;
	return 0;
}

static int do_config(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pg_config cfg;
	uint64_t emitted = 0, suppressed = 0, admitted = 0, untracked = 0;
	uint32_t rate[NSETTINGS];
	bool set[NSETTINGS] = {}, any = false;
	__u32 key = 0;
	int err;

	(void)optp;
	for (int i = 0; i < argc; i += 2) {
		size_t s;

		for (s = 0; s < NSETTINGS && strcmp(argv[i], settings[s].name); s++)
			;
		if (s == NSETTINGS)
			return p_usage("config: unknown setting '%s' (event-rate, top-rate)", argv[i]);
		if (i + 1 >= argc)
			return p_usage("config: %s needs a value", argv[i]);
		err = parse_rate(&settings[s], argv[i + 1], &rate[s]);
		if (err)
			return err;
		set[s] = any = true;
	}
	if (ctx->check_only)
		return 0;
	err = pins_open(ctx, any);
	if (err)
		return err;
	for (size_t s = 0; s < NSETTINGS; s++) {
		err = set[s] ? pins_set_rate(ctx, settings[s].which, rate[s]) : 0;
		if (err)
			return err;
	}
	if (bpf_map_lookup_elem(ctx->maps.config, &key, &cfg))
		return p_err("cannot read the configuration: %s", strerror(errno));
	bucket_counts(ctx, ctx->maps.ev_bucket, &emitted, &suppressed);
	bucket_counts(ctx, ctx->maps.top_bucket, &admitted, &untracked);

	out_obj_open(NULL);
	out_u64("event_rate", "event-rate %llu/s", cfg.ev_rate);
	out_text("%s\n", cfg.ev_rate ? "" : " (drop events off)");
	out_u64("events_emitted", "  events emitted %llu", emitted);
	out_u64("events_suppressed", ", suppressed %llu\n", suppressed);
	out_u64("top_rate", "top-rate %llu/s", cfg.top_rate);
	out_text("%s\n", cfg.top_rate ? " (new top-talker addresses)" : " (no cap)");
	out_u64("top_admitted", "  addresses admitted %llu", admitted);
	out_u64("top_untracked", ", packets untracked %llu\n", untracked);
	out_obj_close();
	return 0;
}

const struct pg_cmd pg_cmd_config = {
	.name = "config", .args = "[event-rate N] [top-rate N]",
	.help = "show or change datapath settings: drop events per second (0 = off), new "
		"top-talker addresses per second (0 = no cap), both over all CPUs",
	.min_args = 0, .max_args = 4, .run = do_config, .restorable = true, .check = true,
	.changes = PG_CHANGES_WITH_ARGS,
};
