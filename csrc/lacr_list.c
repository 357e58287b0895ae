/*
 * lacr_list.c -- the RunList: a page (or several joined pages) of runs held
 * by the core's acr_runlist.  acr.list, indexing, building, conversion,
 * equality, the host API and the method table; the basics and the queries
 * are in lacr_query.c, below.
 */
#include "lacr.h"
#include "acr_query.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy nextLink and the unknown RunListResult keys of src into dst
 * (replacing dst's nextLink, appending to its unknown keys). */
static acr_status copy_meta(acr_runlist *dst, const acr_runlist *src) {
  uint32_t i;
  if (src->nextLink) {
    if (acr_runlist_set_nextlink(dst, src->nextLink->s, src->nextLink->len))
      return ACR_EMEMORY;
  } else {
    acr_runlist_set_nextlink(dst, NULL, 0);
  }
  if (src->unknown && src->unknown->n) {
    if (!dst->meta) return ACR_EMEMORY; /* acr_runlist_new makes it */
    for (i = 0; i < src->unknown->n; i++) {
      const acr_str *s = (const acr_str *)src->unknown->items[i];
      acr_str *c = acr_run_str(dst->meta, s->s, s->len);
      if (!c) return ACR_EMEMORY;
      if (!dst->unknown && !(dst->unknown = acr_list_new(dst->meta, 4)))
        return ACR_EMEMORY;
      if (acr_list_push(dst->meta, &dst->unknown, c)) return ACR_EMEMORY;
    }
  }
  return ACR_OK;
}

/* ---- construction ------------------------------------------------------- */

/* Raises for a failed acr_runlist_set_nextlink(l, s, n): s is not valid
 * UTF-8 (bad data, raised like the other bad values given to a list), or
 * memory ran out. */
static int nextlink_fail(lua_State *L, acr_status st, const char *s,
                         size_t n) {
  if (st == ACR_ESCHEMA)
    return luaL_error(L, "nextLink: invalid UTF-8 at byte %d",
                      (int)acr_utf8_check(s, n));
  return lacr_list_nomem(L);
}

/* Append name/json to the unknown RunListResult keys of l. */
static acr_status add_unknown(acr_runlist *l, const char *name, size_t nn,
                              const char *json, size_t jn) {
  acr_str *k, *v;
  if (!l->meta) return ACR_EMEMORY; /* acr_runlist_new makes it */
  if (acr_utf8_check(name, nn) != nn) return ACR_ESCHEMA;
  k = acr_run_str(l->meta, name, nn);
  v = acr_run_str(l->meta, json, jn);
  if (!k || !v) return ACR_EMEMORY;
  if (!l->unknown && !(l->unknown = acr_list_new(l->meta, 4)))
    return ACR_EMEMORY;
  if (acr_list_push(l->meta, &l->unknown, k) != ACR_OK ||
      acr_list_push(l->meta, &l->unknown, v) != ACR_OK)
    return ACR_EMEMORY;
  return ACR_OK;
}

typedef struct name {
  const char *s;
  size_t n;
} name;

static int cmp_names(const void *a, const void *b) {
  const name *x = (const name *)a, *y = (const name *)b;
  int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
  return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* The keys of the RunListResult-shaped table at t other than value and
 * nextLink are kept as unknown keys (JSON text, in byte order of the names
 * so the output does not depend on the table's traversal order); null
 * (nil, cjson.null) values are absent.  Keys must be strings, and keep
 * every byte (an embedded NUL included). */
static void keep_unknown_keys(lua_State *L, acr_runlist *l, int t) {
  size_t k = 0, i;
  name *names;
  int keys;
  lua_newtable(L); /* the names, anchored */
  keys = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int null = lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TLIGHTUSERDATA &&
                                     lua_touserdata(L, -1) == NULL);
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      luaL_argerror(L, 1,
                    lua_pushfstring(L, "RunListResult keys must be strings, "
                                       "got %s", luaL_typename(L, -1)));
    }
    if (null || lacr_streq(L, -1, "value") || lacr_streq(L, -1, "nextLink"))
      continue;
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, (int)++k);
  }
  if (k == 0) {
    lua_settop(L, keys - 1);
    return;
  }
  names = (name *)lua_newuserdata(L, k * sizeof *names);
  for (i = 0; i < k; i++) {
    lua_rawgeti(L, keys, (int)(i + 1));
    names[i].s = lua_tolstring(L, -1, &names[i].n); /* anchored in keys */
    lua_pop(L, 1);
  }
  qsort(names, k, sizeof *names, cmp_names);
  for (i = 0; i < k; i++) {
    acr_buf *b;
    acr_status st;
    acr_path path;
    acr_path_init(&path);
    acr_path_key(&path, names[i].s, names[i].n);
    lua_pushlstring(L, names[i].s, names[i].n);
    lua_rawget(L, t);
    lua_pushnil(L); /* keeps the pops below balanced */
    b = lacr_to_json(L, -2, &path);
    st = add_unknown(l, names[i].s, names[i].n, b->p ? b->p : "", b->len);
    if (st == ACR_ESCHEMA)
      luaL_error(L, "invalid UTF-8 at byte %d of a RunListResult key",
                 (int)acr_utf8_check(names[i].s, names[i].n));
    if (st != ACR_OK) lacr_list_nomem(L);
    lacr_box_free(b);
    lua_pop(L, 3);
  }
  lua_settop(L, keys - 1);
}

/* acr.list([runs]): runs is an array of Run values or plain tables, or a
 * RunListResult-shaped table {value = {...}, nextLink = "...", ...} (what
 * list:to_table() gives; other keys are kept as unknown keys). */
static int l_list(lua_State *L) {
  acr_runlist *l;
  int arr = 1;
  size_t i, n;
  lua_settop(L, 1);
  l = lacr_newlist(L); /* 2 */
  if (lua_isnil(L, 1)) return 1;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushliteral(L, "value");
  lua_rawget(L, 1);
  if (lua_type(L, -1) == LUA_TTABLE) {
    /* RunListResult shape */
    lua_pushliteral(L, "nextLink");
    lua_rawget(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t nl;
      const char *s = lua_tolstring(L, -1, &nl);
      acr_status st = acr_runlist_set_nextlink(l, s, nl);
      if (st != ACR_OK) nextlink_fail(L, st, s, nl);
    } else if (!lua_isnil(L, -1) && !(lua_type(L, -1) == LUA_TLIGHTUSERDATA &&
                                      lua_touserdata(L, -1) == NULL)) {
      return luaL_argerror(L, 1, "nextLink must be a string");
    }
    lua_pop(L, 1);
    keep_unknown_keys(L, l, 1);
    arr = 3;
  }
  lua_settop(L, 3);
  if (arr == 1) lua_pushvalue(L, 1), lua_replace(L, 3);
  n = (size_t)lua_rawlen(L, 3);
  {
    size_t keys = 0;
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      keys++;
      lua_pop(L, 1);
    }
    if (keys != n)
      return luaL_argerror(L, 1, "expected an array of runs");
  }
  for (i = 1; i <= n; i++) {
    acr_run *r;
    lua_rawgeti(L, 3, (int)i);
    r = lacr_torun(L, 4, 1);
    lacr_list_push(L, l, r);
    lua_settop(L, 3);
  }
  lua_settop(L, 2);
  return 1;
}

/* ---- the Runs acr.ffi keeps ---------------------------------------------- */

/* With acr.ffi (lua/acr/ffi.lua) a list keeps, in its uservalue, the Run it
 * gave for list[i] at key i, so that reads of list[i] find it again, also
 * after a full collection.  Only what a list holds is kept: the entry of an
 * index whose run is replaced goes, a sorted list drops them all (its
 * indexes hold other runs) and a closed one too.  The C path (PUC Lua,
 * acr.ffi off) never makes the table. */
#if LUA_VERSION_NUM >= 504
#define uv_push(L, i) ((void)lua_getiuservalue((L), (i), 1))
#define uv_set(L, i) ((void)lua_setiuservalue((L), (i), 1))
#elif LUA_VERSION_NUM >= 502
#define uv_push(L, i) ((void)lua_getuservalue((L), (i)))
#define uv_set(L, i) lua_setuservalue((L), (i))
#else
#define uv_push(L, i) lua_getfenv((L), (i))
#define uv_set(L, i) ((void)lua_setfenv((L), (i)))
#endif

/* Drops the kept Run of index i of the RunList at idx (every one when i is
 * 0).  Allocates nothing: only present keys are set to nil. */
static void proxies_drop(lua_State *L, int idx, size_t i) {
  lacr_RunList *u = (lacr_RunList *)lua_touserdata(L, idx);
  if (u == NULL || !u->proxies) return;
  idx = lua_absindex(L, idx);
  uv_push(L, idx);
  if (i > 0) {
    if (i <= INT_MAX) {
      lua_rawgeti(L, -1, (int)i);
      if (!lua_isnil(L, -1)) {
        lua_pushnil(L);
        lua_rawseti(L, -3, (int)i);
      }
      lua_pop(L, 1);
    }
  } else {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_pushnil(L);
      lua_rawset(L, -4); /* an existing key: allowed while traversing */
    }
  }
  lua_pop(L, 1);
}

/* acr._list_runs(list, i, j) -> count, kept: the Runs of list[k] for k =
 * i..j (stopping at the end of the list) in the table the list keeps them
 * in (made on the first call), one call for acr.ffi.  A Run already kept
 * for k that still holds the run the list has there stays (the same
 * object); the others are made as list[k] makes them, reading the list
 * afresh after each allocation. */
static int l_list_runs(lua_State *L) {
  lua_Integer i = luaL_checkinteger(L, 2), j = luaL_checkinteger(L, 3), k;
  lacr_RunList *u;
  int n = 0;
  lacr_list_of(L, 1);
  lua_settop(L, 3);
  u = (lacr_RunList *)lua_touserdata(L, 1);
  if (!u->proxies) {
    lua_newtable(L);
    uv_set(L, 1);
    u->proxies = 1;
  }
  uv_push(L, 1); /* 4 */
  if (j > INT_MAX) j = INT_MAX; /* lua_rawseti's key */
  for (k = i < 1 ? 1 : i; k <= j && (size_t)k <= lacr_list_of(L, 1)->n;
       k++) {
    lacr_Run *ru;
    lua_rawgeti(L, 4, (int)k);
    ru = lacr_testrun(L, -1);
    if (ru == NULL || ru->run != lacr_list_of(L, 1)->runs[k - 1]) {
      lua_pop(L, 1);
      lacr_list_push_element(L, (size_t)k);
      if (lua_isnil(L, -1)) break;
      lua_rawseti(L, 4, (int)k);
    } else {
      lua_pop(L, 1);
    }
    n++;
  }
  lua_pushinteger(L, n);
  lua_pushvalue(L, 4);
  return 2;
}

/* ---- indexing ----------------------------------------------------------- */

/* The 1-based integer index at idx, or 0 if the key is not a positive
 * integral number. */
static size_t toindex(lua_State *L, int idx) {
  lua_Number d = lua_tonumber(L, idx);
  /* range first: casting an out-of-range float is undefined */
  if (!(d >= 1 && d <= 9007199254740992.0) || d != (lua_Number)(size_t)d)
    return 0;
  return (size_t)d;
}

static void push_nextlink(lua_State *L, const acr_runlist *l) {
  if (l->nextLink) lua_pushlstring(L, l->nextLink->s, l->nextLink->len);
  else lua_pushnil(L);
}

/* __index: list[i] (a live Run with its own reference), list.nextLink, or a
 * method (upvalue 1 is the method table). */
static int l_index(lua_State *L) {
  acr_runlist *l = lacr_list_of(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    size_t i = toindex(L, 2);
    if (i >= 1 && i <= l->n) lacr_list_push_element(L, i);
    else lua_pushnil(L);
    return 1;
  }
  if (lua_type(L, 2) == LUA_TSTRING) {
    if (lacr_streq(L, 2, "nextLink")) {
      push_nextlink(L, l);
      return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (lua_isnil(L, -1) && lacr_streq(L, 2, "format"))
      return luaL_error(L, "list:format comes with the acr.format module: "
                           "require(\"acr.format\") first");
    return 1;
  }
  lua_pushnil(L);
  return 1;
}

static int set_nextlink(lua_State *L, acr_runlist *l, int idx) {
  if (lua_isnil(L, idx)) {
    acr_runlist_set_nextlink(l, NULL, 0);
  } else if (lua_type(L, idx) == LUA_TSTRING) {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    acr_status st = acr_runlist_set_nextlink(l, s, n);
    if (st != ACR_OK) return nextlink_fail(L, st, s, n);
  } else {
    return luaL_error(L, "nextLink must be a string or nil, got %s",
                      luaL_typename(L, idx));
  }
  return 0;
}

/* __newindex: list[i] = run (replace; i = #list + 1 appends), list.nextLink
 * = string | nil. */
static int l_newindex(lua_State *L) {
  acr_runlist *l = lacr_list_of(L, 1);
  lua_settop(L, 3);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    size_t i = toindex(L, 2);
    acr_run *r;
    if (i < 1 || i > l->n + 1)
      return luaL_error(L, "index %s out of range (list has %d runs)",
                        lua_tostring(L, 2), (int)l->n);
    if (lua_isnil(L, 3))
      return luaL_error(L, "cannot assign nil to a RunList element");
    r = lacr_torun(L, 3, 3);
    l = lacr_list_of(L, 1); /* from_table may run Lua code */
    if (i == l->n + 1) {
      lacr_list_push(L, l, r);
    } else if (i <= l->n) {
      acr_runlist_set(l, i - 1, r); /* i is in range: cannot fail */
      proxies_drop(L, 1, i);         /* the old run is not kept by it */
    } else {
      return luaL_error(L, "index out of range");
    }
    return 0;
  }
  if (lacr_streq(L, 2, "nextLink"))
    return set_nextlink(L, l, 3);
  return luaL_error(L, "RunList has no field '%s' (only nextLink and integer "
                       "indexes can be assigned)",
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2)
                                                  : luaL_typename(L, 2));
}

static int l_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lacr_list_of(L, 1)->n);
  return 1;
}

/* list:sort(key [, order]) (lacr_list_sort), then the kept Runs go: each
 * index may hold another run now, and one replaced later must not stay
 * kept under its old index. */
static int l_sort(lua_State *L) {
  int r = lacr_list_sort(L);
  proxies_drop(L, 1, 0);
  return r;
}

static int l_iter_next(lua_State *L) {
  acr_runlist *l = lacr_list_of(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2) + 1;
  if (i < 1 || (size_t)i > l->n) return 0;
  lua_pushinteger(L, i);
  lacr_list_push_element(L, (size_t)i);
  return 2;
}

/* list:iter() -> iterator, list, 0: for i, run in list:iter() do ... end */
static int l_iter(lua_State *L) {
  lacr_list_of(L, 1);
  lua_settop(L, 1);
  lua_pushcfunction(L, l_iter_next);
  lua_insert(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

/* ---- building ----------------------------------------------------------- */

/* list:append(run) -> list */
static int l_append(lua_State *L) {
  acr_run *r;
  lua_settop(L, 2);
  lacr_list_of(L, 1);
  r = lacr_torun(L, 2, 2);
  lacr_list_push(L, lacr_list_of(L, 1), r);
  lua_settop(L, 1);
  return 1;
}

/* list:extend(other) -> list: appends the runs of other (shared) and takes
 * its nextLink, as when joining the pages of Runs_List. */
static int l_extend(lua_State *L) {
  acr_runlist *l = lacr_list_of(L, 1);
  acr_runlist *o = lacr_list_of(L, 2);
  size_t i, n = o->n;
  lua_settop(L, 2);
  for (i = 0; i < n; i++) lacr_list_push(L, l, o->runs[i]);
  if (o->nextLink) {
    if (l != o &&
        acr_runlist_set_nextlink(l, o->nextLink->s, o->nextLink->len))
      lacr_list_nomem(L);
  } else {
    acr_runlist_set_nextlink(l, NULL, 0);
  }
  lua_settop(L, 1);
  return 1;
}

/* ---- conversion ------------------------------------------------------- */


/* list:to_table() -> {value = {run tables...}, nextLink = ...}: the value
 * cjson.decode(list:encode()) gives.  The runs are those of the list when
 * called, pinned (building the tables may run Lua code). */
static int l_to_table(lua_State *L) {
  acr_runlist *l;
  lacr_Pins *p;
  size_t i, n;
  int amt;
  lua_settop(L, 1);
  lacr_list_of(L, 1);
  amt = lacr_array_mt(L); /* 2 or 0 */
  p = lacr_pin_list(L, 1, 1);
  l = lacr_list_of(L, 1);
  n = l->meta ? p->n - 1 : p->n;
  lua_createtable(L, 0, 2);
  lua_createtable(L, (int)n, 0);
  if (amt) {
    lua_pushvalue(L, amt);
    lua_setmetatable(L, -2);
  }
  for (i = 0; i < n; i++) {
    lacr_run_to_table(L, p->runs[i], amt, ACR_ENCODE_AS_READ);
    lua_rawseti(L, -2, (int)(i + 1));
  }
  lua_setfield(L, -2, "value");
  l = lacr_list_of(L, 1);
  if (l->nextLink) {
    push_nextlink(L, l);
    lua_setfield(L, -2, "nextLink");
  }
  l = lacr_list_of(L, 1);
  if (l->unknown) {
    const acr_list *u = l->unknown; /* in the meta run: pinned */
    uint32_t k;
    for (k = 0; k + 1 < u->n; k += 2) {
      const acr_str *name = (const acr_str *)u->items[k];
      const acr_str *json = (const acr_str *)u->items[k + 1];
      lua_pushlstring(L, name->s, name->len);
      lacr_push_json(L, json->s, json->len, amt);
      lua_rawset(L, -3);
    }
  }
  lacr_pins_release(p);
  return 1;
}

static int l_encode(lua_State *L) {
  acr_encode_opts o;
  acr_buf *b;
  lua_settop(L, 2);
  lacr_list_of(L, 1);
  lacr_encode_opts(L, 2, &o); /* may run Lua: before the list is read */
  b = lacr_encbuf(L);
  return lacr_push_encoded(L, b, NULL, lacr_list_of(L, 1), &o);
}

#ifndef LUA_FILEHANDLE /* 5.1 and LuaJIT name it in lualib.h */
#include <lualib.h>
#endif

/* The FILE * of the Lua file handle at idx, or NULL when it is closed
 * (5.2+ keep the pointer of a closed file but clear closef; 5.1 and
 * LuaJIT clear the pointer, the first member of their handle). */
static FILE *tofile(lua_State *L, int idx) {
#if LUA_VERSION_NUM >= 502
  luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, idx, LUA_FILEHANDLE);
  return p->closef == NULL ? NULL : p->f;
#else
  return *(FILE **)luaL_checkudata(L, idx, LUA_FILEHANDLE);
#endif
}

/* The sink of list:encode_to: C stdio only, so no Lua code runs while the
 * writer walks the runs. */
static int file_write(void *ud, const char *p, size_t n) {
  return fwrite(p, 1, n, (FILE *)ud) == n ? 0 : 1;
}

/* list:encode_to(file [, opts]) -> true: writes the JSON of list:encode(opts)
 * to an open Lua file handle in pieces of about 1 MB, never holding the
 * whole document.  nil, message, details when the file refuses a write;
 * raises for a closed file or bad options. */
static int l_encode_to(lua_State *L) {
  acr_encode_opts o;
  acr_buf *b;
  acr_status st;
  FILE *fp;
  lua_settop(L, 3);
  lacr_list_of(L, 1);
  tofile(L, 2);
  lacr_encode_opts(L, 3, &o); /* may run Lua: before the list is read */
  b = lacr_encbuf(L);
  if ((fp = tofile(L, 2)) == NULL)
    return luaL_argerror(L, 2, "attempt to use a closed file");
  st = acr_json_encode_list_to(lacr_list_of(L, 1), &o, b, file_write, fp);
  b->len = 0;
  if (st == ACR_OK) {
    lua_pushboolean(L, 1);
    return 1;
  } else {
    acr_error e;
    acr_err_clear(&e);
    if (st == ACR_EMEMORY) return lacr_nomem(L);
    if (st == ACR_EWRITE)
      acr_err(&e, st, "cannot write to the file");
    else
      acr_err(&e, st, "cannot encode: %s", acr_status_name(st));
    return lacr_fail(L, &e);
  }
}

static int l_tostring(lua_State *L) {
  lacr_RunList *u = lacr_testlist(L, 1);
  if (!u || !u->list) {
    lua_pushliteral(L, "RunList (closed)");
  } else {
    size_t n = u->list->n;
    lua_pushfstring(L, "RunList: %d run%s", (int)n, n == 1 ? "" : "s");
  }
  return 1;
}

/* list == other: the same runs (deep) in the same order, the same nextLink
 * and unknown keys. */
static int l_eq(lua_State *L) {
  lacr_RunList *ua = lacr_testlist(L, 1), *ub = lacr_testlist(L, 2);
  int eq;
  if (!ua || !ub || !ua->list || !ub->list) {
    lua_pushboolean(L, ua == ub);
    return 1;
  }
  eq = acr_runlist_equal(ua->list, ub->list);
  lua_pushboolean(L, eq);
  return 1;
}

static int l_gc(lua_State *L) {
  lacr_RunList *u = (lacr_RunList *)luaL_checkudata(L, 1, LACR_RUNLIST);
  if (u->list) {
    acr_runlist_free(u->list);
    u->list = NULL;
  }
  proxies_drop(L, 1, 0); /* closed: its runs are let go */
  return 0;
}

/* ---- host API ------------------------------------------------------------ */

void acr_lua_push_runlist(lua_State *L, const acr_runlist *src) {
  acr_runlist *l = lacr_newlist(L);
  size_t i;
  for (i = 0; i < src->n; i++) lacr_list_push(L, l, src->runs[i]);
  if (copy_meta(l, src) != ACR_OK) lacr_list_nomem(L);
}

acr_runlist *acr_lua_to_runlist(lua_State *L, int idx) {
  lacr_RunList *u = lacr_testlist(L, idx);
  acr_runlist *l;
  size_t i;
  if (!u || !u->list) return NULL;
  l = acr_runlist_new(&u->list->alloc);
  if (!l) return NULL;
  for (i = 0; i < u->list->n; i++) {
    if (acr_runlist_push(l, u->list->runs[i]) != ACR_OK) {
      acr_runlist_free(l);
      return NULL;
    }
  }
  if (copy_meta(l, u->list) != ACR_OK) {
    acr_runlist_free(l);
    return NULL;
  }
  return l;
}

/* ---- registration -------------------------------------------------------- */

static const luaL_Reg methods[] = {
    {"iter", l_iter},         {"append", l_append},
    {"extend", l_extend},     {"to_table", l_to_table},
    {"encode", l_encode},     {"encode_to", l_encode_to},
    {"filter", lacr_list_filter},
    {"sort", l_sort},         {"top", lacr_list_top},
    {"count_by", lacr_list_count_by}, {"summary", lacr_list_summary},
    {"memsize", lacr_list_memsize},   {"column", lacr_list_column},
    {NULL, NULL}};

static const luaL_Reg metamethods[] = {
    {"__newindex", l_newindex}, {"__len", l_len},
    {"__tostring", l_tostring}, {"__eq", l_eq},
    {"__gc", l_gc},             {"__pairs", l_iter},
    {"__ipairs", l_iter},
#if LACR_HAS_CLOSE
    {"__close", l_gc},
#endif
    {NULL, NULL}};

void lacr_open_list(lua_State *L) {
  const luaL_Reg *r;
  luaL_newmetatable(L, LACR_GROUPS);
  lua_pushcfunction(L, lacr_groups_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, LACR_SUMMARY);
  lua_pushcfunction(L, lacr_summary_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, LACR_RUNLIST);
  for (r = metamethods; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_newtable(L);
  for (r = methods; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  /* acr.methods.RunList: Lua modules built on this one add methods there
   * (acr.format adds list:format); C never calls up into Lua. */
  lua_getfield(L, -3, "methods");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -5, "methods");
  }
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "RunList");
  lua_pop(L, 1);
  lua_pushcclosure(L, l_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_list);
  lua_setfield(L, -2, "list");
  lua_pushcfunction(L, lacr_query_key);
  lua_setfield(L, -2, "query_key");
  lua_pushcfunction(L, l_list_runs);
  lua_setfield(L, -2, "_list_runs");
}
