/*
 * lacr_module.c -- luaopen_acr_run: the module table, acr.enums and
 * acr._VERSION; the helpers every binding file shares (allocator, raising
 * core errors, the error table, temporary buffers in a Box userdata); and
 * the host glue acr_lua_push_run / acr_lua_to_run of acr.h.
 */
#include "lacr.h"

#include <string.h>

/* ---- shared helpers ---------------------------------------------------- */

void lacr_allocator(lua_State *L, acr_allocator *a) {
  a->f = lua_getallocf(L, &a->ud);
}

/* Out of memory gets the message Lua itself uses, so a host that tests for
 * it sees one text whoever ran out. */
int lacr_raise(lua_State *L, const acr_error *e) {
  if (e->kind == ACR_EMEMORY) lua_pushliteral(L, "not enough memory");
  else lua_pushstring(L, e->message);
  return lua_error(L);
}

void lacr_push_errtable(lua_State *L, const acr_error *e) {
  lua_createtable(L, 0, 5);
  lua_pushstring(L, acr_status_name(e->kind));
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, e->path);
  lua_setfield(L, -2, "path");
  if (e->line > 0) {
    lua_pushinteger(L, (lua_Integer)e->line);
    lua_setfield(L, -2, "line");
  }
  if (e->column > 0) {
    lua_pushinteger(L, (lua_Integer)e->column);
    lua_setfield(L, -2, "column");
  }
  /* offset is 0-based: 0 is a real position when the error is about text */
  if (e->offset > 0 || e->line > 0 || e->column > 0) {
    lua_pushinteger(L, (lua_Integer)e->offset);
    lua_setfield(L, -2, "offset");
  }
}

int lacr_fail(lua_State *L, const acr_error *e) {
  lua_pushnil(L);
  if (e->kind == ACR_EMEMORY) lua_pushliteral(L, "not enough memory");
  else lua_pushstring(L, e->message);
  lacr_push_errtable(L, e);
  return 3;
}

/* ---- Box: C memory owned by a userdata --------------------------------- */

static int box_gc(lua_State *L) {
  acr_buf *b = (acr_buf *)luaL_testudata(L, 1, LACR_BOX);
  if (b != NULL) lacr_box_free(b);
  return 0;
}

acr_buf *lacr_newbox(lua_State *L) {
  acr_allocator a;
  acr_buf *b = (acr_buf *)lua_newuserdata(L, sizeof *b);
  memset(b, 0, sizeof *b);
  lacr_allocator(L, &a);
  acr_buf_init(b, &a);
  luaL_setmetatable(L, LACR_BOX);
  return b;
}

/* Idempotent: the box's __gc calls it again later. */
void lacr_box_free(acr_buf *b) {
  if (b->p != NULL) acr_buf_free(b);
  b->p = NULL;
  b->len = b->cap = 0;
}

int lacr_streq(lua_State *L, int idx, const char *lit) {
  size_t n;
  const char *s;
  if (lua_type(L, idx) != LUA_TSTRING) return 0;
  s = lua_tolstring(L, idx, &n);
  return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* ---- acr.enums --------------------------------------------------------- */

static void push_enum(lua_State *L, const acr_enum_def *d) {
  int i;
  lua_createtable(L, d->count, 0);
  for (i = 0; i < d->count; i++) {
    lua_pushlstring(L, d->values[i], d->lengths[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, d->name);
}

static void push_enums(lua_State *L) {
  lua_createtable(L, 0, 7);
  push_enum(L, &acr_enum_runstatus);
  push_enum(L, &acr_enum_runtype);
  push_enum(L, &acr_enum_provisioningstate);
  push_enum(L, &acr_enum_os);
  push_enum(L, &acr_enum_architecture);
  push_enum(L, &acr_enum_variant);
  push_enum(L, &acr_enum_createdbytype);
}

/* ---- the module -------------------------------------------------------- */

int luaopen_acr_run(lua_State *L) {
  luaL_checkstack(L, 16, "opening acr.run");
  luaL_newmetatable(L, LACR_BOX);
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lacr_open_pins(L);

  lua_createtable(L, 0, 16);
  lua_pushliteral(L, ACR_VERSION);
  lua_setfield(L, -2, "_VERSION");
  push_enums(L);
  lua_setfield(L, -2, "enums");
  lacr_open_datetime(L);
  lacr_open_run(L);
  lacr_open_list(L);
  lacr_open_filter(L);
  lacr_open_json(L);
  return 1;
}

/* ---- host glue (acr.h) ------------------------------------------------- */

void acr_lua_push_run(lua_State *L, acr_run *r) {
  /* Without the metatable the userdata would have no __gc and the
   * reference taken below would leak: refuse before taking it. */
  luaL_getmetatable(L, LACR_RUN);
  if (lua_isnil(L, -1))
    luaL_error(L, "acr_lua_push_run: the acr.run module is not open in "
                  "this state");
  lua_pop(L, 1);
  lacr_pushrun(L, r);
}

acr_run *acr_lua_to_run(lua_State *L, int idx) {
  lacr_Run *u = lacr_testrun(L, idx);
  return u ? u->run : NULL;
}
