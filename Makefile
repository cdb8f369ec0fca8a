# SPDX-License-Identifier: GPL-2.0
#
# flowsplice: one Makefile, pattern rules, quiet unless V=1.
#
#   make            build/flowsplice and build/classifier.bpf.o
#   make test       install missing packages, build, run every test
#   make demo       capture a TCP transfer on a veth/netns topology
#   make bench      benchmarks against the peer tools (tools/bench/)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool

BUILD   := build
ARCH_INC := -I/usr/include/$(shell uname -m)-linux-gnu

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror
CPPFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -Iheaders -Iuser -I$(BUILD)
LDLIBS  := -lxdp -lbpf -luring -lelf -lz -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all test demo bench install clean deps unit-tests fuzz

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

USER_SRCS := $(wildcard user/*.c)
USER_HDRS := $(wildcard user/*.h) $(wildcard headers/*.h)
LIB_SRCS  := $(filter-out user/main.c,$(USER_SRCS))
OBJS      := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(USER_SRCS))
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS := $(patsubst user/%.c,$(BUILD)/asan/obj/%.o,$(LIB_SRCS))
# Tests and tools link against archives, so each pulls in only the modules
# it uses.
LIB     := $(BUILD)/libflowsplice.a
ASAN_LIB := $(BUILD)/asan/libflowsplice.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(BPFT_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
SHIM_SRCS := $(wildcard tests/shim/*.c)
SHIM_LIBS := $(patsubst tests/shim/%.c,$(BUILD)/tests/%.so,$(SHIM_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

all: $(BPF_OBJS) $(BUILD)/flowsplice $(TOOL_BINS)

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard headers/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(ARCH_INC) \
		-Iheaders $(WARN) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/obj/%.o: user/%.c $(USER_HDRS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/asan/obj/%.o: user/%.c $(USER_HDRS) | $(BUILD)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -O1 -g $(SAN) $(WARN) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN_LIB): $(ASAN_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Only the module that embeds the classifier needs its skeleton.
$(BUILD)/obj/xdp_prog.o $(BUILD)/asan/obj/xdp_prog.o: $(SKELS)

$(BUILD)/flowsplice: $(BUILD)/obj/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The binary under ASan/UBSan, for the CLI and offline tests (FS_ASAN_BIN).
$(BUILD)/asan/flowsplice: $(BUILD)/asan/obj/main.o $(ASAN_LIB)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) -O1 -g $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/testlib.h
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS) $(WARN) -o $@ $< \
		$(LIB) $(LDLIBS)

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_LIB) tests/unit/testlib.h
	$(call msg,TEST-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests/unit -O1 -g $(SAN) $(WARN) -o $@ $< \
		$(ASAN_LIB) $(LDLIBS)

$(BUILD)/tests/test_classifier: tests/bpf/test_classifier.c $(SKELS) \
		$(LIB) tests/unit/testlib.h
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS) $(WARN) -o $@ $< \
		$(LIB) $(LDLIBS)

$(BUILD)/tools/%: tools/%.c $(LIB)
	$(call msg,TOOL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(LIB) $(LDLIBS)

# Fault injection for the CLI tests (LD_PRELOAD).
$(BUILD)/tests/%.so: tests/shim/%.c | $(BUILD)
	$(call msg,SHIM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -shared -fPIC -o $@ $< -ldl

# The offline pipeline, instrumented for libFuzzer as a whole.
FUZZ_LIB_SRCS := $(filter-out user/xdp_prog.c user/xsk%.c user/capture%.c \
	user/worker%.c user/filter_cmd.c,$(LIB_SRCS))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(USER_HDRS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer,address,undefined \
		$(WARN) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

$(BUILD):
	$(Q)mkdir -p $@

unit-tests: $(UNIT_BINS) $(ASAN_BINS) $(BPFT_BINS) $(SHIM_LIBS) \
	$(BUILD)/asan/flowsplice

fuzz: $(FUZZ_BINS)

deps:
	$(Q)tools/install-deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests fuzz
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/bench/run.sh

install: all
	install -D -m 0755 $(BUILD)/flowsplice $(DESTDIR)$(PREFIX)/sbin/flowsplice
	install -D -m 0644 $(BUILD)/classifier.bpf.o \
		$(DESTDIR)$(PREFIX)/lib/flowsplice/classifier.bpf.o
	install -D -m 0644 man/flowsplice.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flowsplice.8

clean:
	rm -rf $(BUILD)
