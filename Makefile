# SPDX-License-Identifier: GPL-2.0
# pktgate: XDP/TC firewall. `make` builds, `make test` runs the suite,
# `make demo` runs the lab demo. Out-of-tree build in $(O); V=1 for commands.

O ?= build
PREFIX ?= /usr/local

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKGS := libbpf libxdp libmnl libelf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -target bpf -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Imaps -Ixdp -I/usr/include/$(MULTIARCH) -MMD -MP
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Imaps -Ictl -I$(O) -MMD -MP \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lxdp -lmnl -lelf) -lz

BPF_SRCS := xdp/pktgate_xdp.bpf.c tc/pktgate_tc.bpf.c
BPF_OBJS := $(patsubst %.bpf.c,$(O)/%.bpf.o,$(BPF_SRCS))
SKELS := $(O)/pktgate_xdp.skel.h $(O)/pktgate_tc.skel.h

CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(patsubst %.c,$(O)/%.o,$(CTL_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(O)/tests/test_datapath
TEST_BPF := $(O)/tests/bpf/foreign.bpf.o

.DELETE_ON_ERROR:
.PHONY: all deps test-deps test demo clean install uninstall unit

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

$(O)/ctl/%.o: ctl/%.c $(SKELS) Makefile
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(O)/pktgate: $(CTL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(O)/tests/%.o: tests/unit/%.c $(SKELS) Makefile
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(UNIT_BIN): $(patsubst tests/unit/%.c,$(O)/tests/%.o,$(UNIT_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

unit: $(UNIT_BIN) $(TEST_BPF)

# The whole suite; installs what is missing first.
test: test-deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)tests/run.sh

demo: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)netns-lab/demo.sh

install: $(O)/pktgate
	install -D -m 0755 $(O)/pktgate $(DESTDIR)$(PREFIX)/sbin/pktgate

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/pktgate

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
