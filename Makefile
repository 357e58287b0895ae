# acr-run: Lua C extension modelling Azure Container Registry runs.
#
#   make                      module + static libraries for LUA_VERSION
#   make test                 C tests, busted on every installed Lua in LUAS,
#                             examples/embed; ends with "N passed, M failed"
#   make LUA_VERSION=jit ...  5.1 5.2 5.3 5.4 jit
#   make install PREFIX=/usr DESTDIR=pkg
#   make sanitize | valgrind | gc-stress | fuzz | lint | bench | run | clean
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

.PHONY: all module libs install test run bench sanitize valgrind gc-stress \
        lint luacheck cppcheck fuzz clean check-rockspec check-module \
        ctests lua-ctests list-ctests list-lua-ctests run-tests busted \
        have-lua embed luarocks-check tsan deps check-readme run-demo FORCE

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

# A C host (examples/embed/*.c) linked with the static library and liblua.
# The --wrap flags let examples/embed/malloc_guard.c count any malloc & co.
# called by the library behind the host's allocator.
EMBED_LDFLAGS ?= $(if $(wildcard examples/embed/malloc_guard.c),\
  $(foreach f,malloc calloc realloc free,-Wl,--wrap=$(f)))
$(EMBED): $(EMBED_SRCS) $(RUN_LIB) $(VDIR)/.flags
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -Icsrc -I$(LUA_INCDIR) \
	  $(LDFLAGS) $(EMBED_LDFLAGS) \
	  -o $@ $(EMBED_SRCS) $(RUN_LIB) $(LUA_LIB) $(LIBS) -ldl
embed: $(EMBED)
	$(LUA_ENV) $(EMBED) $(EMBED_ARGS)

-include $(wildcard $(COREDIR)/*.d $(VDIR)/*.d $(BUILDDIR)/tests/*.d \
  $(VDIR)/tests/*.d)

# ---- install --------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(LUA_CMOD)/acr $(DESTDIR)$(LUA_LMOD)/acr \
	  $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)
	install -m 755 $(MODULE) $(DESTDIR)$(LUA_CMOD)/acr/run.so
	$(if $(wildcard lua/acr/*.lua),install -m 644 $(wildcard lua/acr/*.lua) $(DESTDIR)$(LUA_LMOD)/acr/)
	$(if $(wildcard lua/acr/client/*.lua),install -d $(DESTDIR)$(LUA_LMOD)/acr/client && \
	  install -m 644 $(wildcard lua/acr/client/*.lua) $(DESTDIR)$(LUA_LMOD)/acr/client/)
	$(if $(wildcard bin/acr-runs),install -m 755 bin/acr-runs $(DESTDIR)$(BINDIR)/acr-runs)
	install -m 644 csrc/acr.h $(DESTDIR)$(INCDIR)/acr.h
	install -m 644 $(RUN_LIB) $(DESTDIR)$(LIBDIR)/libacr-run.a

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

# The rockspec must list exactly csrc/*.c and lua/acr/*.lua.
check-rockspec:
	@$(SHELL) tests/check-rockspec.sh rockspec/acr-run-scm-1.rockspec

ASAN_RT = $(shell clang -print-file-name=libclang_rt.asan-x86_64.so)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
# Lua's interpreter is not instrumented: the ASan runtime is preloaded into
# it, with suppressions for what the interpreter itself may leak.
SANITIZE_MAKE = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  $(MAKE) BUILDDIR=build/asan CC=clang LUA_VERSION=5.4 LUAS=5.4 \
    CFLAGS="$(CFLAGS) -g -O1 $(SAN_FLAGS)" LDFLAGS="$(LDFLAGS) $(SAN_FLAGS)" \
    LUA_WRAPPER="env LD_PRELOAD=$(ASAN_RT):$(CURDIR)/build/asan/5.4/acr/run.so" \
    SUITES="c lua embed"
sanitize:
	+$(SANITIZE_MAKE) all
	+$(SANITIZE_MAKE) run-tests

VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full --keep-debuginfo=yes \
  --errors-for-leak-kinds=definite,indirect \
  --suppressions=$(CURDIR)/tests/valgrind.supp
valgrind:
	$(MAKE) BUILDDIR=build/valgrind LUA_VERSION=5.4 LUAS=5.4 \
	  CFLAGS="$(CFLAGS) -g" LUA_WRAPPER="$(VALGRIND)" SUITES=lua run-tests

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
