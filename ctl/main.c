// SPDX-License-Identifier: GPL-2.0
/*
 * pktgate: command-line control of the pktgate XDP/TC firewall.
 * Global options, the command tables and dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "confirm.h"
#include "ctx.h"
#include "jsonpretty.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "version.h"

struct global_opts {
	const char *pin_path;
	const char *netns;
	bool json;
	bool pretty;
	bool verbose;
	bool help;
	bool version;
	unsigned long capacity;
	bool force;
	unsigned long confirm;
};

static const struct pg_opt global_opts[] = {
	OPT("pin-path", 0, OPT_STR, struct global_opts, pin_path, "DIR",
	    "pin directory on a bpffs (default " PG_DEFAULT_PIN_PATH ", or $PKTGATE_PIN_PATH)"),
	OPT("netns", 'n', OPT_STR, struct global_opts, netns, "NAME",
	    "run in network namespace NAME (like ip -n; pinned maps stay visible)"),
	OPT("json", 'j', OPT_FLAG, struct global_opts, json, NULL,
	    "JSON output; errors as {\"error\": ...}"),
	OPT("pretty", 'p', OPT_FLAG, struct global_opts, pretty, NULL,
	    "JSON output, indented for reading (implies --json)"),
	OPT("verbose", 'v', OPT_FLAG, struct global_opts, verbose, NULL,
	    "show libbpf/libxdp messages"),
	OPT("capacity", 0, OPT_UINT, struct global_opts, capacity, "N",
	    "entries per list table, for the tables built from now on: when the maps are "
	    "first created and by load, flush and restore (default 1048576)"),
	OPT("force", 0, OPT_FLAG, struct global_opts, force, NULL,
	    "apply a change even if it would cut off the SSH session pktgate runs from "
	    "($SSH_CONNECTION)"),
	OPT("confirm", 0, OPT_UINT, struct global_opts, confirm, "SECONDS",
	    "with a command that changes the configuration: undo it after SECONDS unless "
	    "'pktgate confirm' runs first"),
	OPT("help", 'h', OPT_FLAG, struct global_opts, help, NULL, "show this help"),
	OPT("version", 'V', OPT_FLAG, struct global_opts, version, NULL, "show the version"),
	{},
};

/* Every command: one line each, and each pg_cmd_NAME is defined beside its
 * command. Order matters for prefixes: the first match wins (d = deny, a =
 * allow; "s" is stats, "l" load). A new command goes at the end, so that
 * no abbreviation that works today picks something else. */
#define PG_COMMANDS(X)	\
	X(deny)		\
	X(allow)	\
	X(attach)	\
	X(detach)	\
	X(status)	\
	X(stats)	\
	X(top)		\
	X(flush)	\
	X(events)	\
	X(config)	\
	X(exporter)	\
	X(save)		\
	X(restore)	\
	X(load)		\
	X(lists)	\
	X(protect)	\
	X(limit)	\
	X(confirm)	\
	X(help)

/* help runs no function: the dispatcher prints the usage. */
const struct pg_cmd pg_cmd_help = { .name = "help", .help = "show this help" };

#define DECLARE(name) extern const struct pg_cmd pg_cmd_##name;
PG_COMMANDS(DECLARE)
#define ENTRY(name) &pg_cmd_##name,
static const struct pg_cmd *const commands[] = { PG_COMMANDS(ENTRY) NULL };

static void usage(FILE *f)
{
	/* "Global options:" starts the section the bash completion reads. */
	fprintf(f, "Usage: pktgate [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n\n"
		"Global options: before or after the command (after it, a command's own\n"
		"option of the same letter wins, as -n of top)\n");
	opts_help(f, global_opts);
	fprintf(f, "\nCommands (unambiguous prefixes work, e.g. 'pktgate d a 192.0.2.1'):\n");
	for (const struct pg_cmd *const *c = commands; *c; c++)
		cmd_help(f, "pktgate", *c);
	fprintf(f, "\nExit status: 0 success, 1 runtime error, 2 usage error.\n");
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!out_verbose && level != LIBBPF_WARN)
		return 0;
	if (!out_verbose)
		return 0;	/* warnings too: pktgate says what failed itself */
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!out_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int enter_netns(struct pg_ctx *ctx)
{
	char path[256];
	struct stat st;
	int fd;

	if (ctx->netns) {
		if (!*ctx->netns || strchr(ctx->netns, '/'))
			return p_usage("invalid network namespace name '%s'", ctx->netns);
		snprintf(path, sizeof(path), "/run/netns/%s", ctx->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return p_err("no network namespace '%s' (%s: %s)", ctx->netns, path,
				     strerror(errno));
		/* Only the network namespace: the mount namespace, and so the
		 * pinned maps on bpffs, stay as they are (unlike ip netns exec). */
		if (setns(fd, CLONE_NEWNET)) {
			int e = errno;

			close(fd);
			return p_err("cannot enter network namespace '%s': %s", ctx->netns,
				     strerror(e));
		}
		close(fd);
	}
	if (stat("/proc/self/ns/net", &st) == 0)
		ctx->netns_ino = st.st_ino;
	return 0;
}

static int show_version(void)
{
	out_obj_open(NULL);
	out_str("version", "pktgate %s", PKTGATE_VERSION);
	out_u64("schema", " (maps schema v%llu)\n", PKTGATE_SCHEMA_VERSION);
	out_obj_close();
	return 0;
}

/* The global options take effect once all of them are read, wherever on
 * the line they were. */
static int apply_globals(struct pg_ctx *ctx, const struct global_opts *g)
{
	out_init(g->json || g->pretty, g->verbose);
	json_pretty = g->pretty;
	ctx->pin_path = g->pin_path ? g->pin_path : getenv("PKTGATE_PIN_PATH");
	if (!ctx->pin_path || !*ctx->pin_path)
		ctx->pin_path = PG_DEFAULT_PIN_PATH;
	ctx->netns = g->netns;
	ctx->capacity = g->capacity;
	ctx->force = g->force;
	ctx->confirm = g->confirm;
	if (g->capacity > (1UL << 30))
		return p_usage("--capacity %lu is too large (at most %lu)", g->capacity, 1UL << 30);
	return 0;
}

/* Run argv[0] of table. path is the command so far for help ("pktgate
 * deny"); messages name it without "pktgate", which the error printer
 * adds. g collects global options given after the command; NULL where they
 * are not accepted (the lines of a rule set: a line must not change the
 * pin path or the output of the restore that runs it). */
static int run_cmd(struct pg_ctx *ctx, const struct pg_cmd *const *table, const char *path,
		   int argc, char **argv, struct global_opts *g)
{
	const struct pg_cmd *c;
	char where[128];
	const char *ew = strchr(path, ' ') ? strchr(path, ' ') + 1 : "";
	void *optbuf = NULL;
	int npos, rc;

	/* Between a command and its subcommand too: pktgate deny -j list. */
	if (g && table != commands) {
		rc = opts_parse(ew, global_opts, g, NULL, NULL, argc, argv, &npos, true);
		if (rc)
			return rc;
		argc = npos;
	}
	if (argc < 1) {
		usage(stderr);
		return p_usage("%s%smissing command", ew, *ew ? ": " : "");
	}
	c = cmd_find(table, argv[0]);
	if (!c)
		return p_usage("%s%sunknown command '%s'", ew, *ew ? ": " : "", argv[0]);
	snprintf(where, sizeof(where), "%s %s", path, c->name);
	ew = strchr(where, ' ') + 1;
	/* The one place that holds commands to what they declare (restore's
	 * lines are checked for it before they run, in rsline.c, too). */
	if (!c->sub && ctx->in_ruleset && !c->restorable)
		return p_usage("%s: not a command a rule set may hold", ew);
	if (!c->sub && ctx->check_only && !c->check)
		return p_usage("%s: has no check mode", ew);
	if (c->sub) {
		if (table == commands)
			ctx->list_kind = c->list_kind;
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			cmd_help(stdout, path, c);
			return 0;
		}
		return run_cmd(ctx, c->sub, where, argc - 1, argv + 1, g);
	}
	if (!c->run) {
		usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cmd_help(stdout, path, c);
			return 0;
		}
	}
	if (c->opts_size && !(optbuf = calloc(1, c->opts_size)))
		return p_err("out of memory");
	rc = opts_parse(ew, c->opts, optbuf, g ? global_opts : NULL, g, argc - 1, argv + 1,
			&npos, false);
	if (!rc && g)
		rc = apply_globals(ctx, g);
	if (!rc && g && g->version) {
		rc = show_version();
		goto out;
	}
	if (!rc && npos < c->min_args)
		rc = p_usage("%s: missing %s", ew, c->args);
	if (!rc && c->max_args >= 0 && npos > c->max_args)
		rc = p_usage("%s: unexpected argument '%s'", ew, argv[1 + c->max_args]);
	if (!rc && !ctx->check_only)
		rc = check_privileges();
	if (!rc && !ctx->check_only)
		rc = enter_netns(ctx);
	/* The command line's own command, not the lines of a rule set. */
	if (!rc && g)
		rc = confirm_begin(ctx, c, where, npos);
	if (!rc) {
		ctx->command = c->name;
		rc = c->run(ctx, optbuf, npos, argv + 1);
	}
	if (g)
		rc = confirm_end(ctx, rc);
out:
	free(optbuf);
	return rc;
}

int pg_run(struct pg_ctx *ctx, int argc, char **argv)
{
	return run_cmd(ctx, commands, "pktgate", argc, argv, NULL);
}

/* Whether JSON was asked for anywhere on the line, for the errors found
 * before the options are all parsed. */
static bool json_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct global_opts g = {};
	struct pg_ctx ctx = { .lock_fd = -1 };
	int npos, rc;

	out_init(json_asked(argc, argv), 0);
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
	rc = opts_parse("", global_opts, &g, NULL, NULL, argc - 1, argv + 1, &npos, true);
	if (rc)
		return out_finish(rc);
	if (g.version || g.help || (npos > 0 && !strcmp(argv[1], "help"))) {
		rc = apply_globals(&ctx, &g);
		if (!rc && g.version)
			rc = show_version();
		else if (!rc)
			usage(stdout);
		return out_finish(rc);
	}
	rc = run_cmd(&ctx, commands, "pktgate", npos, argv + 1, &g);
	pins_close(&ctx);
	return out_finish(rc);
}
