// SPDX-License-Identifier: GPL-2.0
/* config: datapath settings that apply at once, to every attached program. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ctx.h"
#include "events.h"
#include "out.h"

static int parse_rate(const char *s, uint32_t *rate)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-' || v > 10000000)
		return p_usage("config: invalid event-rate '%s' (events per second, 0-10000000; "
			       "0 turns events off)", s);
	*rate = v;
	return 0;
}

int do_config(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pg_config cfg;
	uint64_t emitted = 0, suppressed = 0;
	uint32_t rate = 0;
	bool set = false;
	__u32 key = 0;
	int err;

	(void)optp;
	for (int i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "event-rate"))
			return p_usage("config: unknown setting '%s' (event-rate)", argv[i]);
		if (i + 1 >= argc)
			return p_usage("config: event-rate needs a value");
		err = parse_rate(argv[i + 1], &rate);
		if (err)
			return err;
		set = true;
	}
	if (ctx->check_only)
		return 0;
	err = pins_open(ctx, set);
	if (err)
		return err;
	if (set) {
		err = pins_set_event_rate(ctx, rate);
		if (err)
			return err;
	}
	if (bpf_map_lookup_elem(ctx->maps.config, &key, &cfg))
		return p_err("cannot read the configuration: %s", strerror(errno));
	events_counts(ctx, &emitted, &suppressed);

	out_obj_open(NULL);
	out_u64("event_rate", "event-rate %llu/s", cfg.ev_rate);
	out_text("%s\n", cfg.ev_rate ? "" : " (drop events off)");
	out_u64("events_emitted", "events emitted %llu", emitted);
	out_u64("events_suppressed", ", suppressed %llu\n", suppressed);
	out_obj_close();
	return 0;
}
