# acr-run: Lua C extension modelling Azure Container Registry runs.
#
#   make                      module + static libraries for LUA_VERSION
#   make test                 C tests, busted on every installed Lua in LUAS,
#                             examples/embed; ends with "N passed, M failed"
#   make LUA_VERSION=jit ...  5.1 5.2 5.3 5.4 jit
#   make install PREFIX=/usr DESTDIR=pkg
#   make sanitize | valgrind | gc-stress | fuzz | lint | bench | run | clean
#   make bench-compare BENCH_BASE=rev   the benchmark before and after rev
#
# Objects are kept apart by what they depend on: the Lua-free core in
# $(BUILDDIR)/core (shared by every Lua version), the binding in
# $(BUILDDIR)/$(LUA_VERSION).  A change of compiler or flags rebuilds (the
# .flags stamps), so `make CC=clang test` after `make test` is honest.

LUA_VERSION ?= 5.4
V := $(LUA_VERSION)
ifeq ($(V),jit)
LUA         ?= luajit
LUA_INCDIR  ?= /usr/include/luajit-2.1
LUA_LIB     ?= -lluajit-5.1
LUA_ABI     := 5.1
else
LUA         ?= lua$(V)
LUA_INCDIR  ?= /usr/include/lua$(V)
LUA_LIB     ?= -llua$(V)
LUA_ABI     := $(V)
endif

CC       ?= cc
CFLAGS   ?= -std=c99 -O2 -fPIC -Wall -Wextra -Wpedantic
LDFLAGS  ?=
LIBS     ?= -lm
AR       ?= ar
WERROR   ?=
PREFIX   ?= /usr/local
DESTDIR  ?=
LUA_CMOD ?= $(PREFIX)/lib/lua/$(LUA_ABI)
LUA_LMOD ?= $(PREFIX)/share/lua/$(LUA_ABI)
BINDIR   ?= $(PREFIX)/bin
INCDIR   ?= $(PREFIX)/include
LIBDIR   ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The install manifests (tools/install.sh).
DATADIR  ?= $(PREFIX)/share/acr-run
# The Lua whose command is also installed under the plain name acr-runs.
DEFAULT_LUA ?= 5.4
# The interpreter the installed command runs with (an absolute path).
LUA_BIN  ?= $(shell command -v $(LUA) 2>/dev/null || echo /usr/bin/$(LUA))

# The one version number is ACR_VERSION in csrc/acr.h; tests/check-version.sh
# checks that the rockspec, the README and the CHANGELOG agree with it.
VERSION := $(shell sed -n 's/^\#define ACR_VERSION "\([^"]*\)".*/\1/p' csrc/acr.h)

BUILDDIR ?= build
LUAS     ?= 5.1 5.2 5.3 5.4 jit
LUA_WRAPPER ?=
BUSTED_ARGS ?=
FUZZ_SECONDS ?= 60
EMBED_ARGS ?=
ROCK_LUAS ?= 5.1 5.4

MAKEFLAGS += --no-print-directory
.DELETE_ON_ERROR:

# -fPIC and hidden visibility whatever CFLAGS says: the objects go into a
# shared module that exports only luaopen_acr_run and the ACR_API functions.
ALL_CFLAGS = $(CFLAGS) $(if $(WERROR),-Werror) -fPIC -fvisibility=hidden \
             -MMD -MP $(CPPFLAGS)

CORE_SRCS := $(sort $(wildcard csrc/acr_*.c))
BIND_SRCS := $(filter-out $(CORE_SRCS),$(sort $(wildcard csrc/*.c)))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
# C tests that include lua.h test the binding from C: built per Lua version
# against libacr-run.a and liblua.  The others need only the core library.
LUA_TEST_SRCS := $(sort $(shell grep -l '^[[:space:]]*\#[[:space:]]*include[[:space:]]*[<"]lua\.h[">]' $(TEST_SRCS) /dev/null))
CORE_TEST_SRCS := $(filter-out $(LUA_TEST_SRCS),$(TEST_SRCS))
EMBED_SRCS := $(sort $(wildcard examples/embed/*.c))

COREDIR := $(BUILDDIR)/core
VDIR    := $(BUILDDIR)/$(V)
CORE_OBJS := $(CORE_SRCS:csrc/%.c=$(COREDIR)/%.o)
BIND_OBJS := $(BIND_SRCS:csrc/%.c=$(VDIR)/%.o)
CORE_TEST_BINS := $(CORE_TEST_SRCS:tests/%.c=$(BUILDDIR)/tests/%)
LUA_TEST_BINS := $(LUA_TEST_SRCS:tests/%.c=$(VDIR)/tests/%)

CORE_LIB := $(COREDIR)/libacr-core.a
RUN_LIB  := $(VDIR)/libacr-run.a
MODULE   := $(VDIR)/acr/run.so
EMBED    := $(VDIR)/embed

# The environment every Lua child runs in: our build first, system paths
# after (";;").  Versioned LUA_PATH_5_x would win over these: unset them.
LUA_ENV = env $(foreach x,5_2 5_3 5_4,-u LUA_PATH_$(x) -u LUA_CPATH_$(x)) \
  LUA_PATH='$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;' \
  LUA_CPATH='$(abspath $(VDIR))/?.so;;'

.PHONY: all module libs install uninstall dist rock rockspec check-install check-version test run bench bench-compare sanitize valgrind gc-stress \
        lint luacheck cppcheck fuzz clean check-rockspec check-module \
        ctests lua-ctests list-ctests list-lua-ctests run-tests busted \
        have-lua embed luarocks-check tsan deps check-readme check-bench run-demo FORCE

all: module libs
module: $(MODULE)
libs: $(CORE_LIB) $(RUN_LIB)

# ---- build ----------------------------------------------------------------

# Rewritten only when the command line changes, so objects depend on it.
define stamp
@mkdir -p $(@D); echo '$(1)' | cmp -s - $@ 2>/dev/null || echo '$(1)' > $@
endef
$(COREDIR)/.flags: FORCE
	$(call stamp,$(CC) $(ALL_CFLAGS))
$(VDIR)/.flags: FORCE
	$(call stamp,$(CC) $(ALL_CFLAGS) -I$(LUA_INCDIR) $(LDFLAGS) $(LIBS) $(LUA_LIB))
$(BUILDDIR)/tests/.flags: FORCE
	$(call stamp,$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS))

# The core never sees the Lua headers: a stray #include "lua.h" fails here.
$(COREDIR)/%.o: csrc/%.c $(COREDIR)/.flags
	$(CC) $(ALL_CFLAGS) -Icsrc -c $< -o $@
$(VDIR)/%.o: csrc/%.c $(VDIR)/.flags
	$(CC) $(ALL_CFLAGS) -Icsrc -I$(LUA_INCDIR) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(RUN_LIB): $(CORE_OBJS) $(BIND_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
# Never link liblua: the interpreter that loads us provides it.
$(MODULE): $(CORE_OBJS) $(BIND_OBJS) $(VDIR)/.flags
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) -o $@ $(CORE_OBJS) $(BIND_OBJS) $(LIBS)

$(BUILDDIR)/tests/%: tests/%.c $(CORE_LIB) $(BUILDDIR)/tests/.flags
	$(CC) $(ALL_CFLAGS) -pthread -Icsrc -Itests $(LDFLAGS) -o $@ $< \
	  $(CORE_LIB) $(LIBS)
$(VDIR)/tests/%: tests/%.c $(RUN_LIB) $(VDIR)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread -Icsrc -Itests -I$(LUA_INCDIR) $(LDFLAGS) \
	  -o $@ $< $(RUN_LIB) $(LUA_LIB) $(LIBS) -ldl
ctests: $(CORE_TEST_BINS)
lua-ctests: $(LUA_TEST_BINS)
# For tests/run-all.sh: the programs to run.
list-ctests:
	@echo $(CORE_TEST_BINS)
list-lua-ctests:
	@echo $(LUA_TEST_BINS)

# A C host (examples/embed/*.c) built as docs/embedding.md says: installed
# into a private prefix under the build directory, then compiled with
#   cc host.c $(pkg-config --cflags --libs acr-run-$(V))
# The --wrap flags let examples/embed/malloc_guard.c count any malloc & co.
# called by the library behind the host's allocator.
EMBED_PREFIX := $(abspath $(VDIR))/embed-prefix
EMBED_LDFLAGS ?= $(if $(wildcard examples/embed/malloc_guard.c),\
  $(foreach f,malloc calloc realloc free,-Wl,--wrap=$(f)))
$(EMBED): $(EMBED_SRCS) $(MODULE) $(RUN_LIB) $(CORE_LIB) $(VDIR)/.flags
	rm -rf $(EMBED_PREFIX)
	+@$(call INSTALL_INTO,$(EMBED_PREFIX)) >/dev/null
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) $(LDFLAGS) $(EMBED_LDFLAGS) \
	  -o $@ $(EMBED_SRCS) $$(PKG_CONFIG_PATH=$(EMBED_PREFIX)/lib/pkgconfig \
	  pkg-config --cflags --libs acr-run-$(V))
embed: $(EMBED)
	$(LUA_ENV) $(EMBED) $(EMBED_ARGS)

-include $(wildcard $(COREDIR)/*.d $(VDIR)/*.d $(BUILDDIR)/tests/*.d \
  $(VDIR)/tests/*.d)

# ---- install ----------------------------------------------------------------

# Several Luas install side by side into one PREFIX (LuaRocks layout):
#   $(LUA_CMOD)/acr/run.so, $(LUA_LMOD)/acr/*.lua   (lib/lua/5.x, share/lua/5.x;
#                                 LuaJIT shares 5.1's: one module loads in both)
#   bin/acr-runs-$(V)             the command, on this Lua's interpreter, finding
#                                 the module it was installed with; also as
#                                 bin/acr-runs for DEFAULT_LUA
#   lib/libacr-run-$(V).a, lib/pkgconfig/acr-run-$(V).pc   core + binding
#   lib/libacr-core.a, lib/pkgconfig/acr-core.pc, include/acr.h   (shared)
# and a manifest per Lua, so `make uninstall` removes exactly that.
INST := $(VDIR)/install
LUA_MODS := $(shell cd lua 2>/dev/null && find acr -name '*.lua' | LC_ALL=C sort)

# The command: this interpreter's #! line, then the install directories in
# front of package.path and package.cpath, so it starts from anywhere with
# no LUA_PATH/LUA_CPATH and never picks up a module built for another Lua.
$(INST)/acr-runs: bin/acr-runs FORCE
	@mkdir -p $(@D)
	{ echo '#!$(LUA_BIN)'; \
	  echo 'package.path = "$(LUA_LMOD)/?.lua;$(LUA_LMOD)/?/init.lua;" .. package.path package.cpath = "$(LUA_CMOD)/?.so;" .. package.cpath'; \
	  sed '1{/^#!/d;}' bin/acr-runs; } > $@
$(INST)/acr-run-$(V).pc: FORCE
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: acr-run-$(V)' \
	  'Description: Azure Container Registry runs: C core and Lua $(V) binding (static)' \
	  'Version: $(VERSION)' \
	  'Cflags: -I$${includedir} -I$(LUA_INCDIR)' \
	  'Libs: -L$${libdir} -lacr-run-$(V) $(LUA_LIB) $(LIBS) -ldl' > $@
$(INST)/acr-core.pc: FORCE
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: acr-core' \
	  'Description: Azure Container Registry runs: the Lua-free C core (static)' \
	  'Version: $(VERSION)' \
	  'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lacr-core $(LIBS)' > $@

install: all $(INST)/acr-runs $(INST)/acr-run-$(V).pc $(INST)/acr-core.pc
	@sh tools/install.sh install '$(DESTDIR)' '$(DATADIR)' lua-$(V) \
	  755 $(MODULE) $(LUA_CMOD)/acr/run.so \
	  $(foreach m,$(LUA_MODS),644 lua/$(m) $(LUA_LMOD)/$(m)) \
	  755 $(INST)/acr-runs $(BINDIR)/acr-runs-$(V) \
	  $(if $(filter $(DEFAULT_LUA),$(V)),755 $(INST)/acr-runs $(BINDIR)/acr-runs) \
	  644 csrc/acr.h $(INCDIR)/acr.h \
	  644 $(RUN_LIB) $(LIBDIR)/libacr-run-$(V).a \
	  644 $(CORE_LIB) $(LIBDIR)/libacr-core.a \
	  644 $(INST)/acr-run-$(V).pc $(PKGCONFIGDIR)/acr-run-$(V).pc \
	  644 $(INST)/acr-core.pc $(PKGCONFIGDIR)/acr-core.pc
uninstall:
	@sh tools/install.sh uninstall '$(DESTDIR)' '$(DATADIR)' lua-$(V)

# `make install` into the private prefix $(1), whatever install variables
# the command line set (used by the embed build and check-install).
INSTALL_INTO = $(MAKE) install DESTDIR= PREFIX=$(1) LUA_CMOD=$(1)/lib/lua/$(LUA_ABI) \
  LUA_LMOD=$(1)/share/lua/$(LUA_ABI) BINDIR=$(1)/bin INCDIR=$(1)/include \
  LIBDIR=$(1)/lib PKGCONFIGDIR=$(1)/lib/pkgconfig DATADIR=$(1)/share/acr-run

# ---- release ----------------------------------------------------------------

# make dist: the release tarball of the committed tree (git archive HEAD);
# make rock: the .src.rock of rockspec/acr-run-$(VERSION)-1.rockspec, holding
# that tarball, which `luarocks install` builds offline.
DISTDIR  := $(abspath $(BUILDDIR))/dist
TARBALL  := $(DISTDIR)/acr-run-$(VERSION).tar.gz
ROCKSPEC := rockspec/acr-run-$(VERSION)-1.rockspec
SRC_ROCK := $(DISTDIR)/acr-run-$(VERSION)-1.src.rock
# Written again in GNU tar format: LuaRocks' own untar reads GNU long names
# but not the pax headers git archive writes for paths over 100 bytes.
dist:
	rm -rf $(DISTDIR)/acr-run-$(VERSION) && mkdir -p $(DISTDIR)
	git archive --format=tar --prefix=acr-run-$(VERSION)/ HEAD | tar -x -C $(DISTDIR)
	tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
	  --mtime=@$$(git log -1 --format=%ct) -C $(DISTDIR) -cf - acr-run-$(VERSION) | \
	  gzip -n9 > $(TARBALL)
	rm -rf $(DISTDIR)/acr-run-$(VERSION)
	@echo "dist: $(TARBALL)"
# The release rockspec, from the scm one (check-rockspec compares them).
rockspec:
	awk -v ver=$(VERSION) -f tools/release-rockspec.awk \
	  rockspec/acr-run-scm-1.rockspec > $(ROCKSPEC)
# luarocks pack fetches the source, and resolves a relative file name in a
# temporary directory: it packs from a copy naming the tarball by its
# absolute path, then the rock gets the rockspec as committed (inside the
# rock, only the tarball's file name matters).
rock: dist
	sed 's|^  url = "acr-run-$(VERSION).tar.gz",|  url = "file://$(TARBALL)",|' \
	  $(ROCKSPEC) > $(DISTDIR)/$(notdir $(ROCKSPEC))
	rm -f $(SRC_ROCK)
	cd $(DISTDIR) && luarocks pack $(notdir $(ROCKSPEC))
	cp $(ROCKSPEC) $(DISTDIR)/
	cd $(DISTDIR) && zip -q $(notdir $(SRC_ROCK)) $(notdir $(ROCKSPEC))
	@echo "rock: $(SRC_ROCK)"

# ---- tests ----------------------------------------------------------------

# tests/run-all.sh calls back into this Makefile (check-rockspec, ctests,
# have-lua, check-module, busted, embed) and prints the totals.
# SUITES: checks c lua embed (all by default).
# The Debian packages the build and the suite need, installed if missing
# (tests/deps.sh; ACR_NO_DEPS=1 skips it).
deps:
	@bash tests/deps.sh

test: deps
	+@$(MAKE) run-tests
run-tests:
	+@BUILDDIR=$(BUILDDIR) LUAS='$(LUAS)' LUA_VERSION=$(LUA_VERSION) \
	  bash tests/run-all.sh $(SUITES)

# Exit status only: is this Lua's interpreter and are its headers here?
have-lua:
	@command -v $(LUA) >/dev/null 2>&1 && test -f $(LUA_INCDIR)/lua.h

busted: $(MODULE)
	$(LUA_ENV) $(LUA_WRAPPER) $(LUA) tests/busted.lua $(BUSTED_ARGS)

# No liblua dependency, and nothing exported that acr.h does not declare.
check-module: $(MODULE)
	@$(SHELL) tests/check-module.sh $(MODULE) csrc/acr.h

# The documents link only to files inside the repository that exist.
check-readme:
	@bash tests/check-readme.sh

# bench/report.lua and bench/compare.lua keep the hand-written text of the
# document they write into and tell worse from level (on rows made up).
check-bench:
	@$(LUA) tests/check-bench.lua

# The rockspec must list exactly csrc/*.c and lua/acr/**.lua, and the
# release rockspec must follow it.
check-rockspec:
	@$(SHELL) tests/check-rockspec.sh rockspec/acr-run-scm-1.rockspec \
	  $(ROCKSPEC) $(VERSION)
# make install for every Lua in LUAS into a fresh prefix under the build
# directory, the installed commands and modules used from /, then make
# uninstall for each leaves the prefix empty (tests/check-install.sh).
check-install:
	@DEFAULT_LUA=$(DEFAULT_LUA) bash tests/check-install.sh \
	  $(abspath $(BUILDDIR))/install-check $(LUAS)
# One version number: acr.h's, in the rockspec, README and CHANGELOG.
check-version:
	@$(SHELL) tests/check-version.sh

ASAN_RT = $(shell clang -print-file-name=libclang_rt.asan-x86_64.so)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
# Lua's interpreter is not instrumented: the ASan runtime is preloaded into
# it, with suppressions for what the interpreter itself may leak.
# $(call SANITIZE_MAKE,V): make for Lua V with ASan+UBSan.
SANITIZE_MAKE = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  $(MAKE) BUILDDIR=build/asan CC=clang LUA_VERSION=$(1) LUAS=$(1) \
    CFLAGS="$(CFLAGS) -g -O1 $(SAN_FLAGS)" LDFLAGS="$(LDFLAGS) $(SAN_FLAGS)" \
    LUA_WRAPPER="env LD_PRELOAD=$(ASAN_RT):$(CURDIR)/build/asan/$(1)/acr/run.so"
# Everything on 5.4; the busted suite again on 5.1, whose collector and
# userdata (no uservalues, no __close) the re-entrancy rules meet differently.
sanitize:
	+$(call SANITIZE_MAKE,5.4) all
	+$(call SANITIZE_MAKE,5.4) SUITES="c lua embed" run-tests
	+$(call SANITIZE_MAKE,5.1) module
	+$(call SANITIZE_MAKE,5.1) SUITES=lua run-tests

VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full --keep-debuginfo=yes \
  --errors-for-leak-kinds=definite,indirect \
  --suppressions=$(CURDIR)/tests/valgrind.supp
# The busted suite on 5.4, and on 5.1 the specs of hostile callbacks and
# string boundaries (VALGRIND_SPECS_5_1), under memcheck.
VALGRIND_SPECS_5_1 ?= spec/25-reentrancy_spec.lua spec/26-utf8_spec.lua \
  spec/30-views_spec.lua
valgrind:
	$(MAKE) BUILDDIR=build/valgrind LUA_VERSION=5.4 LUAS=5.4 \
	  CFLAGS="$(CFLAGS) -g" LUA_WRAPPER="$(VALGRIND)" SUITES=lua run-tests
	$(MAKE) BUILDDIR=build/valgrind LUA_VERSION=5.1 LUAS=5.1 \
	  CFLAGS="$(CFLAGS) -g" LUA_WRAPPER="$(VALGRIND)" SUITES=lua \
	  BUSTED_ARGS="$(VALGRIND_SPECS_5_1)" run-tests

# The C tests (test_threads.c runs several lua_States in several threads)
# under ThreadSanitizer.
tsan:
	+$(MAKE) BUILDDIR=build/tsan CC=clang LUA_VERSION=5.4 LUAS=5.4 \
	  CFLAGS="$(CFLAGS) -g -O1 -fsanitize=thread" \
	  LDFLAGS="$(LDFLAGS) -fsanitize=thread" SUITES=c run-tests

# spec/helpers.lua makes the collector run all the time when it sees this.
gc-stress:
	ACR_GC_STRESS=1 $(MAKE) SUITES=lua run-tests

# ---- lint -----------------------------------------------------------------

lint: luacheck cppcheck
luacheck:
	luacheck $(wildcard lua spec examples bench bin/* tests/*.lua)
CPPCHECK = cppcheck -q --std=c99 --enable=warning,performance,portability \
  --error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem -Icsrc \
  --library=lua --library=tests/cppcheck-lua.cfg
cppcheck:
	@if ls csrc/*.c >/dev/null 2>&1; then \
	  echo "$(CPPCHECK) csrc/"; $(CPPCHECK) csrc/; \
	else echo "cppcheck: no csrc/*.c yet"; fi

# ---- fuzz, bench, run -----------------------------------------------------

# libFuzzer targets fuzz/fuzz_*.c against the core, FUZZ_SECONDS each.
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz.sh

# bench/run.sh if there is one, else bench/bench.lua $(BENCH_ARGS).
BENCH_ARGS ?=
bench: $(MODULE)
ifneq ($(wildcard bench/run.sh),)
	$(LUA_ENV) LUA=$(LUA) LUA_VERSION=$(V) BUILDDIR=$(BUILDDIR) \
	  bash bench/run.sh
else ifneq ($(wildcard bench/bench.lua),)
	$(LUA_ENV) LUA_PATH='$(CURDIR)/bench/?.lua;$(CURDIR)/lua/?.lua;;' \
	  $(LUA) bench/bench.lua $(BENCH_ARGS)
else
	@echo "bench: no bench/run.sh or bench/bench.lua yet"
endif

# The benchmark on BENCH_BASE's module and on this tree's, alternately
# (bench/compare.sh); the table goes to docs/performance.md.
BENCH_BASE ?= 122ba40
BENCH_ROUNDS ?= 2
bench-compare:
	BUILDDIR=$(BUILDDIR) BENCH_BASE=$(BENCH_BASE) BENCH_ROUNDS=$(BENCH_ROUNDS) \
	  bash bench/compare.sh $(BENCH_ARGS)

# bin/acr-runs on the sample runs: all, the failed ones, the summary.
RUN_INPUT ?= examples/sample-runs.json
ACR_RUNS = $(LUA_ENV) $(LUA) bin/acr-runs
run: deps
	+@$(MAKE) run-demo
run-demo: $(MODULE)
ifneq ($(wildcard bin/acr-runs),)
	@echo '== acr-runs $(RUN_INPUT)'
	@$(ACR_RUNS) $(RUN_INPUT)
	@echo "== acr-runs $(RUN_INPUT) --filter \"status eq 'Failed'\""
	@$(ACR_RUNS) $(RUN_INPUT) --filter "status eq 'Failed'"
	@echo '== acr-runs $(RUN_INPUT) --output summary'
	@$(ACR_RUNS) $(RUN_INPUT) --output summary
else ifneq ($(wildcard examples/demo.lua),)
	$(LUA_ENV) $(LUA) examples/demo.lua
else
	@echo "run: no bin/acr-runs or examples/demo.lua yet"
endif

# `luarocks make` of the rockspec into a private tree, then require it.
luarocks-check:
	@ROCK_LUAS='$(ROCK_LUAS)' bash tests/luarocks-check.sh

clean:
	rm -rf build

FORCE:
