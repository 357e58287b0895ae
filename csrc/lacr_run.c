/*
 * lacr_run.c -- the Run userdata; live views of its nested records
 * (Record) and lists (FieldList); Lua value <-> model conversion (acr.new,
 * acr.from_table, run:to_table, field assignment); the run methods.
 *
 * Views hold a reference to the run and a path of (field, element) steps
 * from the root record, never a pointer into the run: a change may compact
 * the run's memory, and a view must stay safe after its field is replaced
 * or the Run userdata is collected.  Every access resolves the path again.
 *
 * Field reads are the hot path: __index is a C closure whose upvalues map
 * the key to its acr_field (one lua_rawget) and hold the canonical enum
 * strings (one lua_rawgeti), so a read makes five API calls.
 *
 * Assignments are atomic: a table assigned to a record or list field is
 * built detached in the run's arena, validated completely, and attached
 * only then.  Whatever raises half-way (a bad element, a __tostring that
 * errors, out of memory) leaves the run as it was; the abandoned arena
 * bytes are reclaimed by a later acr_run_gc.
 */
#include "lacr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upvalues shared by every C function of this file (all are closures over
 * the same values, so field reads need no registry lookup). */
enum {
  U_RUNNAMES = 1, /* Run: name -> field (light userdata) or method */
  U_TYPES,        /* [type id + 1] -> that type's name table (same form) */
  U_ENUMS,        /* [enum id * ENUM_STRIDE + code + 1] -> canonical text */
  U_RUNMT,        /* metatables: Run, Record view, FieldList view */
  U_RECMT,
  U_LISTMT,
  U_LISTMETH,     /* FieldList methods by name */
  NUP = U_LISTMETH
};
#define UPV(i) lua_upvalueindex(i)
#define ENUM_STRIDE 16
/* Deepest Lua table converted to JSON text (the value of an unknown
 * field): bounds the C recursion and catches cycles. */
#define LACR_JSON_MAX_DEPTH 1000

static const acr_type *const rec_types[] = {
    &acr_type_run,          &acr_type_systemdata,
    &acr_type_image,        &acr_type_imageupdatetrigger,
    &acr_type_sourcetrigger, &acr_type_timertrigger,
    &acr_type_platform,     &acr_type_agent};
#define NTYPES ((int)(sizeof rec_types / sizeof rec_types[0]))

static const acr_enum_def *const enum_defs[] = {
    &acr_enum_runstatus, &acr_enum_runtype, &acr_enum_provisioningstate,
    &acr_enum_os,        &acr_enum_architecture, &acr_enum_variant,
    &acr_enum_createdbytype};
#define NENUMS ((int)(sizeof enum_defs / sizeof enum_defs[0]))

static int type_id(const acr_type *t) {
  int i;
  for (i = 0; i < NTYPES; i++)
    if (rec_types[i] == t) return i;
  return 0;
}

static int enum_id(const acr_enum_def *d) {
  int i;
  for (i = 0; i < NENUMS; i++)
    if (enum_defs[i] == d) return i;
  return 0;
}

#define HAS(rec, f) ACR_HAS(rec, f)

/* ---- small helpers ----------------------------------------------------- */

static int nomem(lua_State *L) {
  lua_pushliteral(L, "not enough memory");
  return lua_error(L);
}

/* cjson.null is a NULL light userdata: absent, like nil. */
static int is_null(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
         lua_touserdata(L, idx) == NULL;
}

static int is_absent(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) || is_null(L, idx);
}

/* Push an integral index as text without a ".0" (5.3+ floats). */
static const char *push_index_text(lua_State *L, lua_Number d) {
  char buf[64];
  if (d == floor(d) && fabs((double)d) < 1e15)
    snprintf(buf, sizeof buf, "%.0f", (double)d);
  else
    snprintf(buf, sizeof buf, "%.14g", (double)d);
  lua_pushstring(L, buf);
  return lua_tostring(L, -1);
}

static const char *type_name(lua_State *L, int idx) {
  return is_null(L, idx) ? "null" : luaL_typename(L, idx);
}

/* Raise "path: message" (just the message when path is empty). */
static int errorat(lua_State *L, const char *path, const char *fmt, ...) {
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

/* "unknown field 'stauts' (did you mean 'status'?)" */
static int unknown_field(lua_State *L, const char *path, const acr_type *t,
                         int kidx) {
  size_t n;
  const char *s;
  const acr_field *sug;
  if (lua_type(L, kidx) != LUA_TSTRING)
    return errorat(L, path, "field names are strings, got a %s key",
                   type_name(L, kidx));
  s = lua_tolstring(L, kidx, &n);
  sug = acr_type_suggest(t, s, n);
  if (sug != NULL)
    return errorat(L, path, "unknown field '%s' (did you mean '%s'?)", s,
                   sug->name);
  return errorat(L, path, "unknown field '%s' (%s has no such field)", s,
                 t->name);
}

/* Pushes package.loaded.cjson[name] when lua-cjson is loaded (its array_mt:
 * the openresty fork has one, the original 2.1.0 does not), else nil.  Raw
 * lookups: no metamethod of a stand-in module runs (see lacr_pin.c). */
static void push_cjson_field(lua_State *L, const char *name) {
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
  push_cjson_field(L, "array_mt");
  if (lua_type(L, -1) == LUA_TTABLE) return lua_gettop(L);
  lua_pop(L, 1);
  return 0;
}
#define array_mt lacr_array_mt

static void mark_array(lua_State *L, int amt) {
  if (amt) {
    lua_pushvalue(L, amt);
    lua_setmetatable(L, -2);
  }
}

/* Push a closure of fn over this file's upvalues (callable only from a
 * function that has them). */
static void push_closure(lua_State *L, lua_CFunction fn) {
  int i;
  for (i = 1; i <= NUP; i++) lua_pushvalue(L, UPV(i));
  lua_pushcclosure(L, fn, NUP);
}

/* The userdata at idx if its metatable is upvalue mtup, else NULL. */
static void *test_up(lua_State *L, int idx, int mtup) {
  void *p = NULL;
  if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
    if (lua_rawequal(L, -1, UPV(mtup))) p = lua_touserdata(L, idx);
    lua_pop(L, 1);
  }
  return p;
}

static acr_run *check_run_up(lua_State *L, int idx) {
  lacr_Run *u = (lacr_Run *)test_up(L, idx, U_RUNMT);
  if (u == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "Run expected, got %s",
                                  luaL_typename(L, idx)));
  else if (u->run == NULL)
    luaL_argerror(L, idx, "Run is closed");
  return u->run;
}

static lacr_View *check_view_up(lua_State *L, int idx, int mtup) {
  lacr_View *v = (lacr_View *)test_up(L, idx, mtup);
  if (v == NULL || v->run == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "%s expected, got %s",
                                  mtup == U_RECMT ? "record view"
                                                  : "list view",
                                  luaL_typename(L, idx)));
  return v;
}

/* ---- Run userdata ------------------------------------------------------ */

lacr_Run *lacr_newrun_slot(lua_State *L) {
  lacr_Run *u = (lacr_Run *)lua_newuserdata(L, sizeof *u);
  u->run = NULL;
  luaL_setmetatable(L, LACR_RUN);
  return u;
}

void lacr_pushrun(lua_State *L, acr_run *r) {
  lacr_Run *u = lacr_newrun_slot(L);
  acr_run_retain(r);
  u->run = r;
}

lacr_Run *lacr_testrun(lua_State *L, int idx) {
  return (lacr_Run *)luaL_testudata(L, idx, LACR_RUN);
}

lacr_Run *lacr_checkrun(lua_State *L, int idx) {
  lacr_Run *u = lacr_testrun(L, idx);
  if (u == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "Run expected, got %s",
                                  luaL_typename(L, idx)));
  else if (u->run == NULL)
    luaL_argerror(L, idx, "Run is closed");
  return u;
}

/* __gc and __close: drop the reference; safe twice and on a slot that
 * never got its run. */
static int run_gc(lua_State *L) {
  lacr_Run *u = (lacr_Run *)test_up(L, 1, U_RUNMT);
  if (u != NULL && u->run != NULL) {
    acr_run *r = u->run;
    u->run = NULL;
    acr_run_release(r);
  }
  return 0;
}

/* ---- views ------------------------------------------------------------- */

/* What a view's path leads to now. */
typedef struct target {
  void *rec;             /* record view: the record; list view: its owner */
  const acr_type *type;  /* type of rec */
  const acr_field *lf;   /* list view: the list field of rec; else NULL */
} target;

/* The field of each step of v, from the schema alone. */
static const acr_field *step_field(const lacr_View *v, int i) {
  const acr_type *t = &acr_type_run;
  const acr_field *f = NULL;
  int k;
  for (k = 0; k <= i; k++) {
    f = &t->fields[v->step[k].field];
    t = f->sub;
  }
  return f;
}

/* Static type of a record view, or the element type of a list view (NULL
 * for a list of strings). */
static const acr_type *view_type(const lacr_View *v) {
  return step_field(v, v->depth - 1)->sub;
}

static int resolve(const lacr_View *v, target *out) {
  void *rec = &v->run->rec;
  const acr_type *t = &acr_type_run;
  int i;
  for (i = 0; i < v->depth; i++) {
    const acr_field *f = &t->fields[v->step[i].field];
    void *slot = ACR_SLOT(rec, f);
    if (!HAS(rec, f)) return 0;
    if (f->kind == ACR_K_RECORD) {
      rec = *(void **)slot;
    } else if (f->kind == ACR_K_RECORD_LIST ||
               f->kind == ACR_K_STRING_LIST) {
      const acr_list *l = *(acr_list **)slot;
      uint32_t idx = v->step[i].index;
      if (idx == 0) {
        if (i != v->depth - 1) return 0;
        out->rec = rec;
        out->type = t;
        out->lf = f;
        return 1;
      }
      if (l == NULL || idx > l->n) return 0;
      rec = l->items[idx - 1];
    } else {
      return 0;
    }
    if (rec == NULL) return 0;
    t = f->sub;
  }
  out->rec = rec;
  out->type = t;
  out->lf = NULL;
  return 1;
}

/* The list of a resolved list view (NULL reads as empty). */
static acr_list *target_list(const target *tg) {
  return *(acr_list **)ACR_SLOT(tg->rec, tg->lf);
}

/* "run.platform", "run.outputImages[2]" for the first nsteps steps. */
static void view_path(const lacr_View *v, int nsteps, acr_path *p) {
  const acr_type *t = &acr_type_run;
  int i;
  acr_path_init(p);
  acr_path_key(p, "run", 3);
  for (i = 0; i < nsteps; i++) {
    const acr_field *f = &t->fields[v->step[i].field];
    acr_path_key(p, f->name, f->namelen);
    if (v->step[i].index) acr_path_index(p, v->step[i].index);
    t = f->sub;
  }
}

/* Name of what the view shows, for "record 'platform' is no longer set". */
static void view_name(const lacr_View *v, acr_path *p) {
  const acr_field *f = step_field(v, v->depth - 1);
  acr_path_init(p);
  acr_path_key(p, f->name, f->namelen);
  if (v->step[v->depth - 1].index)
    acr_path_index(p, v->step[v->depth - 1].index);
}

static int no_longer_set(lua_State *L, const lacr_View *v, int is_list) {
  acr_path p, name;
  view_path(v, v->depth, &p);
  view_name(v, &name);
  return errorat(L, p.buf, "%s '%s' is no longer set",
                 is_list ? "list" : "record", name.buf);
}

/* The run of the Run or view userdata at ud now (NULL when closed). */
static acr_run *ud_run(lua_State *L, int ud) {
  lacr_Run *u = (lacr_Run *)test_up(L, ud, U_RUNMT);
  lacr_View *v;
  if (u != NULL) return u->run;
  v = (lacr_View *)test_up(L, ud, U_RECMT);
  if (v == NULL) v = (lacr_View *)test_up(L, ud, U_LISTMT);
  return v != NULL ? v->run : NULL;
}

/* ud_run, raising when the userdata was closed meanwhile (by Lua code that
 * ran during the operation). */
static acr_run *live_run(lua_State *L, int ud) {
  acr_run *r = ud_run(L, ud);
  if (r == NULL) luaL_error(L, "the Run was closed during the operation");
  return r;
}

/* A pin guard (pushed) on the run of the Run or view userdata at ud: made
 * first, then the run taken from the userdata, so that whatever the
 * allocation ran cannot leave us pinning a freed run. */
static acr_run *pin_ud(lua_State *L, int ud, lacr_Pins **pins) {
  acr_run *r;
  ud = lua_absindex(L, ud);
  *pins = lacr_pins_new(L, 1);
  r = live_run(L, ud);
  lacr_pins_add(*pins, r);
  return r;
}

/* Push a view of the run of the userdata at src (a Run or a view): with
 * field >= 0, the field of the record at base (NULL: the root); with
 * field < 0, element index of the list view base (a copy: base may be
 * inside src).  The userdata gets its metatable before it holds the
 * reference, and the run is taken from src after the allocation. */
static void push_view(lua_State *L, int src, const lacr_View *basep,
                      int field, uint32_t index, int mtup) {
  lacr_View *v, base;
  int has_base = basep != NULL;
  src = lua_absindex(L, src);
  if (has_base) base = *basep;
  v = (lacr_View *)lua_newuserdata(L, sizeof *v);
  v->run = NULL;
  v->depth = 0;
  lua_pushvalue(L, UPV(mtup));
  lua_setmetatable(L, -2);
  if (has_base) {
    const lacr_View *basev = &base;
    memcpy(v->step, basev->step, sizeof v->step);
    v->depth = basev->depth;
  }
  if (field >= 0) {
    if (v->depth >= LACR_VIEW_MAXDEPTH)
      luaL_error(L, "view nested too deeply");
    v->step[v->depth].field = (uint8_t)field;
    v->step[v->depth].index = 0;
    v->depth++;
  } else {
    v->step[v->depth - 1].index = index;
  }
  {
    acr_run *run = live_run(L, src);
    acr_run_retain(run);
    v->run = run;
  }
}

static int view_gc(lua_State *L) {
  lacr_View *v = (lacr_View *)test_up(L, 1, U_RECMT);
  if (v == NULL) v = (lacr_View *)test_up(L, 1, U_LISTMT);
  if (v != NULL && v->run != NULL) {
    acr_run *r = v->run;
    v->run = NULL;
    acr_run_release(r);
  }
  return 0;
}

/* ---- reads: copy out, then push ---------------------------------------- */

/* A read resolves what it shows, copies it to C locals and only then calls
 * Lua to push it (pushing may run finalisers that change the run; see
 * lacr_pin.c).  Texts up to SMALL_TEXT bytes are copied to the C stack;
 * a longer one gets a buffer first (an allocation) and is resolved again
 * after it.  Reads take no pin: the hot path stays a handful of calls. */
#define SMALL_TEXT 256

/* What a read reads from: a Run userdata (u) or a view (v), at stack
 * index ud.  The userdata blocks do not move while they are on the stack;
 * what they show is resolved afresh each time. */
typedef struct src {
  int ud;
  lacr_Run *u;
  lacr_View *v;
} src;

static src src_at(lua_State *L, int ud) {
  src s;
  s.ud = lua_absindex(L, ud);
  s.u = (lacr_Run *)test_up(L, s.ud, U_RUNMT);
  s.v = NULL;
  if (s.u == NULL) {
    s.v = (lacr_View *)test_up(L, s.ud, U_RECMT);
    if (s.v == NULL) s.v = (lacr_View *)test_up(L, s.ud, U_LISTMT);
  }
  return s;
}

/* The record a Run or Record view shows now, or NULL (closed, or the
 * view's path no longer set). */
static const void *src_record(const src *sr) {
  target tg;
  if (sr->u != NULL) return sr->u->run != NULL ? &sr->u->run->rec : NULL;
  if (sr->v == NULL || sr->v->run == NULL || !resolve(sr->v, &tg) ||
      tg.lf != NULL)
    return NULL;
  return tg.rec;
}

static const void *ud_record(lua_State *L, int ud) {
  src sr = src_at(L, ud);
  return src_record(&sr);
}

/* Text shown by field f of the record at sr (a string, or an enum's
 * unknown text), or by element elem (1-based) of the string-list view sr
 * when f is NULL. */
static const acr_str *src_text(const src *sr, const acr_field *f,
                               uint32_t elem) {
  if (f == NULL) {
    lacr_View *v = sr->v;
    target tg;
    const acr_list *l;
    if (v == NULL || v->run == NULL || !resolve(v, &tg) || tg.lf == NULL)
      return NULL;
    l = target_list(&tg);
    if (l == NULL || elem < 1 || elem > l->n) return NULL;
    return (const acr_str *)l->items[elem - 1];
  } else {
    const void *rec = src_record(sr);
    const void *slot;
    if (rec == NULL || !HAS(rec, f)) return NULL;
    slot = ACR_SLOT(rec, f);
    if (f->kind == ACR_K_STRING) return *(acr_str *const *)slot;
    if (f->kind == ACR_K_ENUM) return ((const acr_enumval *)slot)->raw;
    return NULL;
  }
}

static void push_text(lua_State *L, const src *sr, const acr_field *f,
                      uint32_t elem) {
  for (;;) {
    const acr_str *t = src_text(sr, f, elem);
    size_t n;
    char *b;
    if (t == NULL) {
      lua_pushnil(L);
      return;
    }
    n = t->len;
    if (n <= SMALL_TEXT) {
      char small[SMALL_TEXT];
      memcpy(small, t->s, n);
      lua_pushlstring(L, small, n);
      return;
    }
    b = (char *)lua_newuserdata(L, n);
    t = src_text(sr, f, elem);
    if (t != NULL && t->len == n) {
      memcpy(b, t->s, n);
      lua_pushlstring(L, b, n);
      lua_remove(L, -2);
      return;
    }
    lua_pop(L, 1); /* changed meanwhile: read it again */
  }
}

/* Push the value of field f of the record the Run or Record view at ud
 * shows, as a read gives it: scalars, DateTime, or a view; nil when
 * absent. */
static void push_field(lua_State *L, const src *sr, const acr_field *f) {
  const void *rec = src_record(sr);
  const void *slot;
  if (rec == NULL || !HAS(rec, f)) {
    lua_pushnil(L);
    return;
  }
  slot = ACR_SLOT(rec, f);
  switch (f->kind) {
  case ACR_K_STRING:
    push_text(L, sr, f, 0);
    break;
  case ACR_K_ENUM: {
    const acr_enumval *e = (const acr_enumval *)slot;
    if (e->code >= 0)
      lua_rawgeti(L, UPV(U_ENUMS),
                  enum_id(f->enumdef) * ENUM_STRIDE + e->code + 1);
    else
      push_text(L, sr, f, 0);
    break;
  }
  case ACR_K_DATETIME: {
    acr_datetime dt = *(const acr_datetime *)slot;
    lacr_pushdatetime(L, &dt);
    break;
  }
  case ACR_K_BOOL:
    lua_pushboolean(L, *(const uint8_t *)slot);
    break;
  case ACR_K_INT32:
    lua_pushinteger(L, (lua_Integer) * (const int32_t *)slot);
    break;
  default:
    push_view(L, sr->ud, sr->v, f->index, 0,
              f->kind == ACR_K_RECORD ? U_RECMT : U_LISTMT);
    break;
  }
}

/* ---- Lua value -> JSON text -------------------------------------------- */

typedef struct conv {
  acr_run *run;
  lacr_mode mode;
  acr_path path;
} conv;

typedef struct jwriter {
  conv *c;
  acr_buf *b;
  int amt, empty_array; /* stack indexes of cjson's markers, or 0 */
  int depth;
} jwriter;

static void jw_add(lua_State *L, jwriter *w, const char *s, size_t n) {
  if (acr_buf_add(w->b, s, n) != ACR_OK) nomem(L);
}

static void jw_string(lua_State *L, jwriter *w, const char *s, size_t n) {
  acr_status st = acr_utf8_check(s, n) == n
                      ? acr_json_write_string(w->b, s, n) : ACR_ESCHEMA;
  if (st == ACR_EMEMORY) nomem(L);
  if (st != ACR_OK)
    errorat(L, NULL, "cannot represent a string as JSON at %s (invalid "
                     "UTF-8)",
            w->c->path.len ? w->c->path.buf : "the root");
}

static int cannot(lua_State *L, jwriter *w, const char *what) {
  return errorat(L, NULL, "cannot represent %s as JSON at %s", what,
                 w->c->path.len ? w->c->path.buf : "the root");
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
  if (++w->depth > LACR_JSON_MAX_DEPTH)
    cannot(L, w, "a table nested this deeply (or a cycle)");
  luaL_checkstack(L, 8, "table nested too deeply");
  if (jw_is_array(L, w, idx, &n)) {
    jw_add(L, w, "[", 1);
    for (i = 1; i <= n; i++) {
      size_t old = acr_path_index(&w->c->path, i);
      if (i > 1) jw_add(L, w, ",", 1);
      lua_rawgeti(L, idx, (int)i);
      jw_value(L, w, lua_gettop(L));
      lua_pop(L, 1);
      acr_path_pop(&w->c->path, old);
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
    if (n && acr_buf_reserve(kb, n * sizeof(jkey)) != ACR_OK) nomem(L);
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
      size_t old = acr_path_key(&w->c->path, k[i].s, k[i].n);
      if (i) jw_add(L, w, ",", 1);
      jw_string(L, w, k[i].s, k[i].n);
      jw_add(L, w, ":", 1);
      lua_rawgeti(L, origs, k[i].i);
      lua_rawget(L, idx);
      jw_value(L, w, lua_gettop(L));
      lua_pop(L, 1);
      acr_path_pop(&w->c->path, old);
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

/* The value at idx as JSON text into a Box pushed on the stack. */
static acr_buf *to_json(lua_State *L, conv *c, int idx) {
  jwriter w;
  int top;
  idx = lua_absindex(L, idx);
  w.c = c;
  w.depth = 0;
  w.b = lacr_newbox(L);
  top = lua_gettop(L);
  w.amt = array_mt(L);
  push_cjson_field(L, "empty_array");
  w.empty_array = lua_type(L, -1) == LUA_TLIGHTUSERDATA ? lua_gettop(L) : 0;
  jw_value(L, &w, idx);
  lua_settop(L, top); /* the box stays */
  return w.b;
}

acr_buf *lacr_to_json(lua_State *L, int idx, const char *path) {
  conv c;
  memset(&c, 0, sizeof c);
  c.mode = LACR_MODE_FROM;
  acr_path_init(&c.path);
  acr_path_key(&c.path, path, strlen(path));
  return to_json(L, &c, idx);
}

/* ---- Lua value -> model ------------------------------------------------ */

static void fill_record(lua_State *L, conv *c, void *rec, const acr_type *t,
                        int idx);

static void setfail(lua_State *L, conv *c, const acr_error *e) {
  if (e->kind == ACR_EMEMORY) nomem(L);
  errorat(L, c->path.buf, "%s", e->message);
}

static int bad_type(lua_State *L, conv *c, const char *expected, int v) {
  return errorat(L, c->path.buf, "expected %s, got %s", expected,
                 type_name(L, v));
}

/* A detached record of type t built from the value at v: a table, or a
 * Record view of the same type (copied). */
static void *build_record(lua_State *L, conv *c, const acr_type *t, int v) {
  void *sub;
  if (lua_type(L, v) == LUA_TTABLE) {
    if ((sub = acr_record_new(c->run, t)) == NULL) nomem(L);
    fill_record(L, c, sub, t, v);
    return sub;
  }
  if (lua_type(L, v) == LUA_TUSERDATA) {
    lacr_View *src = (lacr_View *)luaL_testudata(L, v, LACR_RECORD);
    target tg;
    if (src != NULL && src->run != NULL && view_type(src) == t) {
      if (!resolve(src, &tg))
        errorat(L, c->path.buf, "the record assigned is no longer set");
      if ((sub = acr_record_copy(c->run, t, tg.rec)) == NULL) nomem(L);
      return sub;
    }
  }
  lua_pushfstring(L, "a table (%s)", t->name);
  bad_type(L, c, lua_tostring(L, -1), v);
  return NULL;
}

static acr_str *build_string(lua_State *L, conv *c, int v) {
  acr_error e;
  size_t n;
  const char *s;
  acr_str *str;
  if (lua_type(L, v) != LUA_TSTRING) bad_type(L, c, "a string", v);
  s = lua_tolstring(L, v, &n);
  if ((str = acr_run_text(c->run, s, n, &e)) == NULL) setfail(L, c, &e);
  return str;
}

/* Length of the array at idx: keys exactly 1..n (n may be 0). */
static uint32_t check_array(lua_State *L, conv *c, int idx) {
  size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Number k;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      if (lua_type(L, -1) == LUA_TSTRING)
        errorat(L, c->path.buf, "expected an array, found key '%s'",
                lua_tostring(L, -1));
      errorat(L, c->path.buf, "expected an array, found a %s key",
              luaL_typename(L, -1));
    }
    k = lua_tonumber(L, -1);
    if (k < 1 || k != floor(k))
      errorat(L, c->path.buf, "expected an array, found key %s",
              push_index_text(L, k));
    if (k > max) max = k;
    count++;
  }
  if (max != (lua_Number)count)
    errorat(L, c->path.buf, "expected an array without holes");
  if (count > UINT32_MAX / 2) errorat(L, c->path.buf, "array too long");
  return (uint32_t)count;
}

/* A detached list for list field f from the value at v: an array, or a
 * FieldList view of the same kind (copied). */
static acr_list *build_list(lua_State *L, conv *c, const acr_field *f,
                            int v) {
  acr_list *l;
  uint32_t n, i;
  if (lua_type(L, v) == LUA_TUSERDATA) {
    lacr_View *src = (lacr_View *)luaL_testudata(L, v, LACR_FLIST);
    target tg;
    if (src != NULL && src->run != NULL &&
        step_field(src, src->depth - 1)->kind == f->kind &&
        view_type(src) == f->sub) {
      const acr_list *sl;
      if (!resolve(src, &tg))
        errorat(L, c->path.buf, "the list assigned is no longer set");
      sl = target_list(&tg);
      n = sl ? sl->n : 0;
      if ((l = acr_list_new(c->run, n)) == NULL) nomem(L);
      for (i = 0; i < n; i++) {
        void *item;
        if (f->kind == ACR_K_RECORD_LIST) {
          item = acr_record_copy(c->run, f->sub, sl->items[i]);
        } else {
          const acr_str *s = (const acr_str *)sl->items[i];
          item = acr_run_str(c->run, s->s, s->len);
        }
        if (item == NULL) nomem(L);
        l->items[i] = item;
      }
      l->n = n;
      return l;
    }
  }
  if (lua_type(L, v) != LUA_TTABLE)
    bad_type(L, c,
             f->kind == ACR_K_RECORD_LIST ? "an array of tables"
                                          : "an array of strings",
             v);
  n = check_array(L, c, v);
  if ((l = acr_list_new(c->run, n)) == NULL) nomem(L);
  luaL_checkstack(L, 4, "building a list");
  for (i = 1; i <= n; i++) {
    size_t old = acr_path_index(&c->path, i);
    void *item;
    lua_rawgeti(L, v, (int)i);
    if (f->kind == ACR_K_RECORD_LIST)
      item = build_record(L, c, f->sub, lua_gettop(L));
    else
      item = build_string(L, c, lua_gettop(L));
    if (acr_list_push(c->run, &l, item) != ACR_OK) nomem(L);
    lua_pop(L, 1);
    acr_path_pop(&c->path, old);
  }
  return l;
}

/* int32 from the number at v (integral, in range), or raise. */
static int32_t to_int32(lua_State *L, conv *c, int v) {
  lua_Number d;
  if (lua_type(L, v) != LUA_TNUMBER) bad_type(L, c, "an integer", v);
#if LACR_HAS_INTEGERS
  if (lua_isinteger(L, v)) {
    lua_Integer i = lua_tointeger(L, v);
    if (i < INT32_MIN || i > INT32_MAX)
      errorat(L, c->path.buf,
              "%s is out of the int32 range -2147483648..2147483647",
              lua_tostring(L, (lua_pushvalue(L, v), -1)));
    return (int32_t)i;
  }
#endif
  d = lua_tonumber(L, v);
  if (d != floor(d) || d != d)
    errorat(L, c->path.buf, "expected an integer, got %s",
            lua_tostring(L, (lua_pushvalue(L, v), -1)));
  if (d < -2147483648.0 || d > 2147483647.0)
    errorat(L, c->path.buf,
            "%s is out of the int32 range -2147483648..2147483647",
            lua_tostring(L, (lua_pushvalue(L, v), -1)));
  return (int32_t)d;
}

/* A Lua value converted for field f: C values only, so that storing it
 * runs no Lua.  Records and lists are built detached in the run's arena
 * (the run must not be compacted meanwhile: see assign). */
typedef struct cvalue {
  int absent;
  const char *s; /* string, enum text (anchored by the Lua value) */
  size_t n;
  acr_datetime dt;
  int b;
  int32_t i;
  void *ptr; /* detached record or list */
} cvalue;

/* The Lua value at v as a value of field f; raises on a bad value.  May run
 * Lua code (building a record or list: __gc finalisers; JSON of unknown
 * keys), never after touching anything but new arena memory. */
static void to_cvalue(lua_State *L, conv *c, const acr_field *f, int v,
                      cvalue *cv) {
  int t = lua_type(L, v);
  acr_error e;
  memset(cv, 0, sizeof *cv);
  if (is_absent(L, v)) {
    cv->absent = 1;
    return;
  }
  switch (f->kind) {
  case ACR_K_STRING:
  case ACR_K_ENUM:
    /* Strings only: a value with __tostring is refused like a number. */
    if (t != LUA_TSTRING) bad_type(L, c, "a string", v);
    cv->s = lua_tolstring(L, v, &cv->n);
    break;
  case ACR_K_DATETIME:
    acr_err_clear(&e);
    if (lacr_todatetime(L, v, &cv->dt, &e) != ACR_OK) setfail(L, c, &e);
    break;
  case ACR_K_BOOL:
    if (t != LUA_TBOOLEAN) bad_type(L, c, "a boolean", v);
    cv->b = lua_toboolean(L, v);
    break;
  case ACR_K_INT32:
    cv->i = to_int32(L, c, v);
    break;
  case ACR_K_RECORD:
    cv->ptr = build_record(L, c, f->sub, v);
    break;
  default:
    cv->ptr = build_list(L, c, f, v);
    break;
  }
}

/* Store a converted value in field f of rec (attached or detached): no
 * Lua runs before it raises on a refused value (an enum outside its
 * values), and then rec is unchanged. */
static void store_cvalue(lua_State *L, conv *c, void *rec, const acr_field *f,
                         const cvalue *cv) {
  acr_error e;
  acr_status st = ACR_OK;
  if (cv->absent) {
    acr_rec_clear(c->run, rec, f);
    return;
  }
  acr_err_clear(&e);
  switch (f->kind) {
  case ACR_K_STRING:
    st = acr_rec_set_string(c->run, rec, f, cv->s, cv->n, &e);
    break;
  case ACR_K_ENUM:
    /* from_table keeps a received spelling, acr.new and = store canonical */
    st = c->mode == LACR_MODE_NEW
             ? acr_rec_set_enum(c->run, rec, f, cv->s, cv->n, 1, &e)
             : acr_rec_set_enum_keep(c->run, rec, f, cv->s, cv->n,
                                     c->mode == LACR_MODE_STRICT, &e);
    break;
  case ACR_K_DATETIME:
    st = acr_rec_set_datetime(c->run, rec, f, &cv->dt, &e);
    break;
  case ACR_K_BOOL:
    st = acr_rec_set_bool(c->run, rec, f, cv->b, &e);
    break;
  case ACR_K_INT32:
    st = acr_rec_set_int32(c->run, rec, f, cv->i, &e);
    break;
  default:
    st = acr_rec_attach(c->run, rec, f, cv->ptr);
    break;
  }
  if (st != ACR_OK) {
    if (st == ACR_EMEMORY) nomem(L);
    setfail(L, c, &e);
  }
}

/* Set field f of a record that Lua code cannot reach (a detached one, or
 * the root of a run being built) from the Lua value at v. */
static void set_value(lua_State *L, conv *c, void *rec, const acr_field *f,
                      int v) {
  cvalue cv;
  int top = lua_gettop(L);
  to_cvalue(L, c, f, v, &cv);
  store_cvalue(L, c, rec, f, &cv);
  lua_settop(L, top);
}

/* rec.f = value at v within a conversion: read-only fields are refused
 * in NEW mode (c->path names rec, then f while the value is set). */
static void field_set(lua_State *L, conv *c, void *rec, const acr_field *f,
                      int v) {
  size_t old;
  if ((f->flags & ACR_F_READONLY) && c->mode == LACR_MODE_NEW)
    errorat(L, c->path.buf, "field '%s' is read-only", f->name);
  old = acr_path_key(&c->path, f->name, f->namelen);
  set_value(L, c, rec, f, v);
  acr_path_pop(&c->path, old);
}

/* A key of a record table that is not a field of its type: refused by
 * acr.new and strict from_table, else kept as JSON text. */
static void keep_unknown(lua_State *L, conv *c, void *rec, const acr_type *t,
                         int env, int k, int v) {
  acr_error e;
  size_t n, old;
  const char *s;
  acr_buf *b;
  if (c->mode != LACR_MODE_FROM || lua_type(L, k) != LUA_TSTRING) {
    unknown_field(L, c->path.buf, t, k);
    return;
  }
  s = lua_tolstring(L, k, &n);
  if (acr_utf8_check(s, n) != n) /* before it enters the path */
    errorat(L, c->path.buf, "invalid UTF-8 at byte %d of a field name",
            (int)acr_utf8_check(s, n));
  old = acr_path_key(&c->path, s, n);
  b = to_json(L, c, v);
  if (acr_rec_add_unknown(c->run, rec, env, s, n, b->p ? b->p : "", b->len,
                          &e) != ACR_OK)
    setfail(L, c, &e);
  lacr_box_free(b);
  lua_pop(L, 1);
  acr_path_pop(&c->path, old);
}

static void fill_record(lua_State *L, conv *c, void *rec, const acr_type *t,
                        int idx) {
  luaL_checkstack(L, 12, "record nested too deeply");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int k = lua_gettop(L) - 1;
    const acr_field *f = NULL;
    if (lua_type(L, k) == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, k, &n);
      f = acr_type_field(t, s, n);
    }
    if (f != NULL) field_set(L, c, rec, f, k + 1);
    else keep_unknown(L, c, rec, t, 0, k, k + 1);
    lua_settop(L, k);
  }
}

/* Which Run fields a table of the from_table shapes may set. */
#define ROOT_PROPS 1
#define ROOT_ENV 2

/* Fill the run's root record from the table at idx: fields of the kinds
 * in `which`; other keys are unknown, kept at envelope level when env. The
 * key "properties" is skipped when skip_props (handled by the caller). */
static void fill_root(lua_State *L, conv *c, int idx, int which, int env,
                      int skip_props) {
  acr_runrec *rec = &c->run->rec;
  luaL_checkstack(L, 12, "filling a run");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int k = lua_gettop(L) - 1;
    const acr_field *f = NULL;
    if (lua_type(L, k) == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, k, &n);
      if (skip_props && n == 10 && memcmp(s, "properties", 10) == 0) {
        lua_settop(L, k);
        continue;
      }
      f = acr_type_field(&acr_type_run, s, n);
      if (f != NULL &&
          !(which & ((f->flags & ACR_F_ENVELOPE) ? ROOT_ENV : ROOT_PROPS)))
        f = NULL;
    }
    if (f != NULL) field_set(L, c, rec, f, k + 1);
    else keep_unknown(L, c, rec, &acr_type_run, env, k, k + 1);
    lua_settop(L, k);
  }
}

static int has_envelope_key(lua_State *L, int idx) {
  static const char *const names[] = {"id", "name", "type", "systemData"};
  int i, found = 0;
  for (i = 0; i < 4 && !found; i++) {
    lua_pushstring(L, names[i]);
    lua_rawget(L, idx);
    found = !is_absent(L, -1);
    lua_pop(L, 1);
  }
  return found;
}

/* t[name] as a table (pushed, returns 1), or nothing pushed (0). */
static int get_table(lua_State *L, int idx, const char *name) {
  lua_pushstring(L, name);
  lua_rawget(L, idx);
  if (lua_type(L, -1) == LUA_TTABLE) return 1;
  lua_pop(L, 1);
  return 0;
}

acr_run *lacr_run_from_table(lua_State *L, int idx, lacr_mode mode) {
  conv c;
  lacr_Run *u;
  acr_allocator a;
  int base, t;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 16, "acr.from_table");
  u = lacr_newrun_slot(L);
  base = lua_gettop(L);
  lacr_allocator(L, &a);
  if ((u->run = acr_run_new(&a)) == NULL) nomem(L);
  c.run = u->run;
  c.mode = mode;
  acr_path_init(&c.path);
  if (is_absent(L, idx)) return c.run;
  if (lua_type(L, idx) != LUA_TTABLE)
    errorat(L, NULL, "expected a table, got %s", type_name(L, idx));
  lua_pushvalue(L, idx);
  t = lua_gettop(L);
  if (mode == LACR_MODE_NEW) {
    acr_path_key(&c.path, "run", 3);
    fill_root(L, &c, t, ROOT_ENV | ROOT_PROPS, 0, 0);
  } else {
    /* A TaskRun: the run is its runResult, beside or inside properties. */
    if (get_table(L, t, "runResult")) {
      acr_path_key(&c.path, "runResult", 9);
      t = lua_gettop(L);
    } else if (get_table(L, t, "properties")) {
      if (get_table(L, lua_gettop(L), "runResult")) {
        acr_path_key(&c.path, "properties.runResult", 20);
        t = lua_gettop(L);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushliteral(L, "properties");
    lua_rawget(L, t);
    if (lua_type(L, -1) == LUA_TTABLE) {
      int props = lua_gettop(L);
      size_t old;
      c.run->shape = ACR_SHAPE_ENVELOPE;
      c.run->has_properties = 1;
      fill_root(L, &c, t, ROOT_ENV | ROOT_PROPS, 1, 1);
      old = acr_path_key(&c.path, "properties", 10);
      fill_root(L, &c, props, ROOT_PROPS, 0, 0);
      acr_path_pop(&c.path, old);
    } else if (is_absent(L, -1)) {
      int flat = has_envelope_key(L, t);
      c.run->shape = flat ? ACR_SHAPE_FLAT : ACR_SHAPE_BARE;
      fill_root(L, &c, t, ROOT_ENV | ROOT_PROPS, flat, 1);
    } else {
      acr_path_key(&c.path, "properties", 10);
      bad_type(L, &c, "a table", lua_gettop(L));
    }
  }
  lua_settop(L, base);
  return c.run;
}

/* ---- model -> plain Lua values ----------------------------------------- */

static void push_plain_record(lua_State *L, const acr_type *t,
                              const void *rec, int amt);

static void push_unknowns(lua_State *L, const acr_list *u, int amt) {
  uint32_t i;
  if (u == NULL) return;
  for (i = 0; i + 1 < u->n; i += 2) {
    const acr_str *k = (const acr_str *)u->items[i];
    const acr_str *j = (const acr_str *)u->items[i + 1];
    lua_pushlstring(L, k->s, k->len);
    lacr_push_json(L, j->s, j->len, amt);
    lua_rawset(L, -3);
  }
}

/* The value of field f of rec as plain Lua (nil when absent). */
static void push_plain(lua_State *L, const acr_field *f, const void *rec,
                       int amt) {
  const void *slot = (const char *)rec + f->offset;
  uint32_t i;
  if (!HAS(rec, f)) {
    lua_pushnil(L);
    return;
  }
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)slot;
    lua_pushlstring(L, s->s, s->len);
    break;
  }
  case ACR_K_ENUM: {
    size_t n;
    const char *s = acr_enum_spelling(f, (const acr_enumval *)slot, &n);
    if (s) lua_pushlstring(L, s, n);
    else lua_pushnil(L);
    break;
  }
  case ACR_K_DATETIME: {
    char buf[ACR_DATETIME_TEXT_MAX];
    size_t n = acr_datetime_format((const acr_datetime *)slot, buf);
    lua_pushlstring(L, buf, n);
    break;
  }
  case ACR_K_BOOL:
    lua_pushboolean(L, *(const uint8_t *)slot);
    break;
  case ACR_K_INT32:
    lua_pushinteger(L, (lua_Integer) * (const int32_t *)slot);
    break;
  case ACR_K_RECORD:
    push_plain_record(L, f->sub, *(void *const *)slot, amt);
    break;
  default: {
    const acr_list *l = *(acr_list *const *)slot;
    uint32_t n = l ? l->n : 0;
    luaL_checkstack(L, 4, "to_table");
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
      if (f->kind == ACR_K_RECORD_LIST) {
        push_plain_record(L, f->sub, l->items[i], amt);
      } else {
        const acr_str *s = (const acr_str *)l->items[i];
        lua_pushlstring(L, s->s, s->len);
      }
      lua_rawseti(L, -2, (int)i + 1);
    }
    mark_array(L, amt);
    break;
  }
  }
}

static void push_plain_record(lua_State *L, const acr_type *t,
                              const void *rec, int amt) {
  uint8_t i;
  luaL_checkstack(L, 6, "to_table");
  lua_createtable(L, 0, t->nfields);
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (!HAS(rec, f)) continue;
    push_plain(L, f, rec, amt);
    lua_setfield(L, -2, f->name);
  }
  push_unknowns(L, ((const acr_rechdr *)rec)->unknown, amt);
}

#define ENVELOPE_BITS                                                    \
  ((1u << ACR_RUN_ID) | (1u << ACR_RUN_NAME) | (1u << ACR_RUN_TYPE) |     \
   (1u << ACR_RUN_SYSTEMDATA))

/* The JSON writer's rule (acr_json_write.c), so that to_table equals
 * cjson.decode(run:encode()): an envelope when an envelope field or an
 * envelope-level unknown key is set, or the run came in a non-bare shape. */
static int is_envelope(const acr_run *r) {
  return (r->rec.h.present & ENVELOPE_BITS) != 0 ||
         r->shape != ACR_SHAPE_BARE ||
         (r->env_unknown != NULL && r->env_unknown->n > 0);
}

void lacr_run_to_table(lua_State *L, const acr_run *r, int amt) {
  const acr_runrec *rec = &r->rec;
  uint8_t i;
  luaL_checkstack(L, 8, "to_table");
  if (!is_envelope(r)) {
    push_plain_record(L, &acr_type_run, rec, amt);
  } else {
    lua_createtable(L, 0, 6);
    for (i = 0; i < acr_type_run.nfields; i++) {
      const acr_field *f = &acr_type_run.fields[i];
      if (!(f->flags & ACR_F_ENVELOPE) || !HAS(rec, f)) continue;
      push_plain(L, f, rec, amt);
      lua_setfield(L, -2, f->name);
    }
    push_unknowns(L, r->env_unknown, amt);
    lua_createtable(L, 0, acr_type_run.nfields);
    for (i = 0; i < acr_type_run.nfields; i++) {
      const acr_field *f = &acr_type_run.fields[i];
      if ((f->flags & ACR_F_ENVELOPE) || !HAS(rec, f)) continue;
      push_plain(L, f, rec, amt);
      lua_setfield(L, -2, f->name);
    }
    push_unknowns(L, rec->h.unknown, amt);
    lua_setfield(L, -2, "properties");
  }
}

static void push_unknown_texts(lua_State *L, const acr_list *u) {
  uint32_t i;
  if (u == NULL) return;
  for (i = 0; i + 1 < u->n; i += 2) {
    const acr_str *k = (const acr_str *)u->items[i];
    const acr_str *j = (const acr_str *)u->items[i + 1];
    lua_pushlstring(L, k->s, k->len);
    lua_pushlstring(L, j->s, j->len);
    lua_rawset(L, -3);
  }
}

/* ---- assignment entry points ------------------------------------------- */

/* rec.f = value at v, as acr.new validates, where rec is the record the Run
 * or Record view userdata at ud shows; recpath names rec.  The value is
 * converted first (a record or a list is built under a pin: building may
 * run Lua code that changes the run), then the record is found again and
 * the value stored, with no Lua in between. */
static void assign(lua_State *L, int ud, const acr_field *f, int v,
                   const acr_path *recpath) {
  conv c;
  cvalue cv;
  lacr_Pins *pins = NULL;
  void *rec;
  if (f->flags & ACR_F_READONLY)
    errorat(L, recpath->buf, "field '%s' is read-only", f->name);
  if (f->kind == ACR_K_RECORD || f->kind == ACR_K_RECORD_LIST ||
      f->kind == ACR_K_STRING_LIST)
    c.run = pin_ud(L, ud, &pins);
  else
    c.run = live_run(L, ud);
  c.mode = LACR_MODE_NEW;
  c.path = *recpath;
  acr_path_key(&c.path, f->name, f->namelen);
  to_cvalue(L, &c, f, v, &cv);
  rec = (void *)ud_record(L, ud);
  if (rec == NULL || ud_run(L, ud) != c.run)
    errorat(L, recpath->buf, "removed while the value was converted");
  store_cvalue(L, &c, rec, f, &cv);
  if (pins != NULL) lacr_pins_release(pins);
  else acr_run_gc(c.run);
}

/* Refuse writes below a read-only field (systemData, logArtifact). */
static void check_path_writable(lua_State *L, const lacr_View *v) {
  int i;
  for (i = 0; i < v->depth; i++) {
    const acr_field *f = step_field(v, i);
    if (f->flags & ACR_F_READONLY) {
      acr_path p;
      view_path(v, i, &p);
      errorat(L, p.buf, "field '%s' is read-only", f->name);
    }
  }
}

/* ---- Run metamethods --------------------------------------------------- */

/* The hot path, in five API calls.  The key's entry in the name table is
 * the field itself (a light userdata: lua_touserdata gives NULL for the
 * method functions).  No metatable check: the Run metatable is hidden
 * (__metatable), so Lua code cannot call this with another value; the VM
 * calls it with exactly two values (a direct call with fewer reads the key
 * as nil: index 2 is acceptable). */
static int run_index(lua_State *L) {
  lacr_Run *u = (lacr_Run *)lua_touserdata(L, 1);
  const acr_field *f;
  if (u == NULL) return luaL_argerror(L, 1, "Run expected");
  lua_pushvalue(L, 2);
  lua_rawget(L, UPV(U_RUNNAMES));
  f = (const acr_field *)lua_touserdata(L, -1);
  if (f != NULL) {
    src sr;
    if (u->run == NULL) return luaL_error(L, "attempt to use a closed Run");
    sr.ud = 1;
    sr.u = u;
    sr.v = NULL;
    push_field(L, &sr, f);
    return 1;
  }
  if (!lua_isnil(L, -1)) return 1; /* a method */
  return unknown_field(L, "run", &acr_type_run, 2);
}

static int run_newindex(lua_State *L) {
  acr_run *run;
  acr_path p;
  lua_settop(L, 3);
  run = check_run_up(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, UPV(U_RUNNAMES));
  if (lua_type(L, -1) != LUA_TLIGHTUSERDATA) {
    if (!lua_isnil(L, -1))
      return errorat(L, "run", "cannot assign to method '%s'",
                     lua_tostring(L, 2));
    return unknown_field(L, "run", &acr_type_run, 2);
  }
  acr_path_init(&p);
  acr_path_key(&p, "run", 3);
  (void)run;
  assign(L, 1, (const acr_field *)lua_touserdata(L, -1), 3, &p);
  return 0;
}

static int run_eq(lua_State *L) {
  lacr_Run *a = (lacr_Run *)test_up(L, 1, U_RUNMT);
  lacr_Run *b = (lacr_Run *)test_up(L, 2, U_RUNMT);
  lua_pushboolean(L, a && b && a->run && b->run &&
                         acr_run_equal(a->run, b->run));
  return 1;
}

/* Push " <text>" of an enum field of the run if set; returns 1 if pushed. */
static int push_enum_part(lua_State *L, const acr_runrec *rec, int fi) {
  const acr_field *f = &acr_type_run.fields[fi];
  size_t n;
  const char *s;
  if (!HAS(rec, f)) return 0;
  s = acr_enum_text(f, (const acr_enumval *)ACR_SLOT(rec, f), &n);
  if (s == NULL) return 0;
  lua_pushliteral(L, " ");
  lua_pushlstring(L, s, n);
  return 2;
}

/* "Run ca12 Succeeded QuickRun", absent parts left out. */
static int run_tostring(lua_State *L) {
  lacr_Run *u = (lacr_Run *)test_up(L, 1, U_RUNMT);
  const acr_runrec *rec;
  int parts = 1;
  lacr_Pins *pins;
  if (u == NULL) return luaL_argerror(L, 1, "Run expected");
  if (u->run == NULL) {
    lua_pushliteral(L, "Run (closed)");
    return 1;
  }
  lua_settop(L, 1);
  rec = &pin_ud(L, 1, &pins)->rec;
  lua_pushliteral(L, "Run");
  if (HAS(rec, &acr_type_run.fields[ACR_RUN_RUNID])) {
    lua_pushliteral(L, " ");
    lua_pushlstring(L, rec->runId->s, rec->runId->len);
    parts += 2;
  }
  parts += push_enum_part(L, rec, ACR_RUN_STATUS);
  parts += push_enum_part(L, rec, ACR_RUN_RUNTYPE);
  lua_concat(L, parts);
  lacr_pins_release(pins);
  return 1;
}

/* ---- iteration over set fields ----------------------------------------- */

/* fields_next(obj, prev) for a Run or a Record view: the next set field
 * after the field named prev (from the first when prev is nil), in spec
 * order: name, value. */
static int fields_next(lua_State *L) {
  const acr_type *t;
  const void *rec;
  src sr;
  int i = 0;
  lua_settop(L, 2);
  if (test_up(L, 1, U_RUNMT)) {
    check_run_up(L, 1);
    t = &acr_type_run;
  } else {
    t = view_type(check_view_up(L, 1, U_RECMT));
  }
  sr = src_at(L, 1);
  if ((rec = src_record(&sr)) == NULL) return 0;
  if (!lua_isnil(L, 2)) {
    size_t n;
    const char *s = lua_tolstring(L, 2, &n);
    const acr_field *f = s ? acr_type_field(t, s, n) : NULL;
    if (f == NULL) return luaL_argerror(L, 2, "not a field name");
    i = f->index + 1;
  }
  for (; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (!HAS(rec, f)) continue;
    lua_pushstring(L, f->name); /* may run Lua: push_field resolves again */
    push_field(L, &sr, f);
    return 2;
  }
  return 0;
}

/* obj:fields() and __pairs: for name, value in run:fields() do ... end */
static int m_fields(lua_State *L) {
  lua_settop(L, 1);
  if (!test_up(L, 1, U_RUNMT)) check_view_up(L, 1, U_RECMT);
  else check_run_up(L, 1);
  push_closure(L, fields_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* ---- Run methods ------------------------------------------------------- */

static int m_to_table(lua_State *L) {
  lacr_Pins *pins;
  int amt;
  lua_settop(L, 1);
  check_run_up(L, 1);
  amt = array_mt(L);
  lacr_run_to_table(L, pin_ud(L, 1, &pins), amt);
  lacr_pins_release(pins);
  return 1;
}

static int m_clone(lua_State *L) {
  acr_allocator a;
  lacr_Run *u;
  lua_settop(L, 1);
  check_run_up(L, 1);
  u = lacr_newrun_slot(L);
  lacr_allocator(L, &a);
  if ((u->run = acr_run_clone(live_run(L, 1), &a)) == NULL) nomem(L);
  return 1;
}

typedef struct problems_ctx {
  acr_buf *b;
  int failed;
} problems_ctx;

/* Called by the core: collects "path: message" NUL-separated (no Lua call
 * here, so nothing can unwind through the core). */
static void problem_cb(void *ud, const char *path, const char *msg) {
  problems_ctx *p = (problems_ctx *)ud;
  if (p->failed) return;
  if ((*path && (acr_buf_add(p->b, path, strlen(path)) != ACR_OK ||
                 acr_buf_addlit(p->b, ": ") != ACR_OK)) ||
      acr_buf_add(p->b, msg, strlen(msg) + 1) != ACR_OK)
    p->failed = 1;
}

/* run:problems() -> {"platform.os: platform is set without ...", ...} */
static int m_problems(lua_State *L) {
  acr_run *run = check_run_up(L, 1);
  problems_ctx p;
  size_t at = 0;
  int k = 0;
  p.b = lacr_newbox(L);
  p.failed = 0;
  acr_run_problems(run, problem_cb, &p);
  if (p.failed) nomem(L);
  lua_newtable(L);
  while (at < p.b->len) {
    size_t n = strlen(p.b->p + at);
    lua_pushlstring(L, p.b->p + at, n);
    lua_rawseti(L, -2, ++k);
    at += n + 1;
  }
  lacr_box_free(p.b);
  return 1;
}

/* run:unknown() -> {name = json text}: envelope and properties levels. */
static int m_unknown(lua_State *L) {
  acr_run *run;
  lacr_Pins *pins;
  lua_settop(L, 1);
  check_run_up(L, 1);
  run = pin_ud(L, 1, &pins);
  lua_newtable(L);
  push_unknown_texts(L, run->env_unknown);
  push_unknown_texts(L, run->rec.h.unknown);
  lacr_pins_release(pins);
  return 1;
}

static int m_is_terminal(lua_State *L) {
  lua_pushboolean(L, acr_run_is_terminal(check_run_up(L, 1)));
  return 1;
}

/* run:memsize(): bytes the run holds outside the Lua heap (its header and
 * arena), which collectgarbage("count") does not see. */
static int m_memsize(lua_State *L) {
  lua_pushnumber(L, (lua_Number)acr_run_memsize(check_run_up(L, 1)));
  return 1;
}

/* run:duration([now]): finishTime - startTime in seconds; while started
 * but unfinished, now - startTime when now is given (0, never negative,
 * for a now before the start: a clock behind the service's); else nil. */
static int m_duration(lua_State *L) {
  acr_run *run = check_run_up(L, 1);
  acr_datetime now;
  double secs;
  int have_now = !lua_isnoneornil(L, 2);
  if (have_now) {
    acr_error e;
    acr_err_clear(&e);
    if (lacr_todatetime(L, 2, &now, &e) != ACR_OK)
      return luaL_argerror(L, 2, e.message);
  }
  if (acr_run_duration(run, &secs)) {
    lua_pushnumber(L, (lua_Number)secs);
  } else if (have_now &&
             HAS(&run->rec, &acr_type_run.fields[ACR_RUN_STARTTIME]) &&
             !HAS(&run->rec, &acr_type_run.fields[ACR_RUN_FINISHTIME])) {
    double d = acr_datetime_diff(&run->rec.startTime, &now);
    lua_pushnumber(L, (lua_Number)(d > 0 ? d : 0));
  } else {
    lua_pushnil(L);
  }
  return 1;
}

/* run:trigger(): what the Azure CLI shows in its TRIGGER column. */
static int m_trigger(lua_State *L) {
  const acr_runrec *rec;
  const acr_sourcetrigger *st;
  lacr_Pins *pins;
  lua_settop(L, 1);
  check_run_up(L, 1);
  rec = &pin_ud(L, 1, &pins)->rec;
  st = rec->sourceTrigger;
  if (HAS(rec, &acr_type_run.fields[ACR_RUN_SOURCETRIGGER]) && st != NULL &&
      HAS(st, &acr_type_sourcetrigger.fields[1]))
    lua_pushlstring(L, st->eventType->s, st->eventType->len);
  else if (HAS(rec, &acr_type_run.fields[ACR_RUN_TIMERTRIGGER]))
    lua_pushliteral(L, "Timer");
  else if (HAS(rec, &acr_type_run.fields[ACR_RUN_IMAGEUPDATETRIGGER]))
    lua_pushliteral(L, "Image Update");
  else
    lua_pushliteral(L, "Manual");
  lacr_pins_release(pins);
  return 1;
}

static int m_encode(lua_State *L) {
  lua_settop(L, 2);
  check_run_up(L, 1);
  return lacr_encode_value(L, 1, lua_isnil(L, 2) ? 0 : 2);
}

/* ---- diff -------------------------------------------------------------- */

typedef struct differ {
  lua_State *L;
  int out, n, amt;
  acr_path path;
} differ;

/* old value at -2, new at -1: append {path=, old=, new=} and pop both. */
static void emit(differ *d) {
  lua_State *L = d->L;
  lua_createtable(L, 0, 3);
  lua_pushstring(L, d->path.buf);
  lua_setfield(L, -2, "path");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "old");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "new");
  lua_rawseti(L, d->out, ++d->n);
  lua_pop(L, 2);
}

static int str_equal(const acr_str *a, const acr_str *b) {
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static int scalar_equal(const acr_field *f, const void *a, const void *b) {
  switch (f->kind) {
  case ACR_K_STRING:
    return str_equal(*(acr_str *const *)a, *(acr_str *const *)b);
  case ACR_K_ENUM: {
    const acr_enumval *x = (const acr_enumval *)a, *y = (const acr_enumval *)b;
    if (x->code != y->code) return 0;
    return x->code != ACR_ENUM_UNKNOWN || str_equal(x->raw, y->raw);
  }
  case ACR_K_DATETIME: {
    char p[ACR_DATETIME_TEXT_MAX], q[ACR_DATETIME_TEXT_MAX];
    size_t n = acr_datetime_format((const acr_datetime *)a, p);
    size_t m = acr_datetime_format((const acr_datetime *)b, q);
    return n == m && memcmp(p, q, n) == 0;
  }
  case ACR_K_BOOL:
    return *(const uint8_t *)a == *(const uint8_t *)b;
  case ACR_K_INT32:
    return *(const int32_t *)a == *(const int32_t *)b;
  default:
    return 0;
  }
}

static const acr_str *find_unknown(const acr_list *l, const acr_str *name) {
  uint32_t i;
  if (l == NULL) return NULL;
  for (i = 0; i + 1 < l->n; i += 2)
    if (str_equal((const acr_str *)l->items[i], name))
      return (const acr_str *)l->items[i + 1];
  return NULL;
}

static void diff_unknown(differ *d, const acr_list *a, const acr_list *b) {
  uint32_t i;
  lua_State *L = d->L;
  for (i = 0; a != NULL && i + 1 < a->n; i += 2) {
    const acr_str *k = (const acr_str *)a->items[i];
    const acr_str *ja = (const acr_str *)a->items[i + 1];
    const acr_str *jb = find_unknown(b, k);
    if (jb != NULL && acr_json_equal(ja->s, ja->len, jb->s, jb->len))
      continue;
    {
      size_t old = acr_path_key(&d->path, k->s, k->len);
      lacr_push_json(L, ja->s, ja->len, d->amt);
      if (jb) lacr_push_json(L, jb->s, jb->len, d->amt);
      else lua_pushnil(L);
      emit(d);
      acr_path_pop(&d->path, old);
    }
  }
  for (i = 0; b != NULL && i + 1 < b->n; i += 2) {
    const acr_str *k = (const acr_str *)b->items[i];
    const acr_str *jb = (const acr_str *)b->items[i + 1];
    if (find_unknown(a, k) == NULL) {
      size_t old = acr_path_key(&d->path, k->s, k->len);
      lua_pushnil(L);
      lacr_push_json(L, jb->s, jb->len, d->amt);
      emit(d);
      acr_path_pop(&d->path, old);
    }
  }
}

static void diff_record(differ *d, const acr_type *t, const void *a,
                        const void *b) {
  lua_State *L = d->L;
  uint8_t i;
  luaL_checkstack(L, 8, "diff");
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    int ha = (int)HAS(a, f), hb = (int)HAS(b, f);
    const void *sa = (const char *)a + f->offset;
    const void *sb = (const char *)b + f->offset;
    size_t old;
    if (!ha && !hb) continue;
    old = acr_path_key(&d->path, f->name, f->namelen);
    if (ha && hb && f->kind == ACR_K_RECORD) {
      diff_record(d, f->sub, *(void *const *)sa, *(void *const *)sb);
    } else if (ha && hb && (f->kind == ACR_K_RECORD_LIST ||
                            f->kind == ACR_K_STRING_LIST)) {
      const acr_list *la = *(acr_list *const *)sa;
      const acr_list *lb = *(acr_list *const *)sb;
      uint32_t na = la ? la->n : 0, nb = lb ? lb->n : 0, j;
      for (j = 0; j < na || j < nb; j++) {
        size_t o2 = acr_path_index(&d->path, j + 1);
        if (j < na && j < nb && f->kind == ACR_K_RECORD_LIST) {
          diff_record(d, f->sub, la->items[j], lb->items[j]);
        } else if (j < na && j < nb &&
                   str_equal((const acr_str *)la->items[j],
                             (const acr_str *)lb->items[j])) {
          /* same string */
        } else {
          int k;
          for (k = 0; k < 2; k++) {
            const acr_list *l = k ? lb : la;
            if (j >= (k ? nb : na)) {
              lua_pushnil(L);
            } else if (f->kind == ACR_K_RECORD_LIST) {
              push_plain_record(L, f->sub, l->items[j], d->amt);
            } else {
              const acr_str *s = (const acr_str *)l->items[j];
              lua_pushlstring(L, s->s, s->len);
            }
          }
          emit(d);
        }
        acr_path_pop(&d->path, o2);
      }
    } else if (!ha || !hb || !scalar_equal(f, sa, sb)) {
      push_plain(L, f, a, d->amt);
      push_plain(L, f, b, d->amt);
      emit(d);
    }
    acr_path_pop(&d->path, old);
  }
  diff_unknown(d, ((const acr_rechdr *)a)->unknown,
               ((const acr_rechdr *)b)->unknown);
}

/* run:diff(other) -> {{path=, old=, new=}, ...}: what changed from run to
 * other, field by field in spec order (lists element by element). */
static int m_diff(lua_State *L) {
  acr_run *a, *b;
  differ d;
  lacr_Pins *pins;
  lua_settop(L, 2);
  check_run_up(L, 1);
  check_run_up(L, 2);
  d.L = L;
  d.n = 0;
  d.amt = array_mt(L);
  pins = lacr_pins_new(L, 2);
  lacr_pins_add(pins, a = live_run(L, 1));
  lacr_pins_add(pins, b = live_run(L, 2));
  lua_newtable(L);
  d.out = lua_gettop(L);
  acr_path_init(&d.path);
  diff_record(&d, &acr_type_run, &a->rec, &b->rec);
  diff_unknown(&d, a->env_unknown, b->env_unknown);
  lacr_pins_release(pins);
  return 1;
}

/* ---- Record views ------------------------------------------------------ */

static int rec_index(lua_State *L) {
  lacr_View *v;
  const acr_type *t;
  target tg;
  lua_settop(L, 2);
  v = check_view_up(L, 1, U_RECMT);
  t = view_type(v);
  lua_rawgeti(L, UPV(U_TYPES), type_id(t) + 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TLIGHTUSERDATA) {
    src sr;
    if (!resolve(v, &tg)) return 0;
    sr.ud = 1;
    sr.u = NULL;
    sr.v = v;
    push_field(L, &sr, (const acr_field *)lua_touserdata(L, -1));
    return 1;
  }
  if (!lua_isnil(L, -1)) return 1;
  {
    acr_path p;
    view_path(v, v->depth, &p);
    return unknown_field(L, p.buf, t, 2);
  }
}

static int rec_newindex(lua_State *L) {
  lacr_View *v;
  const acr_type *t;
  target tg;
  acr_path p;
  lua_settop(L, 3);
  v = check_view_up(L, 1, U_RECMT);
  t = view_type(v);
  view_path(v, v->depth, &p);
  lua_rawgeti(L, UPV(U_TYPES), type_id(t) + 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TLIGHTUSERDATA)
    return unknown_field(L, p.buf, t, 2);
  check_path_writable(L, v);
  if (!resolve(v, &tg)) return no_longer_set(L, v, 0);
  assign(L, 1, (const acr_field *)lua_touserdata(L, -1), 3, &p);
  return 0;
}

static int rec_eq(lua_State *L) {
  lacr_View *a = (lacr_View *)test_up(L, 1, U_RECMT);
  lacr_View *b = (lacr_View *)test_up(L, 2, U_RECMT);
  target ta, tb;
  lua_pushboolean(L, a && b && a->run && b->run && resolve(a, &ta) &&
                         resolve(b, &tb) && ta.type == tb.type &&
                         acr_record_equal(ta.type, ta.rec, tb.rec));
  return 1;
}

static int rec_tostring(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_RECMT);
  target tg;
  acr_path p;
  view_path(v, v->depth, &p);
  lua_pushfstring(L, "%s %s%s", view_type(v)->name, p.buf,
                  resolve(v, &tg) ? "" : " (no longer set)");
  return 1;
}

static int rec_to_table(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_RECMT);
  target tg;
  int amt;
  lacr_Pins *pins;
  lua_settop(L, 1);
  amt = array_mt(L);
  pin_ud(L, 1, &pins);
  if (!resolve(v, &tg)) {
    lacr_pins_release(pins);
    return 0;
  }
  push_plain_record(L, tg.type, tg.rec, amt);
  lacr_pins_release(pins);
  return 1;
}

static int rec_unknown(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_RECMT);
  target tg;
  lacr_Pins *pins;
  lua_settop(L, 1);
  pin_ud(L, 1, &pins);
  lua_newtable(L);
  if (resolve(v, &tg))
    push_unknown_texts(L, ((const acr_rechdr *)tg.rec)->unknown);
  lacr_pins_release(pins);
  return 1;
}

/* ---- FieldList views --------------------------------------------------- */

/* Resolved list of the view at idx (NULL when no longer set). */
static acr_list *view_list(const lacr_View *v, target *tg, int *ok) {
  *ok = resolve(v, tg);
  return *ok ? target_list(tg) : NULL;
}

/* Integer list index at idx, or 0 when the key is not an integer. */
static lua_Number list_index(lua_State *L, int idx) {
  lua_Number d;
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  d = lua_tonumber(L, idx);
  return d == floor(d) ? d : 0;
}

/* Element i of the list view at stack index 1 (tg: what it resolved to). */
static void push_element(lua_State *L, lacr_View *v, const target *tg,
                         uint32_t i) {
  if (tg->lf->kind == ACR_K_RECORD_LIST) {
    push_view(L, 1, v, -1, i, U_RECMT);
  } else {
    src sr;
    sr.ud = 1;
    sr.u = NULL;
    sr.v = v;
    push_text(L, &sr, NULL, i);
  }
}

static int list_index_mm(lua_State *L) {
  lacr_View *v;
  target tg;
  acr_list *l;
  int ok;
  lua_Number i;
  lua_settop(L, 2);
  v = check_view_up(L, 1, U_LISTMT);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    i = list_index(L, 2);
    l = view_list(v, &tg, &ok);
    if (l == NULL || i < 1 || i > (lua_Number)l->n) return 0;
    push_element(L, v, &tg, (uint32_t)i);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, UPV(U_LISTMETH));
  if (!lua_isnil(L, -1)) return 1;
  if (lua_type(L, 2) == LUA_TSTRING)
    return luaL_error(L,
                      "unknown list method '%s' (lists have append, remove, "
                      "iter, to_table, and integer indexes)",
                      lua_tostring(L, 2));
  return luaL_error(L, "lists are indexed by integers, got %s",
                    luaL_typename(L, 2));
}

static int list_len(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_LISTMT);
  target tg;
  int ok;
  acr_list *l = view_list(v, &tg, &ok);
  lua_pushinteger(L, l ? (lua_Integer)l->n : 0);
  return 1;
}

/* Put value v at 1-based position i of the list view (i == n + 1
 * appends): the element is built and validated before anything changes. */
/* v is the list view at stack index 1. */
static void list_put(lua_State *L, lacr_View *v, lua_Number i, int val) {
  target tg;
  acr_list *l;
  int ok;
  conv c;
  void *item;
  uint32_t n;
  lacr_Pins *pins;
  view_path(v, v->depth, &c.path);
  check_path_writable(L, v);
  l = view_list(v, &tg, &ok);
  if (!ok) no_longer_set(L, v, 1);
  n = l ? l->n : 0;
  if (i < 1 || i > (lua_Number)n + 1)
    errorat(L, c.path.buf,
            "index %s is out of range (the list has %d elements; use %d to "
            "append)",
            push_index_text(L, i), (int)n, (int)n + 1);
  if (is_absent(L, val))
    errorat(L, c.path.buf,
            "cannot set an element to nil (use list:remove(i))");
  c.mode = LACR_MODE_NEW;
  acr_path_index(&c.path, (size_t)i);
  /* Build under a pin (it may run Lua code that changes the run), then
   * find the list again: what was checked above may have changed. */
  c.run = pin_ud(L, 1, &pins);
  if (tg.lf->kind == ACR_K_RECORD_LIST)
    item = build_record(L, &c, tg.lf->sub, val);
  else
    item = build_string(L, &c, val);
  l = view_list(v, &tg, &ok);
  if (!ok || v->run != c.run) no_longer_set(L, v, 1);
  n = l ? l->n : 0;
  if (i > (lua_Number)n + 1)
    errorat(L, c.path.buf, "the list shrank while the element was built");
  if ((uint32_t)i <= n) {
    l->items[(uint32_t)i - 1] = item;
  } else if (acr_list_push(c.run, (acr_list **)ACR_SLOT(tg.rec, tg.lf),
                           item) != ACR_OK) {
    nomem(L);
  }
  lacr_pins_release(pins);
}

static int list_newindex(lua_State *L) {
  lacr_View *v;
  lua_settop(L, 3);
  v = check_view_up(L, 1, U_LISTMT);
  if (lua_type(L, 2) != LUA_TNUMBER ||
      lua_tonumber(L, 2) != floor(lua_tonumber(L, 2))) {
    acr_path p;
    view_path(v, v->depth, &p);
    return errorat(L, p.buf, "lists are indexed by integers, got %s",
                   lua_type(L, 2) == LUA_TNUMBER ? "a fraction"
                                                 : luaL_typename(L, 2));
  }
  list_put(L, v, lua_tonumber(L, 2), 3);
  return 0;
}

/* list:append(v) */
static int list_append(lua_State *L) {
  lacr_View *v;
  target tg;
  int ok;
  acr_list *l;
  lua_settop(L, 2);
  v = check_view_up(L, 1, U_LISTMT);
  l = view_list(v, &tg, &ok);
  list_put(L, v, (lua_Number)(l ? l->n : 0) + 1, 2);
  return 0;
}

/* list:remove([i]) -> the removed element as a plain value (default: the
 * last element). */
static int list_remove(lua_State *L) {
  lacr_View *v;
  target tg;
  int ok, amt;
  acr_run *run;
  lacr_Pins *pins;
  acr_list *l;
  lua_Number i;
  acr_path p;
  lua_settop(L, 2);
  v = check_view_up(L, 1, U_LISTMT);
  view_path(v, v->depth, &p);
  check_path_writable(L, v);
  l = view_list(v, &tg, &ok);
  if (!ok) return no_longer_set(L, v, 1);
  if (l == NULL || l->n == 0) return 0;
  if (lua_isnoneornil(L, 2)) {
    i = (lua_Number)l->n;
  } else {
    i = list_index(L, 2);
    if (lua_type(L, 2) != LUA_TNUMBER)
      return errorat(L, p.buf, "list:remove expects an integer index, got %s",
                     luaL_typename(L, 2));
    if (i < 1 || i > (lua_Number)l->n)
      return errorat(L, p.buf,
                     "index %s is out of range (the list has %d elements)",
                     push_index_text(L, lua_tonumber(L, 2)), (int)l->n);
  }
  amt = array_mt(L);
  /* Push the value before changing anything (pushing may raise), under a
   * pin (pushing may run Lua code that changes the run); then find the
   * list again. */
  run = pin_ud(L, 1, &pins);
  l = view_list(v, &tg, &ok);
  if (!ok || l == NULL || i > (lua_Number)l->n) {
    lacr_pins_release(pins);
    return 0;
  }
  if (tg.lf->kind == ACR_K_RECORD_LIST) {
    push_plain_record(L, tg.lf->sub, l->items[(uint32_t)i - 1], amt);
  } else {
    const acr_str *s = (const acr_str *)l->items[(uint32_t)i - 1];
    lua_pushlstring(L, s->s, s->len);
  }
  l = view_list(v, &tg, &ok);
  if (ok && v->run == run && l != NULL && i <= (lua_Number)l->n)
    acr_list_remove(l, (uint32_t)i - 1);
  lacr_pins_release(pins);
  return 1;
}

static int list_next(lua_State *L) {
  lacr_View *v;
  target tg;
  int ok;
  acr_list *l;
  lua_Number i;
  lua_settop(L, 2);
  v = check_view_up(L, 1, U_LISTMT);
  i = lua_tonumber(L, 2) + 1;
  l = view_list(v, &tg, &ok);
  if (l == NULL || i > (lua_Number)l->n) return 0;
  lua_pushinteger(L, (lua_Integer)i);
  push_element(L, v, &tg, (uint32_t)i);
  return 2;
}

/* list:iter(): for i, v in list:iter() do ... end (every Lua) */
static int list_iter(lua_State *L) {
  lua_settop(L, 1);
  check_view_up(L, 1, U_LISTMT);
  push_closure(L, list_next);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

static int list_to_table(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_LISTMT);
  target tg;
  int amt;
  lacr_Pins *pins;
  lua_settop(L, 1);
  amt = array_mt(L);
  pin_ud(L, 1, &pins);
  if (!resolve(v, &tg)) {
    lacr_pins_release(pins);
    return 0;
  }
  push_plain(L, tg.lf, tg.rec, amt);
  lacr_pins_release(pins);
  return 1;
}

static int list_eq(lua_State *L) {
  lacr_View *a = (lacr_View *)test_up(L, 1, U_LISTMT);
  lacr_View *b = (lacr_View *)test_up(L, 2, U_LISTMT);
  target ta, tb;
  int eq = 0;
  if (a && b && a->run && b->run && resolve(a, &ta) && resolve(b, &tb) &&
      ta.lf->kind == tb.lf->kind && ta.lf->sub == tb.lf->sub) {
    const acr_list *x = target_list(&ta), *y = target_list(&tb);
    uint32_t nx = x ? x->n : 0, ny = y ? y->n : 0, i;
    eq = nx == ny;
    for (i = 0; eq && i < nx; i++)
      eq = ta.lf->kind == ACR_K_RECORD_LIST
               ? acr_record_equal(ta.lf->sub, x->items[i], y->items[i])
               : str_equal((const acr_str *)x->items[i],
                           (const acr_str *)y->items[i]);
  }
  lua_pushboolean(L, eq);
  return 1;
}

static int list_tostring(lua_State *L) {
  lacr_View *v = check_view_up(L, 1, U_LISTMT);
  target tg;
  int ok;
  acr_list *l = view_list(v, &tg, &ok);
  acr_path p;
  view_path(v, v->depth, &p);
  if (!ok) lua_pushfstring(L, "list %s (no longer set)", p.buf);
  else lua_pushfstring(L, "list %s (%d)", p.buf, l ? (int)l->n : 0);
  return 1;
}

/* ---- module functions -------------------------------------------------- */

/* acr.new([t]) */
static int l_new(lua_State *L) {
  lua_settop(L, 1);
  if (!lua_isnil(L, 1) && lua_type(L, 1) != LUA_TTABLE)
    return luaL_argerror(L, 1,
                         lua_pushfstring(L, "table expected, got %s",
                                         luaL_typename(L, 1)));
  lacr_run_from_table(L, 1, LACR_MODE_NEW);
  return 1;
}

/* acr.from_table(t [, {strict = true}]) */
static int l_from_table(lua_State *L) {
  lacr_mode mode = LACR_MODE_FROM;
  lua_settop(L, 2);
  if (lua_type(L, 1) != LUA_TTABLE)
    return luaL_argerror(L, 1,
                         lua_pushfstring(L, "table expected, got %s",
                                         luaL_typename(L, 1)));
  if (!lua_isnil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      lua_pop(L, 1);
      if (!lacr_streq(L, -1, "strict"))
        return luaL_argerror(L, 2,
                             lua_pushfstring(L,
                                             "unknown option '%s' (valid "
                                             "options: strict)",
                                             lua_type(L, -1) == LUA_TSTRING
                                                 ? lua_tostring(L, -1)
                                                 : luaL_typename(L, -1)));
    }
    lua_getfield(L, 2, "strict");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
      return luaL_argerror(L, 2, "option 'strict' must be a boolean");
    if (lua_toboolean(L, -1)) mode = LACR_MODE_STRICT;
    lua_pop(L, 1);
  }
  lacr_run_from_table(L, 1, mode);
  return 1;
}

/* ---- opening ----------------------------------------------------------- */

static void set_closures(lua_State *L, int base, int tbl, const luaL_Reg *r) {
  int i;
  for (; r->name != NULL; r++) {
    for (i = 0; i < NUP; i++) lua_pushvalue(L, base + i);
    lua_pushcclosure(L, r->func, NUP);
    lua_setfield(L, tbl, r->name);
  }
}

void lacr_open_run(lua_State *L) {
  static const luaL_Reg run_methods[] = {
      {"to_table", m_to_table},   {"clone", m_clone},
      {"fields", m_fields},       {"problems", m_problems},
      {"unknown", m_unknown},     {"is_terminal", m_is_terminal},
      {"duration", m_duration},   {"trigger", m_trigger},
      {"diff", m_diff},           {"encode", m_encode},
      {"memsize", m_memsize},     {NULL, NULL}};
  static const luaL_Reg run_meta[] = {
      {"__index", run_index},       {"__newindex", run_newindex},
      {"__gc", run_gc},             {"__eq", run_eq},
      {"__tostring", run_tostring}, {"__pairs", m_fields},
      {NULL, NULL}};
  static const luaL_Reg rec_methods[] = {{"to_table", rec_to_table},
                                         {"unknown", rec_unknown},
                                         {"fields", m_fields},
                                         {NULL, NULL}};
  static const luaL_Reg rec_meta[] = {
      {"__index", rec_index}, {"__newindex", rec_newindex},
      {"__gc", view_gc},      {"__eq", rec_eq},
      {"__tostring", rec_tostring}, {"__pairs", m_fields},
      {NULL, NULL}};
  static const luaL_Reg list_methods[] = {{"append", list_append},
                                          {"remove", list_remove},
                                          {"iter", list_iter},
                                          {"to_table", list_to_table},
                                          {NULL, NULL}};
  static const luaL_Reg list_meta[] = {
      {"__index", list_index_mm}, {"__newindex", list_newindex},
      {"__len", list_len},        {"__gc", view_gc},
      {"__eq", list_eq},          {"__tostring", list_tostring},
      {"__pairs", list_iter},     {"__ipairs", list_iter},
      {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"new", l_new},
                                   {"from_table", l_from_table},
                                   {NULL, NULL}};
  int mod = lua_gettop(L), base = mod + 1, i, j;
  luaL_checkstack(L, NUP + 8, "opening acr.run");
  lua_createtable(L, 0, 40);           /* U_RUNNAMES */
  lua_createtable(L, NTYPES, 0);       /* U_TYPES */
  lua_createtable(L, NENUMS * ENUM_STRIDE, 0); /* U_ENUMS */
  luaL_newmetatable(L, LACR_RUN);      /* U_RUNMT */
  luaL_newmetatable(L, LACR_RECORD);   /* U_RECMT */
  luaL_newmetatable(L, LACR_FLIST);    /* U_LISTMT */
  lua_createtable(L, 0, 4);            /* U_LISTMETH */
  for (i = 0; i < NTYPES; i++) {
    const acr_type *t = rec_types[i];
    if (i == 0) lua_pushvalue(L, base + U_RUNNAMES - 1);
    else lua_createtable(L, 0, t->nfields + 3);
    for (j = 0; j < t->nfields; j++) {
      lua_pushlightuserdata(L, (void *)&t->fields[j]);
      lua_setfield(L, -2, t->fields[j].name);
    }
    if (i > 0) set_closures(L, base, lua_gettop(L), rec_methods);
    lua_rawseti(L, base + U_TYPES - 1, i + 1);
  }
  for (i = 0; i < NENUMS; i++)
    for (j = 0; j < enum_defs[i]->count; j++) {
      lua_pushlstring(L, enum_defs[i]->values[j], enum_defs[i]->lengths[j]);
      lua_rawseti(L, base + U_ENUMS - 1, i * ENUM_STRIDE + j + 1);
    }
  set_closures(L, base, base + U_RUNNAMES - 1, run_methods);
  set_closures(L, base, base + U_LISTMETH - 1, list_methods);
  set_closures(L, base, base + U_RUNMT - 1, run_meta);
  set_closures(L, base, base + U_RECMT - 1, rec_meta);
  set_closures(L, base, base + U_LISTMT - 1, list_meta);
#if LACR_HAS_CLOSE
  lua_getfield(L, base + U_RUNMT - 1, "__gc");
  lua_setfield(L, base + U_RUNMT - 1, "__close");
#endif
  /* getmetatable(run) gives the name, not the table: Lua code cannot reach
   * the metamethods to call them with other values (run_index relies on
   * it).  The C API (lua_getmetatable, luaL_testudata) is not affected. */
  lua_pushliteral(L, LACR_RUN);
  lua_setfield(L, base + U_RUNMT - 1, "__metatable");
  set_closures(L, base, mod, funcs);
  lua_settop(L, mod);
}
