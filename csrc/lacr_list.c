/*
 * lacr_list.c -- the RunList userdata: a page (or several joined pages) of
 * runs held by the core's acr_runlist, and its queries.
 *
 * Queries given a compiled filter or a filter string (filter, sort, top,
 * count_by, summary) run in C over the acr_run * array and create no Lua
 * object per run.  Every new list is put in a userdata before it is filled,
 * so an error raised half-way (out of memory, an error in a Lua filter
 * function) leaves nothing to leak.
 */
#include "lacr.h"
#include "acr_query.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- userdata ----------------------------------------------------------- */

static int is_udata(lua_State *L, int idx, const char *tname) {
  int r;
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
    return 0;
  luaL_getmetatable(L, tname);
  r = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return r;
}

lacr_RunList *lacr_newlist_slot(lua_State *L) {
  lacr_RunList *u = (lacr_RunList *)lua_newuserdata(L, sizeof *u);
  u->list = NULL;
  luaL_getmetatable(L, LACR_RUNLIST);
  lua_setmetatable(L, -2);
  return u;
}

lacr_RunList *lacr_testlist(lua_State *L, int idx) {
  return is_udata(L, idx, LACR_RUNLIST) ? (lacr_RunList *)lua_touserdata(L, idx)
                                        : NULL;
}

lacr_RunList *lacr_checklist(lua_State *L, int idx) {
  lacr_RunList *u = lacr_testlist(L, idx);
  if (!u)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "RunList expected, got %s",
                                  luaL_typename(L, idx)));
  else if (!u->list)
    luaL_argerror(L, idx, "RunList is closed");
  return u;
}

static acr_runlist *checklist(lua_State *L, int idx) {
  return lacr_checklist(L, idx)->list;
}

static int nomem(lua_State *L) {
  acr_error e;
  acr_err_clear(&e);
  acr_err_nomem(&e);
  return lacr_raise(L, &e);
}

/* A new empty RunList userdata (pushed) with its list allocated. */
static acr_runlist *newlist(lua_State *L) {
  acr_allocator a;
  lacr_RunList *u = lacr_newlist_slot(L);
  lacr_allocator(L, &a);
  u->list = acr_runlist_new(&a);
  if (!u->list) nomem(L);
  return u->list;
}

/* The run for the value at idx: a Run (shared, not copied) or a plain
 * table converted as acr.from_table does (its Run is pushed and anchors it
 * until the caller resets the stack). */
static acr_run *torun(lua_State *L, int idx, int arg) {
  if (lacr_testrun(L, idx)) return lacr_checkrun(L, idx)->run;
  if (lua_type(L, idx) == LUA_TTABLE)
    return lacr_run_from_table(L, idx, LACR_MODE_FROM);
  luaL_argerror(L, arg,
                lua_pushfstring(L, "Run or table expected, got %s",
                                luaL_typename(L, idx)));
  return NULL;
}

static void push(lua_State *L, acr_runlist *l, acr_run *r) {
  if (acr_runlist_push(l, r) != ACR_OK) nomem(L);
}

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
  return nomem(L);
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
    if (st != ACR_OK) nomem(L);
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
  l = newlist(L); /* 2 */
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
    r = torun(L, 4, 1);
    push(L, l, r);
    lua_settop(L, 3);
  }
  lua_settop(L, 2);
  return 1;
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

/* Push list[i] of the RunList at index 1 as a Run: the userdata is made
 * first, the run read after (making it may run Lua code that changes the
 * list); nil when i is out of range by then. */
static void push_element(lua_State *L, size_t i) {
  lacr_Run *u = lacr_newrun_slot(L);
  acr_runlist *l = checklist(L, 1);
  if (i < 1 || i > l->n) {
    lua_pop(L, 1);
    lua_pushnil(L);
    return;
  }
  u->run = l->runs[i - 1];
  acr_run_retain(u->run);
}

/* __index: list[i] (a live Run with its own reference), list.nextLink, or a
 * method (upvalue 1 is the method table). */
static int l_index(lua_State *L) {
  acr_runlist *l = checklist(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    size_t i = toindex(L, 2);
    if (i >= 1 && i <= l->n) push_element(L, i);
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
  acr_runlist *l = checklist(L, 1);
  lua_settop(L, 3);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    size_t i = toindex(L, 2);
    acr_run *r;
    if (i < 1 || i > l->n + 1)
      return luaL_error(L, "index %s out of range (list has %d runs)",
                        lua_tostring(L, 2), (int)l->n);
    if (lua_isnil(L, 3))
      return luaL_error(L, "cannot assign nil to a RunList element");
    r = torun(L, 3, 3);
    l = checklist(L, 1); /* from_table may run Lua code */
    if (i == l->n + 1) {
      push(L, l, r);
    } else if (i <= l->n) {
      acr_runlist_set(l, i - 1, r); /* i is in range: cannot fail */
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
  lua_pushinteger(L, (lua_Integer)checklist(L, 1)->n);
  return 1;
}

static int l_iter_next(lua_State *L) {
  acr_runlist *l = checklist(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2) + 1;
  if (i < 1 || (size_t)i > l->n) return 0;
  lua_pushinteger(L, i);
  push_element(L, (size_t)i);
  return 2;
}

/* list:iter() -> iterator, list, 0: for i, run in list:iter() do ... end */
static int l_iter(lua_State *L) {
  checklist(L, 1);
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
  checklist(L, 1);
  r = torun(L, 2, 2);
  push(L, checklist(L, 1), r);
  lua_settop(L, 1);
  return 1;
}

/* list:extend(other) -> list: appends the runs of other (shared) and takes
 * its nextLink, as when joining the pages of Runs_List. */
static int l_extend(lua_State *L) {
  acr_runlist *l = checklist(L, 1);
  acr_runlist *o = checklist(L, 2);
  size_t i, n = o->n;
  lua_settop(L, 2);
  for (i = 0; i < n; i++) push(L, l, o->runs[i]);
  if (o->nextLink) {
    if (l != o &&
        acr_runlist_set_nextlink(l, o->nextLink->s, o->nextLink->len))
      nomem(L);
  } else {
    acr_runlist_set_nextlink(l, NULL, 0);
  }
  lua_settop(L, 1);
  return 1;
}

/* ---- conversion ------------------------------------------------------- */

lacr_Pins *lacr_pin_list(lua_State *L, int idx, int meta) {
  lacr_Pins *p;
  acr_runlist *l;
  size_t i;
  idx = lua_absindex(L, idx);
  p = lacr_pins_new(L, checklist(L, idx)->n + 1);
  l = checklist(L, idx); /* the allocation may have run Lua code */
  for (i = 0; i < l->n && p->n + 1 < p->cap; i++) lacr_pins_add(p, l->runs[i]);
  if (meta && l->meta) lacr_pins_add(p, l->meta);
  return p;
}

/* list:to_table() -> {value = {run tables...}, nextLink = ...}: the value
 * cjson.decode(list:encode()) gives.  The runs are those of the list when
 * called, pinned (building the tables may run Lua code). */
static int l_to_table(lua_State *L) {
  acr_runlist *l;
  lacr_Pins *p;
  size_t i, n;
  int amt;
  lua_settop(L, 1);
  checklist(L, 1);
  amt = lacr_array_mt(L); /* 2 or 0 */
  p = lacr_pin_list(L, 1, 1);
  l = checklist(L, 1);
  n = l->meta ? p->n - 1 : p->n;
  lua_createtable(L, 0, 2);
  lua_createtable(L, (int)n, 0);
  if (amt) {
    lua_pushvalue(L, amt);
    lua_setmetatable(L, -2);
  }
  for (i = 0; i < n; i++) {
    lacr_run_to_table(L, p->runs[i], amt);
    lua_rawseti(L, -2, (int)(i + 1));
  }
  lua_setfield(L, -2, "value");
  l = checklist(L, 1);
  if (l->nextLink) {
    push_nextlink(L, l);
    lua_setfield(L, -2, "nextLink");
  }
  l = checklist(L, 1);
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
  checklist(L, 1);
  lacr_encode_opts(L, 2, &o); /* may run Lua: before the list is read */
  b = lacr_newbox(L);
  return lacr_push_encoded(L, b, NULL, checklist(L, 1), &o);
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
 * to an open Lua file handle in pieces of about 64 KB, never holding the
 * whole document.  nil, message, details when the file refuses a write;
 * raises for a closed file or bad options. */
static int l_encode_to(lua_State *L) {
  acr_encode_opts o;
  acr_buf *b;
  acr_status st;
  FILE *fp;
  lua_settop(L, 3);
  checklist(L, 1);
  tofile(L, 2);
  lacr_encode_opts(L, 3, &o); /* may run Lua: before the list is read */
  b = lacr_newbox(L);
  if ((fp = tofile(L, 2)) == NULL)
    return luaL_argerror(L, 2, "attempt to use a closed file");
  st = acr_json_encode_list_to(checklist(L, 1), &o, b, file_write, fp);
  lacr_box_free(b);
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
  const acr_runlist *a, *b;
  size_t i;
  int eq = 1;
  if (!ua || !ub || !ua->list || !ub->list) {
    lua_pushboolean(L, ua == ub);
    return 1;
  }
  a = ua->list;
  b = ub->list;
  if (a->n != b->n || !acr_str_eq(a->nextLink, b->nextLink)) eq = 0;
  for (i = 0; eq && i < a->n; i++)
    if (a->runs[i] != b->runs[i] && !acr_run_equal(a->runs[i], b->runs[i]))
      eq = 0;
  if (eq) {
    uint32_t an = a->unknown ? a->unknown->n : 0;
    uint32_t bn = b->unknown ? b->unknown->n : 0;
    uint32_t k;
    if (an != bn) eq = 0;
    for (k = 0; eq && k < an; k += 2) {
      const acr_str *na = (const acr_str *)a->unknown->items[k];
      const acr_str *ja = (const acr_str *)a->unknown->items[k + 1];
      const acr_str *nb = (const acr_str *)b->unknown->items[k];
      const acr_str *jb = (const acr_str *)b->unknown->items[k + 1];
      if (!acr_str_eq(na, nb) ||
          !acr_json_equal(ja->s, ja->len, jb->s, jb->len))
        eq = 0;
    }
  }
  lua_pushboolean(L, eq);
  return 1;
}

static int l_gc(lua_State *L) {
  lacr_RunList *u = (lacr_RunList *)luaL_checkudata(L, 1, LACR_RUNLIST);
  if (u->list) {
    acr_runlist_free(u->list);
    u->list = NULL;
  }
  return 0;
}

/* ---- queries ------------------------------------------------------------ */

/* list:filter(f) -> new RunList of the matching runs, in order.  f is a
 * Filter or a filter string (matched in C), or a Lua function of a run
 * (called once per run with a Run value; truthy keeps it). */
static int l_filter(lua_State *L) {
  acr_runlist *src = checklist(L, 1);
  lua_settop(L, 2);
  if (lua_type(L, 2) == LUA_TFUNCTION) {
    /* The list is read afresh at each step and the function gets a Run
     * with its own reference: it may change the list and the runs (runs
     * it appends are visited too). */
    acr_runlist *dst = newlist(L); /* 3 */
    size_t i;
    for (i = 1; i <= checklist(L, 1)->n; i++) {
      lacr_Run *ru;
      push_element(L, i); /* 4: a Run holding its own reference */
      lua_pushvalue(L, 2);
      lua_pushvalue(L, 4);
      lua_call(L, 1, 1);
      ru = lacr_testrun(L, 4);
      if (lua_toboolean(L, -1) && ru && ru->run) push(L, dst, ru->run);
      lua_settop(L, 3);
    }
    return 1;
  } else {
    lacr_RunList *u = lacr_newlist_slot(L); /* 3 */
    const acr_filter *f = lacr_checkfilter(L, 2);
    src = checklist(L, 1); /* after every allocation */
    u->list = acr_runlist_filter(src, f);
    if (!u->list) return nomem(L);
    lua_settop(L, 3);
    return 1;
  }
}

static int is_scalar(const acr_field *f) {
  return f->kind == ACR_K_STRING || f->kind == ACR_K_ENUM ||
         f->kind == ACR_K_DATETIME || f->kind == ACR_K_BOOL ||
         f->kind == ACR_K_INT32;
}

/* Push the names of the scalar fields of Run, comma separated. */
static void push_scalar_names(lua_State *L) {
  luaL_Buffer b;
  int i, first = 1;
  luaL_buffinit(L, &b);
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *f = &acr_type_run.fields[i];
    if (!is_scalar(f)) continue;
    if (!first) luaL_addstring(&b, ", ");
    luaL_addstring(&b, f->name);
    first = 0;
  }
  luaL_pushresult(&b);
}

/* The scalar field of Run named by the string at arg (its JSON name, a
 * case-insensitive match, or the RunFilter name taskName); raises with a
 * suggestion for an unknown name, and with the list of scalar fields for a
 * record or list field. */
static const acr_field *check_scalar_field(lua_State *L, int arg) {
  size_t n;
  const char *name = luaL_checklstring(L, arg, &n);
  const acr_field *f = acr_query_field(name, n);
  if (f) return f;
  f = acr_type_field(&acr_type_run, name, n);
  if (!f) {
    const acr_field *s = acr_type_suggest(&acr_type_run, name, n);
    if (s && is_scalar(s))
      luaL_argerror(L, arg,
                    lua_pushfstring(L, "unknown field '%s' (did you mean "
                                       "'%s'?)", name, s->name));
    push_scalar_names(L);
    luaL_argerror(L, arg,
                  lua_pushfstring(L, "unknown field '%s' (scalar fields: %s)",
                                  name, lua_tostring(L, -1)));
  }
  push_scalar_names(L);
  luaL_argerror(L, arg,
                lua_pushfstring(L, "field '%s' is not a scalar field "
                                   "(scalar fields: %s)",
                                name, lua_tostring(L, -1)));
  return NULL;
}

/* One value of list:column, copied out of a run: no pointer into a run is
 * held while Lua allocates (a finaliser may change or compact the run). */
typedef struct colcell {
  uint8_t has;
  uint32_t len;   /* string / raw enum text: bytes at off in the text area */
  size_t off;
  int32_t code;   /* enum code (>= 0: canonical text), int32, bool */
  acr_datetime dt;
} colcell;

/* Fills cells[0..n) from the runs of l and the texts into text (room
 * bytes); returns the bytes the texts need (more than room: not all
 * copied). */
static size_t column_copy(const acr_runlist *l, const acr_field *f,
                          colcell *cells, char *text, size_t room) {
  size_t i, used = 0;
  for (i = 0; i < l->n; i++) {
    const acr_runrec *rec = &l->runs[i]->rec;
    const void *slot = (const char *)rec + f->offset;
#if defined(__GNUC__)
    /* runs are separate blocks: fetch ahead, or the copy waits on misses */
    if (i + 8 < l->n) {
      __builtin_prefetch(&l->runs[i + 8]->rec.h.present);
      __builtin_prefetch((const char *)&l->runs[i + 8]->rec + f->offset);
    }
#endif
    const acr_str *s = NULL;
    colcell c;
    memset(&c, 0, sizeof c);
    c.has = (uint8_t)((rec->h.present >> f->index) & 1u);
    if (c.has) switch (f->kind) {
      case ACR_K_STRING: s = *(acr_str *const *)slot; c.has = s != NULL; break;
      case ACR_K_ENUM:
        c.code = ((const acr_enumval *)slot)->code;
        if (c.code < 0) s = ((const acr_enumval *)slot)->raw;
        c.has = c.code >= 0 || s != NULL;
        break;
      case ACR_K_DATETIME: c.dt = *(const acr_datetime *)slot; break;
      case ACR_K_BOOL: c.code = *(const uint8_t *)slot != 0; break;
      default: c.code = *(const int32_t *)slot; break;
      }
    if (s != NULL) {
      c.len = s->len;
      c.off = used;
      if (text != NULL && used + s->len <= room)
        memcpy(text + used, s->s, s->len);
      used += s->len;
    }
    if (cells) cells[i] = c;
  }
  return used;
}

/* list:column(field) -> values, n: a plain array of the values of one
 * scalar field (named as for sort), in list order, as reads give them
 * (strings, enum texts, DateTimes, booleans, integers); absent values are
 * nil holes, so n (= #list) is returned beside it. */
static int l_column(lua_State *L) {
  const acr_field *f;
  const acr_runlist *l;
  colcell *cells;
  const char *text;
  size_t n, need, room, i;
  int base = 0;
  lua_settop(L, 2);
  f = check_scalar_field(L, 2);
  /* One pass over the runs when the texts fit the first guess (no text
   * but unknown enum values for the other kinds); a second, sized
   * exactly, when they do not. */
  room = f->kind == ACR_K_STRING ? checklist(L, 1)->n * 24 : 64;
  for (;;) {
    l = checklist(L, 1);
    n = l->n;
    if (n > (((size_t)-1) - room - 1) / sizeof *cells)
      return luaL_error(L, "list too long for a column");
    cells = (colcell *)lua_newuserdata(L, n * sizeof *cells + room + 1);
    /* the allocation may have run finalisers that changed the runs */
    l = checklist(L, 1);
    if (l->n == n) {
      need = column_copy(l, f, cells, (char *)(cells + n), room);
      if (need <= room) break;
      room = need;
    }
    lua_settop(L, 2);
  }
  text = (const char *)(cells + n);
  lua_createtable(L, n > INT_MAX ? INT_MAX : (int)n, 0); /* 4 */
  if (f->kind == ACR_K_ENUM) {
    /* the canonical texts once, copied per run from the stack */
    int k, count = f->enumdef->count;
    luaL_checkstack(L, count, "column");
    base = lua_gettop(L) + 1;
    for (k = 0; k < count; k++)
      lua_pushlstring(L, f->enumdef->values[k], f->enumdef->lengths[k]);
  }
  for (i = 0; i < n; i++) {
    const colcell *c = &cells[i];
    if (!c->has) continue;
    switch (f->kind) {
    case ACR_K_STRING: lua_pushlstring(L, text + c->off, c->len); break;
    case ACR_K_ENUM:
      if (c->code >= 0)
        lua_pushvalue(L, base + c->code);
      else
        lua_pushlstring(L, text + c->off, c->len);
      break;
    case ACR_K_DATETIME: lacr_pushdatetime(L, &c->dt); break;
    case ACR_K_BOOL: lua_pushboolean(L, c->code); break;
    default: lua_pushinteger(L, (lua_Integer)c->code); break;
    }
    lua_rawseti(L, 4, (int)(i + 1));
  }
  lua_pushvalue(L, 4);
  lua_pushinteger(L, (lua_Integer)n);
  return 2;
}

/* list:sort(key [, "asc" | "desc"]) -> list: stable, in place; date-times
 * by instant, absent values last. */
static int l_sort(lua_State *L) {
  acr_runlist *l;
  const acr_field *f = check_scalar_field(L, 2);
  int desc;
  acr_status st;
  checklist(L, 1);
  luaL_optstring(L, 3, "asc");
  if (lua_isnoneornil(L, 3) || lacr_streq(L, 3, "asc")) desc = 0;
  else if (lacr_streq(L, 3, "desc")) desc = 1;
  else return luaL_argerror(L, 3, "expected 'asc' or 'desc'");
  l = checklist(L, 1);
  st = acr_runlist_sort(l, f, desc);
  if (st == ACR_EMEMORY) return nomem(L);
  if (st != ACR_OK) return luaL_argerror(L, 2, "cannot sort by this field");
  lua_settop(L, 1);
  return 1;
}

/* list:top(n) -> new RunList of the n most recently created runs, newest
 * first (what $top returns). */
static int l_top(lua_State *L) {
  lua_Number d = luaL_checknumber(L, 2);
  lacr_RunList *u;
  checklist(L, 1);
  if (!(d >= 0 && d <= 9007199254740992.0) || d != (lua_Number)(size_t)d)
    return luaL_argerror(L, 2, "expected a non-negative integer");
  lua_settop(L, 2);
  u = lacr_newlist_slot(L);
  u->list = acr_runlist_top(checklist(L, 1), (size_t)d);
  if (!u->list) return nomem(L);
  return 1;
}

/* Aggregate results live in userdata whose __gc frees them, so building
 * the Lua table (which may raise out of memory) cannot leak them. */
#define LACR_GROUPS  "acr.run.Groups"
#define LACR_SUMMARY "acr.run.Summary"

static int groups_gc(lua_State *L) {
  acr_groups_free((acr_groups *)lua_touserdata(L, 1));
  return 0;
}

static int summary_gc(lua_State *L) {
  acr_summary_free((acr_summary *)lua_touserdata(L, 1));
  return 0;
}

/* Push the key of a group: a boolean for bool fields, else its text. */
static void push_group_key(lua_State *L, const acr_field *f,
                           const acr_group *g) {
  if (f->kind == ACR_K_BOOL) lua_pushboolean(L, g->text[0] == 't');
  else lua_pushlstring(L, g->text, g->len);
}

/* Copy the groups' texts (which point into the runs) into the box b, made
 * before, with no Lua call: pushing them may run Lua code that changes the
 * runs (lacr_pin.c). */
static void copy_group_texts(lua_State *L, acr_groups *g, acr_buf *b) {
  size_t i, at = b->len;
  for (i = 0; i < g->n; i++)
    if (acr_buf_add(b, g->items[i].text, g->items[i].len) != ACR_OK)
      nomem(L);
  for (i = 0; i < g->n; i++) {
    g->items[i].text = b->p + at;
    at += g->items[i].len;
  }
}

static size_t status_text_len(const acr_groups *g) {
  size_t i, n = 0;
  for (i = 0; i < g->n; i++) n += g->items[i].len;
  return n;
}

static void push_groups(lua_State *L, const acr_field *f,
                        const acr_groups *g) {
  size_t i;
  lua_createtable(L, 0, (int)g->n);
  for (i = 0; i < g->n; i++) {
    push_group_key(L, f, &g->items[i]);
    lua_pushinteger(L, (lua_Integer)g->items[i].count);
    lua_rawset(L, -3);
  }
}

/* list:count_by(field) -> {value = count}: field is a scalar field as for
 * sort.  Values are grouped as filters compare them (enums
 * case-insensitively under their canonical spelling, date-times by instant
 * under the first spelling seen); bool fields give keys true and false,
 * others their text.  Runs without the field are not counted. */
static int l_count_by(lua_State *L) {
  const acr_field *f;
  acr_allocator a;
  acr_groups *g;
  acr_status st;
  acr_buf *b;
  checklist(L, 1);
  f = check_scalar_field(L, 2);
  lua_settop(L, 2);
  lacr_allocator(L, &a);
  g = (acr_groups *)lua_newuserdata(L, sizeof *g); /* 3 */
  acr_groups_init(g, &a);
  luaL_getmetatable(L, LACR_GROUPS);
  lua_setmetatable(L, -2);
  b = lacr_newbox(L); /* 4 */
  st = acr_runlist_count_by(checklist(L, 1), f, g);
  if (st == ACR_EMEMORY) return nomem(L);
  if (st != ACR_OK) return luaL_argerror(L, 2, "cannot count by this field");
  copy_group_texts(L, g, b);
  push_groups(L, f, g);
  acr_groups_free(g);
  lacr_box_free(b);
  return 1;
}

/* list:summary() -> {total = n, by_status = {Status = n}, by_task = {name =
 * {runs = n, failed = n, finished = n, p50 = s, p95 = s}}}.  failed counts
 * Failed, Error and Timeout; p50/p95 are nearest-rank percentiles of
 * finishTime - startTime in seconds over the finished runs (nil when there
 * are none).  Runs without a status are only in total; runs without a task
 * are under the name "". */
/* list:memsize() -> bytes the list and its runs hold outside the Lua heap
 * (collectgarbage("count") does not see them).  Runs shared with other
 * lists are counted in each. */
static int l_memsize(lua_State *L) {
  lua_pushnumber(L, (lua_Number)acr_runlist_memsize(checklist(L, 1)));
  return 1;
}

static int l_summary(lua_State *L) {
  acr_allocator a;
  acr_summary *s;
  acr_buf *b;
  size_t i, at = 0;
  checklist(L, 1);
  lua_settop(L, 1);
  lacr_allocator(L, &a);
  s = (acr_summary *)lua_newuserdata(L, sizeof *s); /* 2 */
  acr_summary_init(s, &a);
  luaL_getmetatable(L, LACR_SUMMARY);
  lua_setmetatable(L, -2);
  b = lacr_newbox(L); /* 3 */
  if (acr_runlist_summary(checklist(L, 1), s) != ACR_OK) return nomem(L);
  /* Texts point into the runs: copied out before anything is pushed (the
   * task names first: copying the status texts last leaves b's block
   * where it is). */
  for (i = 0; i < s->ntasks; i++)
    if (s->tasks[i].task &&
        acr_buf_add(b, s->tasks[i].task, s->tasks[i].len) != ACR_OK)
      return nomem(L);
  if (acr_buf_reserve(b, status_text_len(&s->by_status)) != ACR_OK)
    return nomem(L);
  for (i = 0; i < s->ntasks; i++)
    if (s->tasks[i].task) {
      s->tasks[i].task = b->p + at;
      at += s->tasks[i].len;
    }
  copy_group_texts(L, &s->by_status, b);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, (lua_Integer)s->total);
  lua_setfield(L, -2, "total");
  push_groups(L, &acr_type_run.fields[ACR_RUN_STATUS], &s->by_status);
  lua_setfield(L, -2, "by_status");
  lua_createtable(L, 0, (int)s->ntasks);
  for (i = 0; i < s->ntasks; i++) {
    const acr_task_stats *t = &s->tasks[i];
    if (t->task) lua_pushlstring(L, t->task, t->len);
    else lua_pushliteral(L, "");
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)t->runs);
    lua_setfield(L, -2, "runs");
    lua_pushinteger(L, (lua_Integer)t->failed);
    lua_setfield(L, -2, "failed");
    lua_pushinteger(L, (lua_Integer)t->finished);
    lua_setfield(L, -2, "finished");
    if (t->finished) {
      lua_pushnumber(L, (lua_Number)t->p50);
      lua_setfield(L, -2, "p50");
      lua_pushnumber(L, (lua_Number)t->p95);
      lua_setfield(L, -2, "p95");
    }
    lua_rawset(L, -3);
  }
  lua_setfield(L, -2, "by_task");
  acr_summary_free(s);
  lacr_box_free(b);
  return 1;
}

/* ---- host API ------------------------------------------------------------ */

void acr_lua_push_runlist(lua_State *L, const acr_runlist *src) {
  acr_runlist *l = newlist(L);
  size_t i;
  for (i = 0; i < src->n; i++) push(L, l, src->runs[i]);
  if (copy_meta(l, src) != ACR_OK) nomem(L);
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
    {"filter", l_filter},
    {"sort", l_sort},         {"top", l_top},
    {"count_by", l_count_by}, {"summary", l_summary},
    {"memsize", l_memsize},   {"column", l_column},
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
  lua_pushcfunction(L, groups_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, LACR_SUMMARY);
  lua_pushcfunction(L, summary_gc);
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
}
