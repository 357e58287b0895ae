/*
 * lacr_util.c -- the floor of the binding: the state's allocator for the
 * core, core errors raised or returned as data, temporary C memory owned by
 * a userdata (Box), and the small checks every file shares (strings by all
 * their bytes, absent values, lua-cjson's markers looked up raw).
 *
 * Calls nothing of the binding above it.
 */
#include "lacr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


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

void lacr_open_util(lua_State *L) {
  luaL_newmetatable(L, LACR_BOX);
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
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

int lacr_nomem(lua_State *L) {
  lua_pushliteral(L, "not enough memory");
  return lua_error(L);
}

/* cjson.null is a NULL light userdata: absent, like nil. */
int lacr_is_null(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
         lua_touserdata(L, idx) == NULL;
}

int lacr_is_absent(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) || lacr_is_null(L, idx);
}

/* Push an integral index as text without a ".0" (5.3+ floats). */
const char *lacr_push_index_text(lua_State *L, lua_Number d) {
  char buf[64];
  if (d == floor(d) && fabs((double)d) < 1e15)
    snprintf(buf, sizeof buf, "%.0f", (double)d);
  else
    snprintf(buf, sizeof buf, "%.14g", (double)d);
  lua_pushstring(L, buf);
  return lua_tostring(L, -1);
}

const char *lacr_type_name(lua_State *L, int idx) {
  return lacr_is_null(L, idx) ? "null" : luaL_typename(L, idx);
}

/* Raise "path: message" (just the message when path is empty). */
int lacr_errorat(lua_State *L, const char *path, const char *fmt, ...) {
  va_list ap;
  int prefixed = path != NULL && *path != '\0';
  if (prefixed) {
    lua_pushstring(L, path);
    lua_pushliteral(L, ": ");
  }
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  if (prefixed) lua_concat(L, 3);
  return lua_error(L);
}

/* Length of the array at idx: keys exactly 1..n (n may be 0, at most max);
 * raises naming path otherwise. */
uint32_t lacr_check_array(lua_State *L, const char *path, int idx,
                          uint32_t max) {
  size_t count = 0;
  lua_Number top = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Number k;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      if (lua_type(L, -1) == LUA_TSTRING)
        lacr_errorat(L, path, "expected an array, found key '%s'",
                     lua_tostring(L, -1));
      lacr_errorat(L, path, "expected an array, found a %s key",
                   luaL_typename(L, -1));
    }
    k = lua_tonumber(L, -1);
    if (k < 1 || k != floor(k))
      lacr_errorat(L, path, "expected an array, found key %s",
                   lacr_push_index_text(L, k));
    if (k > top) top = k;
    count++;
  }
  if (top != (lua_Number)count)
    lacr_errorat(L, path, "expected an array without holes");
  if (count > max) lacr_errorat(L, path, "array too long");
  return (uint32_t)count;
}

/* "unknown field 'stauts' (did you mean 'status'?)" */
int lacr_unknown_field(lua_State *L, const char *path, const acr_type *t,
                         int kidx) {
  size_t n;
  const char *s;
  const acr_field *sug;
  if (lua_type(L, kidx) != LUA_TSTRING)
    return lacr_errorat(L, path, "field names are strings, got a %s key",
                   lacr_type_name(L, kidx));
  s = lua_tolstring(L, kidx, &n);
  sug = acr_type_suggest(t, s, n);
  if (sug != NULL)
    return lacr_errorat(L, path, "unknown field '%s' (did you mean '%s'?)", s,
                   sug->name);
  return lacr_errorat(L, path, "unknown field '%s' (%s has no such field)", s,
                 t->name);
}

/* Pushes package.loaded.cjson[name] when lua-cjson is loaded (its array_mt:
 * the openresty fork has one, the original 2.1.0 does not), else nil.  Raw
 * lookups: no metamethod of a stand-in module runs (see lacr_pin.c). */
void lacr_push_cjson_field(lua_State *L, const char *name) {
  lua_pushliteral(L, "_LOADED");
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_pushliteral(L, "cjson");
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_type(L, -1) == LUA_TTABLE) {
      lua_pushstring(L, name);
      lua_rawget(L, -2);
      lua_remove(L, -2);
      return;
    }
  }
  lua_pop(L, 1);
  lua_pushnil(L);
}

/* Stack index of cjson.array_mt (pushed), or 0 (nothing pushed).  Called
 * before a walk takes pointers into a run. */
int lacr_array_mt(lua_State *L) {
  lacr_push_cjson_field(L, "array_mt");
  if (lua_type(L, -1) == LUA_TTABLE) return lua_gettop(L);
  lua_pop(L, 1);
  return 0;
}

void lacr_mark_array(lua_State *L, int amt) {
  if (amt) {
    lua_pushvalue(L, amt);
    lua_setmetatable(L, -2);
  }
}

/* Raise if the options table at idx has a key outside valid (NULL-ended),
 * so a misspelt option is not silently ignored. */
void lacr_check_option_names(lua_State *L, int idx,
                               const char *const *valid) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *const *v;
    const char *name;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      luaL_argerror(L, idx, "option names must be strings");
      return;
    }
    name = lua_tostring(L, -1);
    for (v = valid; *v; v++)
      if (lacr_streq(L, -1, *v)) break;
    if (!*v) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      luaL_addstring(&b, "unknown option '");
      luaL_addstring(&b, name);
      luaL_addstring(&b, "' (valid options: ");
      for (v = valid; *v; v++) {
        if (v != valid) luaL_addstring(&b, ", ");
        luaL_addstring(&b, *v);
      }
      luaL_addchar(&b, ')');
      luaL_pushresult(&b);
      luaL_argerror(L, idx, lua_tostring(L, -1));
    }
  }
}

