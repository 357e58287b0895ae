/*
 * lacr_view.c -- live views of a run's nested records (Record) and lists
 * (FieldList), and what reads and assignments through a Run or a view do.
 *
 * A read resolves what it shows, copies it to C locals and only then calls
 * Lua to push it; an assignment converts the Lua value first (building a
 * record or a list under a pin) and finds its record again before storing
 * (lacr_pin.c states the rule).
 */
#include "lacr.h"

#include <math.h>
#include <string.h>

#define HAS(rec, f) ACR_HAS(rec, f)

/* The run of the Run or view userdata at ud now (NULL when closed). */
acr_run *lacr_ud_run(lua_State *L, int ud) {
  lacr_Run *u = (lacr_Run *)lacr_test_ctx(L, ud, LACR_CTX_RUNMT);
  lacr_View *v;
  if (u != NULL) return u->run;
  v = (lacr_View *)lacr_test_ctx(L, ud, LACR_CTX_RECMT);
  if (v == NULL) v = (lacr_View *)lacr_test_ctx(L, ud, LACR_CTX_LISTMT);
  return v != NULL ? v->run : NULL;
}

/* lacr_ud_run, raising when the userdata was closed meanwhile (by Lua code
 * that ran during the operation). */
acr_run *lacr_live_run(lua_State *L, int ud) {
  acr_run *r = lacr_ud_run(L, ud);
  if (r == NULL) luaL_error(L, "the Run was closed during the operation");
  return r;
}

/* A pin guard (pushed) on the run of the Run or view userdata at ud: made
 * first, then the run taken from the userdata, so that whatever the
 * allocation ran cannot leave us pinning a freed run. */
acr_run *lacr_pin_ud(lua_State *L, int ud, lacr_Pins **pins) {
  acr_run *r;
  ud = lua_absindex(L, ud);
  *pins = lacr_pins_new(L, 1);
  r = lacr_live_run(L, ud);
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
  lua_rawgeti(L, LACR_CTX, mtup);
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
    acr_run *run = lacr_live_run(L, src);
    acr_run_retain(run);
    v->run = run;
  }
}

int lacr_view_gc(lua_State *L) {
  lacr_View *v = (lacr_View *)lacr_test_ctx(L, 1, LACR_CTX_RECMT);
  if (v == NULL) v = (lacr_View *)lacr_test_ctx(L, 1, LACR_CTX_LISTMT);
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
 * lacr_pin.c).  Where lua_pushlstring collects before it copies (5.1, 5.2,
 * LuaJIT), texts up to SMALL_TEXT bytes are copied to the C stack first; a
 * longer one gets a buffer first (an allocation) and is resolved again
 * after it.  Reads take no pin: the hot path stays a handful of calls. */
#define SMALL_TEXT 256

/* A lacr_src: the userdata blocks do not move while they are on the
 * stack; what they show is resolved afresh each time. */

static lacr_src src_at(lua_State *L, int ud) {
  lacr_src s;
  s.ud = lua_absindex(L, ud);
  s.u = (lacr_Run *)lacr_test_ctx(L, s.ud, LACR_CTX_RUNMT);
  s.v = NULL;
  if (s.u == NULL) {
    s.v = (lacr_View *)lacr_test_ctx(L, s.ud, LACR_CTX_RECMT);
    if (s.v == NULL) s.v = (lacr_View *)lacr_test_ctx(L, s.ud, LACR_CTX_LISTMT);
  }
  return s;
}

/* The record a Run or Record view shows now, or NULL (closed, or the
 * view's path no longer set). */
static const void *src_record(const lacr_src *sr) {
  lacr_target tg;
  if (sr->u != NULL) return sr->u->run != NULL ? &sr->u->run->rec : NULL;
  if (sr->v == NULL || sr->v->run == NULL || !lacr_resolve(sr->v, &tg) ||
      tg.lf != NULL)
    return NULL;
  return tg.rec;
}

static const void *ud_record(lua_State *L, int ud) {
  lacr_src sr = src_at(L, ud);
  return src_record(&sr);
}

/* Text shown by field f of the record at sr (a string, or an enum's
 * unknown text), or by element elem (1-based) of the string-list view sr
 * when f is NULL. */
static const acr_str *src_text(const lacr_src *sr, const acr_field *f,
                               uint32_t elem) {
  if (f == NULL) {
    lacr_View *v = sr->v;
    lacr_target tg;
    const acr_list *l;
    if (v == NULL || v->run == NULL || !lacr_resolve(v, &tg) || tg.lf == NULL)
      return NULL;
    l = lacr_target_list(&tg);
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

/* t: what src_text(sr, f, elem) gives now (the caller has resolved it).
 * Lua 5.3 and 5.4 copy the bytes before their GC step (lua_pushlstring
 * makes the string, then collects), so there the text is pushed as it is;
 * 5.1, 5.2 and LuaJIT collect first, hence the copy. */
static void push_text(lua_State *L, const lacr_src *sr, const acr_field *f,
                      uint32_t elem, const acr_str *t) {
#if LUA_VERSION_NUM >= 503
  (void)sr, (void)f, (void)elem;
  if (t == NULL) lua_pushnil(L);
  else lua_pushlstring(L, t->s, t->len);
#else
  for (;; t = src_text(sr, f, elem)) {
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
#endif
}

/* Push the value of field f of the record the Run or Record view at ud
 * shows, as a read gives it: scalars, DateTime, or a view; nil when
 * absent. */
void lacr_push_field(lua_State *L, const lacr_src *sr, const acr_field *f) {
  const void *rec = src_record(sr);
  const void *slot;
  if (rec == NULL || !HAS(rec, f)) {
    lua_pushnil(L);
    return;
  }
  slot = ACR_SLOT(rec, f);
  switch (f->kind) {
  case ACR_K_STRING:
    push_text(L, sr, f, 0, *(acr_str *const *)slot);
    break;
  case ACR_K_ENUM: {
    const acr_enumval *e = (const acr_enumval *)slot;
    if (e->code >= 0)
      lacr_push_enum_text(L, f->enumdef, e->code);
    else
      push_text(L, sr, f, 0, e->raw);
    break;
  }
  case ACR_K_DATETIME: {
    acr_datetime dt = *(const acr_datetime *)slot;
    lacr_pushdatetime_ctx(L, &dt);
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
              f->kind == ACR_K_RECORD ? LACR_CTX_RECMT : LACR_CTX_LISTMT);
    break;
  }
}


/* ---- assignment entry points ------------------------------------------- */

/* rec.f = value at v, as acr.new validates, where rec is the record the Run
 * or Record view userdata at ud shows; recpath names rec.  The value is
 * converted first (a record or a list is built under a pin: building may
 * run Lua code that changes the run), then the record is found again and
 * the value stored, with no Lua in between. */
void lacr_assign(lua_State *L, int ud, const acr_field *f, int v,
                   const acr_path *recpath) {
  lacr_conv c;
  lacr_cvalue cv;
  lacr_Pins *pins = NULL;
  void *rec;
  if (f->flags & ACR_F_READONLY)
    lacr_errorat(L, recpath->buf, "field '%s' is read-only", f->name);
  if (f->kind == ACR_K_RECORD || f->kind == ACR_K_RECORD_LIST ||
      f->kind == ACR_K_STRING_LIST)
    c.run = lacr_pin_ud(L, ud, &pins);
  else
    c.run = lacr_live_run(L, ud);
  c.mode = LACR_MODE_NEW;
  c.path = *recpath;
  acr_path_key(&c.path, f->name, f->namelen);
  lacr_to_cvalue(L, &c, f, v, &cv);
  rec = (void *)ud_record(L, ud);
  if (rec == NULL || lacr_ud_run(L, ud) != c.run)
    lacr_errorat(L, recpath->buf, "removed while the value was converted");
  lacr_store_cvalue(L, &c, rec, f, &cv);
  if (pins != NULL) lacr_pins_release(pins);
  else acr_run_gc(c.run);
}


/* ---- iteration over set fields ----------------------------------------- */

/* fields_next(obj, prev) for a Run or a Record view: the next set field
 * after the field named prev (from the first when prev is nil), in spec
 * order: name, value. */
static int fields_next(lua_State *L) {
  const acr_type *t;
  const void *rec;
  lacr_src sr;
  int i = 0;
  lua_settop(L, 2);
  if (lacr_test_ctx(L, 1, LACR_CTX_RUNMT)) {
    lacr_check_run_ctx(L, 1);
    t = &acr_type_run;
  } else {
    t = lacr_view_type(lacr_check_view(L, 1, LACR_CTX_RECMT));
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
    lua_pushstring(L, f->name); /* may run Lua: resolved again below */
    lacr_push_field(L, &sr, f);
    return 2;
  }
  return 0;
}

/* obj:fields() and __pairs: for name, value in run:fields() do ... end */
int lacr_fields(lua_State *L) {
  lua_settop(L, 1);
  if (!lacr_test_ctx(L, 1, LACR_CTX_RUNMT))
    lacr_check_view(L, 1, LACR_CTX_RECMT);
  else
    lacr_check_run_ctx(L, 1);
  lacr_push_closure(L, fields_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}


/* ---- Record views ------------------------------------------------------ */

int lacr_rec_index(lua_State *L) {
  lacr_View *v;
  const acr_type *t;
  lacr_target tg;
  lua_settop(L, 2);
  v = lacr_check_view(L, 1, LACR_CTX_RECMT);
  t = lacr_view_type(v);
  lacr_push_type_names(L, t);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TLIGHTUSERDATA) {
    lacr_src sr;
    if (!lacr_resolve(v, &tg)) return 0;
    sr.ud = 1;
    sr.u = NULL;
    sr.v = v;
    lacr_push_field(L, &sr, (const acr_field *)lua_touserdata(L, -1));
    return 1;
  }
  if (!lua_isnil(L, -1)) return 1;
  {
    acr_path p;
    lacr_view_path(v, v->depth, &p);
    return lacr_unknown_field(L, p.buf, t, 2);
  }
}

int lacr_rec_newindex(lua_State *L) {
  lacr_View *v;
  const acr_type *t;
  lacr_target tg;
  acr_path p;
  lua_settop(L, 3);
  v = lacr_check_view(L, 1, LACR_CTX_RECMT);
  t = lacr_view_type(v);
  lacr_view_path(v, v->depth, &p);
  lacr_push_type_names(L, t);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TLIGHTUSERDATA)
    return lacr_unknown_field(L, p.buf, t, 2);
  lacr_check_path_writable(L, v);
  if (!lacr_resolve(v, &tg)) return lacr_no_longer_set(L, v, 0);
  lacr_assign(L, 1, (const acr_field *)lua_touserdata(L, -1), 3, &p);
  return 0;
}

int lacr_rec_eq(lua_State *L) {
  lacr_View *a = (lacr_View *)lacr_test_ctx(L, 1, LACR_CTX_RECMT);
  lacr_View *b = (lacr_View *)lacr_test_ctx(L, 2, LACR_CTX_RECMT);
  lacr_target ta, tb;
  lua_pushboolean(L, a && b && a->run && b->run && lacr_resolve(a, &ta) &&
                         lacr_resolve(b, &tb) && ta.type == tb.type &&
                         acr_record_equal(ta.type, ta.rec, tb.rec));
  return 1;
}

int lacr_rec_tostring(lua_State *L) {
  lacr_View *v = lacr_check_view(L, 1, LACR_CTX_RECMT);
  lacr_target tg;
  acr_path p;
  lacr_view_path(v, v->depth, &p);
  lua_pushfstring(L, "%s %s%s", lacr_view_type(v)->name, p.buf,
                  lacr_resolve(v, &tg) ? "" : " (no longer set)");
  return 1;
}

/* view:to_table() for a Record (mtslot RECMT) or a FieldList view: a
 * plain copy of what it shows now, nil when no longer set. */
static int view_to_table(lua_State *L, int mtslot) {
  lacr_View *v = lacr_check_view(L, 1, mtslot);
  lacr_target tg;
  int amt, ok;
  lacr_Pins *pins;
  lua_settop(L, 1);
  amt = lacr_array_mt(L);
  lacr_pin_ud(L, 1, &pins);
  if ((ok = lacr_resolve(v, &tg)) != 0) {
    if (tg.lf != NULL) lacr_push_plain(L, tg.lf, tg.rec, amt);
    else lacr_push_plain_record(L, tg.type, tg.rec, amt);
  }
  lacr_pins_release(pins);
  return ok;
}

int lacr_rec_to_table(lua_State *L) {
  return view_to_table(L, LACR_CTX_RECMT);
}

int lacr_rec_unknown(lua_State *L) {
  lacr_View *v = lacr_check_view(L, 1, LACR_CTX_RECMT);
  lacr_target tg;
  lacr_Pins *pins;
  lua_settop(L, 1);
  lacr_pin_ud(L, 1, &pins);
  lua_newtable(L);
  if (lacr_resolve(v, &tg))
    lacr_push_unknown_texts(L, ((const acr_rechdr *)tg.rec)->unknown);
  lacr_pins_release(pins);
  return 1;
}

/* ---- FieldList views --------------------------------------------------- */

/* Resolved list of the view at idx (NULL when no longer set). */
static acr_list *view_list(const lacr_View *v, lacr_target *tg, int *ok) {
  *ok = lacr_resolve(v, tg);
  return *ok ? lacr_target_list(tg) : NULL;
}

/* Integer list index at idx, or 0 when the key is not an integer. */
static lua_Number list_index(lua_State *L, int idx) {
  lua_Number d;
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  d = lua_tonumber(L, idx);
  return d == floor(d) ? d : 0;
}

/* Element i of the list view at stack index 1 (tg: what it resolved to). */
static void push_element(lua_State *L, lacr_View *v, const lacr_target *tg,
                         uint32_t i) {
  if (tg->lf->kind == ACR_K_RECORD_LIST) {
    push_view(L, 1, v, -1, i, LACR_CTX_RECMT);
  } else {
    lacr_src sr;
    sr.ud = 1;
    sr.u = NULL;
    sr.v = v;
    push_text(L, &sr, NULL, i, src_text(&sr, NULL, i));
  }
}

int lacr_flist_index(lua_State *L) {
  lacr_View *v;
  lacr_target tg;
  acr_list *l;
  int ok;
  lua_Number i;
  lua_settop(L, 2);
  v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    i = list_index(L, 2);
    l = view_list(v, &tg, &ok);
    if (l == NULL || i < 1 || i > (lua_Number)l->n) return 0;
    push_element(L, v, &tg, (uint32_t)i);
    return 1;
  }
  lua_rawgeti(L, LACR_CTX, LACR_CTX_LISTMETH);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return 1;
  if (lua_type(L, 2) == LUA_TSTRING)
    return luaL_error(L,
                      "unknown list method '%s' (lists have append, remove, "
                      "iter, to_table, and integer indexes)",
                      lua_tostring(L, 2));
  return luaL_error(L, "lists are indexed by integers, got %s",
                    luaL_typename(L, 2));
}

int lacr_flist_len(lua_State *L) {
  lacr_View *v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  lacr_target tg;
  int ok;
  acr_list *l = view_list(v, &tg, &ok);
  lua_pushinteger(L, l ? (lua_Integer)l->n : 0);
  return 1;
}

/* Put value v at 1-based position i of the list view (i == n + 1
 * appends): the element is built and validated before anything changes. */
/* v is the list view at stack index 1. */
static void list_put(lua_State *L, lacr_View *v, lua_Number i, int val) {
  lacr_target tg;
  acr_list *l;
  int ok;
  lacr_conv c;
  void *item;
  uint32_t n;
  lacr_Pins *pins;
  lacr_view_path(v, v->depth, &c.path);
  lacr_check_path_writable(L, v);
  l = view_list(v, &tg, &ok);
  if (!ok) lacr_no_longer_set(L, v, 1);
  n = l ? l->n : 0;
  if (i < 1 || i > (lua_Number)n + 1)
    lacr_errorat(L, c.path.buf,
            "index %s is out of range (the list has %d elements; use %d to "
            "append)",
            lacr_push_index_text(L, i), (int)n, (int)n + 1);
  if (lacr_is_absent(L, val))
    lacr_errorat(L, c.path.buf,
            "cannot set an element to nil (use list:remove(i))");
  c.mode = LACR_MODE_NEW;
  acr_path_index(&c.path, (size_t)i);
  /* Build under a pin (it may run Lua code that changes the run), then
   * find the list again: what was checked above may have changed. */
  c.run = lacr_pin_ud(L, 1, &pins);
  if (tg.lf->kind == ACR_K_RECORD_LIST)
    item = lacr_build_record(L, &c, tg.lf->sub, val);
  else
    item = lacr_build_string(L, &c, val);
  l = view_list(v, &tg, &ok);
  if (!ok || v->run != c.run) lacr_no_longer_set(L, v, 1);
  n = l ? l->n : 0;
  if (i > (lua_Number)n + 1)
    lacr_errorat(L, c.path.buf, "the list shrank while the element was built");
  if ((uint32_t)i <= n) {
    l->items[(uint32_t)i - 1] = item;
  } else if (acr_list_push(c.run, (acr_list **)ACR_SLOT(tg.rec, tg.lf),
                           item) != ACR_OK) {
    lacr_nomem(L);
  }
  lacr_pins_release(pins);
}

int lacr_flist_newindex(lua_State *L) {
  lacr_View *v;
  lua_settop(L, 3);
  v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  if (lua_type(L, 2) != LUA_TNUMBER ||
      lua_tonumber(L, 2) != floor(lua_tonumber(L, 2))) {
    acr_path p;
    lacr_view_path(v, v->depth, &p);
    return lacr_errorat(L, p.buf, "lists are indexed by integers, got %s",
                   lua_type(L, 2) == LUA_TNUMBER ? "a fraction"
                                                 : luaL_typename(L, 2));
  }
  list_put(L, v, lua_tonumber(L, 2), 3);
  return 0;
}

/* list:append(v) */
int lacr_flist_append(lua_State *L) {
  lacr_View *v;
  lacr_target tg;
  int ok;
  acr_list *l;
  lua_settop(L, 2);
  v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  l = view_list(v, &tg, &ok);
  list_put(L, v, (lua_Number)(l ? l->n : 0) + 1, 2);
  return 0;
}

/* list:remove([i]) -> the removed element as a plain value (default: the
 * last element). */
int lacr_flist_remove(lua_State *L) {
  lacr_View *v;
  lacr_target tg;
  int ok, amt;
  acr_run *run;
  lacr_Pins *pins;
  acr_list *l;
  lua_Number i;
  acr_path p;
  lua_settop(L, 2);
  v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  lacr_view_path(v, v->depth, &p);
  lacr_check_path_writable(L, v);
  l = view_list(v, &tg, &ok);
  if (!ok) return lacr_no_longer_set(L, v, 1);
  if (l == NULL || l->n == 0) return 0;
  if (lua_isnoneornil(L, 2)) {
    i = (lua_Number)l->n;
  } else {
    i = list_index(L, 2);
    if (lua_type(L, 2) != LUA_TNUMBER)
      return lacr_errorat(L, p.buf,
                          "list:remove expects an integer index, got %s",
                          luaL_typename(L, 2));
    if (i < 1 || i > (lua_Number)l->n)
      return lacr_errorat(L, p.buf,
                     "index %s is out of range (the list has %d elements)",
                     lacr_push_index_text(L, lua_tonumber(L, 2)), (int)l->n);
  }
  amt = lacr_array_mt(L);
  /* Push the value before changing anything (pushing may raise), under a
   * pin (pushing may run Lua code that changes the run); then find the
   * list again. */
  run = lacr_pin_ud(L, 1, &pins);
  l = view_list(v, &tg, &ok);
  if (!ok || l == NULL || i > (lua_Number)l->n) {
    lacr_pins_release(pins);
    return 0;
  }
  if (tg.lf->kind == ACR_K_RECORD_LIST) {
    lacr_push_plain_record(L, tg.lf->sub, l->items[(uint32_t)i - 1], amt);
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
  lacr_target tg;
  int ok;
  acr_list *l;
  lua_Number i;
  lua_settop(L, 2);
  v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  i = lua_tonumber(L, 2) + 1;
  l = view_list(v, &tg, &ok);
  if (l == NULL || i > (lua_Number)l->n) return 0;
  lua_pushinteger(L, (lua_Integer)i);
  push_element(L, v, &tg, (uint32_t)i);
  return 2;
}

/* list:iter(): for i, v in list:iter() do ... end (every Lua) */
int lacr_flist_iter(lua_State *L) {
  lua_settop(L, 1);
  lacr_check_view(L, 1, LACR_CTX_LISTMT);
  lacr_push_closure(L, list_next);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

int lacr_flist_to_table(lua_State *L) {
  return view_to_table(L, LACR_CTX_LISTMT);
}

int lacr_flist_eq(lua_State *L) {
  lacr_View *a = (lacr_View *)lacr_test_ctx(L, 1, LACR_CTX_LISTMT);
  lacr_View *b = (lacr_View *)lacr_test_ctx(L, 2, LACR_CTX_LISTMT);
  lacr_target ta, tb;
  int eq = 0;
  if (a && b && a->run && b->run && lacr_resolve(a, &ta) &&
      lacr_resolve(b, &tb) && ta.lf->kind == tb.lf->kind &&
      ta.lf->sub == tb.lf->sub) {
    const acr_list *x = lacr_target_list(&ta), *y = lacr_target_list(&tb);
    uint32_t nx = x ? x->n : 0, ny = y ? y->n : 0, i;
    eq = nx == ny;
    for (i = 0; eq && i < nx; i++)
      eq = ta.lf->kind == ACR_K_RECORD_LIST
               ? acr_record_equal(ta.lf->sub, x->items[i], y->items[i])
               : acr_str_eq((const acr_str *)x->items[i],
                           (const acr_str *)y->items[i]);
  }
  lua_pushboolean(L, eq);
  return 1;
}

int lacr_flist_tostring(lua_State *L) {
  lacr_View *v = lacr_check_view(L, 1, LACR_CTX_LISTMT);
  lacr_target tg;
  int ok;
  acr_list *l = view_list(v, &tg, &ok);
  acr_path p;
  lacr_view_path(v, v->depth, &p);
  if (!ok) lua_pushfstring(L, "list %s (no longer set)", p.buf);
  else lua_pushfstring(L, "list %s (%d)", p.buf, l ? (int)l->n : 0);
  return 1;
}

