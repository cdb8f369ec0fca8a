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
ARCH    := $(shell uname -m)
ARCH_INC := -I/usr/include/$(ARCH)-linux-gnu
BPF_ARCH := $(subst x86_64,x86,$(subst aarch64,arm64,$(ARCH)))

CFLAGS  ?= -O2 -g
LDFLAGS ?=
WARN    := -Wall -Wextra -Werror
CPPFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -Iheaders -Iuser -I$(BUILD)
DEPFLAGS = -MMD -MP
LDLIBS  := -lxdp -lbpf -luring -lpcap -lelf -lz -lpthread
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
.PHONY: all test demo bench install install-files clean deps unit-tests fuzz

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# Test fixtures in BPF (tc programs that inject loss): objects, no skeleton.
TBPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TBPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(TBPF_SRCS))

# The program's layers, lowest first; a layer includes only those before it
# (tests/layers.sh checks).  The offline pipeline is every layer below live/.
LAYERS    := lib parse out tcp live cmd
OFFLINE_LAYERS := lib parse out tcp
layer_srcs = $(foreach l,$(1),$(wildcard user/$(l)/*.c))

USER_SRCS := $(call layer_srcs,$(LAYERS))
LIB_SRCS  := $(filter-out user/cmd/main.c,$(USER_SRCS))
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS := $(patsubst user/%.c,$(BUILD)/asan/obj/%.o,$(LIB_SRCS))
FUZZ_LIB_SRCS := $(call layer_srcs,$(OFFLINE_LAYERS))
# Tests and tools link against archives, so each pulls in only the modules
# it uses.
LIB     := $(BUILD)/libflowsplice.a
ASAN_LIB := $(BUILD)/asan/libflowsplice.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(BPFT_SRCS))
# Tools: one file tools/NAME.c, or a folder tools/NAME/ with a main.c.
# tools/lib/ is what tools and tests share (frame builder, stream content).
TOOL_SRCS := $(wildcard tools/*.c)
MTOOLS    := $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS)) \
	     $(patsubst %,$(BUILD)/tools/%,$(MTOOLS))
TLIB_SRCS := $(wildcard tools/lib/*.c)
TLIB      := $(BUILD)/libtools.a
ASAN_TLIB := $(BUILD)/asan/libtools.a
TOOL_INC  := -Itools/lib
SHIM_SRCS := $(wildcard tests/shim/*.c)
SHIM_LIBS := $(patsubst tests/shim/%.c,$(BUILD)/tests/%.so,$(SHIM_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

all: $(BPF_OBJS) $(BUILD)/flowsplice $(TOOL_BINS)

BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(ARCH_INC) \
	     -Iheaders $(WARN)

$(BUILD)/%.bpf.o: bpf/%.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/%.bpf.o: tests/bpf/%.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/obj/%.o: user/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/asan/obj/%.o: user/%.c | $(BUILD)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -O1 -g $(SAN) $(WARN) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN_LIB): $(ASAN_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Only the modules that embed the classifier need its skeleton.
$(BUILD)/obj/live/xdp_prog.o $(BUILD)/asan/obj/live/xdp_prog.o: $(SKELS)
$(BUILD)/tools/obj/filtertest/xrun.o: $(SKELS)

$(BUILD)/flowsplice: $(BUILD)/obj/cmd/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The same program under ASan/UBSan, for the shell tests (FS_ASAN=1).
$(BUILD)/asan/flowsplice: $(BUILD)/asan/obj/cmd/main.o $(ASAN_LIB)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) -O1 -g $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/obj/%.o: tools/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TOOL_INC) $(CFLAGS) $(WARN) $(DEPFLAGS) \
		-c $< -o $@

$(BUILD)/asan/tools/obj/%.o: tools/%.c | $(BUILD)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TOOL_INC) -O1 -g $(SAN) $(WARN) \
		$(DEPFLAGS) -c $< -o $@

$(TLIB): $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(TLIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN_TLIB): $(patsubst tools/%.c,$(BUILD)/asan/tools/obj/%.o,$(TLIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

TEST_INC := -Itests/unit $(TOOL_INC)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(TLIB) | $(BUILD)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TEST_INC) $(CFLAGS) $(WARN) $(DEPFLAGS) \
		$(LDFLAGS) -o $@ $< $(LIB) $(TLIB) $(LDLIBS)

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_LIB) $(ASAN_TLIB) | $(BUILD)
	$(call msg,TEST-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TEST_INC) -O1 -g $(SAN) $(WARN) \
		$(DEPFLAGS) $(LDFLAGS) -o $@ $< $(ASAN_LIB) $(ASAN_TLIB) \
		$(LDLIBS)

# The classifier's tests: the skeleton, and the classifier as attached.
$(BUILD)/tests/%: tests/bpf/%.c $(SKELS) $(LIB) $(TLIB)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TEST_INC) $(CFLAGS) $(WARN) $(DEPFLAGS) \
		$(LDFLAGS) -o $@ $< $(LIB) $(TLIB) $(LDLIBS)

$(BUILD)/tools/%: tools/%.c $(LIB) $(TLIB)
	$(call msg,TOOL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(TOOL_INC) $(CFLAGS) $(WARN) $(DEPFLAGS) \
		$(LDFLAGS) -o $@ $< $(LIB) $(TLIB) $(LDLIBS)

# A tool in a folder: every .c there.
define multi_tool
$(BUILD)/tools/$(1): $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(wildcard tools/$(1)/*.c)) $(LIB) $(TLIB)
	$$(call msg,LINK,$$@)
	$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach t,$(MTOOLS),$(eval $(call multi_tool,$(t))))

# Fault injection for the CLI tests (LD_PRELOAD).
$(BUILD)/tests/%.so: tests/shim/%.c | $(BUILD)
	$(call msg,SHIM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) $(DEPFLAGS) $(LDFLAGS) \
		-shared -fPIC -o $@ $< -ldl

# The offline pipeline, instrumented for libFuzzer as a whole.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard user/*/*.h headers/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer,address,undefined \
		$(WARN) $(LDFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

$(BUILD):
	$(Q)mkdir -p $@

unit-tests: $(UNIT_BINS) $(ASAN_BINS) $(BPFT_BINS) $(SHIM_LIBS) $(TBPF_OBJS) \
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

install: all install-files

# What a package holds (debian/rules calls this after building the two).
# The unit goes under $(UNITDIR) and the options under $(SYSCONFDIR).
UNITDIR    ?= /lib/systemd/system
SYSCONFDIR ?= /etc
install-files:
	install -D -m 0755 $(BUILD)/flowsplice $(DESTDIR)$(PREFIX)/sbin/flowsplice
	install -D -m 0644 $(BUILD)/classifier.bpf.o \
		$(DESTDIR)$(PREFIX)/lib/flowsplice/classifier.bpf.o
	install -D -m 0644 man/flowsplice.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flowsplice.8
	sed 's|/usr/sbin/flowsplice|$(PREFIX)/sbin/flowsplice|' \
		'systemd/flowsplice@.service' >'$(BUILD)/flowsplice@.service'
	install -D -m 0644 '$(BUILD)/flowsplice@.service' \
		'$(DESTDIR)$(UNITDIR)/flowsplice@.service'
	install -D -m 0644 systemd/flowsplice.default \
		$(DESTDIR)$(SYSCONFDIR)/default/flowsplice

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
