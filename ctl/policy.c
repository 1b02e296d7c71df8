// SPDX-License-Identifier: GPL-2.0
/*
 * attach --policy / --egress-policy / --stateless / --lists: the default
 * policy of an interface's hooks, whether the conntrack kfuncs it needs are
 * there, and which named lists apply on the interface.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "ctx.h"
#include "lists.h"
#include "out.h"
#include "names.h"
#include "policy.h"

/* The kfuncs policy drop calls, in the kernel's BTF. PKTGATE_TEST_NO_CONNTRACK
 * lets the tests see a kernel without them. */
bool policy_ct_usable(void)
{
	static const char *const fns[] = { "bpf_xdp_ct_lookup", "bpf_skb_ct_lookup",
					   "bpf_ct_release" };
	struct btf *btf;
	bool ok = true;

	if (getenv("PKTGATE_TEST_NO_CONNTRACK"))
		return false;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (btf__find_by_name_kind(btf, fns[i], BTF_KIND_FUNC) < 0)
			ok = false;
	btf__free(btf);
	return ok;
}

int policy_lists_mask(struct pg_ctx *ctx, const char *spec, __u64 *mask)
{
	char *copy, *name, *save = NULL;
	int err = 0;

	*mask = PG_IFACE_ALL_LISTS;
	if (!spec)
		return 0;
	if (!*spec)
		return p_usage("attach: --lists needs at least one list name");
	copy = strdup(spec);
	if (!copy)
		return p_err("out of memory");
	for (name = strtok_r(copy, ",", &save); name && !err; name = strtok_r(NULL, ",", &save)) {
		bool any = false;

		for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			unsigned int id;

			if (!lists_exists(ctx, kind, name))
				continue;
			if (lists_open(ctx, kind, name, false, &id)) {
				err = PG_EXIT_ERR;
				break;
			}
			*mask |= 1ULL << id;
			any = true;
		}
		if (!err && !any)
			err = p_err("attach: there is no list named '%s' (see pktgate lists)", name);
	}
	free(copy);
	if (!err && !*mask)
		err = p_usage("attach: --lists needs at least one list name");
	return err;
}

void policy_lists_names(struct pg_ctx *ctx, __u64 mask, bool live_only, char *buf, size_t len)
{
	size_t off = 0;
	bool any_live = false, live;

	if (mask == PG_IFACE_ALL_LISTS) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned int id = 0; id < PG_MAX_LISTS; id++)
		if (mask >> id & 1 && lists_kept_name(ctx, id, &live) && live)
			any_live = true;
	/* With none there, the names as they were: restore then says which
	 * list is missing rather than apply every list. */
	live_only = live_only && any_live;
	/* A name both kinds have (manual) once. */
	buf[0] = '\0';
	for (unsigned int id = 0; id < PG_MAX_LISTS && off < len; id++) {
		const char *n;
		size_t nl;

		if (!(mask & (1ULL << id)))
			continue;
		n = lists_kept_name(ctx, id, &live);
		if (!n || (live_only && !live))
			continue;
		nl = strlen(n);
		if (off) {
			const char *p = buf;
			bool dup = false;

			while (p && *p) {
				if (!strncmp(p, n, nl) && (p[nl] == ',' || !p[nl]))
					dup = true;
				p = strchr(p, ',');
				p = p ? p + 1 : NULL;
			}
			if (dup)
				continue;
		}
		off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", n);
	}
}

bool policy_same(const struct pg_iface *a, const struct pg_iface *b)
{
	return a->policy_drop == b->policy_drop && a->stateless == b->stateless &&
	       a->lists == b->lists && !memcmp(a->syn_ports, b->syn_ports, sizeof(a->syn_ports));
}

/* attach's summary line: what is not the default. */
void policy_print(struct pg_ctx *ctx, const struct pg_iface *rec)
{
	char names[PG_MAX_LISTS * PG_LIST_NAME_LEN];
	unsigned int in = PG_HOOK_BIT(PG_HOOK_XDP) | PG_HOOK_BIT(PG_HOOK_TC_INGRESS);

	policy_lists_names(ctx, rec->lists, false, names, sizeof(names));
	out_str("policy", NULL, rec->policy_drop & in ? "drop" : "pass");
	out_str("egress_policy", NULL,
		rec->policy_drop & PG_HOOK_BIT(PG_HOOK_TC_EGRESS) ? "drop" : "pass");
	out_bool("stateless", NULL, rec->stateless);
	out_str("lists", NULL, names);
	if (rec->policy_drop & in)
		out_text(", policy drop%s", rec->stateless ? " (stateless)" : "");
	if (rec->policy_drop & PG_HOOK_BIT(PG_HOOK_TC_EGRESS))
		out_text(", egress policy drop%s", rec->stateless ? " (stateless)" : "");
	if (rec->lists != PG_IFACE_ALL_LISTS)
		out_text(", lists %s", names);
}
