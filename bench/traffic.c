// SPDX-License-Identifier: GPL-2.0
/*
 * Part 2's traffic generator, and the XDP_PASS program that keeps a
 * veth's NAPI alive.
 *
 * The generator runs bench_gen under BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES: the kernel builds real frames from the
 * template and bench_gen redirects each, with a new source address, into
 * the veth named by --ifname. It is pinned to a CPU by its caller and runs
 * in its caller's network namespace. What it prints is what it asked for;
 * the harness reports what the receiver's counters saw.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench.skel.h"

#define GEN_CHUNK	(1u << 18)	/* frames per test_run: bounds overshoot */

static int if_mac(const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

static int load_sources(struct bench_bpf *b, const struct opts *o)
{
	struct prefix_set s;
	__u8 (*a)[16] = malloc(o->table * 16);
	__u32 *keys = malloc(o->table * sizeof(*keys)), count = o->table;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int err = 0;

	if (!a || !keys || prefixes_make(&s, 4, o->layout, o->entries, o->seed)) {
		free(a);
		free(keys);
		return bench_err("cannot make the source addresses");
	}
	prefixes_hits(&s, a, o->table);
	for (size_t i = 0; i < o->table; i++)
		keys[i] = i;
	if (bpf_map_update_batch(bpf_map__fd(b->maps.bench_addrs), keys, a, &count, &bo))
		err = bench_err("loading source addresses: %s", strerror(errno));
	prefixes_free(&s);
	free(a);
	free(keys);
	return err;
}

struct gen {
	struct bench_bpf *b;
	__u8 frame[64];
	size_t len;
};

static int gen_setup(struct gen *g, const struct opts *o)
{
	__u8 src_mac[6], dst_mac[6], saddr[4] = { 198, 51, 100, 7 }, daddr[4];
	unsigned ifindex = if_nametoindex(o->ifname ? o->ifname : "");

	if (!ifindex || if_mac(o->ifname, src_mac))
		return bench_err("no interface %s here", o->ifname ? o->ifname : "(none)");
	if (!o->dst_mac || mac_parse(o->dst_mac, dst_mac))
		return bench_err("--dst-mac MAC needed");
	if (!o->dst_ip || inet_pton(AF_INET, o->dst_ip, daddr) != 1)
		return bench_err("--dst-ip IPV4 needed");
	if (!o->table || o->table & (o->table - 1) || o->table > ADDR_TABLE_MAX)
		return bench_err("--table must be a power of two up to %d", ADDR_TABLE_MAX);
	g->len = o->syn_port ? frame_build_syn(g->frame, src_mac, dst_mac, saddr, daddr, o->syn_port)
			     : frame_build(g->frame, 4, src_mac, dst_mac, saddr, daddr);
	g->b = bench_bpf__open();
	if (!g->b)
		return bench_err("cannot open the bench object");
	bpf_map__set_max_entries(g->b->maps.bench_addrs, o->table);
	if (bench_bpf__load(g->b))
		return bench_err("cannot load the bench programs: %s", strerror(errno));
	g->b->bss->family = 4;
	g->b->bss->addr_mask = o->table - 1;
	g->b->bss->out_ifindex = ifindex;
	g->b->bss->l4_csum_off = o->syn_port ? FRAME_SYN_CSUM_OFF : 0;
	return load_sources(g->b, o);
}

/* Busy and total clock ticks of one CPU so far (/proc/stat). */
static int cpu_ticks(int cpu, unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	char line[512], name[16];
	int found = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, strlen(name)) &&
			sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8;
	fclose(f);
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6];
	*total = *busy + v[3] + v[4] + v[7];
	return found ? 0 : -1;
}

/* Bounded twice: by --max-packets and by --duration-ms. The receiving
 * CPU's load is sampled over exactly the sending window. */
static int gen_run(struct gen *g, const struct opts *o)
{
	int fd = bpf_program__fd(g->b->progs.bench_gen);
	double t0 = mono_s(), limit = o->duration_ms / 1000.0, secs;
	unsigned long long b0 = 0, t0c = 0, b1 = 0, t1c = 0;
	int have_cpu = o->rx_cpu >= 0 && !cpu_ticks(o->rx_cpu, &b0, &t0c);
	uint64_t sent = 0;
	unsigned runs = 0;

	do {
		uint64_t left = o->max_packets - sent;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = g->frame, .data_size_in = g->len,
			    .repeat = left < GEN_CHUNK ? left : GEN_CHUNK,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(fd, &opts))
			return bench_err("live-frames test_run: %s", strerror(errno));
		sent += opts.repeat;
		runs++;
		secs = mono_s() - t0;
	} while (sent < o->max_packets && secs < limit);
	have_cpu = have_cpu && !cpu_ticks(o->rx_cpu, &b1, &t1c) && t1c > t0c;
	printf("{\"generated\": %llu, \"seconds\": %.6f, \"test_runs\": %u, \"rx_cpu_busy\": ",
	       (unsigned long long)sent, secs, runs);
	if (have_cpu)
		printf("%.4f}\n", (double)(b1 - b0) / (t1c - t0c));
	else
		printf("null}\n");
	return 0;
}

int cmd_gen(const struct opts *o)
{
	struct gen g = {};
	int err = gen_setup(&g, o) || gen_run(&g, o);

	bench_bpf__destroy(g.b);
	return err ? 1 : 0;
}

/* The attachment outlives pgbench; `ip link set dev X xdp off` ends it. */
static int xdp_attach(const struct opts *o, int drop)
{
	unsigned ifindex = if_nametoindex(o->ifname ? o->ifname : "");
	struct bench_bpf *b;
	int err;

	if (!ifindex)
		return bench_err("no interface %s here", o->ifname ? o->ifname : "(none)"), 1;
	b = bench_bpf__open_and_load();
	if (!b)
		return bench_err("cannot load the bench programs: %s", strerror(errno)), 1;
	err = bpf_xdp_attach(ifindex, bpf_program__fd(drop ? b->progs.bench_drop
							    : b->progs.bench_pass),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		bench_err("attaching XDP to %s: %s", o->ifname, strerror(-err));
	bench_bpf__destroy(b);
	return err ? 1 : 0;
}

int cmd_xdp_pass(const struct opts *o)
{
	return xdp_attach(o, 0);
}

/* The receiver's ceiling: every frame dropped, nothing looked up. */
int cmd_xdp_drop(const struct opts *o)
{
	return xdp_attach(o, 1);
}
