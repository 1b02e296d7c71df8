// SPDX-License-Identifier: GPL-2.0
/*
 * --confirm and `pktgate confirm` (confirm.h). The files, per pin
 * directory (named by its bpffs device and inode, so that two pin sets
 * never share a record), in PG_CONFIRM_DIR:
 *   confirm-D-I.lock   flock'ed by every command that changes the
 *                      configuration, by confirm and by the timer: a
 *                      rollback never runs in the middle of a change;
 *   confirm-D-I        the record of the pending rollback: the timer's pid,
 *                      the deadline, the pin directory;
 *   confirm-D-I.rules  the configuration before the change (save --all).
 * The timer restores the rule set only while the record names it, so a
 * confirm that removed the record (under the lock) wins every race.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "confirm.h"
#include "ctx.h"
#include "opts.h"
#include "pins.h"
#include "out.h"
#include "rules.h"

/* Commands that change the configuration (config only with settings). */

struct record {
	pid_t pid;
	uint64_t deadline;	/* CLOCK_REALTIME, seconds */
	unsigned long seconds;
	char pin_path[PATH_MAX];
};

/* This command's hold on the lock, and the timer it started. */
static int lock_fd = -1;
static pid_t timer_pid;
static char base[PATH_MAX];	/* PG_CONFIRM_DIR/confirm-D-I */

static const char *confirm_dir(void)
{
	const char *d = getenv("PKTGATE_CONFIRM_DIR");

	return d && *d ? d : PG_CONFIRM_DIR;
}

/* base for the pin directory; false if it does not exist (yet). */
static bool base_of(struct pg_ctx *ctx)
{
	struct stat st;

	if (stat(ctx->pin_path, &st))
		return false;
	snprintf(base, sizeof(base), "%s/confirm-%llx-%llx", confirm_dir(),
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	return true;
}

static void path_of(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s%s", base, suffix);
}

static int lock_take(void)
{
	char p[PATH_MAX + 8];

	if (mkdir(confirm_dir(), 0700) && errno != EEXIST)
		return p_err("cannot create %s: %s", confirm_dir(), strerror(errno));
	path_of(p, sizeof(p), ".lock");
	lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX)) {
		int e = errno;

		if (lock_fd >= 0)
			close(lock_fd);
		lock_fd = -1;
		return p_err("cannot lock %s: %s", p, strerror(e));
	}
	return 0;
}

static void lock_drop(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* The pending record; false if none. A record whose timer is gone (killed
 * by hand) can never roll back: it is removed, with a warning. */
static bool record_read(struct record *r, bool reap)
{
	char p[PATH_MAX + 8];
	unsigned long long pid, deadline;
	FILE *f;
	bool ok;

	path_of(p, sizeof(p), "");
	f = fopen(p, "re");
	if (!f)
		return false;
	memset(r, 0, sizeof(*r));
	ok = fscanf(f, "%llu %llu %lu %4095s", &pid, &deadline, &r->seconds, r->pin_path) == 4;
	fclose(f);
	r->pid = pid;
	r->deadline = deadline;
	if (ok && (kill(r->pid, 0) == 0 || errno != ESRCH))
		return true;
	if (reap) {
		p_warn("the timer of a pending rollback (pid %d) is gone: that change stays; "
		       "its record was removed", r->pid);
		unlink(p);
		path_of(p, sizeof(p), ".rules");
		unlink(p);
	}
	return false;
}

static int record_write(const struct record *r)
{
	char p[PATH_MAX + 8], tmp[PATH_MAX + 16];
	FILE *f;
	int err;

	path_of(p, sizeof(p), "");
	path_of(tmp, sizeof(tmp), ".new");
	f = fopen(tmp, "we");
	if (!f)
		return p_err("cannot write %s: %s", tmp, strerror(errno));
	fprintf(f, "%d %llu %lu %s\n", r->pid, (unsigned long long)r->deadline, r->seconds,
		r->pin_path);
	err = fflush(f) || fsync(fileno(f));
	fclose(f);
	if (err || rename(tmp, p))
		return p_err("cannot write %s: %s", p, strerror(errno));
	return 0;
}

static void record_remove(void)
{
	char p[PATH_MAX + 8];

	path_of(p, sizeof(p), "");
	unlink(p);
	path_of(p, sizeof(p), ".rules");
	unlink(p);
}

static uint64_t real_secs(void)
{
	return (uint64_t)time(NULL);
}

static void fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = t;

	strftime(buf, len, "%H:%M:%S", localtime(&tt));
}

/* Run one command line in a context of its own, its output unwanted. */
static int run_quiet(struct pg_ctx *ctx, int argc, char **argv)
{
	struct pg_ctx sub = *ctx;
	int rc;

	sub.lock_fd = -1;
	sub.collect = NULL;
	sub.check_only = false;
	memset(&sub.maps, 0, sizeof(sub.maps));
	out_mute(true);
	rc = pg_run(&sub, argc, argv);
	out_mute(false);
	pins_close(&sub);
	return rc;
}

/* The timer: detached from the CLI (its own session, no descriptor of
 * the CLI's, so neither a kill of the CLI nor a closed terminal or pipe
 * touches it), it sleeps until the deadline, then restores the saved
 * rule set if the record still names it. */
static void timer_main(struct pg_ctx *ctx, uint64_t sleep_ns)
{
	char rules[PATH_MAX + 8],
	     *argv[] = { "restore", "--allow-empty", "--detach-others", rules, NULL };
	uint64_t until = mono_now_ns() + sleep_ns;
	/* In the namespace the change was made from: the saved rule set names
	 * its interfaces from there. */
	struct pg_ctx r = { .pin_path = ctx->pin_path, .netns = ctx->netns, .lock_fd = -1,
			    .force = true };
	struct record rec;
	int fd = open("/dev/null", O_RDWR), rc = 0;

	setsid();
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	syscall(SYS_close_range, 3, ~0U, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	for (uint64_t now; (now = mono_now_ns()) < until;) {
		struct timespec ts = { .tv_sec = (until - now) / PG_NSEC_PER_SEC,
				       .tv_nsec = (until - now) % PG_NSEC_PER_SEC };

		nanosleep(&ts, NULL);
	}
	lock_fd = -1;
	if (lock_take())
		_exit(1);
	if (record_read(&rec, false) && rec.pid == getpid()) {
		path_of(rules, sizeof(rules), ".rules");
		out_init(false, 0);
		rc = run_quiet(&r, 4, argv);
		record_remove();
	}
	_exit(rc ? 1 : 0);
}

static bool is_mutating(const struct pg_cmd *c, int nargs)
{
	return c->changes == PG_CHANGES_ALWAYS || (c->changes == PG_CHANGES_WITH_ARGS && nargs > 0);
}

int confirm_begin(struct pg_ctx *ctx, const struct pg_cmd *c, const char *path, int nargs)
{
	char rules[PATH_MAX + 8], tmp[PATH_MAX + 32];
	char *argv[] = { "save", "--all", tmp, NULL };
	struct record rec;
	pid_t pid;
	int err;

	timer_pid = 0;
	if (!is_mutating(c, nargs)) {
		if (ctx->confirm)
			return p_usage("--confirm: %s changes nothing to confirm", path);
		return 0;
	}
	if (ctx->confirm > PG_CONFIRM_MAX_SEC)
		return p_usage("--confirm %lu: at most %d seconds", ctx->confirm,
			       PG_CONFIRM_MAX_SEC);
	if (!base_of(ctx)) {
		if (!ctx->confirm)
			return 0;	/* no pins: nothing can be pending */
		/* The save below makes the pin directory; its name is the key. */
		snprintf(tmp, sizeof(tmp), "%s/confirm-new-%d.rules", confirm_dir(), getpid());
		if (mkdir(confirm_dir(), 0700) && errno != EEXIST)
			return p_err("cannot create %s: %s", confirm_dir(), strerror(errno));
		err = run_quiet(ctx, 3, argv);
		unlink(tmp);
		if (err)
			return err;
		if (!base_of(ctx))
			return p_err("cannot find the pin directory %s: %s", ctx->pin_path,
				     strerror(errno));
	}
	err = lock_take();
	if (err)
		return err;
	if (record_read(&rec, true)) {
		char at[16];

		fmt_time(rec.deadline, at, sizeof(at));
		lock_drop();
		return p_err("a change made with --confirm is waiting: it is rolled back at %s "
			     "(in %llds) unless 'pktgate confirm' runs first; nothing was changed",
			     at, (long long)(rec.deadline - real_secs()));
	}
	if (!ctx->confirm)
		return 0;
	/* The state to go back to, complete before anything changes. */
	path_of(rules, sizeof(rules), ".rules");
	snprintf(tmp, sizeof(tmp), "%s", rules);
	err = run_quiet(ctx, 3, argv);
	if (err) {
		lock_drop();
		return p_err("cannot save the configuration for --confirm; nothing was changed");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		lock_drop();
		return p_err("cannot start the rollback timer: %s", strerror(errno));
	}
	if (!pid)
		timer_main(ctx, (uint64_t)ctx->confirm * PG_NSEC_PER_SEC);
	timer_pid = pid;
	rec = (struct record){ .pid = pid, .deadline = real_secs() + ctx->confirm,
			       .seconds = ctx->confirm };
	snprintf(rec.pin_path, sizeof(rec.pin_path), "%s", ctx->pin_path);
	err = record_write(&rec);
	if (err) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		timer_pid = 0;
		record_remove();
		lock_drop();
	}
	return err;
}

int confirm_end(struct pg_ctx *ctx, int rc)
{
	if (timer_pid && rc) {
		/* It changed nothing: nothing to roll back. */
		kill(timer_pid, SIGKILL);
		waitpid(timer_pid, NULL, 0);
		record_remove();
	} else if (timer_pid) {
		char at[16];

		fmt_time(real_secs() + ctx->confirm, at, sizeof(at));
		p_info("pktgate: rolled back at %s (in %lus) unless 'pktgate confirm' runs first",
		       at, ctx->confirm);
		/* Tests: a CLI that stays after the change (its maps closed,
		 * the confirm lock held), to be killed with -9. */
		if (getenv("PKTGATE_TEST_STALL_AFTER_CHANGE")) {
			pins_close(ctx);
			pause();
		}
	}
	timer_pid = 0;
	lock_drop();
	return rc;
}

static int do_confirm(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct record rec;
	int64_t left;
	int err;

	(void)optp;
	(void)argc;
	(void)argv;
	if (!base_of(ctx))
		return p_err("no change is waiting for confirmation");
	err = lock_take();
	if (err)
		return err;
	if (!record_read(&rec, true)) {
		lock_drop();
		return p_err("no change is waiting for confirmation");
	}
	/* Under the lock: the timer has not begun its restore, and once the
	 * record is gone it never will. */
	kill(rec.pid, SIGTERM);
	record_remove();
	lock_drop();
	left = (int64_t)(rec.deadline - real_secs());
	out_obj_open(NULL);
	out_bool("confirmed", "confirmed: the change stays", true);
	out_i64("seconds_left", " (%llds before its rollback)\n", left);
	out_obj_close();
	return 0;
}

void confirm_status(struct pg_ctx *ctx)
{
	struct record rec;

	if (!base_of(ctx) || !record_read(&rec, false)) {
		out_null("confirm", "pending rollback: %s\n", "none");
		return;
	}
	{
		char at[16];

		fmt_time(rec.deadline, at, sizeof(at));
		out_obj_open("confirm");
		out_u64("deadline", NULL, rec.deadline);
		out_str(NULL, "pending rollback: at %s", at);
		out_i64("seconds_left", " (in %llds)", (int64_t)(rec.deadline - real_secs()));
		out_u64("timer_pid", ", timer pid %llu", rec.pid);
		out_text("; 'pktgate confirm' keeps the change\n");
		out_obj_close();
	}
}

const struct pg_cmd pg_cmd_confirm = {
	.name = "confirm", .help = "keep the change made with --confirm (cancel its rollback)",
	.run = do_confirm,
};
