# SPDX-License-Identifier: GPL-2.0
# pktgate: XDP/TC firewall. `make` builds, `make test` runs the suite,
# `make demo` runs the lab demo. Out-of-tree build in $(O); V=1 for commands.

O ?= build
PREFIX ?= /usr/local

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKGS := libbpf libxdp libmnl libelf libmicrohttpd

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Imaps -Ixdp -idirafter /usr/include/$(MULTIARCH) -MMD -MP
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Imaps -Ictl -I$(O) -MMD -MP \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lxdp -lmnl -lelf -lmicrohttpd) -lz

# SANITIZE=1: every user-space object and binary with ASan and UBSan, a
# report fatal (make check-sanitize builds so into $(SAN_O)).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
SAN_O ?= build-san

BPF_SRCS := xdp/pktgate_xdp.bpf.c tc/pktgate_tc.bpf.c
BPF_OBJS := $(patsubst %.bpf.c,$(O)/%.bpf.o,$(BPF_SRCS))
SKELS := $(O)/pktgate_xdp.skel.h $(O)/pktgate_tc.skel.h
# The skeletons are made before any C object (order-only), but only an
# object that includes one is remade when they change: its -MMD file says
# so. A datapath edit then rebuilds the few skeleton users, not every object.

CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(patsubst %.c,$(O)/%.o,$(CTL_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(O)/tests/test_datapath
TEST_BPF := $(O)/tests/bpf/foreign.bpf.o

# pgbench, the benchmark tool (bench/): C sources, and one BPF object
# embedded as a skeleton like pktgate's own.
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_OBJS := $(patsubst %.c,$(O)/%.o,$(BENCH_SRCS))
BENCH_SKEL := $(O)/bench/bench.skel.h
BENCH_BIN := $(O)/bench/pgbench

# libFuzzer harnesses of the two file parsers (tests/fuzz/), built with
# clang: the CLI's sources are compiled again, instrumented. The rule set
# harness runs the commands' parsers (main.c's pg_run), so it links the
# whole CLI, main() renamed out of the way of libFuzzer's.
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Imaps -Ictl -I$(O) -MMD -MP \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_BINS := $(O)/fuzz/fuzz_listfile $(O)/fuzz/fuzz_ruleset
FUZZ_CTL_OBJS := $(patsubst %.c,$(O)/fuzz/%.o,$(CTL_SRCS))

.DELETE_ON_ERROR:
.PHONY: all deps test-deps test demo clean install uninstall unit bench bench-deps \
	check-sanitize fuzz

all: $(O)/pktgate

deps:
	$(Q)scripts/install-deps.sh --build

test-deps:
	$(Q)scripts/install-deps.sh --test

$(O)/%.bpf.o: %.bpf.c Makefile
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Skeletons embed the BPF objects in the binary: nothing to install beside it.
$(O)/pktgate_xdp.skel.h: $(O)/xdp/pktgate_xdp.bpf.o
$(O)/pktgate_tc.skel.h: $(O)/tc/pktgate_tc.bpf.o
$(SKELS):
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $(basename $(basename $@)))_bpf > $@

$(O)/ctl/%.o: ctl/%.c Makefile | $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(O)/pktgate: $(CTL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(O)/tests/%.o: tests/unit/%.c Makefile | $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(UNIT_BIN): $(patsubst tests/unit/%.c,$(O)/tests/%.o,$(UNIT_SRCS)) $(O)/ctl/tables.o \
		$(O)/ctl/compile.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Blocklist file parser tests: plain C, they run without BPF.
$(O)/tests/test_listfile: tests/listfile/test_listfile.c $(O)/ctl/listfile.o $(O)/ctl/cidr.o Makefile
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -o $@

# The compiled tier's builder against a reference matcher: plain C too.
$(O)/tests/test_compile: tests/compile/test_compile.c $(O)/ctl/compile.o Makefile
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -o $@

# Prefix and duration parsing (ctl/cidr.c): plain C.
$(O)/tests/test_cidr: tests/cidr/test_cidr.c $(O)/ctl/cidr.o Makefile
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -o $@

# The option parser (ctl/opts.c), its messages and help: plain C.
$(O)/tests/test_opts: tests/opts/test_opts.c $(O)/ctl/opts.o $(O)/ctl/out.o $(O)/ctl/cidr.o \
		$(O)/ctl/jsonpretty.o Makefile
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -o $@

# The entry set of bulk changes (ctl/bulkset.c): sort and merge, no maps.
$(O)/tests/test_bulk: tests/bulk/test_bulk.c $(O)/ctl/bulkset.o $(O)/ctl/tables.o \
		$(O)/ctl/compile.o Makefile
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -o $@ $(LDLIBS)

unit: $(UNIT_BIN) $(TEST_BPF) $(O)/tests/test_listfile $(O)/tests/test_compile \
	$(O)/tests/test_cidr $(O)/tests/test_opts $(O)/tests/test_bulk

$(O)/fuzz/%.o: tests/fuzz/%.c Makefile
	$(call msg,CC-FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(O)/fuzz/ctl/main.o: FUZZ_CFLAGS += -Dmain=pktgate_main
$(O)/fuzz/ctl/%.o: ctl/%.c Makefile | $(SKELS)
	$(call msg,CC-FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(O)/fuzz/fuzz_listfile: $(O)/fuzz/fuzz_listfile.o $(O)/fuzz/ctl/listfile.o $(O)/fuzz/ctl/cidr.o
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_LDFLAGS) $^ -o $@

$(O)/fuzz/fuzz_ruleset: $(O)/fuzz/fuzz_ruleset.o $(FUZZ_CTL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_LDFLAGS) $^ -o $@ $(LDLIBS)

fuzz: $(FUZZ_BINS)

# The CLI and the C unit tests built with ASan and UBSan into $(SAN_O), run
# over the unit, CLI, list and rule set tests. Any sanitizer report fails
# it: reports exit 99 (apart from pktgate's own codes) and are also written
# to files, so a report from a command whose status a test ignores counts.
# The datapath's at-scale cross-check runs with 50k entries there (1M in
# the plain run): the sanitizers slow its reference matcher tenfold.
SAN_TESTS ?= unit test_cli test_lists test_ruleset test_limit_commands
check-sanitize:
	$(Q)$(MAKE) --no-print-directory O=$(SAN_O) SANITIZE=1 all unit
	$(Q)rm -rf $(SAN_O)/reports && mkdir -p -m 1777 $(SAN_O)/reports
	$(Q)ok=1; \
	PKTGATE_BUILD=$(SAN_O) PKTGATE_SANITIZE_INNER=1 PKTGATE_SCALE=50000 \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=99:log_path=$(abspath $(SAN_O))/reports/asan \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99:log_path=$(abspath $(SAN_O))/reports/ubsan \
		tests/run.sh $(SAN_TESTS) || ok=0; \
	for r in $(SAN_O)/reports/*; do [ -e "$$r" ] || continue; ok=0; \
		echo "sanitizer report $$r:"; cat "$$r"; done; \
	[ $$ok = 1 ] && echo "check-sanitize: no sanitizer report"

$(BENCH_SKEL): $(O)/bench/bench.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_bpf > $@

# A static pattern: bench/bench.bpf.c must not match it.
$(BENCH_OBJS): $(O)/bench/%.o: bench/%.c Makefile | $(SKELS) $(BENCH_SKEL)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Ibench -I$(O)/bench -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(O)/ctl/tables.o $(O)/ctl/compile.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

bench-deps:
	$(Q)scripts/install-deps.sh --bench

# Full benchmark (about 10-15 minutes); results in $(O)/bench-results/.
bench: bench-deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(Q)bench/run.sh

# The whole suite; installs what is missing first.
test: test-deps
	$(Q)$(MAKE) --no-print-directory all unit $(BENCH_BIN)
	$(Q)PKTGATE_BUILD=$(abspath $(O)) tests/run.sh

demo: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)netns-lab/demo.sh

# The binary is all pktgate needs at run time; man page and completion beside.
SBINDIR ?= $(PREFIX)/sbin
MAN8DIR ?= $(PREFIX)/share/man/man8
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALLED = $(DESTDIR)$(UNITDIR)/pktgate.service \
	$(DESTDIR)$(SBINDIR)/pktgate $(DESTDIR)$(MAN8DIR)/pktgate.8 \
	$(DESTDIR)$(BASHCOMPDIR)/pktgate

install: $(O)/pktgate doc/pktgate.8 completion/pktgate.bash systemd/pktgate.service.in
	install -D -m 0755 $(O)/pktgate $(DESTDIR)$(SBINDIR)/pktgate
	install -D -m 0644 doc/pktgate.8 $(DESTDIR)$(MAN8DIR)/pktgate.8
	install -D -m 0644 completion/pktgate.bash $(DESTDIR)$(BASHCOMPDIR)/pktgate
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/pktgate.service.in >$(DESTDIR)$(UNITDIR)/pktgate.service

uninstall:
	rm -f $(INSTALLED)

clean:
	rm -rf $(O) $(SAN_O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
