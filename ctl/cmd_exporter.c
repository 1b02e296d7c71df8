// SPDX-License-Identifier: GPL-2.0
/*
 * exporter: pktgate's counters, list fill levels, drop-event accounting and
 * top talkers as Prometheus metrics (text exposition format 0.0.4), served
 * over HTTP by libmicrohttpd.
 *
 * The maps are opened once, at start. Every scrape reads them afresh and
 * takes no lock, so a running exporter never blocks a mutating CLI.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <microhttpd.h>

#include "clock.h"
#include "counters.h"
#include "ctx.h"
#include "iface.h"
#include "names.h"
#include "opts.h"
#include "ratelimit.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "tables.h"
#include "toptable.h"
#include "version.h"

#define PG_EXPORTER_LISTEN	"127.0.0.1:9435"	/* loopback only unless asked */
#define PG_EXPORTER_TOP		10
/* Top talkers are labelled by address, and each new address in the set is
 * a new series: the limit bounds what a flood of spoofed sources can make a
 * scrape hold. */
#define PG_EXPORTER_TOP_MAX	100

struct exporter_opts {
	const char *listen;	/* "ADDR:PORT" or "[ADDR6]:PORT"; NULL = default */
	unsigned long top;	/* top talkers exported; 0 = default */
	bool once;		/* print the metrics to stdout and exit */
};

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/* A client that stalls (sends nothing, or reads nothing) loses its
 * connection after this long (time without any byte either way). */
#define CONN_TIMEOUT_S	10
/* The idle timeout alone lets a client that trickles a header line every
 * few seconds keep a connection for ever (slowloris): every request must
 * also be complete and answered this long after its connection opened, or
 * after the previous answer on a kept-alive connection. Prometheus' own
 * default scrape_timeout is the same. */
#define REQUEST_DEADLINE_S 10
/* The daemon polls its connections (epoll) from a few threads instead of
 * giving each one a thread, so an open connection costs a socket and a
 * little memory, and slow clients cannot take the threads scrapes need. */
#define POOL_THREADS	2
#define CONN_LIMIT	256
/* Connections from one address, so that one host cannot take them all. */
#define CONN_PER_IP	8

/* An open connection and the time its request must be done by. */
struct conn_slot {
	bool used;
	int fd;
	double deadline;	/* mono_secs(); 0 once cut */
};

struct exporter {
	struct pg_ctx *ctx;
	unsigned long top;
	pthread_mutex_t lock;	/* conns: the pool's threads and the sweeper */
	struct conn_slot conns[CONN_LIMIT];
};

/* ---- text exposition format ------------------------------------------ */

/* name="value" with the format's escapes (backslash, quote, newline).
 * Interface names are bytes, not text: bytes that are not UTF-8 become
 * U+FFFD, so the exposition stays valid whatever the name. */
static void label(FILE *f, bool first, const char *name, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;

	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	while (*s) {
		size_t n = out_utf8_len((const char *)s);

		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\xef\xbf\xbd", f);
		s += n ? n : 1;
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- reading the maps -------------------------------------------------- */

struct hook_row {
	int iface;		/* index into the interface records */
	int hook;
	struct pg_stats s;
};

/* Busiest first; the address breaks ties, for stable output. */
static int talker_cmp(const void *pa, const void *pb)
{
	const struct talker *a = pa, *b = pb;

	if (a->tot.packets != b->tot.packets)
		return a->tot.packets > b->tot.packets ? -1 : 1;
	if (a->tot.bytes != b->tot.bytes)
		return a->tot.bytes > b->tot.bytes ? -1 : 1;
	return top_key_cmp(a, b);
}

static int put_interfaces(struct exporter *ex, FILE *f, const char **what)
{
	struct pg_ctx *ctx = ex->ctx;
	struct pg_iface *recs = calloc(PG_MAX_IFACES, sizeof(*recs));
	struct hook_row *rows = calloc(PG_STATS_KEYS, sizeof(*rows));
	struct iface_table *tab = NULL;
	char ino[24];
	int nrec = 0, nrow = 0, err = 0;

	*what = "interface counters";
	if (!recs || !rows) {
		err = -ENOMEM;
		goto out;
	}
	/* The table as the kernel has it; a vanished interface's series end
	 * (a new interface of the same name would repeat its labels). */
	tab = iface_table_read(ctx);
	if (!tab) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < tab->n; i++) {
		struct pg_iface *rec = &recs[nrec];
		__u32 s = tab->e[i].slot;

		if (tab->e[i].state == IFACE_VANISHED)
			continue;
		*rec = tab->e[i].rec;
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			struct hook_row *r = &rows[nrow];

			err = ctr_read_stats(ctx, s, h, &r->s);
			if (err)
				goto out;
			/* The hooks `stats` shows. */
			if (!hook_in_use(rec, h, &r->s))
				continue;
			r->iface = nrec;
			r->hook = h;
			nrow++;
		}
		nrec++;
	}

	for (int m = 0; m < 2; m++) {
		family(f, m ? "pktgate_bytes_total" : "pktgate_packets_total", "counter",
		       m ? "Bytes seen by pktgate, per interface, hook and verdict reason." :
			   "Packets seen by pktgate, per interface, hook and verdict reason.");
		for (int i = 0; i < nrow; i++) {
			const struct pg_iface *rec = &recs[rows[i].iface];

			snprintf(ino, sizeof(ino), "%llu", (unsigned long long)rec->netns_ino);
			for (int k = 0; k < PG_R_MAX; k++) {
				const struct pg_ctr *c = &rows[i].s.reason[k];

				fputs(m ? "pktgate_bytes_total{" : "pktgate_packets_total{", f);
				label(f, true, "interface", rec->ifname);
				label(f, false, "netns_ino", ino);
				label(f, false, "hook", pg_hook_names[rows[i].hook]);
				label(f, false, "reason", pg_reason_names[k]);
				label(f, false, "action", pg_action_names[PG_REASON_ACTION(k)]);
				fprintf(f, "} %llu\n", (unsigned long long)(m ? c->bytes : c->packets));
			}
		}
	}

	family(f, "pktgate_attached", "gauge",
	       "1 if pktgate's program is attached to the interface at the hook, else 0.");
	for (int i = 0; i < nrec; i++) {
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)recs[i].netns_ino);
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			fputs("pktgate_attached{", f);
			label(f, true, "interface", recs[i].ifname);
			label(f, false, "netns_ino", ino);
			label(f, false, "hook", pg_hook_names[h]);
			fprintf(f, "} %d\n", !!(recs[i].hooks & PG_HOOK_BIT(h)));
		}
	}
out:
	free(tab);
	free(recs);
	free(rows);
	return err;
}

/* Live entries of each kind and of each named list, per family. */
struct list_sizes {
	size_t live[PG_LIST_KIND_MAX][2], expired[PG_LIST_KIND_MAX][2];
	size_t named[PG_MAX_LISTS][2];
};

/* One walk of each kind's entries gives the kind's and its lists' sizes,
 * counted as `status` and `lists` count them. */
static int count_lists(struct pg_ctx *ctx, struct list_sizes *z)
{
	uint64_t now = mono_now_ns();

	memset(z, 0, sizeof(*z));
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		struct pg_entry *v;
		size_t n;
		int err = rules_collect(ctx, kind, &v, &n);

		if (err)
			return err;
		for (size_t i = 0; i < n; i++) {
			int fi = v[i].prefix.family == 6;

			if (v[i].rule.expires_ns && v[i].rule.expires_ns <= now) {
				z->expired[kind][fi]++;
				continue;
			}
			z->live[kind][fi]++;
			for (uint64_t b = v[i].rule.lists; b; b &= b - 1)
				z->named[__builtin_ctzll(b)][fi]++;
		}
		free(v);
	}
	return 0;
}

static const char *const fam_names[2] = { "ipv4", "ipv6" };

/* Per named list: its entries, when a file was last loaded into it (to
 * alert on a stale feed), and its hits (what each feed is worth). */
static int put_named_lists(struct exporter *ex, FILE *f, const struct list_sizes *z)
{
	static const char *const hit_names[2] = {
		"pktgate_named_list_packets_total", "pktgate_named_list_bytes_total",
	};
	struct pg_ctx *ctx = ex->ctx;
	struct pg_list *l = calloc(PG_MAX_LISTS, sizeof(*l));
	struct pg_ctr *ctr = calloc(PG_MAX_LISTS, sizeof(*ctr));
	int err = 0;

	if (!l || !ctr) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 id = 0; id < PG_MAX_LISTS; id++) {
		if (bpf_map_lookup_elem(ctx->maps.lists, &id, &l[id]) ||
		    l[id].kind >= PG_LIST_KIND_MAX)
			l[id].in_use = 0;
		l[id].name[sizeof(l[id].name) - 1] = '\0';
		if (l[id].in_use && ctr_read_list(ctx, id, &ctr[id])) {
			err = -EIO;
			goto out;
		}
	}

	family(f, "pktgate_named_list_entries", "gauge",
	       "Live entries of each named list, per family (an entry two lists hold counts in both).");
	for (__u32 id = 0; id < PG_MAX_LISTS; id++) {
		for (int fi = 0; l[id].in_use && fi < 2; fi++) {
			fputs("pktgate_named_list_entries{", f);
			label(f, true, "kind", pg_list_names[l[id].kind]);
			label(f, false, "list", l[id].name);
			label(f, false, "family", fam_names[fi]);
			fprintf(f, "} %zu\n", z->named[id][fi]);
		}
	}
	family(f, "pktgate_named_list_last_load_timestamp_seconds", "gauge",
	       "Unix time of the last load of a file into the list (lists never loaded have none).");
	for (__u32 id = 0; id < PG_MAX_LISTS; id++) {
		if (!l[id].in_use || !l[id].loaded_ns)
			continue;
		fputs("pktgate_named_list_last_load_timestamp_seconds{", f);
		label(f, true, "kind", pg_list_names[l[id].kind]);
		label(f, false, "list", l[id].name);
		fprintf(f, "} %llu.%03llu\n", (unsigned long long)(l[id].loaded_ns / PG_NSEC_PER_SEC),
			(unsigned long long)(l[id].loaded_ns / 1000000ULL % 1000));
	}
	for (int m = 0; m < 2; m++) {
		family(f, hit_names[m], "counter", m ? "Bytes of packets that matched an entry, by "
		       "the list counting it." : "Packets that matched an entry, by the list counting it.");
		for (__u32 id = 0; id < PG_MAX_LISTS; id++) {
			if (!l[id].in_use)
				continue;
			fprintf(f, "%s{", hit_names[m]);
			label(f, true, "kind", pg_list_names[l[id].kind]);
			label(f, false, "list", l[id].name);
			fprintf(f, "} %llu\n", (unsigned long long)(m ? ctr[id].bytes : ctr[id].packets));
		}
	}
out:
	free(l);
	free(ctr);
	return err;
}

/* The kinds' sizes and the named lists. The label `kind` is allow or deny
 * everywhere, and `list` always a named list. */
static int put_lists(struct exporter *ex, FILE *f, const char **what)
{
	static const char *const names[] = {
		"pktgate_list_entries", "pktgate_list_expired_entries", "pktgate_list_capacity",
	};
	static const char *const helps[] = {
		"Live entries of each kind (allow, deny) and family.",
		"Expired entries still in the tables (they no longer match).",
		"Entries each kind and family can hold (its tables' size).",
	};
	struct pg_ctx *ctx = ex->ctx;
	struct list_sizes *z = malloc(sizeof(*z));
	int err;

	*what = "lists";
	if (!z)
		return -ENOMEM;
	err = count_lists(ctx, z);
	if (err)
		goto out;
	for (int m = 0; m < 3; m++) {
		family(f, names[m], "gauge", helps[m]);
		for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			for (int fi = 0; fi < 2; fi++) {
				uint32_t x = tables_capacity(ctx->maps.list[kind][fi][PG_TBL_EXACT]);
				uint32_t v = tables_capacity(ctx->maps.list[kind][fi][PG_TBL_PREFIX]);
				size_t val = m == 0 ? z->live[kind][fi] :
					     m == 1 ? z->expired[kind][fi] : x < v ? x : v;

				fprintf(f, "%s{", names[m]);
				label(f, true, "kind", pg_list_names[kind]);
				label(f, false, "family", fam_names[fi]);
				fprintf(f, "} %zu\n", val);
			}
		}
	}
	*what = "named lists";
	err = put_named_lists(ex, f, z);
out:
	free(z);
	return err;
}

/* Which pktgate serves: a constant 1 with the version as labels. */
static int put_build_info(struct exporter *ex, FILE *f, const char **what)
{
	char schema[16];

	(void)ex;
	*what = "build info";
	snprintf(schema, sizeof(schema), "%d", PKTGATE_SCHEMA_VERSION);
	family(f, "pktgate_build_info", "gauge",
	       "A constant 1, labelled with the version of pktgate and of its maps' schema.");
	fputs("pktgate_build_info{", f);
	label(f, true, "version", PKTGATE_VERSION);
	label(f, false, "schema", schema);
	fputs("} 1\n", f);
	return 0;
}

/* One unlabelled counter with its HELP and TYPE lines. */
static void put_counter(FILE *f, const char *name, const char *help, uint64_t value)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)value);
}

/* The two token buckets: drop events, and admissions into pg_top. */
static int put_events(struct exporter *ex, FILE *f, const char **what)
{
	uint64_t emitted, suppressed, admitted, untracked;
	int err;

	*what = "event counters";
	err = events_counts(ex->ctx, &emitted, &suppressed);
	if (!err)
		err = bucket_counts(ex->ctx, ex->ctx->maps.top_bucket, &admitted, &untracked);
	if (err)
		return err;
	put_counter(f, "pktgate_events_emitted_total",
		    "Drop events written to the ring buffer, over all CPUs.", emitted);
	put_counter(f, "pktgate_events_suppressed_total",
		    "Drops that got no event (throttled, events off, or ring buffer full).",
		    suppressed);
	put_counter(f, "pktgate_top_admitted_addresses_total",
		    "New remote addresses admitted into the top-talker table, over all CPUs.",
		    admitted);
	put_counter(f, "pktgate_top_untracked_packets_total",
		    "Packets the top-talker table did not count (top-rate, or their row was full).",
		    untracked);
	return 0;
}

static int put_talkers(struct exporter *ex, FILE *f, const char **what)
{
	static const char *const names[] = {
		"pktgate_top_talker_packets", "pktgate_top_talker_bytes",
		"pktgate_top_talker_dropped_packets",
	};
	static const char *const helps[] = {
		"Packets from (direction ingress) or to (egress) the remote address, for the busiest addresses by packets.",
		"Bytes from (direction ingress) or to (egress) the remote address, for the busiest addresses by packets.",
		"Packets dropped from (direction ingress) or to (egress) the remote address, for the busiest addresses.",
	};
	/* A reader of its own: scrapes run in threads of their own. */
	struct top_reader r = { .ctx = ex->ctx };
	struct top_table tb = {};
	struct talker *v;
	size_t n;
	int err;

	*what = "top talkers";
	err = top_table_read(&r, &tb);
	top_reader_free(&r);
	if (err) {
		free(tb.t);
		return err;
	}
	v = tb.t;
	n = tb.n;
	if (n)
		qsort(v, n, sizeof(*v), talker_cmp);
	if (n > ex->top)
		n = ex->top;
	/* Gauges, not counters: an address leaves the set when another takes
	 * its way in the sketch or others overtake it, and its values start
	 * again from 0. */
	for (int m = 0; m < 3; m++) {
		family(f, names[m], "gauge", helps[m]);
		for (size_t i = 0; i < n; i++) {
			char addr[INET6_ADDRSTRLEN];
			uint64_t val = m == 0 ? v[i].tot.packets : m == 1 ? v[i].tot.bytes :
				       v[i].tot.drops;

			inet_ntop(v[i].key.family == 4 ? AF_INET : AF_INET6, v[i].key.addr, addr,
				  sizeof(addr));
			fprintf(f, "%s{", names[m]);
			label(f, true, "address", addr);
			label(f, false, "direction", v[i].key.dir == PG_TOP_OUT ? "egress" : "ingress");
			fprintf(f, "} %llu\n", (unsigned long long)val);
		}
	}
	free(v);
	return 0;
}

/* Each limit's counters, and the live bans. */
static int put_limits(struct exporter *ex, FILE *f, const char **what)
{
	static const char *const names[] = {
		"pktgate_limit_passed_packets_total", "pktgate_limit_dropped_packets_total",
		"pktgate_limit_dropped_bytes_total", "pktgate_limit_bans_total",
		"pktgate_limit_bans_refused_total",
	};
	static const char *const helps[] = {
		"Packets a rate limit let through.",
		"Packets a rate limit dropped (reason limit).",
		"Bytes of the packets a rate limit dropped.",
		"Sources a rate limit banned.",
		"Bans refused because the source's row of the ban table was full.",
	};
	struct limit_rule *v = NULL;
	size_t n = 0, bans = 0;
	int err;

	*what = "limits";
	err = limits_read(ex->ctx, &v, &n);
	if (err)
		return err;
	for (int m = 0; m < 5; m++) {
		family(f, names[m], "counter", helps[m]);
		for (size_t i = 0; i < n; i++) {
			const struct pg_limit_ctr *c = &v[i].ctr;
			uint64_t val = m == 0 ? c->passed : m == 1 ? c->dropped :
				       m == 2 ? c->dropped_bytes : m == 3 ? c->bans : c->ban_full;
			char id[16];

			snprintf(id, sizeof(id), "%u", v[i].id);
			fprintf(f, "%s{", names[m]);
			label(f, true, "limit", id);
			label(f, false, "mode", v[i].l.flags & PG_LIM_PER_SOURCE ? "per-source" :
						 "aggregate");
			fprintf(f, "} %llu\n", (unsigned long long)val);
		}
	}
	free(v);
	*what = "bans";
	if (bans_count(ex->ctx, &bans))
		return -errno;
	family(f, "pktgate_bans", "gauge", "Sources banned now (limit add --ban).");
	fprintf(f, "pktgate_bans %zu\n", bans);
	family(f, "pktgate_ban_capacity", "gauge", "Bans the ban table has room for.");
	fprintf(f, "pktgate_ban_capacity %u\n", PG_BAN_MAX);
	return 0;
}

/* The whole exposition, in a malloc()ed buffer; NULL with *why on error. */
static char *render(struct exporter *ex, size_t *len, char *why, size_t whylen)
{
	int (*const parts[])(struct exporter *, FILE *, const char **) = {
		put_build_info, put_interfaces, put_lists, put_events, put_limits, put_talkers,
	};
	const char *what = "metrics";
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int err = 0;

	if (!f) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !err; i++)
		err = parts[i](ex, f, &what);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		snprintf(why, whylen, "cannot read %s: %s", what, strerror(-err));
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- HTTP --------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *body, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct exporter *ex = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char why[256];
	size_t len;
	char *buf;

	(void)version;
	(void)upload_data;
	/* Other methods are refused at once, before any request body is read;
	 * microhttpd then closes the connection instead of reading the body. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n",
			     "GET, HEAD");
	/* GET and HEAD are answered on the second call, once the request is
	 * complete, so the connection can be kept alive for the next scrape. */
	if (!*req_cls) {
		*req_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body on a GET means nothing: skip it */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found: metrics are at /metrics\n",
			     NULL);

	buf = render(ex, &len, why, sizeof(why) - 1);	/* room for the newline */
	if (!buf) {
		p_debug("scrape failed: %s", why);
		strcat(why, "\n");
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, why, NULL);
	}
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* microhttpd explains refused requests (malformed, timed out) here; they
 * are the client's business, so only -v shows them. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (!out_verbose)
		return;
	fputs("pktgate: microhttpd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- request deadlines ---------------------------------------------- */

static void conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct exporter *ex = cls;
	struct conn_slot *slot = *socket_context;

	pthread_mutex_lock(&ex->lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		slot = NULL;
		for (int i = 0; ci && i < CONN_LIMIT && !slot; i++)
			if (!ex->conns[i].used)
				slot = &ex->conns[i];
		if (slot) {
			slot->used = true;
			slot->fd = ci->connect_fd;
			slot->deadline = mono_secs() + REQUEST_DEADLINE_S;
		}
		*socket_context = slot;
	} else if (slot) {
		/* Before microhttpd closes the socket: the sweeper holds the
		 * lock while it shuts one down, so it never hits a reused fd. */
		slot->used = false;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&ex->lock);
}

/* An answer was sent: a kept-alive connection has the same time again. */
static void request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exporter *ex = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_slot *slot = ci ? ci->socket_context : NULL;

	(void)req_cls;
	(void)toe;
	pthread_mutex_lock(&ex->lock);
	if (slot && slot->used && slot->deadline)
		slot->deadline = mono_secs() + REQUEST_DEADLINE_S;
	pthread_mutex_unlock(&ex->lock);
}

/* Cut the connections past their deadline. shutdown() wakes the thread that
 * polls the socket, which then sees the end of the stream and closes it:
 * microhttpd's own code does the closing, in its own thread. */
static void sweep(struct exporter *ex)
{
	double now = mono_secs();

	pthread_mutex_lock(&ex->lock);
	for (int i = 0; i < CONN_LIMIT; i++) {
		struct conn_slot *c = &ex->conns[i];

		if (c->used && c->deadline && now >= c->deadline) {
			p_debug("closing a connection whose request took over %d s",
				REQUEST_DEADLINE_S);
			shutdown(c->fd, SHUT_RDWR);
			c->deadline = 0;
		}
	}
	pthread_mutex_unlock(&ex->lock);
}

/* ---- listening ---------------------------------------------------------- */

/* "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6, optionally ADDR%IFACE). Only
 * literal addresses: a name could resolve to more than one, or to a
 * non-loopback address nobody meant to expose. Port 0 picks a free one. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	const char *start = s, *end, *port;
	unsigned long p = 0;
	bool v6 = s[0] == '[';
	size_t hlen;

	if (v6) {
		start = s + 1;
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -1;
		port = end + 2;
	} else {
		end = strrchr(s, ':');
		if (!end)
			return -1;
		port = end + 1;
	}
	hlen = end - start;
	if (!hlen || hlen >= sizeof(host) || !*port || strlen(port) > 5)
		return -1;
	memcpy(host, start, hlen);
	host[hlen] = '\0';
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		p = p * 10 + (*c - '0');
	}
	if (p > 65535)
		return -1;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		char *pct = strchr(host, '%');

		if (pct) {
			*pct++ = '\0';
			sin6->sin6_scope_id = if_nametoindex(pct);
			if (!sin6->sin6_scope_id)
				return -1;
		}
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*sslen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*sslen = sizeof(*sin);
	}
	return 0;
}

/* The listening socket is ours rather than microhttpd's, so that a port in
 * use is reported as such (microhttpd would only say it could not start). */
static int listen_on(const struct sockaddr_storage *ss, socklen_t sslen, const char *what,
		     int *fdp)
{
	int one = 1, fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return p_err("cannot listen on %s: %s", what, strerror(errno));
	/* A restart may bind while old connections linger in TIME_WAIT; this
	 * never lets two listeners share the port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: serve exactly the address that was asked for. */
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, sslen) || listen(fd, 64)) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			return p_err("cannot listen on %s: address already in use "
				     "(another exporter or program has that port)", what);
		return p_err("cannot listen on %s: %s", what, strerror(e));
	}
	*fdp = fd;
	return 0;
}

/* The URL to print, with the port the kernel picked if it was 0. */
static void url_of(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen)) {
		snprintf(buf, len, "(unknown address)");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "http://[%s]:%u/metrics", a, ntohs(sin6->sin6_port));
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "http://%s:%u/metrics", a, ntohs(sin->sin_port));
	}
}

static int print_once(struct exporter *ex)
{
	char why[256];
	size_t len;
	char *buf = render(ex, &len, why, sizeof(why));

	if (!buf)
		return p_err("%s", why);
	fwrite(buf, 1, len, stdout);
	free(buf);
	if (fflush(stdout))
		return p_err("cannot write the metrics: %s", strerror(errno));
	return 0;
}

static int serve(struct exporter *ex, int fd)
{
	struct MHD_Daemon *d;
	sigset_t stop, old;
	char url[128];
	int sig;

	/* SIGINT/SIGTERM are blocked before microhttpd starts its threads, so
	 * they inherit the mask and only sigwait() below ever takes them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	signal(SIGPIPE, SIG_IGN);	/* a client that hangs up must not kill us */

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			     MHD_USE_ERROR_LOG,
			     0, NULL, NULL, handle, ex,
			     /* first, or early messages go to microhttpd's own logger */
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)POOL_THREADS,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
			     MHD_OPTION_NOTIFY_CONNECTION, conn_notify, ex,
			     MHD_OPTION_NOTIFY_COMPLETED, request_done, ex,
			     MHD_OPTION_END);
	if (!d) {
		close(fd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return p_err("cannot start the HTTP server (run with -v for details)");
	}
	url_of(fd, url, sizeof(url));
	p_info("serving metrics on %s", url);
	fflush(stdout);

	/* Once a second, between signals: cut requests past their deadline. */
	for (;;) {
		const struct timespec tick = { .tv_sec = 1 };

		sig = sigtimedwait(&stop, NULL, &tick);
		if (sig > 0)
			break;
		sweep(ex);
	}
	p_debug("signal %d: stopping", sig);
	MHD_stop_daemon(d);	/* closes fd; waits for requests in flight */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static int do_exporter(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct exporter_opts *o = optp;
	struct exporter ex = { .ctx = ctx, .top = o->top ? o->top : PG_EXPORTER_TOP,
			       .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *where = o->listen ? o->listen : PG_EXPORTER_LISTEN;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int err, fd = -1;

	(void)argc;
	(void)argv;
	if (o->top > PG_EXPORTER_TOP_MAX)
		return p_usage("exporter: --top %lu is too large (at most %d)", o->top,
			       PG_EXPORTER_TOP_MAX);
	if (o->once && out_json)
		return p_usage("exporter: --once prints the Prometheus text format; leave out -j");
	if (parse_listen(where, &ss, &sslen))
		return p_usage("exporter: invalid --listen '%s' (use ADDR:PORT or [ADDR6]:PORT "
			       "with a literal address, e.g. 127.0.0.1:9435 or [::1]:9435)", where);

	err = pins_open(ctx, false);
	if (err)
		return err;
	/* The maps stay open; the lock is only needed while opening them. A
	 * long-running reader must not hold off the commands that change them. */
	flock(ctx->lock_fd, LOCK_UN);

	if (o->once)
		return print_once(&ex);
	err = listen_on(&ss, sslen, where, &fd);
	if (err)
		return err;
	return serve(&ex, fd);
}

static const struct pg_opt exporter_opts[] = {
	OPT("listen", 'l', OPT_STR, struct exporter_opts, listen, "ADDR:PORT",
	    "address to serve on: IPv4 ADDR:PORT or [IPv6]:PORT (default " PG_EXPORTER_LISTEN
	    "; port 0 picks one)"),
	OPT("top", 0, OPT_UINT, struct exporter_opts, top, "N",
	    "export the N busiest remote addresses (default 10, at most 100)"),
	OPT("once", 0, OPT_FLAG, struct exporter_opts, once, NULL,
	    "print the metrics to stdout and exit"),
	{},
};

const struct pg_cmd pg_cmd_exporter = {
	.name = "exporter", .help = "serve Prometheus metrics over HTTP at /metrics",
	.run = do_exporter, PG_CMD_OPTS(exporter_opts, struct exporter_opts),
};
