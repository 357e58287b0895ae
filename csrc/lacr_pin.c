/*
 * lacr_pin.c -- pin guards: the binding's one rule for Lua code that runs
 * in the middle of an operation.
 *
 * The rule: C holds a pointer into a run's memory only across code that
 * cannot run Lua, or while the run is pinned by a guard made before the
 * pointer was taken.  Any Lua API call that allocates may run a __gc
 * finaliser, and a metamethod or a predicate may run anything; that code
 * may change the run, and a change may compact it (acr_run_gc), freeing
 * every block the caller points into.  A pinned run is not compacted and
 * not freed: changes only add to its arena, so old pointers stay valid
 * (they may show the value from before the change, never freed memory).
 *
 * A guard is a userdata that holds one reference and one pin on each of
 * its runs.  The operation releases it when done (lacr_pins_release); when
 * Lua raises half-way, the guard's __gc releases it later, so no pin
 * outlives its guard.
 */
#include "lacr.h"

#include <string.h>

static void release(lacr_Pins *p, int gc) {
  size_t i, n = p->n;
  p->n = 0;
  for (i = 0; i < n; i++) {
    acr_run *r = p->runs[i];
    acr_run_unpin(r);
    if (gc) acr_run_gc(r);
    acr_run_release(r);
  }
}

/* Finalisers only free: no compaction here, no Lua. */
static int pins_gc(lua_State *L) {
  lacr_Pins *p = (lacr_Pins *)luaL_testudata(L, 1, LACR_PINS);
  if (p != NULL) release(p, 0);
  return 0;
}

lacr_Pins *lacr_pins_new(lua_State *L, size_t cap) {
  lacr_Pins *p;
  if (cap < 1) cap = 1;
  if (cap > ((size_t)-1 - sizeof *p) / sizeof(acr_run *))
    luaL_error(L, "not enough memory");
  p = (lacr_Pins *)lua_newuserdata(
      L, sizeof *p + (cap - 1) * sizeof(acr_run *));
  p->n = 0;
  p->cap = cap;
  luaL_setmetatable(L, LACR_PINS);
  return p;
}

void lacr_pins_add(lacr_Pins *p, acr_run *r) {
  if (p->n >= p->cap) return; /* sized by the caller: cannot happen */
  acr_run_retain(r);
  acr_run_pin(r);
  p->runs[p->n++] = r;
}

void lacr_pins_release(lacr_Pins *p) { release(p, 1); }

void lacr_open_pins(lua_State *L) {
  luaL_newmetatable(L, LACR_PINS);
  lua_pushcfunction(L, pins_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, LACR_PINS);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}
