// SPDX-License-Identifier: GPL-2.0
/*
 * attach --syncookie PORT,...: the TCP ports whose SYNs the XDP program
 * answers with SYN cookies (xdp/synproxy.h), load-time configuration kept
 * in the interface record, and whether this kernel can do it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "out.h"
#include "policy.h"
#include "syncookie.h"

int syncookie_parse(const char *spec, __u16 ports[PG_SYN_PORTS])
{
	const char *s = spec;
	int n = 0;

	memset(ports, 0, PG_SYN_PORTS * sizeof(*ports));
	if (!spec)
		return 0;
	do {
		char *end;
		unsigned long v;
		int i;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ',') || errno || !v || v > 65535 || *s == '-' ||
		    *s == '+')
			return p_usage("attach: --syncookie '%s': a port is 1 to 65535", spec);
		for (i = 0; i < n && ports[i] < v; i++)
			;
		if (i < n && ports[i] == v)
			return p_usage("attach: --syncookie '%s': port %lu is given twice", spec, v);
		if (n == PG_SYN_PORTS)
			return p_usage("attach: --syncookie '%s': at most %d ports", spec,
				       PG_SYN_PORTS);
		memmove(&ports[i + 1], &ports[i], (n - i) * sizeof(*ports));
		ports[i] = v;
		n++;
		s = *end ? end + 1 : end;
	} while (*s || s[-1] == ',');
	return 0;
}

void syncookie_names(const __u16 ports[PG_SYN_PORTS], char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < PG_SYN_PORTS && ports[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u", i ? "," : "", ports[i]);
}

/* The helpers are BPF_CALL functions, so they are in the kernel's BTF as
 * functions, as the conntrack kfuncs are. PKTGATE_TEST_NO_SYNCOOKIE lets
 * the tests see a kernel without them. */
bool syncookie_usable(void)
{
	static const char *const fns[] = {
		"bpf_tcp_raw_gen_syncookie_ipv4", "bpf_tcp_raw_gen_syncookie_ipv6",
		"bpf_tcp_raw_check_syncookie_ipv4", "bpf_tcp_raw_check_syncookie_ipv6",
	};
	struct btf *btf;
	bool ok;

	if (getenv("PKTGATE_TEST_NO_SYNCOOKIE") || !policy_ct_usable())
		return false;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	ok = true;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (btf__find_by_name_kind(btf, fns[i], BTF_KIND_FUNC) < 0)
			ok = false;
	btf__free(btf);
	return ok;
}

void syncookie_print(const __u16 ports[PG_SYN_PORTS], bool text)
{
	char names[PG_SYN_PORTS * 6 + 1];

	out_arr_open("syncookie");
	for (int i = 0; i < PG_SYN_PORTS && ports[i]; i++)
		out_u64(NULL, NULL, ports[i]);
	out_arr_close();
	syncookie_names(ports, names, sizeof(names));
	if (text && names[0])
		out_text(", syn cookies on %s", names);
}
