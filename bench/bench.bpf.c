// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of pgbench, pktgate's benchmark tool.
 *
 * bench_drop is the bare program every cost is compared with. bench_vary
 * writes a new source address into the frame on every repetition and then
 * tail-calls the program under test, so that BPF_PROG_TEST_RUN (which
 * replays one frame) measures lookups over many addresses, as a real
 * attack would cause, instead of one cache-hot path. bench_gen does the
 * same and redirects the frame into a veth: with
 * BPF_F_TEST_XDP_LIVE_FRAMES it is pgbench's traffic generator.
 * bench_chase is the bare program plus a chain of dependent reads in a
 * large array, one cache line each, new for every packet: what a lookup
 * that reads that many random lines costs on this machine.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ETH_HLEN	14
#define V4_CSUM_OFF	(ETH_HLEN + 10)
#define V4_SADDR_OFF	(ETH_HLEN + 12)
#define V6_SADDR_OFF	(ETH_HLEN + 8)

struct bench_addr {
	__u8 a[16];
};

/* Source addresses to cycle through; user space sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_addr);
} bench_addrs SEC(".maps");

/* Slot 0: the program bench_vary hands each frame to. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

/* bench_chase's memory: lines of random words; user space sizes it
 * before load (a power of two of lines) and fills it. */
#define CHASE_MAX	4
struct chase_line {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chase_line);
} bench_mem SEC(".maps");

/* Set by user space between runs (.bss is mmapped, no reload needed). */
__u32 chase_steps;	/* reads per packet, up to CHASE_MAX */
__u32 chase_mask;	/* lines in bench_mem - 1 */
__u64 chase_sink;	/* keeps the chain's result alive */
__u32 addr_base;	/* first entry of the table in use */
__u32 addr_mask;	/* entries in use - 1, a power of two minus one */
__u32 family;		/* 4 or 6 */
__u32 out_ifindex;	/* bench_gen: where frames go */
__u32 next_idx;		/* one CPU runs these programs at a time */
__u32 l4_csum_off;	/* bench_gen, IPv4: an L4 checksum to keep right (TCP); 0: none */

/* One's complement update of the IPv4 header checksum for a new source
 * (RFC 1624), so that the receiving stack does not discard the frame as
 * corrupt before the filter under test sees it. */
static __always_inline void csum_replace4(__u16 *csum, const __u16 *old, const __u16 *new)
{
	__u32 sum = (__u16)~*csum;

	sum += (__u16)~old[0] + (__u16)~old[1] + new[0] + new[1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*csum = ~sum;
}

static __always_inline int set_source(struct xdp_md *ctx, int fix_csum)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 k = addr_base + (next_idx++ & addr_mask);
	struct bench_addr *a = bpf_map_lookup_elem(&bench_addrs, &k);

	if (!a)
		return -1;
	if (family == 4) {
		if (data + ETH_HLEN + 20 > end)
			return -1;
		if (fix_csum)
			csum_replace4(data + V4_CSUM_OFF, data + V4_SADDR_OFF, (__u16 *)a->a);
		/* The pseudo-header holds the source: the same update. */
		if (fix_csum && l4_csum_off) {
			__u16 *c = data + (l4_csum_off & 0xff);

			if ((void *)(c + 1) > end)
				return -1;
			csum_replace4(c, data + V4_SADDR_OFF, (__u16 *)a->a);
		}
		__builtin_memcpy(data + V4_SADDR_OFF, a->a, 4);
	} else {
		if (data + ETH_HLEN + 40 > end)
			return -1;
		__builtin_memcpy(data + V6_SADDR_OFF, a->a, 16);
	}
	return 0;
}

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int bench_chase(struct xdp_md *ctx)
{
	/* A new chain per packet, over the whole array: bench_vary counts
	 * packets in next_idx. */
	__u64 x = ((__u64)next_idx | 1ULL << 32) * 0x9e3779b97f4a7c15ULL;

	for (__u32 i = 0; i < CHASE_MAX; i++) {
		__u32 k;
		struct chase_line *l;

		if (i >= chase_steps)
			break;
		k = (x >> 32) & chase_mask;
		l = bpf_map_lookup_elem(&bench_mem, &k);
		if (!l)
			return XDP_ABORTED;
		/* The next line depends on this one's content. */
		x = (x ^ l->w[0]) * 0x9e3779b97f4a7c15ULL;
	}
	chase_sink = x;
	return XDP_DROP;
}

/* Keeps a veth's NAPI running for frames redirected into it, where no
 * other XDP program is attached (otherwise they are dropped silently). */
SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bench_vary(struct xdp_md *ctx)
{
	if (set_source(ctx, 0))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	if (set_source(ctx, 1))
		return XDP_ABORTED;
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
