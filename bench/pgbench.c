// SPDX-License-Identifier: GPL-2.0
/*
 * pgbench: the measuring half of `make bench` (bench/run.sh is the other:
 * namespaces, filters, rounds and the report). Each subcommand measures
 * one thing and prints JSON; the statistics over rounds are the report's.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct command {
	const char *name;
	int (*fn)(const struct opts *o);
	const char *help;
};

static const struct command commands[] = {
	{ "datapath", cmd_datapath, "[--sizes N,..] [--rounds R] [--repeat N] [--table N] "
				    "[--tier compiled|dynamic|beside] [--out FILE]: part 1, ns per packet "
				    "under test_run" },
	{ "gen", cmd_gen, "--ifname IF --dst-mac MAC --dst-ip IP [--entries N] [--layout L] "
			  "[--duration-ms MS] [--max-packets N] [--table N] [--rx-cpu C] [--syn-port P]: live-frames generator (UDP, or TCP SYNs to P)" },
	{ "xdp-pass", cmd_xdp_pass, "--ifname IF: attach an XDP_PASS program (keeps veth NAPI on)" },
	{ "xdp-drop", cmd_xdp_drop, "--ifname IF: attach an XDP_DROP program (the receiver's ceiling)" },
	{ "load", cmd_load, "[--pin-path DIR] [--family F] [--layout L] --entries N [--keep] "
			    "[--tier T]: fill the pinned deny list, timed" },
	{ "clear", cmd_clear, "same options as load: delete those entries again, timed" },
	{ "fill-top", cmd_fill_top, "[--pin-path DIR] --entries N: fill the top-talker table" },
	{ "time", cmd_time, "[--out FILE] -- COMMAND [ARGS]: run a command (its stdout to FILE), "
			    "timed; then wait for what it left running" },
	{ "prefixes", cmd_prefixes, "[--family F] [--layout L] --entries N [--format cidr|nft|ipset] "
				    "[--set NAME]: print the prefix set" },
};

enum { O_SIZES = 256, O_DURATION, O_MAX_PACKETS, O_DST_MAC, O_DST_IP, O_PIN_PATH, O_SET, O_RX_CPU,
       O_TIER, O_SYN_PORT };

static const struct option long_opts[] = {
	{ "family", required_argument, NULL, 'f' },
	{ "layout", required_argument, NULL, 'l' },
	{ "entries", required_argument, NULL, 'n' },
	{ "seed", required_argument, NULL, 's' },
	{ "rounds", required_argument, NULL, 'r' },
	{ "repeat", required_argument, NULL, 'R' },
	{ "table", required_argument, NULL, 't' },
	{ "ifname", required_argument, NULL, 'i' },
	{ "out", required_argument, NULL, 'o' },
	{ "keep", no_argument, NULL, 'k' },
	{ "format", required_argument, NULL, 'F' },
	{ "sizes", required_argument, NULL, O_SIZES },
	{ "duration-ms", required_argument, NULL, O_DURATION },
	{ "max-packets", required_argument, NULL, O_MAX_PACKETS },
	{ "dst-mac", required_argument, NULL, O_DST_MAC },
	{ "dst-ip", required_argument, NULL, O_DST_IP },
	{ "pin-path", required_argument, NULL, O_PIN_PATH },
	{ "set", required_argument, NULL, O_SET },
	{ "rx-cpu", required_argument, NULL, O_RX_CPU },
	{ "syn-port", required_argument, NULL, O_SYN_PORT },
	{ "tier", required_argument, NULL, O_TIER },
	{ NULL, 0, NULL, 0 },
};

int bench_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pgbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void json_samples(FILE *f, const char *name, const double *v, unsigned n)
{
	fprintf(f, "\"%s\": [", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%.1f", i ? ", " : "", v[i]);
	fputc(']', f);
}

int cmd_prefixes(const struct opts *o)
{
	struct prefix_set s;
	int err;

	if (prefixes_make(&s, o->family, o->layout, o->entries, o->seed))
		return bench_err("cannot make %zu prefixes", o->entries), 1;
	err = prefixes_print(&s, stdout, o->format, o->set_name);
	prefixes_free(&s);
	return err ? 1 : 0;
}

static int parse_size(const char *s, size_t *v)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	if (*end == 'k')
		x *= 1000, end++;
	else if (*end == 'M')
		x *= 1000000, end++;
	*v = x;
	return *end ? -1 : 0;
}

static int parse_sizes(char *s, struct opts *o)
{
	o->n_sizes = 0;
	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		if (o->n_sizes == (int)(sizeof(o->sizes) / sizeof(o->sizes[0])) ||
		    parse_size(t, &o->sizes[o->n_sizes]) || !o->sizes[o->n_sizes])
			return -1;
		o->n_sizes++;
	}
	return o->n_sizes ? 0 : -1;
}

static int parse_format(const char *s, enum prefix_fmt *f)
{
	if (!strcmp(s, "cidr"))
		*f = FMT_CIDR;
	else if (!strcmp(s, "nft"))
		*f = FMT_NFT;
	else if (!strcmp(s, "ipset"))
		*f = FMT_IPSET;
	else
		return -1;
	return 0;
}

static int parse_opt(int c, char *arg, struct opts *o)
{
	size_t v = 0;

	switch (c) {
	case 'f': o->family = atoi(arg); return o->family == 4 || o->family == 6 ? 0 : -1;
	case 'l': return layout_parse(arg, &o->layout);
	case 'n': return parse_size(arg, &o->entries) || !o->entries ? -1 : 0;
	case 's': o->seed = strtoull(arg, NULL, 10); return 0;
	case 'r': o->rounds = atoi(arg); return o->rounds ? 0 : -1;
	case 'R': return parse_size(arg, &v) || !v ? -1 : (o->repeat = v, 0);
	case 't': return parse_size(arg, &o->table);
	case 'i': o->ifname = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 'k': o->keep = 1; return 0;
	case 'F': return parse_format(arg, &o->format);
	case O_SIZES: return parse_sizes(arg, o);
	case O_DURATION: o->duration_ms = atoi(arg); return 0;
	case O_MAX_PACKETS: return parse_size(arg, &v) ? -1 : (o->max_packets = v, 0);
	case O_DST_MAC: o->dst_mac = arg; return 0;
	case O_DST_IP: o->dst_ip = arg; return 0;
	case O_PIN_PATH: o->pin_path = arg; return 0;
	case O_SET: o->set_name = arg; return 0;
	case O_RX_CPU: o->rx_cpu = atoi(arg); return 0;
	case O_SYN_PORT: o->syn_port = atoi(arg); return o->syn_port && o->syn_port < 65536 ? 0 : -1;
	case O_TIER:
		o->dynamic = !strcmp(arg, "dynamic");
		o->beside = !strcmp(arg, "beside");
		return o->dynamic || o->beside || !strcmp(arg, "compiled") ? 0 : -1;
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pgbench COMMAND [OPTIONS]   (run as root)\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nSizes take k and M suffixes (1k = 1000). --seed S picks the prefix set "
		"(default 1); every command given the same seed sees the same set.\n");
}

static void opts_default(struct opts *o)
{
	static const size_t sizes[] = { 1, 1000, 100000, 1000000 };

	memset(o, 0, sizeof(*o));
	o->family = 4;
	o->layout = LAYOUT_MIX;
	o->entries = 1;
	o->seed = 1;
	o->rounds = 5;
	o->repeat = 1000000;
	o->table = ADDR_TABLE_MAX;
	o->duration_ms = 1000;
	o->max_packets = 100000000;
	o->set_name = "pgbench";
	o->rx_cpu = -1;
	o->pin_path = getenv("PKTGATE_PIN_PATH");
	memcpy(o->sizes, sizes, sizeof(sizes));
	o->n_sizes = sizeof(sizes) / sizeof(sizes[0]);
}

int main(int argc, char **argv)
{
	struct opts o;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	opts_default(&o);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if (c == '?' || parse_opt(c, optarg, &o)) {
			if (c != '?')
				bench_err("bad value for an option: %s", argv[optind - 1]);
			return 2;
		}
	o.args = argv + optind;
	o.nargs = argc - optind;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(&o);
	bench_err("unknown command %s", argv[1]);
	usage(stderr);
	return 2;
}
