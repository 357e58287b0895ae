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
#include "acr_json_lex.h"

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

static const char *const encode_options[] = {"pretty", "profile", "shape",
                                             NULL};

/* Options of encode; the indent string (if any) stays on the stack, so its
 * pointer is valid until the caller pops it. */
acr_encode_shape lacr_shape_opt(lua_State *L, int idx) {
  acr_encode_shape shape = ACR_ENCODE_AS_READ;
  lua_getfield(L, idx, "shape");
  if (!lua_isnil(L, -1)) {
    if (lacr_streq(L, -1, "bare")) shape = ACR_ENCODE_BARE;
    else if (lacr_streq(L, -1, "envelope")) shape = ACR_ENCODE_ENVELOPE;
    else if (lacr_streq(L, -1, "cli")) shape = ACR_ENCODE_CLI;
    else if (lacr_streq(L, -1, "taskrun")) shape = ACR_ENCODE_TASKRUN;
    else
      luaL_argerror(L, idx,
                    "option 'shape' must be one of bare, envelope, cli, "
                    "taskrun");
  }
  lua_pop(L, 1);
  return shape;
}

void lacr_encode_opts(lua_State *L, int idx, acr_encode_opts *o) {
  o->profile = ACR_PROFILE_FULL;
  o->indent = NULL;
  o->shape = ACR_ENCODE_AS_READ;
  if (idx == 0 || lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lacr_check_option_names(L, idx, encode_options);
  o->shape = lacr_shape_opt(L, idx);
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

#define LACR_ENCBUF "acr.run.encbuf" /* registry: the kept encode buffer */
#define ENCBUF_SMALL ((size_t)64 * 1024) /* kept whatever the next use */

acr_buf *lacr_encbuf(lua_State *L) {
  acr_buf *b;
  lua_getfield(L, LUA_REGISTRYINDEX, LACR_ENCBUF);
  b = (acr_buf *)luaL_testudata(L, -1, LACR_BOX);
  lua_pop(L, 1);
  if (b == NULL) {
    b = lacr_newbox(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LACR_ENCBUF);
  }
  b->len = 0;
  return b;
}

int lacr_push_encoded(lua_State *L, acr_buf *b, const acr_run *run,
                      const acr_runlist *list, const acr_encode_opts *o) {
  acr_status st = ACR_EMISUSE;
  size_t cap0 = b->cap;
  b->len = 0;
  if (run != NULL) st = acr_json_encode_run(run, o, b);
  else if (list != NULL) st = acr_json_encode_list(list, o, b);
  if (st != ACR_OK) {
    acr_error e;
    lacr_box_free(b);
    acr_err_clear(&e);
    if (st == ACR_EMEMORY) acr_err_nomem(&e);
    else if (st == ACR_EMISUSE && run != NULL) /* shape taskrun */
      acr_err(&e, st, "cannot encode: shape 'taskrun' for a run that was not "
                      "read from a task run");
    else if (st == ACR_ESCHEMA) /* the core never writes invalid UTF-8 */
      acr_err(&e, st, "cannot encode: a string is not valid UTF-8");
    else acr_err(&e, st, "cannot encode: %s", acr_status_name(st));
    return lacr_raise(L, &e);
  }
  /* Lua 5.1, 5.2 and LuaJIT may collect inside lua_pushlstring before they
   * copy, and a finaliser may encode: while the text is copied, the buffer
   * is out of the registry (held on the stack), so such an encode takes a
   * buffer of its own instead of writing into, growing or giving back this
   * one.  Neither step allocates. */
  lua_getfield(L, LUA_REGISTRYINDEX, LACR_ENCBUF);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, LACR_ENCBUF);
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  /* The copy is made: Lua code may run from here (the GC).  Memory this
   * document needed stays for the next; a document that used under a
   * quarter of what an earlier one left gives it back. */
  if (b->cap > ENCBUF_SMALL && b->cap == cap0 && b->len < b->cap / 4)
    lacr_box_free(b);
  b->len = 0;
  lua_pushvalue(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, LACR_ENCBUF);
  lua_remove(L, -2);
  return 1;
}

/* ---- JSON text -> Lua value ---------------------------------------------- */

/* Push a string or key body (escapes undone when esc). */
static void push_body(lua_State *L, const acr_jlex *x) {
  const unsigned char *q = (const unsigned char *)x->text;
  char small[256], *out = small;
  size_t n;
  if (!x->esc) {
    lua_pushlstring(L, x->text, x->len);
    return;
  }
  if (x->len > sizeof small) out = (char *)lua_newuserdata(L, x->len);
  n = acr_junescape(q, q + x->len, out);
  lua_pushlstring(L, out, n);
  if (out != small) lua_remove(L, -2);
}

/* Push a number token as cjson.decode gives it: an integer when integral
 * and exact (5.3+), else a double read without regard to the C locale
 * (the '.' becomes the point snprintf writes, which strtod reads). */
static void push_number(lua_State *L, const char *s, size_t n) {
  char buf[128], point[8];
  size_t i;
  int integral = 1;
  for (i = 0; i < n; i++)
    if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') integral = 0;
#if LUA_VERSION_NUM >= 503
  if (integral && n <= 18) {
    lua_Integer v = 0;
    i = (*s == '-') ? 1 : 0;
    for (; i < n; i++) v = v * 10 + (s[i] - '0');
    lua_pushinteger(L, *s == '-' ? -v : v);
    return;
  }
#else
  (void)integral; /* no integer subtype before 5.3 */
#endif
  /* A long text (1 and 400 zeros is valid JSON) is copied whole into a
   * userdata the collector frees: cutting it would change its value. */
  char *t = n < sizeof buf ? buf : (char *)lua_newuserdata(L, n + 1);
  snprintf(point, sizeof point, "%.1f", 0.5);
  memcpy(t, s, n);
  t[n] = '\0';
  for (i = 0; i < n; i++)
    if (t[i] == '.') t[i] = point[1];
  lua_pushnumber(L, (lua_Number)strtod(t, NULL));
  if (t != buf) lua_remove(L, -2);
}

/* Store the value at -1 into the container below it (the key below the
 * value for an object); counts[depth] numbers array elements. */
static void store(lua_State *L, const acr_jlex *x, lua_Integer *count) {
  if (x->depth == 0) return; /* the whole value: stays pushed */
  if (count[x->depth] >= 0) lua_rawseti(L, -2, (int)++count[x->depth]);
  else lua_rawset(L, -3);
}

void lacr_push_json(lua_State *L, const char *s, size_t n, int amt) {
  acr_jlex x;
  /* per open container: -1 for an object, else the elements so far */
  lua_Integer count[ACR_MAX_DEPTH + 2];
  acr_jlex_init(&x, s, n, 0, 0);
  for (;;) {
    switch (acr_jlex_next(&x)) {
    case ACR_JT_OBJECT:
    case ACR_JT_ARRAY:
      luaL_checkstack(L, 4, "JSON value nested too deeply");
      lua_newtable(L);
      if (x.tok == ACR_JT_ARRAY && amt) {
        lua_pushvalue(L, amt);
        lua_setmetatable(L, -2);
      }
      count[x.depth] = x.tok == ACR_JT_OBJECT ? -1 : 0;
      break;
    case ACR_JT_OBJECT_END:
    case ACR_JT_ARRAY_END:
      store(L, &x, count);
      break;
    case ACR_JT_KEY:
      push_body(L, &x);
      break;
    case ACR_JT_STRING:
      push_body(L, &x);
      store(L, &x, count);
      break;
    case ACR_JT_NUMBER:
      push_number(L, x.text, x.len);
      store(L, &x, count);
      break;
    case ACR_JT_TRUE:
    case ACR_JT_FALSE:
      lua_pushboolean(L, x.tok == ACR_JT_TRUE);
      store(L, &x, count);
      break;
    case ACR_JT_NULL:
      lua_pushlightuserdata(L, NULL); /* cjson.null */
      store(L, &x, count);
      break;
    case ACR_JT_END:
      return;
    default: /* the core validated the text: only a limit can fail here */
      luaL_error(L, "JSON value cannot be converted: %s", x.msg);
      return;
    }
  }
}
