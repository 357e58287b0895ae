/*
 * lacr_filter.c -- acr.filter: compiled OData $filter expressions (the
 * Filter userdata).
 *
 * acr.filter is a table with a __call metamethod, so that acr.filter(expr)
 * compiles; the Lua module acr.filter (lua/acr/filter.lua) adds
 * acr.filter.build, which composes an expression from a table.
 */
#include "lacr.h"

#include <string.h>

lacr_Filter *lacr_testfilter(lua_State *L, int idx) {
  lacr_Filter *u = NULL;
  if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
    luaL_getmetatable(L, LACR_FILTER);
    if (lua_rawequal(L, -1, -2)) u = (lacr_Filter *)lua_touserdata(L, idx);
    lua_pop(L, 2);
  }
  return u;
}

static const acr_filter *checkfilter_ud(lua_State *L, int idx) {
  lacr_Filter *u = lacr_testfilter(L, idx);
  if (!u)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "Filter expected, got %s",
                                  luaL_typename(L, idx)));
  else if (!u->f)
    luaL_argerror(L, idx, "Filter is closed");
  return u->f;
}

/* Push the message of a failed compilation: the core's message prefixed
 * with the column, then the expression and a caret under the offending
 * byte on two more lines.  The caret line copies tabs and writes one space
 * per character (UTF-8 continuation bytes take no column), so it lines up
 * in a terminal. */
static void push_compile_message(lua_State *L, const char *expr, size_t n,
                                 const acr_error *e) {
  luaL_Buffer b;
  size_t i, off = e->offset < 0 ? 0 : (size_t)e->offset;
  if (off > n) off = n;
  luaL_buffinit(L, &b);
  if (e->column > 0) {
    char num[32];
    size_t k = 0;
    long c = e->column;
    char tmp[32];
    while (c > 0 && k < sizeof tmp) tmp[k++] = (char)('0' + c % 10), c /= 10;
    for (i = 0; i < k; i++) num[i] = tmp[k - 1 - i];
    luaL_addstring(&b, "column ");
    luaL_addlstring(&b, num, k);
    luaL_addstring(&b, ": ");
  }
  luaL_addstring(&b, e->message);
  luaL_addchar(&b, '\n');
  for (i = 0; i < n; i++) {
    char c = expr[i];
    luaL_addchar(&b, (c == '\n' || c == '\r') ? ' ' : c);
  }
  luaL_addchar(&b, '\n');
  for (i = 0; i < off; i++) {
    unsigned char c = (unsigned char)expr[i];
    if (c == '\t') luaL_addchar(&b, '\t');
    else if ((c & 0xC0) != 0x80) luaL_addchar(&b, ' ');
  }
  luaL_addchar(&b, '^');
  luaL_pushresult(&b);
}

/* Compile the string at idx into a new Filter userdata (pushed).  On
 * failure the userdata stays pushed (empty) and *err is filled. */
static acr_filter *compile(lua_State *L, int idx, acr_error *err) {
  size_t n;
  const char *expr = lua_tolstring(L, idx, &n);
  acr_allocator a;
  lacr_Filter *u = (lacr_Filter *)lua_newuserdata(L, sizeof *u);
  u->f = NULL;
  luaL_getmetatable(L, LACR_FILTER);
  lua_setmetatable(L, -2);
  lacr_allocator(L, &a);
  acr_err_clear(err);
  u->f = acr_filter_compile(expr, n, &a, err);
  return u->f;
}

/* acr.filter(expr) -> Filter | nil, message, err */
static int l_filter_call(lua_State *L) {
  acr_error err;
  lua_settop(L, 2);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_argerror(L, 1,
                         lua_pushfstring(L, "string expected, got %s",
                                         luaL_typename(L, 2)));
  if (compile(L, 2, &err)) return 1;
  if (err.kind != ACR_EMEMORY) {
    size_t n;
    const char *expr = lua_tolstring(L, 2, &n);
    lua_pushnil(L);
    push_compile_message(L, expr, n, &err);
    lacr_push_errtable(L, &err);
    return 3;
  }
  return lacr_fail(L, &err);
}

const acr_filter *lacr_checkfilter(lua_State *L, int idx) {
  acr_error err;
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    acr_filter *f = compile(L, idx, &err);
    if (!f) {
      size_t n;
      const char *expr;
      if (err.kind == ACR_EMEMORY) lacr_raise(L, &err);
      expr = lua_tolstring(L, idx, &n);
      push_compile_message(L, expr, n, &err);
      lua_error(L);
    }
    return f;
  }
  if (!lacr_testfilter(L, idx))
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "Filter or filter string expected, got %s",
                                  luaL_typename(L, idx)));
  return checkfilter_ud(L, idx);
}

/* f(run) -> boolean */
static int l_match(lua_State *L) {
  const acr_filter *f = checkfilter_ud(L, 1);
  lacr_Run *r = lacr_checkrun(L, 2);
  lua_pushboolean(L, acr_filter_match(f, r->run));
  return 1;
}

static void push_canonical(lua_State *L, const acr_filter *f) {
  acr_buf *b = lacr_newbox(L);
  if (acr_filter_tostring(f, b) != ACR_OK) {
    acr_error e;
    acr_err_clear(&e);
    acr_err_nomem(&e);
    lacr_raise(L, &e);
  }
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  lacr_box_free(b);
  lua_remove(L, -2);
}

/* tostring(f): the canonical expression, which re-compiles to the same
 * filter. */
static int l_tostring(lua_State *L) {
  lacr_Filter *u = lacr_testfilter(L, 1);
  if (!u || !u->f) {
    lua_pushliteral(L, "Filter (closed)");
    return 1;
  }
  push_canonical(L, u->f);
  return 1;
}

/* f == g: the same canonical expression. */
static int l_eq(lua_State *L) {
  lacr_Filter *a = lacr_testfilter(L, 1), *b = lacr_testfilter(L, 2);
  if (!a || !b || !a->f || !b->f) {
    lua_pushboolean(L, a == b);
    return 1;
  }
  lua_settop(L, 2);
  push_canonical(L, a->f);
  push_canonical(L, b->f);
  lua_pushboolean(L, lua_rawequal(L, -1, -2));
  return 1;
}

static int l_gc(lua_State *L) {
  lacr_Filter *u = (lacr_Filter *)luaL_checkudata(L, 1, LACR_FILTER);
  if (u->f) {
    acr_filter_free(u->f);
    u->f = NULL;
  }
  return 0;
}

/* ---- registration -------------------------------------------------------- */

void lacr_open_filter(lua_State *L) {
  luaL_newmetatable(L, LACR_FILTER);
  lua_pushcfunction(L, l_match);
  lua_setfield(L, -2, "__call");
  lua_pushcfunction(L, l_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, l_eq);
  lua_setfield(L, -2, "__eq");
  lua_pushcfunction(L, l_gc);
  lua_setfield(L, -2, "__gc");
#if LACR_HAS_CLOSE
  lua_pushcfunction(L, l_gc);
  lua_setfield(L, -2, "__close");
#endif
  lua_newtable(L); /* methods */
  lua_pushcfunction(L, l_match);
  lua_setfield(L, -2, "match");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  lua_newtable(L); /* acr.filter (the Lua module acr.filter adds build) */
  lua_newtable(L);
  lua_pushcfunction(L, l_filter_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "filter");
}
