/*
 * lacr_filter.c -- acr.filter: compiled OData $filter expressions (the
 * Filter userdata) and acr.filter.build, which writes a correctly quoted
 * expression from a table of the common questions.
 *
 * acr.filter is a table with a __call metamethod, so that acr.filter(expr)
 * compiles and acr.filter.build{...} composes.
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

/* ---- acr.filter.build ---------------------------------------------------- */

typedef enum bkind { B_ENUM, B_STRING, B_TIME, B_CONTAINS, B_BOOL } bkind;

typedef struct bkey {
  const char *key;      /* key of the build table */
  const char *property; /* RunFilter property */
  const char *op;       /* comparison */
  bkind kind;
  const acr_enum_def *enumdef;
} bkey;

/* In the order the clauses are written. */
static const bkey build_keys[] = {
    {"status", "status", "eq", B_ENUM, &acr_enum_runstatus},
    {"runType", "runType", "eq", B_ENUM, &acr_enum_runtype},
    {"taskName", "taskName", "eq", B_STRING, NULL},
    {"runId", "runId", "eq", B_STRING, NULL},
    {"createdAfter", "createTime", "ge", B_TIME, NULL},
    {"createdBefore", "createTime", "lt", B_TIME, NULL},
    {"finishedAfter", "finishTime", "ge", B_TIME, NULL},
    {"finishedBefore", "finishTime", "lt", B_TIME, NULL},
    {"image", "outputImageManifests", NULL, B_CONTAINS, NULL},
    {"isArchiveEnabled", "isArchiveEnabled", "eq", B_BOOL, NULL},
    {"agentPoolName", "agentPoolName", "eq", B_STRING, NULL},
};
#define NBUILD (sizeof build_keys / sizeof build_keys[0])

static void push_valid_keys(lua_State *L) {
  luaL_Buffer b;
  size_t i;
  luaL_buffinit(L, &b);
  for (i = 0; i < NBUILD; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, build_keys[i].key);
  }
  luaL_pushresult(&b);
}

/* Push 'text' with each ' doubled. */
static void push_quoted(lua_State *L, const char *s, size_t n) {
  luaL_Buffer b;
  size_t i;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '\'');
  for (i = 0; i < n; i++) {
    if (s[i] == '\'') luaL_addchar(&b, '\'');
    luaL_addchar(&b, s[i]);
  }
  luaL_addchar(&b, '\'');
  luaL_pushresult(&b);
}

static int build_error(lua_State *L, const bkey *k, const char *what) {
  return luaL_argerror(L, 1, lua_pushfstring(L, "%s: %s", k->key, what));
}

/* Push the clause for the single value at idx. */
static void push_clause(lua_State *L, const bkey *k, int idx) {
  switch (k->kind) {
  case B_ENUM: {
    size_t n;
    const char *s;
    int code;
    if (lua_type(L, idx) != LUA_TSTRING)
      build_error(L, k, lua_pushfstring(L, "string expected, got %s",
                                        luaL_typename(L, idx)));
    s = lua_tolstring(L, idx, &n);
    code = acr_enum_lookup(k->enumdef, s, n);
    if (code == ACR_ENUM_UNKNOWN) {
      char list[256];
      acr_enum_list(k->enumdef, list, sizeof list);
      build_error(L, k, lua_pushfstring(L, "invalid %s '%s' (valid: %s)",
                                        k->enumdef->name, s, list));
    }
    s = k->enumdef->values[code];
    push_quoted(L, s, strlen(s));
    lua_pushfstring(L, "%s %s %s", k->property, k->op, lua_tostring(L, -1));
    lua_remove(L, -2);
    break;
  }
  case B_STRING:
  case B_CONTAINS: {
    size_t n;
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING)
      build_error(L, k, lua_pushfstring(L, "string expected, got %s",
                                        luaL_typename(L, idx)));
    s = lua_tolstring(L, idx, &n);
    push_quoted(L, s, n);
    if (k->kind == B_CONTAINS)
      lua_pushfstring(L, "contains(%s, %s)", k->property, lua_tostring(L, -1));
    else
      lua_pushfstring(L, "%s %s %s", k->property, k->op, lua_tostring(L, -1));
    lua_remove(L, -2);
    break;
  }
  case B_TIME: {
    acr_datetime dt;
    acr_error err;
    char text[ACR_DATETIME_TEXT_MAX];
    size_t n;
    acr_err_clear(&err);
    if (lacr_todatetime(L, idx, &dt, &err) != ACR_OK)
      build_error(L, k, err.message);
    n = acr_datetime_format(&dt, text);
    lua_pushfstring(L, "%s %s ", k->property, k->op);
    lua_pushlstring(L, text, n);
    lua_concat(L, 2);
    break;
  }
  case B_BOOL:
    if (!lua_isboolean(L, idx))
      build_error(L, k, lua_pushfstring(L, "boolean expected, got %s",
                                        luaL_typename(L, idx)));
    lua_pushfstring(L, "%s %s %s", k->property, k->op,
                    lua_toboolean(L, idx) ? "true" : "false");
    break;
  }
}

/* acr.filter.build{key = value | {value, ...}, ...} -> expression string.
 * An array of values is the "or" of each (in parentheses); clauses are
 * joined with "and" in the order of build_keys; no keys gives "". */
static int l_build(lua_State *L) {
  luaL_Buffer b;
  size_t i;
  int j, nclauses = 0;
  lua_settop(L, 1);
  luaL_checktype(L, 1, LUA_TTABLE);
  /* refuse unknown keys first */
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                     : NULL;
    lua_pop(L, 1);
    for (i = 0; key && i < NBUILD; i++)
      if (strcmp(build_keys[i].key, key) == 0) break;
    if (!key || i == NBUILD) {
      const char *shown = key ? key : luaL_typename(L, -1);
      push_valid_keys(L);
      return luaL_argerror(
          L, 1,
          lua_pushfstring(L, "unknown key '%s' (valid keys: %s)", shown,
                          lua_tostring(L, -1)));
    }
  }
  lua_newtable(L); /* 2: the clauses */
  for (i = 0; i < NBUILD; i++) {
    const bkey *k = &build_keys[i];
    lua_getfield(L, 1, k->key); /* 3 */
    if (lua_isnil(L, 3)) {
      lua_settop(L, 2);
      continue;
    }
    if (lua_type(L, 3) == LUA_TTABLE) {
      int n = (int)lua_rawlen(L, 3);
      if (n == 0) build_error(L, k, "empty list of values");
      for (j = 1; j <= n; j++) {
        luaL_checkstack(L, 4, "too many values");
        lua_rawgeti(L, 3, j);
        push_clause(L, k, lua_gettop(L));
        lua_remove(L, -2);
        if (j < n) lua_pushliteral(L, " or ");
      }
      lua_concat(L, 2 * n - 1);
      if (n > 1) {
        lua_pushliteral(L, "(");
        lua_insert(L, -2);
        lua_pushliteral(L, ")");
        lua_concat(L, 3);
      }
    } else {
      push_clause(L, k, 3);
    }
    lua_rawseti(L, 2, ++nclauses);
    lua_settop(L, 2);
  }
  luaL_buffinit(L, &b);
  for (j = 1; j <= nclauses; j++) {
    if (j > 1) luaL_addstring(&b, " and ");
    lua_rawgeti(L, 2, j);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return 1;
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

  lua_newtable(L); /* acr.filter */
  lua_pushcfunction(L, l_build);
  lua_setfield(L, -2, "build");
  lua_newtable(L);
  lua_pushcfunction(L, l_filter_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "filter");
}
