/*
 * lacr_request.c -- the RunRequest type of Lua: acr.request{...}, field
 * reads and validated assignments, live views of nested records, lists and
 * the customRegistries map, encode, to_table, and acr.decode's reading of a
 * request (lacr_request_decode, called by lacr_json.c).
 *
 * Over 900 lines on purpose: a RunRequest, its views, its Lua conversion
 * and its metamethods share one private view layout and one set of
 * secret-hiding rules, kept together so that no path can show a secret.
 *
 * Memory: a RunRequest and every view of it hold one reference to the
 * request's arena (an acr_run used for memory only, which is never
 * compacted), and the acr_request itself lives in that arena.  So a view
 * stays memory-safe after the request value is collected, and pointers
 * into the request stay valid while Lua code runs.  Lua values are read
 * raw (no metamethods) and must have exactly the expected type, so no Lua
 * code runs in the middle of an assignment either.
 *
 * Secrets: tostring shows the kind or the path, never a value; error
 * messages name the path and what was wrong, never a string value.
 */
#include "lacr.h"

#include <math.h>
#include <string.h>

#define MAXDEPTH 4

typedef struct lacr_Req {
  acr_request *q; /* NULL once collected; holds a reference to q->arena */
  uint8_t depth;  /* 0: the request itself */
  struct {
    uint8_t field;  /* index in the current type */
    uint32_t index; /* 1-based list element / map entry; 0: the field */
  } step[MAXDEPTH];
} lacr_Req;

/* What a view designates: a record, or a list field of a record. */
typedef struct rtarget {
  const acr_type *t; /* the record's type (owner of lf for a list) */
  void *rec;
  const acr_field *lf; /* list views: the list field of rec */
} rtarget;

static lacr_Req *testreq(lua_State *L, int idx) {
  lacr_Req *u = (lacr_Req *)luaL_testudata(L, idx, LACR_REQUEST);
  if (u == NULL) u = (lacr_Req *)luaL_testudata(L, idx, LACR_REQVIEW);
  return u;
}

static lacr_Req *checkreq(lua_State *L, int idx) {
  lacr_Req *u = testreq(L, idx);
  if (u == NULL || u->q == NULL)
    luaL_argerror(L, idx, "RunRequest expected");
  return u;
}

static int req_gc(lua_State *L) {
  lacr_Req *u = testreq(L, 1);
  if (u != NULL && u->q != NULL) {
    acr_run_release(u->q->arena);
    u->q = NULL;
  }
  return 0;
}

static int resolve(const lacr_Req *u, rtarget *tg) {
  const acr_type *t = &acr_type_runrequest;
  void *rec = u->q->rec;
  int i;
  tg->lf = NULL;
  for (i = 0; i < u->depth; i++) {
    const acr_field *f = &t->fields[u->step[i].field];
    if (!ACR_HAS(rec, f)) return 0;
    if (f->kind == ACR_K_RECORD) {
      rec = *(void **)ACR_SLOT(rec, f);
      t = f->sub;
    } else {
      acr_list *l = *(acr_list **)ACR_SLOT(rec, f);
      uint32_t k = u->step[i].index;
      if (k == 0) {
        tg->t = t;
        tg->rec = rec;
        tg->lf = f;
        return 1;
      }
      if (l == NULL || k > l->n) return 0;
      rec = l->items[k - 1];
      t = f->sub;
    }
  }
  tg->t = t;
  tg->rec = rec;
  return 1;
}

/* Push a view of u extended by one step. */
static void push_view(lua_State *L, const lacr_Req *u, uint8_t field,
                      uint32_t index) {
  lacr_Req *v;
  if (u->depth >= MAXDEPTH) luaL_error(L, "view nested too deeply");
  v = (lacr_Req *)lua_newuserdata(L, sizeof *v);
  *v = *u;
  v->q = NULL;
  luaL_setmetatable(L, LACR_REQVIEW);
  v->step[v->depth].field = field;
  v->step[v->depth].index = index;
  v->depth++;
  acr_run_retain(u->q->arena);
  v->q = u->q;
}

/* "credentials.customRegistries[\"r.io\"].password": map entries by key
 * while they are there, by position once they are gone. */
static void view_path(const lacr_Req *u, acr_path *p) {
  const acr_type *t = &acr_type_runrequest;
  const void *rec = u->q->rec;
  int i;
  acr_path_init(p);
  for (i = 0; i < u->depth; i++) {
    const acr_field *f = &t->fields[u->step[i].field];
    uint32_t k = u->step[i].index;
    const acr_list *l = NULL;
    acr_path_key(p, f->name, f->namelen);
    if (rec != NULL && ACR_HAS(rec, f)) {
      if (f->kind == ACR_K_RECORD) rec = *(void *const *)ACR_SLOT(rec, f);
      else l = *(acr_list *const *)ACR_SLOT(rec, f), rec = NULL;
    } else {
      rec = NULL;
    }
    if (k) {
      if (l != NULL && k <= l->n) {
        rec = l->items[k - 1];
        if (f->flags & ACR_F_MAP) {
          const acr_str *key = ((const acr_customregistry *)rec)->loginServer;
          acr_path_mapkey(p, key->s, key->len);
        } else {
          acr_path_index(p, k);
        }
      } else {
        acr_path_index(p, k);
      }
    }
    t = f->sub;
  }
}

static void nomem(lua_State *L) {
  lua_pushliteral(L, "not enough memory");
  lua_error(L);
}

/* ---- Lua value -> request ------------------------------------------------ */

typedef struct rconv {
  acr_request *q;
  acr_path path;
} rconv;

static void bad_type(lua_State *L, rconv *c, const char *want, int v) {
  lacr_errorat(L, c->path.buf, "expected %s, got %s", want,
               luaL_typename(L, v));
}

static void core_fail(lua_State *L, rconv *c, const acr_error *e) {
  if (e->kind == ACR_EMEMORY) nomem(L);
  lacr_errorat(L, c->path.buf, "%s", e->message);
}

static void fill_record(lua_State *L, rconv *c, const acr_type *t, void *rec,
                        int idx, int root);

static void *build_record(lua_State *L, rconv *c, const acr_type *t, int v) {
  void *rec;
  lacr_Req *src;
  rtarget tg;
  if (lua_type(L, v) == LUA_TTABLE) {
    if ((rec = acr_record_new(c->q->arena, t)) == NULL) nomem(L);
    fill_record(L, c, t, rec, v, 0);
    return rec;
  }
  /* a view of a record of the same type (from any request) is copied */
  if ((src = testreq(L, v)) != NULL && src->q != NULL && src->depth > 0 &&
      resolve(src, &tg) && tg.lf == NULL && tg.t == t) {
    if ((rec = acr_record_copy(c->q->arena, t, tg.rec)) == NULL) nomem(L);
    return rec;
  }
  lua_pushfstring(L, "a table (%s)", t->name);
  bad_type(L, c, lua_tostring(L, -1), v);
  return NULL;
}

static acr_str *build_string(lua_State *L, rconv *c, int v) {
  return lacr_build_text(L, c->q->arena, c->path.buf, v);
}

/* Byte order of the strings at keys[a] and keys[b]. */
static int key_less(lua_State *L, int keys, uint32_t a, uint32_t b) {
  size_t an, bn;
  const char *as, *bs;
  int c, r;
  lua_rawgeti(L, keys, (int)a);
  lua_rawgeti(L, keys, (int)b);
  as = lua_tolstring(L, -2, &an);
  bs = lua_tolstring(L, -1, &bn);
  c = memcmp(as, bs, an < bn ? an : bn);
  r = c < 0 || (c == 0 && an < bn);
  lua_pop(L, 2);
  return r;
}

/* The map at v ({["login.server"] = {...}}) as a list of entries, keys in
 * byte order so the same table always gives the same body. */
static acr_list *build_map(lua_State *L, rconv *c, const acr_field *f,
                           int v) {
  const acr_field *kf = &f->sub->fields[ACR_CUSTOMREGISTRY_LOGINSERVER];
  acr_list *l;
  uint32_t n = 0, i;
  int keys;
  if (lua_type(L, v) != LUA_TTABLE) bad_type(L, c, "a table of login servers", v);
  lua_newtable(L);
  keys = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, v)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      lacr_errorat(L, c->path.buf,
                   "the keys are login servers (strings), got a %s",
                   luaL_typename(L, -1));
    if (n >= 100000)
      lacr_errorat(L, c->path.buf, "too many entries");
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, (int)++n);
  }
  /* insertion sort by bytes: maps are small */
  for (i = 2; i <= n; i++) {
    uint32_t j;
    for (j = i; j > 1 && key_less(L, keys, j, j - 1); j--) {
      lua_rawgeti(L, keys, (int)j);
      lua_rawgeti(L, keys, (int)j - 1);
      lua_rawseti(L, keys, (int)j);
      lua_rawseti(L, keys, (int)j - 1);
    }
  }
  if ((l = acr_list_new(c->q->arena, n)) == NULL) nomem(L);
  for (i = 1; i <= n; i++) {
    size_t klen, old;
    const char *k;
    void *entry;
    acr_error e;
    lua_rawgeti(L, keys, (int)i);
    k = lua_tolstring(L, -1, &klen);
    old = acr_path_mapkey(&c->path, k, klen);
    lua_rawget(L, v);
    if (lua_type(L, -1) != LUA_TTABLE)
      bad_type(L, c, "a table (CustomRegistryCredentials)", lua_gettop(L));
    if ((entry = acr_record_new(c->q->arena, f->sub)) == NULL) nomem(L);
    lua_rawgeti(L, keys, (int)i);
    k = lua_tolstring(L, -1, &klen);
    acr_err_clear(&e);
    if (acr_rec_set_string(c->q->arena, entry, kf, k, klen, &e) != ACR_OK)
      core_fail(L, c, &e);
    lua_pop(L, 1);
    fill_record(L, c, f->sub, entry, lua_gettop(L), 0);
    lua_pop(L, 1);
    if (acr_list_push(c->q->arena, &l, entry) != ACR_OK) nomem(L);
    acr_path_pop(&c->path, old);
  }
  lua_pop(L, 1); /* keys */
  return l;
}

/* The items of a list field f of a request being built. */
typedef struct req_list {
  rconv *c;
  const acr_field *f;
} req_list;

static void *req_item(lua_State *L, void *ud, int v) {
  req_list *rl = (req_list *)ud;
  if (rl->f->kind == ACR_K_RECORD_LIST)
    return build_record(L, rl->c, rl->f->sub, v);
  return build_string(L, rl->c, v);
}

static acr_list *build_list(lua_State *L, rconv *c, const acr_field *f,
                            int v) {
  req_list rl;
  if (f->flags & ACR_F_MAP) return build_map(L, c, f, v);
  if (lua_type(L, v) != LUA_TTABLE)
    bad_type(L, c, f->kind == ACR_K_STRING_LIST ? "an array of strings"
                                                : "an array of tables", v);
  rl.c = c;
  rl.f = f;
  return lacr_build_array(L, c->q->arena, &c->path, v, 100000, req_item, &rl);
}

/* Set field f of rec (type t) from the value at v; nil clears.  Either
 * raises before changing anything or sets the field. */
static void set_value(lua_State *L, rconv *c, const acr_type *t, void *rec,
                      const acr_field *f, int v) {
  acr_run *A = c->q->arena;
  acr_error e;
  acr_status st = ACR_OK;
  int lt = lua_type(L, v);
  acr_err_clear(&e);
  if (lt == LUA_TNIL) {
    acr_rec_clear(A, rec, f);
    return;
  }
  switch (f->kind) {
  case ACR_K_STRING: {
    size_t n;
    const char *s;
    if (lt != LUA_TSTRING) bad_type(L, c, "a string", v);
    s = lua_tolstring(L, v, &n);
    st = acr_rec_set_string(A, rec, f, s, n, &e);
    break;
  }
  case ACR_K_ENUM: {
    size_t n;
    const char *s;
    if (lt != LUA_TSTRING) bad_type(L, c, "a string", v);
    s = lua_tolstring(L, v, &n);
    st = acr_rec_set_enum(A, rec, f, s, n, 1, &e);
    break;
  }
  case ACR_K_BOOL:
    if (lt != LUA_TBOOLEAN) bad_type(L, c, "a boolean", v);
    st = acr_rec_set_bool(A, rec, f, lua_toboolean(L, v), &e);
    break;
  case ACR_K_INT32: {
    lua_Number d;
    if (lt != LUA_TNUMBER) bad_type(L, c, "an integer", v);
    d = lua_tonumber(L, v);
    if (d != floor(d))
      lacr_errorat(L, c->path.buf, "expected an integer, got a fraction");
    if (d < -2147483648.0 || d > 2147483647.0)
      lacr_errorat(L, c->path.buf,
                   "out of the int32 range -2147483648..2147483647");
    if ((st = acr_request_check_int(t, f, (int32_t)d, &e)) == ACR_OK)
      st = acr_rec_set_int32(A, rec, f, (int32_t)d, &e);
    break;
  }
  case ACR_K_RECORD:
    st = acr_rec_attach(A, rec, f, build_record(L, c, f->sub, v));
    break;
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST:
    st = acr_rec_attach(A, rec, f, build_list(L, c, f, v));
    break;
  default:
    lacr_errorat(L, c->path.buf, "cannot be set");
  }
  if (st != ACR_OK) core_fail(L, c, &e);
}

static int suggest(lua_State *L, const char *path, const acr_type *t,
                   int kind, const char *s, size_t n) {
  const acr_field *sug = acr_type_suggest(t, s, n);
  if (sug != NULL && !(sug->flags & ACR_F_MAPKEY) &&
      (kind < 0 || acr_request_field(kind, sug->name, sug->namelen)))
    return lacr_errorat(L, path, "unknown field '%s' (did you mean '%s'?)", s,
                        sug->name);
  return lacr_errorat(L, path, "unknown field '%s' (%s has no such field)", s,
                      kind >= 0 ? acr_enum_runrequesttype.values[kind]
                                : t->name);
}

/* Field named by the string at kidx in type t (the request's kind at the
 * root), or raise with a suggestion. */
static const acr_field *field_of(lua_State *L, const char *path,
                                 const acr_type *t, int kind, int kidx,
                                 int mapkey_ok) {
  size_t n;
  const char *s;
  const acr_field *f;
  if (lua_type(L, kidx) != LUA_TSTRING)
    lacr_errorat(L, path, "field names are strings, got a %s key",
                 luaL_typename(L, kidx));
  s = lua_tolstring(L, kidx, &n);
  f = kind >= 0 ? acr_request_field(kind, s, n) : acr_type_field(t, s, n);
  if (f == NULL || ((f->flags & ACR_F_MAPKEY) && !mapkey_ok))
    suggest(L, path, t, kind, s, n);
  return f;
}

static void fill_record(lua_State *L, rconv *c, const acr_type *t, void *rec,
                        int idx, int root) {
  luaL_checkstack(L, 8, "building a request");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const acr_field *f = field_of(L, c->path.buf, t, root ? c->q->kind : -1,
                                  lua_gettop(L) - 1, 0);
    size_t old = acr_path_key(&c->path, f->name, f->namelen);
    if (!(root && f->index == ACR_RUNREQUEST_TYPE))
      set_value(L, c, t, rec, f, lua_gettop(L));
    acr_path_pop(&c->path, old);
    lua_pop(L, 1);
  }
}

static void validate_or_raise(lua_State *L, acr_request *q) {
  acr_error e;
  if (acr_request_validate(q, &e) != ACR_OK) lacr_raise(L, &e);
}

/* acr.request(t) -> RunRequest; raises for anything invalid. */
static int l_request(lua_State *L) {
  lacr_Req *u;
  acr_allocator a;
  rconv c;
  int kind;
  size_t n;
  const char *s;
  lua_settop(L, 1);
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushliteral(L, "type");
  lua_rawget(L, 1);
  if (lua_type(L, 2) != LUA_TSTRING ||
      (s = lua_tolstring(L, 2, &n),
       kind = acr_enum_lookup(&acr_enum_runrequesttype, s, n)) < 0) {
    char list[160];
    acr_enum_list(&acr_enum_runrequesttype, list, sizeof list);
    return lacr_errorat(L, "type", "expected one of %s", list);
  }
  u = (lacr_Req *)lua_newuserdata(L, sizeof *u); /* 3 */
  memset(u, 0, sizeof *u);
  luaL_setmetatable(L, LACR_REQUEST);
  lacr_allocator(L, &a);
  if ((u->q = acr_request_new(&a, kind)) == NULL) nomem(L);
  c.q = u->q;
  acr_path_init(&c.path);
  fill_record(L, &c, &acr_type_runrequest, u->q->rec, 1, 1);
  validate_or_raise(L, u->q);
  lua_settop(L, 3);
  return 1;
}

/* ---- request -> Lua value ------------------------------------------------ */

static void push_table(lua_State *L, const acr_type *t, const void *rec,
                       int kind, int depth);

static void push_list_table(lua_State *L, const acr_field *f,
                            const acr_list *l, int depth) {
  uint32_t i, n = l ? l->n : 0;
  if (f->flags & ACR_F_MAP) {
    lua_createtable(L, 0, (int)n);
    for (i = 0; i < n; i++) {
      const acr_str *k =
          ((const acr_customregistry *)l->items[i])->loginServer;
      lua_pushlstring(L, k->s, k->len);
      push_table(L, f->sub, l->items[i], -1, depth + 1);
      lua_rawset(L, -3);
    }
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    if (f->kind == ACR_K_STRING_LIST) {
      const acr_str *s = (const acr_str *)l->items[i];
      lua_pushlstring(L, s->s, s->len);
    } else {
      push_table(L, f->sub, l->items[i], -1, depth + 1);
    }
    lua_rawseti(L, -2, (int)i + 1);
  }
}

/* Scalars of field f of rec; 0 when f is not a scalar. */
static int push_scalar(lua_State *L, const acr_type *t, const void *rec,
                       const acr_field *f) {
  const void *slot = ACR_SLOT(rec, f);
  int32_t dflt;
  if (!ACR_HAS(rec, f)) {
    if ((f->kind == ACR_K_BOOL || f->kind == ACR_K_INT32) &&
        acr_request_default(t, f, &dflt)) {
      if (f->kind == ACR_K_BOOL) lua_pushboolean(L, dflt);
      else lua_pushinteger(L, (lua_Integer)dflt);
      return 1;
    }
    lua_pushnil(L);
    return 1;
  }
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)slot;
    lua_pushlstring(L, s->s, s->len);
    return 1;
  }
  case ACR_K_ENUM: {
    size_t n;
    const char *s = acr_enum_text(f, (const acr_enumval *)slot, &n);
    lua_pushlstring(L, s, n);
    return 1;
  }
  case ACR_K_BOOL:
    lua_pushboolean(L, *(const uint8_t *)slot);
    return 1;
  case ACR_K_INT32:
    lua_pushinteger(L, (lua_Integer) * (const int32_t *)slot);
    return 1;
  default:
    return 0;
  }
}

/* Plain deep copy: set fields only (no defaults), map keys as keys. */
static void push_table(lua_State *L, const acr_type *t, const void *rec,
                       int kind, int depth) {
  size_t i, n = kind >= 0 ? acr_request_nfields(kind) : t->nfields;
  luaL_checkstack(L, 6, "copying a request");
  if (depth > 8) luaL_error(L, "request nested too deeply");
  lua_createtable(L, 0, 4);
  for (i = 0; i < n; i++) {
    const acr_field *f = kind >= 0 ? acr_request_field_at(kind, i)
                                   : &t->fields[i];
    if (!ACR_HAS(rec, f) || (f->flags & ACR_F_MAPKEY)) continue;
    lua_pushlstring(L, f->name, f->namelen);
    if (f->kind == ACR_K_RECORD)
      push_table(L, f->sub, *(void *const *)ACR_SLOT(rec, f), -1, depth + 1);
    else if (f->kind == ACR_K_RECORD_LIST || f->kind == ACR_K_STRING_LIST)
      push_list_table(L, f, *(acr_list *const *)ACR_SLOT(rec, f), depth);
    else
      push_scalar(L, t, rec, f);
    lua_rawset(L, -3);
  }
}

/* ---- metamethods ---------------------------------------------------------- */

static int gone(lua_State *L, const lacr_Req *u) {
  acr_path p;
  view_path(u, &p);
  return lacr_errorat(L, p.buf, "no longer set");
}

static int req_to_table(lua_State *L) {
  lacr_Req *u = checkreq(L, 1);
  rtarget tg;
  if (!resolve(u, &tg)) {
    lua_pushnil(L);
    return 1;
  }
  if (tg.lf != NULL)
    push_list_table(L, tg.lf, *(acr_list **)ACR_SLOT(tg.rec, tg.lf), 0);
  else
    push_table(L, tg.t, tg.rec, u->depth == 0 ? u->q->kind : -1, 0);
  return 1;
}

static int req_encode(lua_State *L) {
  lacr_Req *u = (lacr_Req *)luaL_checkudata(L, 1, LACR_REQUEST);
  acr_encode_opts o;
  acr_buf *b;
  acr_status st;
  if (u->q == NULL) return luaL_argerror(L, 1, "RunRequest expected");
  o.profile = ACR_PROFILE_FULL;
  o.indent = NULL;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "pretty");
    if (lua_type(L, -1) == LUA_TSTRING) o.indent = lua_tostring(L, -1);
    else if (lua_toboolean(L, -1)) o.indent = "  ";
  }
  b = lacr_newbox(L);
  if ((st = acr_json_encode_request(u->q, &o, b)) != ACR_OK) {
    acr_error e;
    acr_err_clear(&e);
    acr_err_nomem(&e);
    return lacr_raise(L, &e);
  }
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  lacr_box_free(b);
  return 1;
}

/* Position of the map entry keyed k in l (l->n, or 0 for no list, when
 * there is none). */
static uint32_t map_find(const acr_list *l, const char *k, size_t kn) {
  uint32_t i, n = l ? l->n : 0;
  for (i = 0; i < n; i++) {
    const acr_str *key = ((const acr_customregistry *)l->items[i])->loginServer;
    if (key->len == kn && memcmp(key->s, k, kn) == 0) return i;
  }
  return n;
}

/* List views: entry i of the list target, or nil. */
static int list_index(lua_State *L, lacr_Req *u, const rtarget *tg) {
  const acr_list *l = *(acr_list **)ACR_SLOT(tg->rec, tg->lf);
  uint32_t n = l ? l->n : 0, i;
  if (tg->lf->flags & ACR_F_MAP) {
    size_t kn;
    const char *k;
    if (lua_type(L, 2) != LUA_TSTRING) {
      lua_pushnil(L);
      return 1;
    }
    k = lua_tolstring(L, 2, &kn);
    if ((i = map_find(l, k, kn)) < n) {
      lacr_Req base = *u;
      base.depth--; /* the list step becomes an element step */
      push_view(L, &base, u->step[u->depth - 1].field, i + 1);
      return 1;
    }
    lua_pushnil(L);
    return 1;
  }
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_Number d = lua_tonumber(L, 2);
    if (d >= 1 && d <= n && d == floor(d)) {
      i = (uint32_t)d;
      if (tg->lf->kind == ACR_K_STRING_LIST) {
        const acr_str *s = (const acr_str *)l->items[i - 1];
        lua_pushlstring(L, s->s, s->len);
      } else {
        lacr_Req base = *u;
        base.depth--;
        push_view(L, &base, u->step[u->depth - 1].field, i);
      }
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}

static int req_index(lua_State *L) {
  lacr_Req *u = checkreq(L, 1);
  rtarget tg;
  const acr_field *f;
  size_t n;
  const char *s;
  /* methods first */
  if (lua_type(L, 2) == LUA_TSTRING) {
    luaL_getmetafield(L, 1, "__methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 2);
  }
  if (!resolve(u, &tg)) {
    lua_pushnil(L);
    return 1;
  }
  if (tg.lf != NULL) return list_index(L, u, &tg);
  if (lua_type(L, 2) != LUA_TSTRING) {
    acr_path p;
    view_path(u, &p);
    return lacr_errorat(L, p.buf, "field names are strings, got %s",
                        luaL_typename(L, 2));
  }
  s = lua_tolstring(L, 2, &n);
  f = u->depth == 0 ? acr_request_field(u->q->kind, s, n)
                    : acr_type_field(tg.t, s, n);
  if (f == NULL) {
    acr_path p;
    view_path(u, &p);
    return suggest(L, p.buf, tg.t, u->depth == 0 ? u->q->kind : -1, s, n);
  }
  if (push_scalar(L, tg.t, tg.rec, f)) return 1;
  if (!ACR_HAS(tg.rec, f)) {
    lua_pushnil(L);
    return 1;
  }
  push_view(L, u, (uint8_t)f->index, 0);
  return 1;
}

/* Saved slot, to put a field back when the whole fails validation. */
typedef struct saved {
  uint32_t present;
  union {
    acr_str *s;
    acr_enumval e;
    uint8_t b;
    int32_t i;
    void *p;
  } slot;
} saved;

static size_t slot_size(const acr_field *f) {
  switch (f->kind) {
  case ACR_K_ENUM: return sizeof(acr_enumval);
  case ACR_K_BOOL: return sizeof(uint8_t);
  case ACR_K_INT32: return sizeof(int32_t);
  default: return sizeof(void *); /* strings, records, lists */
  }
}

static void save_slot(saved *sv, const void *rec, const acr_field *f) {
  sv->present = ((const acr_rechdr *)rec)->present;
  memcpy(&sv->slot, ACR_SLOT(rec, f), slot_size(f));
}

static void restore_slot(const saved *sv, void *rec, const acr_field *f) {
  ((acr_rechdr *)rec)->present = sv->present;
  memcpy(ACR_SLOT(rec, f), &sv->slot, slot_size(f));
}

/* Set field f of the record target and keep the request valid: on any
 * error nothing has changed. */
static void assign(lua_State *L, lacr_Req *u, const rtarget *tg,
                   const acr_field *f, int v) {
  rconv c;
  saved sv;
  acr_error e;
  c.q = u->q;
  view_path(u, &c.path);
  acr_path_key(&c.path, f->name, f->namelen);
  if (u->depth == 0 && f->index == ACR_RUNREQUEST_TYPE)
    lacr_errorat(L, c.path.buf,
                 "read-only (a request's kind cannot change: make a new one)");
  if (f->flags & ACR_F_MAPKEY)
    lacr_errorat(L, c.path.buf, "read-only (it is the entry's key in the map)");
  save_slot(&sv, tg->rec, f);
  set_value(L, &c, tg->t, tg->rec, f, v);
  if (acr_request_validate(u->q, &e) != ACR_OK) {
    restore_slot(&sv, tg->rec, f);
    lacr_raise(L, &e);
  }
}

static int list_newindex(lua_State *L, lacr_Req *u, const rtarget *tg) {
  acr_list *l = *(acr_list **)ACR_SLOT(tg->rec, tg->lf);
  const acr_field *f = tg->lf;
  uint32_t n = l ? l->n : 0, i;
  rconv c;
  acr_list *nl;
  saved sv;
  acr_error e;
  c.q = u->q;
  view_path(u, &c.path);
  /* Build the new list (copy + change), then put it in place: old views
   * of elements keep their positions, and a failure changes nothing. */
  if ((nl = acr_list_new(u->q->arena, n + 1)) == NULL) nomem(L);
  for (i = 0; i < n; i++) nl->items[i] = l->items[i];
  nl->n = n;
  if (f->flags & ACR_F_MAP) {
    size_t kn;
    const char *k;
    uint32_t at = n;
    if (lua_type(L, 2) != LUA_TSTRING)
      lacr_errorat(L, c.path.buf,
                   "the keys are login servers (strings), got a %s",
                   luaL_typename(L, 2));
    k = lua_tolstring(L, 2, &kn);
    at = map_find(l, k, kn);
    if (lua_isnil(L, 3)) {
      if (at < n) acr_list_remove(nl, at);
    } else {
      /* one-entry map built with the path of the entry */
      acr_list *one;
      lua_createtable(L, 0, 1);
      lua_pushvalue(L, 2);
      lua_pushvalue(L, 3);
      lua_rawset(L, -3);
      one = build_map(L, &c, f, lua_gettop(L));
      lua_pop(L, 1);
      nl->items[at] = one->items[0];
      if (at == n) nl->n++;
    }
  } else {
    lua_Number d;
    size_t old;
    if (lua_type(L, 2) != LUA_TNUMBER)
      lacr_errorat(L, c.path.buf, "lists are indexed by integers, got %s",
                   luaL_typename(L, 2));
    d = lua_tonumber(L, 2);
    if (d != floor(d) || d < 1 || d > (lua_Number)n + 1)
      lacr_errorat(L, c.path.buf, "index out of range 1..%d", (int)n + 1);
    i = (uint32_t)d;
    old = acr_path_index(&c.path, i);
    if (lua_isnil(L, 3)) {
      if (i <= n) acr_list_remove(nl, i - 1);
    } else {
      nl->items[i - 1] = f->kind == ACR_K_RECORD_LIST
                             ? build_record(L, &c, f->sub, 3)
                             : (void *)build_string(L, &c, 3);
      if (i == n + 1) nl->n++;
    }
    acr_path_pop(&c.path, old);
  }
  save_slot(&sv, tg->rec, f);
  acr_rec_attach(u->q->arena, tg->rec, f, nl);
  if (acr_request_validate(u->q, &e) != ACR_OK) {
    restore_slot(&sv, tg->rec, f);
    lacr_raise(L, &e);
  }
  return 0;
}

static int req_newindex(lua_State *L) {
  lacr_Req *u = checkreq(L, 1);
  rtarget tg;
  const acr_field *f;
  acr_path p;
  lua_settop(L, 3);
  if (!resolve(u, &tg)) return gone(L, u);
  if (tg.lf != NULL) return list_newindex(L, u, &tg);
  view_path(u, &p);
  f = field_of(L, p.buf, tg.t, u->depth == 0 ? u->q->kind : -1, 2, 1);
  assign(L, u, &tg, f, 3);
  return 0;
}

static int req_len(lua_State *L) {
  lacr_Req *u = checkreq(L, 1);
  rtarget tg;
  const acr_list *l;
  if (!resolve(u, &tg) || tg.lf == NULL)
    return luaL_argerror(L, 1, "a list of a RunRequest expected");
  l = *(acr_list **)ACR_SLOT(tg.rec, tg.lf);
  lua_pushinteger(L, l ? (lua_Integer)l->n : 0);
  return 1;
}

/* list:iter() -> for i, v (arrays) or for key, entry (the map). */
static int iter_step(lua_State *L) {
  lacr_Req *u = checkreq(L, lua_upvalueindex(1));
  rtarget tg;
  const acr_list *l;
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
  if (!resolve(u, &tg) || tg.lf == NULL) return 0;
  l = *(acr_list **)ACR_SLOT(tg.rec, tg.lf);
  if (l == NULL || i > (lua_Integer)l->n) return 0;
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(2));
  if (tg.lf->flags & ACR_F_MAP) {
    const acr_str *k = ((const acr_customregistry *)l->items[i - 1])->loginServer;
    lacr_Req base = *u;
    lua_pushlstring(L, k->s, k->len);
    base.depth--;
    push_view(L, &base, u->step[u->depth - 1].field, (uint32_t)i);
    return 2;
  }
  lua_pushinteger(L, i);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushinteger(L, i);
  lua_gettable(L, -2);
  lua_remove(L, -2);
  return 2;
}

static int req_iter(lua_State *L) {
  checkreq(L, 1);
  lua_settop(L, 1);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, iter_step, 2);
  return 1;
}

static int req_tostring(lua_State *L) {
  lacr_Req *u = checkreq(L, 1);
  acr_path p;
  if (u->depth == 0) {
    lua_pushfstring(L, "RunRequest %s",
                    acr_enum_runrequesttype.values[u->q->kind]);
    return 1;
  }
  view_path(u, &p);
  lua_pushfstring(L, "RunRequest.%s", p.buf);
  return 1;
}

static int req_eq(lua_State *L) {
  lacr_Req *a = testreq(L, 1), *b = testreq(L, 2);
  rtarget ta, tb;
  if (!a || !b || !a->q || !b->q || !resolve(a, &ta) || !resolve(b, &tb) ||
      ta.lf || tb.lf || ta.t != tb.t) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (a->depth == 0 && b->depth == 0 && a->q->kind != b->q->kind) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushboolean(L, acr_record_equal(ta.t, ta.rec, tb.rec));
  return 1;
}

/* ---- acr.decode of a request --------------------------------------------- */

int lacr_request_decode(lua_State *L, const char *text, size_t len,
                        const acr_decode_opts *opts) {
  lacr_Req *u = (lacr_Req *)lua_newuserdata(L, sizeof *u);
  acr_allocator a;
  acr_error err;
  acr_request *q = NULL;
  memset(u, 0, sizeof *u);
  luaL_setmetatable(L, LACR_REQUEST);
  lacr_allocator(L, &a);
  acr_err_clear(&err);
  if (acr_json_decode_request(text, len, opts, &a, &q, &err) != ACR_OK)
    return lacr_fail(L, &err);
  u->q = q;
  return 1;
}

int lacr_testrequest(lua_State *L, int idx) {
  return luaL_testudata(L, idx, LACR_REQUEST) != NULL;
}

/* ---- registration --------------------------------------------------------- */

static const luaL_Reg req_methods[] = {
    {"encode", req_encode}, {"to_table", req_to_table}, {"iter", req_iter},
    {NULL, NULL}};

static const luaL_Reg req_meta[] = {
    {"__index", req_index},       {"__newindex", req_newindex},
    {"__len", req_len},           {"__tostring", req_tostring},
    {"__eq", req_eq},             {"__gc", req_gc},
#if LACR_HAS_CLOSE
    {"__close", req_gc},
#endif
    {NULL, NULL}};

static void new_meta(lua_State *L, const char *name) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, req_meta, 0);
  luaL_newlib(L, req_methods);
  lua_setfield(L, -2, "__methods");
  lua_pushliteral(L, "acr.run.RunRequest");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void lacr_open_request(lua_State *L) {
  new_meta(L, LACR_REQUEST);
  new_meta(L, LACR_REQVIEW);
  lua_pushcfunction(L, l_request);
  lua_setfield(L, -2, "request");
}
