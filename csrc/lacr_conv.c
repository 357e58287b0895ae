/*
 * lacr_conv.c -- Lua tables <-> the model: acr.new and acr.from_table
 * (a run built from a table, every shape), the values assigned to fields
 * (converted to C values first, then stored: lacr_to_cvalue and
 * lacr_store_cvalue), and run:to_table (plain deep copies).
 *
 * Assignments are atomic: a table assigned to a record or list field is
 * built detached in the run's arena, validated completely, and attached
 * only then.  Whatever raises half-way (a bad element, out of memory)
 * leaves the run as it was; the abandoned arena bytes are reclaimed by a
 * later acr_run_gc.
 */
#include "lacr.h"

#include <math.h>
#include <string.h>

#define HAS(rec, f) ACR_HAS(rec, f)

/* ---- Lua value -> model ------------------------------------------------ */

static void fill_record(lua_State *L, lacr_conv *c, void *rec,
                        const acr_type *t, int idx);

static void setfail(lua_State *L, lacr_conv *c, const acr_error *e) {
  if (e->kind == ACR_EMEMORY) lacr_nomem(L);
  lacr_errorat(L, c->path.buf, "%s", e->message);
}

static int bad_type(lua_State *L, lacr_conv *c, const char *expected, int v) {
  return lacr_errorat(L, c->path.buf, "expected %s, got %s", expected,
                 lacr_type_name(L, v));
}

/* A detached record of type t built from the value at v: a table, or a
 * Record view of the same type (copied). */
void *lacr_build_record(lua_State *L, lacr_conv *c, const acr_type *t, int v) {
  void *sub;
  if (lua_type(L, v) == LUA_TTABLE) {
    if ((sub = acr_record_new(c->run, t)) == NULL) lacr_nomem(L);
    fill_record(L, c, sub, t, v);
    return sub;
  }
  if (lua_type(L, v) == LUA_TUSERDATA) {
    lacr_View *src = (lacr_View *)luaL_testudata(L, v, LACR_RECORD);
    lacr_target tg;
    if (src != NULL && src->run != NULL && lacr_view_type(src) == t) {
      if (!lacr_resolve(src, &tg))
        lacr_errorat(L, c->path.buf, "the record assigned is no longer set");
      if ((sub = acr_record_copy(c->run, t, tg.rec)) == NULL) lacr_nomem(L);
      return sub;
    }
  }
  lua_pushfstring(L, "a table (%s)", t->name);
  bad_type(L, c, lua_tostring(L, -1), v);
  return NULL;
}

acr_str *lacr_build_text(lua_State *L, acr_run *arena, const char *path,
                         int v) {
  acr_error e;
  size_t n;
  const char *s;
  acr_str *str;
  if (lua_type(L, v) != LUA_TSTRING)
    lacr_errorat(L, path, "expected a string, got %s", lacr_type_name(L, v));
  s = lua_tolstring(L, v, &n);
  acr_err_clear(&e);
  if ((str = acr_run_text(arena, s, n, &e)) == NULL) {
    if (e.kind == ACR_EMEMORY) lacr_nomem(L);
    lacr_errorat(L, path, "%s", e.message);
  }
  return str;
}

acr_str *lacr_build_string(lua_State *L, lacr_conv *c, int v) {
  return lacr_build_text(L, c->run, c->path.buf, v);
}

acr_list *lacr_build_array(lua_State *L, acr_run *arena, acr_path *path,
                           int v, uint32_t max, lacr_item_fn item, void *ud) {
  acr_list *l;
  uint32_t n = lacr_check_array(L, path->buf, v, max), i;
  if ((l = acr_list_new(arena, n)) == NULL) lacr_nomem(L);
  luaL_checkstack(L, 4, "building a list");
  for (i = 1; i <= n; i++) {
    size_t old = acr_path_index(path, i);
    void *it;
    lua_rawgeti(L, v, (int)i);
    it = item(L, ud, lua_gettop(L));
    if (acr_list_push(arena, &l, it) != ACR_OK) lacr_nomem(L);
    lua_pop(L, 1);
    acr_path_pop(path, old);
  }
  return l;
}

/* The items of a list field f of a run being built. */
typedef struct conv_list {
  lacr_conv *c;
  const acr_field *f;
} conv_list;

static void *conv_item(lua_State *L, void *ud, int v) {
  conv_list *cl = (conv_list *)ud;
  if (cl->f->kind == ACR_K_RECORD_LIST)
    return lacr_build_record(L, cl->c, cl->f->sub, v);
  return lacr_build_string(L, cl->c, v);
}

/* A detached list for list field f from the value at v: an array, or a
 * FieldList view of the same kind (copied). */
static acr_list *build_list(lua_State *L, lacr_conv *c, const acr_field *f,
                            int v) {
  acr_list *l;
  uint32_t n, i;
  if (lua_type(L, v) == LUA_TUSERDATA) {
    lacr_View *src = (lacr_View *)luaL_testudata(L, v, LACR_FLIST);
    lacr_target tg;
    if (src != NULL && src->run != NULL &&
        lacr_step_field(src, src->depth - 1)->kind == f->kind &&
        lacr_view_type(src) == f->sub) {
      const acr_list *sl;
      if (!lacr_resolve(src, &tg))
        lacr_errorat(L, c->path.buf, "the list assigned is no longer set");
      sl = lacr_target_list(&tg);
      n = sl ? sl->n : 0;
      if ((l = acr_list_new(c->run, n)) == NULL) lacr_nomem(L);
      for (i = 0; i < n; i++) {
        void *item;
        if (f->kind == ACR_K_RECORD_LIST) {
          item = acr_record_copy(c->run, f->sub, sl->items[i]);
        } else {
          const acr_str *s = (const acr_str *)sl->items[i];
          item = acr_run_str(c->run, s->s, s->len);
        }
        if (item == NULL) lacr_nomem(L);
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
  {
    conv_list cl;
    cl.c = c;
    cl.f = f;
    return lacr_build_array(L, c->run, &c->path, v, UINT32_MAX / 2, conv_item,
                            &cl);
  }
}

/* int32 from the number at v (integral, in range), or raise. */
static int32_t to_int32(lua_State *L, lacr_conv *c, int v) {
  lua_Number d;
  if (lua_type(L, v) != LUA_TNUMBER) bad_type(L, c, "an integer", v);
#if LACR_HAS_INTEGERS
  if (lua_isinteger(L, v)) {
    lua_Integer i = lua_tointeger(L, v);
    if (i < INT32_MIN || i > INT32_MAX)
      lacr_errorat(L, c->path.buf,
              "%s is out of the int32 range -2147483648..2147483647",
              lua_tostring(L, (lua_pushvalue(L, v), -1)));
    return (int32_t)i;
  }
#endif
  d = lua_tonumber(L, v);
  if (d != floor(d) || d != d)
    lacr_errorat(L, c->path.buf, "expected an integer, got %s",
            lua_tostring(L, (lua_pushvalue(L, v), -1)));
  if (d < -2147483648.0 || d > 2147483647.0)
    lacr_errorat(L, c->path.buf,
            "%s is out of the int32 range -2147483648..2147483647",
            lua_tostring(L, (lua_pushvalue(L, v), -1)));
  return (int32_t)d;
}

/* The Lua value at v as a value of field f; raises on a bad value.  May run
 * Lua code (building a record or list: __gc finalisers; JSON of unknown
 * keys), never after touching anything but new arena memory. */
void lacr_to_cvalue(lua_State *L, lacr_conv *c, const acr_field *f, int v,
                      lacr_cvalue *cv) {
  int t = lua_type(L, v);
  acr_error e;
  memset(cv, 0, sizeof *cv);
  if (lacr_is_absent(L, v)) {
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
    cv->ptr = lacr_build_record(L, c, f->sub, v);
    break;
  default:
    cv->ptr = build_list(L, c, f, v);
    break;
  }
}

/* Store a converted value in field f of rec (attached or detached): no
 * Lua runs before it raises on a refused value (an enum outside its
 * values), and then rec is unchanged. */
void lacr_store_cvalue(lua_State *L, lacr_conv *c, void *rec,
                       const acr_field *f, const lacr_cvalue *cv) {
  acr_error e;
  acr_status st = ACR_OK;
  if (cv->absent) {
    if (acr_rec_clear(c->run, rec, f) != ACR_OK) lacr_nomem(L);
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
    if (st == ACR_EMEMORY) lacr_nomem(L);
    setfail(L, c, &e);
  }
}

/* Set field f of a record that Lua code cannot reach (a detached one, or
 * the root of a run being built) from the Lua value at v. */
static void set_value(lua_State *L, lacr_conv *c, void *rec, const acr_field *f,
                      int v) {
  lacr_cvalue cv;
  int top = lua_gettop(L);
  lacr_to_cvalue(L, c, f, v, &cv);
  lacr_store_cvalue(L, c, rec, f, &cv);
  lua_settop(L, top);
}

/* rec.f = value at v within a conversion: read-only fields are refused
 * in NEW mode (c->path names rec, then f while the value is set). */
static void field_set(lua_State *L, lacr_conv *c, void *rec, const acr_field *f,
                      int v) {
  size_t old;
  if ((f->flags & ACR_F_READONLY) && c->mode == LACR_MODE_NEW)
    lacr_errorat(L, c->path.buf, "field '%s' is read-only", f->name);
  old = acr_path_key(&c->path, f->name, f->namelen);
  set_value(L, c, rec, f, v);
  acr_path_pop(&c->path, old);
}

/* A key of a record table that is not a field of its type: refused by
 * acr.new and strict from_table, else kept as JSON text. */
static void keep_unknown(lua_State *L, lacr_conv *c, void *rec,
                         const acr_type *t, int env, int k, int v) {
  acr_error e;
  size_t n, old;
  const char *s;
  acr_buf *b;
  if (c->mode != LACR_MODE_FROM || lua_type(L, k) != LUA_TSTRING) {
    lacr_unknown_field(L, c->path.buf, t, k);
    return;
  }
  s = lua_tolstring(L, k, &n);
  if (acr_utf8_check(s, n) != n) /* before it enters the path */
    lacr_errorat(L, c->path.buf, "invalid UTF-8 at byte %d of a field name",
            (int)acr_utf8_check(s, n));
  old = acr_path_key(&c->path, s, n);
  b = lacr_to_json(L, v, &c->path);
  if (acr_rec_add_unknown(c->run, rec, env, s, n, b->p ? b->p : "", b->len,
                          &e) != ACR_OK)
    setfail(L, c, &e);
  lacr_box_free(b);
  lua_pop(L, 1);
  acr_path_pop(&c->path, old);
}

static void fill_record(lua_State *L, lacr_conv *c, void *rec,
                        const acr_type *t, int idx) {
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
static void fill_root(lua_State *L, lacr_conv *c, int idx, int which, int env,
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
    found = !lacr_is_absent(L, -1);
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
  lacr_conv c;
  lacr_Run *u;
  acr_allocator a;
  int base, t;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 16, "acr.from_table");
  u = lacr_newrun_slot(L);
  base = lua_gettop(L);
  lacr_allocator(L, &a);
  if ((u->run = acr_run_new(&a)) == NULL) lacr_nomem(L);
  c.run = u->run;
  c.mode = mode;
  acr_path_init(&c.path);
  if (lacr_is_absent(L, idx)) return c.run;
  if (lua_type(L, idx) != LUA_TTABLE)
    lacr_errorat(L, NULL, "expected a table, got %s", lacr_type_name(L, idx));
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
    } else if (lacr_is_absent(L, -1)) {
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

void lacr_push_plain_record(lua_State *L, const acr_type *t,
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
void lacr_push_plain(lua_State *L, const acr_field *f, const void *rec,
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
    lacr_push_plain_record(L, f->sub, *(void *const *)slot, amt);
    break;
  default: {
    const acr_list *l = *(acr_list *const *)slot;
    uint32_t n = l ? l->n : 0;
    luaL_checkstack(L, 4, "to_table");
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
      if (f->kind == ACR_K_RECORD_LIST) {
        lacr_push_plain_record(L, f->sub, l->items[i], amt);
      } else {
        const acr_str *s = (const acr_str *)l->items[i];
        lua_pushlstring(L, s->s, s->len);
      }
      lua_rawseti(L, -2, (int)i + 1);
    }
    lacr_mark_array(L, amt);
    break;
  }
  }
}

void lacr_push_plain_record(lua_State *L, const acr_type *t,
                              const void *rec, int amt) {
  uint8_t i;
  luaL_checkstack(L, 6, "to_table");
  lua_createtable(L, 0, t->nfields);
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (!HAS(rec, f)) continue;
    lacr_push_plain(L, f, rec, amt);
    lua_setfield(L, -2, f->name);
  }
  push_unknowns(L, ((const acr_rechdr *)rec)->unknown, amt);
}

/* The set fields of a run's root record of the kinds in `which`
 * (ROOT_PROPS, ROOT_ENV) into the table on top. */
static void push_root_fields(lua_State *L, const acr_runrec *rec, int which,
                             int amt) {
  uint32_t i;
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *f = &acr_type_run.fields[i];
    if (!HAS(rec, f) ||
        !(which & ((f->flags & ACR_F_ENVELOPE) ? ROOT_ENV : ROOT_PROPS)))
      continue;
    lacr_push_plain(L, f, rec, amt);
    lua_setfield(L, -2, f->name);
  }
}

/* In the shape the JSON writer uses (acr_run_written_shape), so that
 * to_table equals cjson.decode(run:encode()). */
void lacr_run_to_table(lua_State *L, const acr_run *r, int amt,
                       acr_encode_shape shape) {
  const acr_runrec *rec = &r->rec;
  if (shape == ACR_ENCODE_AS_READ) shape = acr_run_written_shape(r);
  luaL_checkstack(L, 8, "to_table");
  if (shape == ACR_ENCODE_TASKRUN) {
    /* the whole task run, as the core writes it (its own parts are JSON
     * text): its JSON in a Box, then as Lua values */
    acr_buf *b = lacr_newbox(L);
    acr_encode_opts o;
    acr_status st;
    memset(&o, 0, sizeof o);
    o.profile = ACR_PROFILE_FULL;
    o.shape = ACR_ENCODE_TASKRUN;
    st = acr_json_encode_run(r, &o, b);
    if (st != ACR_OK) {
      acr_error e;
      acr_err_clear(&e);
      if (st == ACR_EMEMORY) acr_err_nomem(&e);
      else if (st == ACR_EMISUSE)
        acr_err(&e, st, "shape 'taskrun' for a run that was not read from "
                        "a task run");
      else acr_err(&e, st, "cannot convert: %s", acr_status_name(st));
      lacr_raise(L, &e);
    }
    lacr_push_json(L, b->p, b->len, amt < 0 ? amt - 1 : amt);
    lua_remove(L, -2);
    lacr_box_free(b);
  } else if (shape == ACR_ENCODE_CLI) {
    /* the Azure CLI's: envelope and properties side by side */
    lua_createtable(L, 0, acr_type_run.nfields);
    push_root_fields(L, rec, ROOT_PROPS | ROOT_ENV, amt);
    push_unknowns(L, rec->h.unknown, amt);
    push_unknowns(L, r->env_unknown, amt);
  } else if (shape == ACR_ENCODE_BARE) { /* properties only */
    lua_createtable(L, 0, acr_type_run.nfields);
    push_root_fields(L, rec, ROOT_PROPS, amt);
    push_unknowns(L, rec->h.unknown, amt);
  } else {
    lua_createtable(L, 0, 6);
    push_root_fields(L, rec, ROOT_ENV, amt);
    push_unknowns(L, r->env_unknown, amt);
    lua_createtable(L, 0, acr_type_run.nfields);
    push_root_fields(L, rec, ROOT_PROPS, amt);
    push_unknowns(L, rec->h.unknown, amt);
    lua_setfield(L, -2, "properties");
  }
}

void lacr_push_unknown_texts(lua_State *L, const acr_list *u) {
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

