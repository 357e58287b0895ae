/*
 * lacr_json.c -- acr.decode and acr.encode: the Lua face of the core's
 * schema-directed JSON reader and writer (acr_json_read.c, acr_json_write.c).
 *
 * Bad data is an expected event: decode returns nil, message, err.  Bad
 * arguments and options are programmer errors: they raise.
 */
#include "lacr.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

/* Raise if the options table at idx has a key outside valid (NULL-ended),
 * so a misspelt option is not silently ignored. */
static void check_option_names(lua_State *L, int idx,
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

static const char *const decode_options[] = {"strict", "max_depth", NULL};

static void get_decode_opts(lua_State *L, int idx, acr_decode_opts *o) {
  o->strict = 0;
  o->max_depth = 0;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  check_option_names(L, idx, decode_options);
  lua_getfield(L, idx, "strict");
  if (!lua_isnil(L, -1)) {
    if (!lua_isboolean(L, -1))
      luaL_argerror(L, idx, "option 'strict' must be a boolean");
    o->strict = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  lua_getfield(L, idx, "max_depth");
  if (!lua_isnil(L, -1)) {
    lua_Number d = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(d >= 1 && d <= ACR_MAX_DEPTH) ||
        d != (lua_Number)(int)d)
      luaL_argerror(L, idx,
                    lua_pushfstring(L,
                                    "option 'max_depth' must be an integer "
                                    "from 1 to %d (acr.MAX_DEPTH)",
                                    ACR_MAX_DEPTH));
    o->max_depth = (int)d;
  }
  lua_pop(L, 1);
}

/* nil, message, err for bad JSON text: the message is the core's display
 * text (path, reason, position: acr_error_format); err.message holds the
 * reason only. */
static int decode_fail(lua_State *L, const acr_error *err) {
  char shown[ACR_PATH_MAX + ACR_MSG_MAX + 64];
  acr_error_format(err, shown, sizeof shown);
  lua_pushnil(L);
  lua_pushstring(L, shown);
  lacr_push_errtable(L, err);
  return 3;
}

/* acr.decode(text [, opts]) -> Run | RunList | nil, message, err.
 * Both result slots are on the stack before the core allocates anything, so
 * whatever it returns is owned by a userdata before anything can raise. */
static int l_decode(lua_State *L) {
  size_t len;
  const char *text;
  acr_decode_opts o;
  acr_allocator a;
  acr_error err;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  lacr_Run *rslot;
  lacr_RunList *lslot;
  lua_settop(L, 2);
  if (lua_type(L, 1) != LUA_TSTRING)
    return luaL_argerror(
        L, 1, lua_pushfstring(L, "string expected, got %s",
                              luaL_typename(L, 1)));
  text = lua_tolstring(L, 1, &len);
  get_decode_opts(L, 2, &o);
  rslot = lacr_newrun_slot(L);   /* 3 */
  lslot = lacr_newlist_slot(L);  /* 4 */
  lacr_allocator(L, &a);
  acr_err_clear(&err);
  if (acr_json_decode(text, len, &o, &a, &run, &list, &err) != ACR_OK)
    return decode_fail(L, &err);
  if (run) {
    rslot->run = run;
    lua_pushvalue(L, 3);
  } else {
    lslot->list = list;
    lua_pushvalue(L, 4);
  }
  return 1;
}

/* acr.decode_next(text [, init [, opts]]) -> value, next | nil |
 * nil, message, err: the JSON document of text that starts at init
 * (1-based, default 1; whitespace skipped), and the position after it and
 * its trailing whitespace, where the next one starts.  Plain nil when only
 * whitespace is left.  Several documents concatenated or one per line, as
 * jq reads them; positions in err count from the start of text. */
static int l_decode_next(lua_State *L) {
  size_t len, pos;
  const char *text;
  lua_Number init;
  acr_decode_opts o;
  acr_allocator a;
  acr_error err;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  lacr_Run *rslot;
  lacr_RunList *lslot;
  lua_settop(L, 3);
  if (lua_type(L, 1) != LUA_TSTRING)
    return luaL_argerror(
        L, 1, lua_pushfstring(L, "string expected, got %s",
                              luaL_typename(L, 1)));
  text = lua_tolstring(L, 1, &len);
  init = luaL_optnumber(L, 2, 1);
  if (!(init >= 1 && init <= (lua_Number)len + 1) ||
      init != (lua_Number)(size_t)init)
    return luaL_argerror(L, 2, "expected a position from 1 to #text + 1");
  pos = (size_t)init - 1;
  get_decode_opts(L, 3, &o);
  rslot = lacr_newrun_slot(L);   /* 4 */
  lslot = lacr_newlist_slot(L);  /* 5 */
  lacr_allocator(L, &a);
  acr_err_clear(&err);
  if (acr_json_decode_next(text, len, &pos, &o, &a, &run, &list, &err) !=
      ACR_OK)
    return decode_fail(L, &err);
  if (run) {
    rslot->run = run;
    lua_pushvalue(L, 4);
  } else if (list) {
    lslot->list = list;
    lua_pushvalue(L, 5);
  } else {
    lua_pushnil(L);
    return 1;
  }
  lacr_pushint64(L, (int64_t)pos + 1);
  return 2;
}

static const char *const encode_options[] = {"pretty", "profile", NULL};

/* Options of encode; the indent string (if any) stays on the stack, so its
 * pointer is valid until the caller pops it. */
static void get_encode_opts(lua_State *L, int idx, acr_encode_opts *o) {
  o->profile = ACR_PROFILE_FULL;
  o->indent = NULL;
  if (idx == 0 || lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  check_option_names(L, idx, encode_options);
  lua_getfield(L, idx, "profile");
  if (!lua_isnil(L, -1)) {
    const char *p = lua_tostring(L, -1);
    if (lua_type(L, -1) != LUA_TSTRING) p = NULL;
    if (lacr_streq(L, -1, "full")) o->profile = ACR_PROFILE_FULL;
    else if (lacr_streq(L, -1, "request")) o->profile = ACR_PROFILE_REQUEST;
    else if (lacr_streq(L, -1, "update")) o->profile = ACR_PROFILE_UPDATE;
    else
      luaL_argerror(
          L, idx,
          lua_pushfstring(L,
                          "option 'profile' must be one of full, request, "
                          "update (got %s%s%s)",
                          p ? "'" : "", p ? p : luaL_typename(L, -1),
                          p ? "'" : ""));
  }
  lua_pop(L, 1);
  lua_getfield(L, idx, "pretty");
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t n, i;
    const char *s = lua_tolstring(L, -1, &n);
    for (i = 0; i < n; i++)
      if (s[i] != ' ' && s[i] != '\t')
        luaL_argerror(L, idx,
                      "option 'pretty' must be a boolean or an indent of "
                      "spaces and tabs");
    o->indent = s; /* kept on the stack */
    return;
  }
  if (lua_isboolean(L, -1)) {
    if (lua_toboolean(L, -1)) o->indent = "  ";
  } else if (!lua_isnil(L, -1)) {
    luaL_argerror(L, idx,
                  "option 'pretty' must be a boolean or an indent of spaces "
                  "and tabs");
  }
  lua_pop(L, 1);
}

int lacr_encode_value(lua_State *L, int idx, int opts) {
  acr_encode_opts o;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  acr_buf *b;
  acr_status st;
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  if (opts < 0) opts = lua_gettop(L) + opts + 1;
  if (lacr_testrun(L, idx)) lacr_checkrun(L, idx);
  else if (lacr_testlist(L, idx)) lacr_checklist(L, idx);
  else
    return luaL_argerror(L, idx,
                         lua_pushfstring(L, "Run or RunList expected, got %s",
                                         luaL_typename(L, idx)));
  /* Options and the buffer first (they may run Lua code), then the value:
   * the writer runs no Lua. */
  get_encode_opts(L, opts, &o);
  b = lacr_newbox(L);
  if (lacr_testrun(L, idx)) run = lacr_checkrun(L, idx)->run;
  else list = lacr_checklist(L, idx)->list;
  st = run ? acr_json_encode_run(run, &o, b) : acr_json_encode_list(list, &o, b);
  if (st != ACR_OK) {
    acr_error e;
    acr_err_clear(&e);
    if (st == ACR_EMEMORY) acr_err_nomem(&e);
    else if (st == ACR_ESCHEMA) /* the core never writes invalid UTF-8 */
      acr_err(&e, st, "cannot encode: a string is not valid UTF-8");
    else acr_err(&e, st, "cannot encode: %s", acr_status_name(st));
    return lacr_raise(L, &e);
  }
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  lacr_box_free(b);
  return 1;
}

/* acr.encode(value [, opts]) */
static int l_encode(lua_State *L) {
  lua_settop(L, 2);
  return lacr_encode_value(L, 1, 2);
}

/* ---- JSON text -> Lua value ---------------------------------------------- */

/* The text given to lacr_push_json has been validated by the core, so the
 * reader below trusts its grammar; it only guards depth (the C stack and,
 * on 5.1, the Lua stack). */
#define PUSH_JSON_MAX_DEPTH 1000

typedef struct jcur {
  const char *p, *e;
  int depth;
  int array_mt; /* stack index of lua-cjson's array_mt, or 0 */
} jcur;

static void jws(jcur *c) {
  while (c->p < c->e &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static void jutf8(luaL_Buffer *b, unsigned long cp) {
  char u[4];
  luaL_addlstring(b, u, acr_utf8_put(u, cp));
}

/* c->p is at the opening quote. */
static void jstring(lua_State *L, jcur *c) {
  const char *start = ++c->p, *q = start;
  luaL_Buffer b;
  while (q < c->e && *q != '"' && *q != '\\') q++;
  if (q >= c->e || *q == '"') { /* no escapes: the common case */
    lua_pushlstring(L, start, (size_t)(q - start));
    c->p = q < c->e ? q + 1 : q;
    return;
  }
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, start, (size_t)(q - start));
  c->p = q;
  while (c->p < c->e && *c->p != '"') {
    if (*c->p != '\\') {
      q = c->p;
      while (q < c->e && *q != '"' && *q != '\\') q++;
      luaL_addlstring(&b, c->p, (size_t)(q - c->p));
      c->p = q;
      continue;
    }
    if (c->e - c->p < 2) break;
    switch (c->p[1]) {
    case 'b': luaL_addchar(&b, '\b'); c->p += 2; break;
    case 'f': luaL_addchar(&b, '\f'); c->p += 2; break;
    case 'n': luaL_addchar(&b, '\n'); c->p += 2; break;
    case 'r': luaL_addchar(&b, '\r'); c->p += 2; break;
    case 't': luaL_addchar(&b, '\t'); c->p += 2; break;
    case 'u': {
      unsigned long cp;
      if (c->e - c->p < 6) {
        c->p = c->e;
        break;
      }
      cp = acr_hex4(c->p + 2);
      c->p += 6;
      if (cp >= 0xD800 && cp < 0xDC00 && c->e - c->p >= 6 &&
          c->p[0] == '\\' && c->p[1] == 'u') {
        unsigned long lo = acr_hex4(c->p + 2);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          c->p += 6;
        }
      }
      jutf8(&b, cp);
      break;
    }
    default: /* " \ / */
      luaL_addchar(&b, c->p[1]);
      c->p += 2;
      break;
    }
  }
  if (c->p < c->e) c->p++;
  luaL_pushresult(&b);
}

/* Numbers: integers that fit as integers (5.3+), others as floats read
 * without regard to the C locale. */
static void jnumber(lua_State *L, jcur *c) {
  const char *start = c->p;
  int integral = 1;
  size_t n;
  while (c->p < c->e && strchr("+-0123456789.eE", *c->p)) {
    if (*c->p == '.' || *c->p == 'e' || *c->p == 'E') integral = 0;
    c->p++;
  }
  n = (size_t)(c->p - start);
#if LUA_VERSION_NUM >= 503
  if (integral && n <= 18) {
    lua_Integer v = 0;
    size_t i = (*start == '-') ? 1 : 0;
    for (; i < n; i++) v = v * 10 + (start[i] - '0');
    lua_pushinteger(L, *start == '-' ? -v : v);
    return;
  }
#else
  (void)integral;
#endif
  {
    char buf[128];
    if (n < sizeof buf) {
      char point = localeconv()->decimal_point[0];
      size_t i;
      memcpy(buf, start, n);
      buf[n] = '\0';
      for (i = 0; i < n; i++)
        if (buf[i] == '.') buf[i] = point;
      lua_pushnumber(L, (lua_Number)strtod(buf, NULL));
    } else {
      /* absurdly long: let Lua convert it */
      lua_pushlstring(L, start, n);
      lua_pushnumber(L, lua_tonumber(L, -1));
      lua_remove(L, -2);
    }
  }
}

static void jvalue(lua_State *L, jcur *c);

static void jcontainer(lua_State *L, jcur *c) {
  int obj = (*c->p == '{');
  int i = 0;
  if (++c->depth > PUSH_JSON_MAX_DEPTH)
    luaL_error(L, "JSON value nested too deeply to convert (limit %d)",
               PUSH_JSON_MAX_DEPTH);
  luaL_checkstack(L, 4, "JSON value nested too deeply");
  c->p++;
  lua_newtable(L);
  if (!obj && c->array_mt) {
    lua_pushvalue(L, c->array_mt);
    lua_setmetatable(L, -2);
  }
  for (;;) {
    jws(c);
    if (c->p >= c->e) break;
    if (*c->p == (obj ? '}' : ']')) {
      c->p++;
      break;
    }
    if (*c->p == ',') {
      c->p++;
      continue;
    }
    if (obj) {
      jstring(L, c);
      jws(c);
      if (c->p < c->e && *c->p == ':') c->p++;
      jvalue(L, c);
      lua_rawset(L, -3);
    } else {
      jvalue(L, c);
      lua_rawseti(L, -2, ++i);
    }
  }
  c->depth--;
}

static void jvalue(lua_State *L, jcur *c) {
  jws(c);
  if (c->p >= c->e) {
    lua_pushnil(L);
    return;
  }
  switch (*c->p) {
  case '{': case '[': jcontainer(L, c); break;
  case '"': jstring(L, c); break;
  case 't': lua_pushboolean(L, 1); c->p += 4; break;
  case 'f': lua_pushboolean(L, 0); c->p += 5; break;
  case 'n': lua_pushlightuserdata(L, NULL); c->p += 4; break; /* cjson.null */
  default: jnumber(L, c); break;
  }
  if (c->p > c->e) c->p = c->e;
}

/* amt: stack index of cjson.array_mt or 0, looked up by the caller before
 * it took pointers into a run (s may point into one: the caller pins it). */
void lacr_push_json(lua_State *L, const char *s, size_t n, int amt) {
  jcur c;
  c.p = s;
  c.e = s + n;
  c.depth = 0;
  c.array_mt = amt;
  luaL_checkstack(L, 8, NULL);
  jvalue(L, &c);
}

void lacr_open_json(lua_State *L) {
  lua_pushcfunction(L, l_decode);
  lua_setfield(L, -2, "decode");
  lua_pushcfunction(L, l_decode_next);
  lua_setfield(L, -2, "decode_next");
  lua_pushcfunction(L, l_encode);
  lua_setfield(L, -2, "encode");
  /* the library's one nesting limit (acr.h ACR_MAX_DEPTH) */
  lua_pushinteger(L, ACR_MAX_DEPTH);
  lua_setfield(L, -2, "MAX_DEPTH");
}
