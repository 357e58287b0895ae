/*
 * lacr_jsonval.c -- JSON text <-> Lua values: the Lua value of a kept
 * unknown field's JSON text (to_table, diff), and the JSON text of a Lua
 * value assigned as an unknown field (from_table, acr.list); the encoder's
 * options and the push of its output.
 *
 * Strings and numbers are written by the core's writers
 * (acr_json_write_string; numbers locale-free); depth is bounded by the
 * library's one limit (ACR_MAX_DEPTH, less the levels a document wraps an
 * unknown value in).
 */
#include "lacr.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Lua value -> JSON text -------------------------------------------- */

typedef struct jwriter {
  acr_path path; /* where the value being written is */
  acr_buf *b;
  int amt, empty_array; /* stack indexes of cjson's markers, or 0 */
  int depth;
} jwriter;

static void jw_add(lua_State *L, jwriter *w, const char *s, size_t n) {
  if (acr_buf_add(w->b, s, n) != ACR_OK) lacr_nomem(L);
}

static void jw_string(lua_State *L, jwriter *w, const char *s, size_t n) {
  acr_status st = acr_utf8_check(s, n) == n
                      ? acr_json_write_string(w->b, s, n) : ACR_ESCHEMA;
  if (st == ACR_EMEMORY) lacr_nomem(L);
  if (st != ACR_OK)
    lacr_errorat(L, NULL, "cannot represent a string as JSON at %s (invalid "
                     "UTF-8)",
            w->path.len ? w->path.buf : "the root");
}

static int cannot(lua_State *L, jwriter *w, const char *what) {
  return lacr_errorat(L, NULL, "cannot represent %s as JSON at %s", what,
                 w->path.len ? w->path.buf : "the root");
}

/* The number at idx as JSON text in buf (>= 64 bytes); raises for NaN and
 * infinities.  Integers exactly; other numbers by acr_json_format_double
 * (the fewest digits that read back the same, '.' whatever the locale). */
static size_t jw_format_number(lua_State *L, jwriter *w, int idx,
                               char *buf) {
  lua_Number d;
#if LACR_HAS_INTEGERS
  if (lua_isinteger(L, idx))
    return (size_t)snprintf(buf, 64, "%lld", (long long)lua_tointeger(L, idx));
#endif
  d = lua_tonumber(L, idx);
  if (d != d) cannot(L, w, "NaN");
  if (d == HUGE_VAL || d == -HUGE_VAL) cannot(L, w, "an infinite number");
  /* the core's one number writer (locale-free) */
  return acr_json_format_double((double)d, buf);
}

static void jw_value(lua_State *L, jwriter *w, int idx);

typedef struct jkey {
  const char *s;
  size_t n;
  int i;
} jkey;

static int jkey_cmp(const void *a, const void *b) {
  const jkey *x = (const jkey *)a, *y = (const jkey *)b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  if (c != 0) return c;
  return x->n < y->n ? -1 : x->n > y->n;
}

/* Is the table at idx an array?  Marked with cjson.array_mt, or keys
 * exactly 1..n with n > 0. *n gets its length. */
static int jw_is_array(lua_State *L, jwriter *w, int idx, size_t *n) {
  size_t count = 0;
  lua_Number max = 0;
  int array = 1;
  if (w->amt && lua_getmetatable(L, idx)) {
    int marked = lua_rawequal(L, -1, w->amt);
    lua_pop(L, 1);
    if (marked) {
      *n = lua_rawlen(L, idx);
      return 1;
    }
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    count++;
    if (array) {
      lua_Number k;
      if (lua_type(L, -1) != LUA_TNUMBER) {
        array = 0;
        continue;
      }
      k = lua_tonumber(L, -1);
      if (k < 1 || k != floor(k)) array = 0;
      else if (k > max) max = k;
    }
  }
  *n = count;
  return array && count > 0 && max == (lua_Number)count;
}

static void jw_table(lua_State *L, jwriter *w, int idx) {
  size_t n, i;
  if (++w->depth > LACR_LUA_MAX_DEPTH)
    cannot(L, w, "a table nested this deeply (or a cycle)");
  luaL_checkstack(L, 8, "table nested too deeply");
  if (jw_is_array(L, w, idx, &n)) {
    jw_add(L, w, "[", 1);
    for (i = 1; i <= n; i++) {
      size_t old = acr_path_index(&w->path, i);
      if (i > 1) jw_add(L, w, ",", 1);
      lua_rawgeti(L, idx, (int)i);
      jw_value(L, w, lua_gettop(L));
      lua_pop(L, 1);
      acr_path_pop(&w->path, old);
    }
    jw_add(L, w, "]", 1);
  } else {
    /* Keys sorted, so the text does not depend on the table's layout. */
    int keys, origs;
    acr_buf *kb;
    jkey *k;
    char num[64];
    lua_createtable(L, (int)n, 0); /* key text, anchored */
    keys = lua_gettop(L);
    lua_createtable(L, (int)n, 0); /* original keys */
    origs = keys + 1;
    kb = lacr_newbox(L);
    if (n && acr_buf_reserve(kb, n * sizeof(jkey)) != ACR_OK) lacr_nomem(L);
    k = (jkey *)(void *)kb->p;
    i = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pushvalue(L, -1);
      } else if (lua_type(L, -1) == LUA_TNUMBER) {
        size_t len = jw_format_number(L, w, lua_gettop(L), num);
        lua_pushlstring(L, num, len);
      } else {
        lua_pushfstring(L, "a table with a %s key", luaL_typename(L, -1));
        cannot(L, w, lua_tostring(L, -1));
      }
      k[i].s = lua_tolstring(L, -1, &k[i].n);
      k[i].i = (int)i + 1;
      lua_rawseti(L, keys, (int)i + 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, origs, (int)i + 1);
      i++;
    }
    if (n > 1) qsort(k, n, sizeof *k, jkey_cmp);
    jw_add(L, w, "{", 1);
    for (i = 0; i < n; i++) {
      size_t old = acr_path_key(&w->path, k[i].s, k[i].n);
      if (i) jw_add(L, w, ",", 1);
      jw_string(L, w, k[i].s, k[i].n);
      jw_add(L, w, ":", 1);
      lua_rawgeti(L, origs, k[i].i);
      lua_rawget(L, idx);
      jw_value(L, w, lua_gettop(L));
      lua_pop(L, 1);
      acr_path_pop(&w->path, old);
    }
    jw_add(L, w, "}", 1);
    lacr_box_free(kb);
    lua_settop(L, keys - 1);
  }
  w->depth--;
}

static void jw_value(lua_State *L, jwriter *w, int idx) {
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    jw_add(L, w, "null", 4);
    break;
  case LUA_TBOOLEAN:
    if (lua_toboolean(L, idx)) jw_add(L, w, "true", 4);
    else jw_add(L, w, "false", 5);
    break;
  case LUA_TNUMBER: {
    char buf[64];
    size_t n = jw_format_number(L, w, idx, buf);
    jw_add(L, w, buf, n);
    break;
  }
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    jw_string(L, w, s, n);
    break;
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) jw_add(L, w, "null", 4);
    else if (w->empty_array && lua_rawequal(L, idx, w->empty_array))
      jw_add(L, w, "[]", 2);
    else cannot(L, w, "a light userdata");
    break;
  case LUA_TTABLE:
    jw_table(L, w, idx);
    break;
  case LUA_TUSERDATA: {
    const acr_datetime *dt = lacr_testdatetime(L, idx);
    if (dt != NULL) {
      char buf[ACR_DATETIME_TEXT_MAX];
      size_t n = acr_datetime_format(dt, buf);
      jw_string(L, w, buf, n);
      break;
    }
    cannot(L, w, "a userdata");
    break;
  }
  default:
    lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    cannot(L, w, lua_tostring(L, -1));
  }
}

acr_buf *lacr_to_json(lua_State *L, int idx, const acr_path *path) {
  jwriter w;
  int top;
  idx = lua_absindex(L, idx);
  w.path = *path;
  w.depth = 0;
  w.b = lacr_newbox(L);
  top = lua_gettop(L);
  w.amt = lacr_array_mt(L);
  lacr_push_cjson_field(L, "empty_array");
  w.empty_array = lua_type(L, -1) == LUA_TLIGHTUSERDATA ? lua_gettop(L) : 0;
  jw_value(L, &w, idx);
  lua_settop(L, top); /* the box stays */
  return w.b;
}

static const char *const encode_options[] = {"pretty", "profile", NULL};

/* Options of encode; the indent string (if any) stays on the stack, so its
 * pointer is valid until the caller pops it. */
void lacr_encode_opts(lua_State *L, int idx, acr_encode_opts *o) {
  o->profile = ACR_PROFILE_FULL;
  o->indent = NULL;
  if (idx == 0 || lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lacr_check_option_names(L, idx, encode_options);
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

int lacr_push_encoded(lua_State *L, acr_buf *b, const acr_run *run,
                      const acr_runlist *list, const acr_encode_opts *o) {
  acr_status st = ACR_EMISUSE;
  if (run != NULL) st = acr_json_encode_run(run, o, b);
  else if (list != NULL) st = acr_json_encode_list(list, o, b);
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

/* ---- JSON text -> Lua value ---------------------------------------------- */

/* The text given to lacr_push_json has been validated by the core, so the
 * reader below trusts its grammar; it only guards depth (the C stack and,
 * on 5.1, the Lua stack). */

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
  if (++c->depth > ACR_MAX_DEPTH)
    luaL_error(L, "JSON value nested too deeply to convert (limit %d)",
               ACR_MAX_DEPTH);
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

