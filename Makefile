# chatctl: `make`, `make check`, `make valgrind`, `make demo`, `make bench`, `make install`.
# `make check SANITIZE=1` builds with ASan+UBSan into build-san/ and runs the
# same suite against that binary.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
DESTDIR ?=

VERSION = 0.1.0
CC ?= cc
CFLAGS ?= -g -O2
PKGS = libwebsockets libssl libcrypto sqlite3

ifeq ($(SANITIZE),)
O = build
else
O = build-san
SANFLAGS = -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
# A sanitizer finding must never pass for one of chatctl's own exit codes.
export ASAN_OPTIONS = exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS = exitcode=86:halt_on_error=1:print_stacktrace=1
endif

JQ_PKG_VERSION := $(shell dpkg-query -W -f '$${Version}' libjq1 2>/dev/null | sed 's/-.*//')
ifeq ($(JQ_PKG_VERSION),)
JQ_PKG_VERSION = 1.6
endif

override CPPFLAGS += -D_GNU_SOURCE -DCHATCTL_VERSION='"$(VERSION)"' -DJQ_PKG_VERSION='"$(JQ_PKG_VERSION)"'
override CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override CFLAGS := -std=gnu11 -Wall -Wextra -Werror $(SANFLAGS) $(CFLAGS)
override LDFLAGS += $(SANFLAGS)
# libwebsockets (HTTP and WebSocket) and sqlite linked from their static
# archives (in the Debian -dev packages): the commands map only the code
# they run, not two more shared libraries (tests/bench/oneshot: isfriend
# 1.12x -> 1.02x the wall time of curl, send 1.27x -> 1.19x). No libcurl:
# loading it and the 25 libraries it needs (LDAP, Kerberos, GnuTLS, SSH,
# RTMP...) took 11 of curl's own 20 ms a request here; without it isfriend
# takes 0.48x and send 0.60x the wall time of curl.
# libcap too, which only libwebsockets uses: one shared library fewer to
# map and relocate (isfriend 21.05 -> 20.81 ms, 300 alternated runs).
# Without the archives, the shared libraries.
STATIC_A := $(foreach p,libwebsockets sqlite3 libcap,$(wildcard $(shell pkg-config --variable=libdir $(p) 2>/dev/null)/lib$(p:lib%=%).a))
ifeq ($(words $(STATIC_A)),3)
LDLIBS += -Wl,-Bstatic -lwebsockets -lsqlite3 -lcap -Wl,-Bdynamic -lz -lpthread \
    $(shell pkg-config --libs libssl libcrypto 2>/dev/null) -ljq -lonig -ldl -lm
else
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ljq -lonig -ldl -lm
endif

LIB_SRC := $(sort $(wildcard lib/*.c))
SRV_SRC := $(sort $(wildcard serve/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
SRV_OBJ := $(SRV_SRC:%.c=$(O)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(O)/%)
HDRS := $(wildcard lib/*.h cmd/*.h serve/*.h)

BIN = $(O)/chatctl

all: $(BIN) links man

# A missing library is one readable line, not a page of compiler errors.
$(O)/.deps-ok:
	@pkg-config --exists $(PKGS) && test -e /usr/include/jq.h || \
	  { echo "chatctl: missing build dependencies; run 'make deps' (as root) or:" >&2; \
	    sh tools/deps.sh --print build >&2; exit 1; }
	@mkdir -p $(O) && touch $@

$(O)/%.o: %.c $(HDRS) | $(O)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BIN): $(CMD_OBJ) $(SRV_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# chatctl-<command> links for tests and the multi-call dispatch.
links: $(BIN)
	@mkdir -p $(O)/bin
	@ln -sf ../chatctl $(O)/bin/chatctl
	@for c in $$($(BIN) --list-commands); do ln -sf ../chatctl $(O)/bin/chatctl-$$c; done

$(O)/tests/unit/%: tests/unit/%.c $(LIB_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# Small programs the tests drive (a raw WebSocket probe, a benchmark sink).
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:%.c=$(O)/%)
tools: $(TOOL_BIN)
$(O)/tests/tools/%: tests/tools/%.c $(LIB_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)
# serve's keep-alive is checked with the client everyone knows (a test
# dependency only: chatctl itself does not link libcurl).
$(O)/tests/tools/restbench: LDLIBS += -lcurl

# Benchmark programs, run by hand (build/tests/bench/mailbox-put); not
# part of make check.
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN := $(BENCH_SRC:%.c=$(O)/%)
bench-tools: $(BENCH_BIN)
$(O)/tests/bench/%: tests/bench/%.c $(LIB_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

MAN_SRC := $(sort $(wildcard docs/*.scd))
MAN_OUT := $(MAN_SRC:docs/%.scd=$(O)/man/%)
man: $(MAN_OUT)
# A page scdoc refuses stops the build; no half-written page is left behind.
# scdoc turns hyphenation off before .TH, which turns it back on: off again
# after it, and no line break after a "-" either (GNU troff), so that no
# option or page name is split, and unfindable, at a line end.
$(O)/man/%: docs/%.scd Makefile
	@command -v scdoc >/dev/null || \
	  { echo "chatctl: scdoc is missing (it builds the man pages); run 'make deps' or: apt-get install scdoc" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@echo "scdoc < $< > $@"
	@scdoc < $< > $@.tmp || { rm -f $@.tmp; echo "chatctl: scdoc failed on $<" >&2; exit 1; }
	@awk '{ print } /^\.TH / { print ".nh"; print ".if \\n(.g .cflags 0 -" }' $@.tmp > $@.nh && mv $@.nh $@ && rm -f $@.tmp

# Fuzz targets (tests/fuzz/<target>.c, libFuzzer under clang 14), built
# into build-fuzz/ with lib/ and serve/ recompiled for coverage, ASan and
# UBSan. `make fuzz` runs each for FUZZ_TIME seconds (FUZZ_ARGS adds
# libFuzzer options, e.g. -runs=1000000) and fails if any finds a crash,
# a leak, undefined behaviour or a hang; not part of make check.
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 60
FUZZ_ARGS ?=
FZ = build-fuzz
FUZZ_SRC := $(filter-out tests/fuzz/jq16.c,$(sort $(wildcard tests/fuzz/*.c)))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FZ)/%)
FUZZ_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all

# The objects each target links, and no more (jq16.o: libjq 1.6's leak on
# refused JSON kept out of the reports; see tests/fuzz/jq16.c).
# (json.o and frame.o: libjq reads only text the strict scanner passed.)
FUZZ_JSON = $(addprefix $(FZ)/lib/,json.o frame.o err.o)
$(FZ)/envelope: $(addprefix $(FZ)/lib/,api.o http.o loop.o proxy.o url.o backoff.o log.o err.o xalloc.o) $(FUZZ_JSON)
$(FZ)/url: $(addprefix $(FZ)/lib/,url.o log.o config.o cred.o proxy.o err.o xalloc.o) $(FUZZ_JSON)
$(FZ)/cred: $(addprefix $(FZ)/lib/,cred.o err.o xalloc.o) $(FUZZ_JSON)
$(FZ)/serve_params: $(FZ)/serve/params.o $(FZ)/lib/xalloc.o
$(FZ)/serve_dispatch: $(addprefix $(FZ)/serve/,routes.o request.o params.o store.o state.o crypto.o) \
    $(addprefix $(FZ)/lib/,err.o xalloc.o) $(FUZZ_JSON)
$(FZ)/token: $(FZ)/serve/crypto.o $(FZ)/lib/xalloc.o $(FUZZ_JSON)
$(FZ)/frame: $(addprefix $(FZ)/lib/,frame.o xalloc.o)
$(FZ)/jqpath: $(FZ)/lib/xalloc.o $(FUZZ_JSON)

$(FZ)/%.o: %.c $(HDRS) | $(O)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(FUZZ_BIN): $(FZ)/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FZ)/tests/fuzz/jq16.o
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(filter %.o,$^) $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz:
	@sh tools/deps.sh build fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FZ) $(FUZZ_TIME) "$(FUZZ_ARGS)" $(FUZZ_BIN:$(FZ)/%=%)

deps:
	@sh tools/deps.sh build check

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

BATS_FILES ?= $(sort $(wildcard tests/*.bats))
# No test may hang the suite: one that outlives this many seconds fails
# (the slowest takes about 15 s; sanitizer builds run some three times slower).
BATS_TEST_TIMEOUT ?= 120
bats: all tools
	BATS_TEST_TIMEOUT=$(BATS_TEST_TIMEOUT) CHATCTL=$(abspath $(BIN)) CHATCTL_BIN_DIR=$(abspath $(O)/bin) CHATCTL_TOOLS_DIR=$(abspath $(O)/tests/tools) bats $(BATS_FLAGS) $(BATS_FILES)

# lib/, serve/ and cmd/ share one binary: no prefix may be exported from
# two of them. The script checks itself first, so the check cannot rot.
check-names: $(LIB_OBJ) $(SRV_OBJ) $(CMD_OBJ)
	@sh tests/check-names.sh --self-test
	@sh tests/check-names.sh $^

test: all check-names unit bats

check:
	@sh tools/deps.sh build check
	@$(MAKE) --no-print-directory test
	@$(if $(SANITIZE),,$(MAKE) --no-print-directory valgrind)

# Every one-shot command, listen and serve under valgrind's memcheck
# (tests/valgrind.sh, some 20 s). make check runs it on the plain build:
# valgrind cannot run a sanitizer's binary.
valgrind: all
	@[ -z "$(SANITIZE)" ] || { echo "chatctl: valgrind cannot run a sanitizer build; drop SANITIZE" >&2; exit 1; }
	@command -v valgrind >/dev/null || \
	  { echo "chatctl: valgrind is missing; run 'make deps' (as root) or: apt-get install valgrind" >&2; exit 1; }
	CHATCTL=$(abspath $(BIN)) sh tests/valgrind.sh

demo:
	@sh tools/deps.sh build
	@$(MAKE) --no-print-directory all
	@CHATCTL=$(abspath $(BIN)) sh tools/demo.sh

bench:
	@sh tools/deps.sh build bench
	@$(MAKE) --no-print-directory all bench-tools
	@CHATCTL=$(abspath $(BIN)) sh tests/bench/run

INSTALL_DIRS = $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man7 $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR)

# The chatctl-<command> links come from the table (--list-commands). The
# completion files get the names each shell looks them up by.
install: all
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/chatctl
	@set -e; for c in $$($(BIN) --list-commands); do \
	  echo "ln -sf chatctl $(DESTDIR)$(BINDIR)/chatctl-$$c"; ln -sf chatctl $(DESTDIR)$(BINDIR)/chatctl-$$c; done
	install -m 0644 $(filter %.1,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(filter %.7,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 completions/chatctl.bash $(DESTDIR)$(BASHCOMPDIR)/chatctl
	install -m 0644 completions/_chatctl $(DESTDIR)$(ZSHCOMPDIR)/_chatctl
	install -m 0644 completions/chatctl.fish $(DESTDIR)$(FISHCOMPDIR)/chatctl.fish

# Removes what install put there and nothing else: no directory, since
# man1 or bin are shared. The links to remove are listed by the built
# binary, else by the installed one, else by the man pages (one per
# command, which tests/docs.bats checks).
MAN_CMDS = $(patsubst docs/chatctl-%.1.scd,%,$(wildcard docs/chatctl-*.1.scd))
uninstall:
	@set -e; bin=$(BIN); [ -x "$$bin" ] || bin=$(DESTDIR)$(BINDIR)/chatctl; \
	  if [ -x "$$bin" ]; then cmds=$$("$$bin" --list-commands); else cmds="$(MAN_CMDS)"; fi; \
	  for c in $$cmds; do echo "rm -f $(DESTDIR)$(BINDIR)/chatctl-$$c"; rm -f $(DESTDIR)$(BINDIR)/chatctl-$$c; done
	rm -f $(DESTDIR)$(BINDIR)/chatctl
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MAN_OUT))))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(filter %.7,$(MAN_OUT))))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/chatctl
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_chatctl
	rm -f $(DESTDIR)$(FISHCOMPDIR)/chatctl.fish

clean:
	rm -rf build build-san build-fuzz

.PHONY: all links man tools bench-tools deps check-names unit bats test check valgrind demo bench fuzz fuzz-build install uninstall clean
