// SPDX-License-Identifier: GPL-2.0
/* RTM_GETLINK dump through libmnl: names and XDP attachment of every link. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "link.h"

struct dump {
	struct pg_link *v;
	size_t n, cap;
};

static int xdp_attr_cb(const struct nlattr *a, void *data)
{
	struct pg_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_XDP_ATTACHED:
		if (mnl_attr_validate(a, MNL_TYPE_U8) >= 0)
			l->xdp_attached = mnl_attr_get_u8(a);
		break;
	case IFLA_XDP_PROG_ID:
	case IFLA_XDP_DRV_PROG_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->xdp_prog_id = mnl_attr_get_u32(a);
		break;
	case IFLA_XDP_SKB_PROG_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->xdp_skb_prog_id = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct pg_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
			strncpy(l->name, mnl_attr_get_str(a), sizeof(l->name) - 1);
		break;
	case IFLA_XDP:
		mnl_attr_parse_nested(a, xdp_attr_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct pg_link l = { .ifindex = ifm->ifi_index };

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, &l);
	/* Driver-mode id is reported separately in MULTI; a lone SKB program
	 * is reported as IFLA_XDP_PROG_ID already. */
	if (!l.xdp_prog_id)
		l.xdp_prog_id = l.xdp_skb_prog_id;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct pg_link *nv = realloc(d->v, cap * sizeof(*nv));

		if (!nv)
			return MNL_CB_ERROR;
		d->v = nv;
		d->cap = cap;
	}
	d->v[d->n++] = l;
	return MNL_CB_OK;
}

/* One rtnetlink dump request: TYPE with a family header, each answer
 * handed to cb. */
static int nl_dump(uint16_t type, const void *hdr, size_t hdrlen, mnl_cb_t cb, void *data)
{
	char buf[32768];	/* MNL_SOCKET_DUMP_SIZE of newer libmnl */
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), portid;
	int ret, err = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, ret, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		err = errno ? -errno : -EIO;
out:
	mnl_socket_close(nl);
	return err;
}

int link_dump(struct pg_link **out, size_t *n)
{
	struct ifinfomsg ifm = { .ifi_family = AF_UNSPEC };
	struct dump d = {};
	int err = nl_dump(RTM_GETLINK, &ifm, sizeof(ifm), link_cb, &d);

	if (err) {
		free(d.v);
		return err;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)data)++;
	return MNL_CB_OK;
}

int tc_filter_count(int ifindex, uint32_t parent)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			     .tcm_parent = parent };
	int n = 0, err = nl_dump(RTM_GETTFILTER, &tcm, sizeof(tcm), filter_cb, &n);

	return err ? err : n;
}
