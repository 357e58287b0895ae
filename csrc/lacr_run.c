/*
 * lacr_run.c -- the Run userdata: its check/test/push functions, its
 * metamethods (field reads and assignments go through lacr_view.c), its
 * methods, acr.new and acr.from_table, and the host glue of acr.h.
 */
#include "lacr.h"

#include <string.h>

#define HAS(rec, f) ACR_HAS(rec, f)

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
  return lacr_run_arg(L, idx, lacr_testrun(L, idx));
}

/* __gc and __close: drop the reference; safe twice and on a slot that
 * never got its run. */
int lacr_run_gc(lua_State *L) {
  lacr_Run *u = (lacr_Run *)lacr_test_ctx(L, 1, LACR_CTX_RUNMT);
  if (u != NULL && u->run != NULL) {
    acr_run *r = u->run;
    u->run = NULL;
    acr_run_release(r);
  }
  return 0;
}


/* ---- Run metamethods --------------------------------------------------- */

/* The Run field named k (n bytes), or NULL: one test per field, generated
 * from the schema's list, of the length and then of the bytes against a
 * constant (which the compiler turns into a few word compares). */
#define RUN_FIELD_TEST(R, s, ID, name, KIND, flags, arg)                   \
  if (n == sizeof #name - 1 && memcmp(k, #name, sizeof #name - 1) == 0)   \
    return &acr_type_run.fields[ACR_##R##_##ID];
static const acr_field *run_field(const char *k, size_t n) {
  ACR_RUN_FIELDS(RUN_FIELD_TEST, RUN, runrec)
  return NULL;
}
#undef RUN_FIELD_TEST

/* The hot path, in four API calls (three before the value is pushed): the
 * key's text is looked up among the Run's fields in C (run_field), not in
 * the context table, so nothing is pushed before
 * the value; methods and unknown names take the slow path.  No metatable
 * check: the Run metatable is hidden (__metatable), so Lua code cannot
 * call this with another value; the VM calls it with exactly two values
 * (a direct call with fewer reads the key as nil: index 2 is
 * acceptable). */
int lacr_run_index(lua_State *L) {
  lacr_Run *u = (lacr_Run *)lua_touserdata(L, 1);
  const acr_field *f;
  size_t n;
  const char *k;
  if (u == NULL) return luaL_argerror(L, 1, "Run expected");
  if (lua_type(L, 2) != LUA_TSTRING) /* integer keys are the slots */
    return lacr_unknown_field(L, "run", &acr_type_run, 2);
  k = lua_tolstring(L, 2, &n);
  f = run_field(k, n);
  if (f != NULL) {
    lacr_src sr;
    if (u->run == NULL) return luaL_error(L, "attempt to use a closed Run");
    sr.ud = 1;
    sr.u = u;
    sr.v = NULL;
    lacr_push_field(L, &sr, f);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, LACR_CTX);
  if (lua_type(L, -1) == LUA_TFUNCTION) return 1; /* a method */
  return lacr_unknown_field(L, "run", &acr_type_run, 2);
}

int lacr_run_newindex(lua_State *L) {
  acr_run *run;
  acr_path p;
  lua_settop(L, 3);
  run = lacr_check_run_ctx(L, 1);
  if (lua_type(L, 2) != LUA_TSTRING) /* integer keys are the slots */
    return lacr_unknown_field(L, "run", &acr_type_run, 2);
  lua_pushvalue(L, 2);
  lua_rawget(L, LACR_CTX);
  if (lua_type(L, -1) != LUA_TLIGHTUSERDATA) {
    if (!lua_isnil(L, -1))
      return lacr_errorat(L, "run", "cannot assign to method '%s'",
                     lua_tostring(L, 2));
    return lacr_unknown_field(L, "run", &acr_type_run, 2);
  }
  acr_path_init(&p);
  acr_path_key(&p, "run", 3);
  (void)run;
  lacr_assign(L, 1, (const acr_field *)lua_touserdata(L, -1), 3, &p);
  return 0;
}

int lacr_run_eq(lua_State *L) {
  lacr_Run *a = (lacr_Run *)lacr_test_ctx(L, 1, LACR_CTX_RUNMT);
  lacr_Run *b = (lacr_Run *)lacr_test_ctx(L, 2, LACR_CTX_RUNMT);
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
int lacr_run_tostring(lua_State *L) {
  lacr_Run *u = (lacr_Run *)lacr_test_ctx(L, 1, LACR_CTX_RUNMT);
  const acr_runrec *rec;
  int parts = 1;
  lacr_Pins *pins;
  if (u == NULL) return luaL_argerror(L, 1, "Run expected");
  if (u->run == NULL) {
    lua_pushliteral(L, "Run (closed)");
    return 1;
  }
  lua_settop(L, 1);
  rec = &lacr_pin_ud(L, 1, &pins)->rec;
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


/* ---- Run methods ------------------------------------------------------- */

/* run:to_table([opts]) -> plain table; opts.shape as for encode. */
int lacr_run_to_table_m(lua_State *L) {
  static const char *const options[] = {"shape", NULL};
  lacr_Pins *pins;
  acr_encode_shape shape = ACR_ENCODE_AS_READ;
  int amt;
  lua_settop(L, 2);
  lacr_check_run_ctx(L, 1);
  if (!lua_isnil(L, 2)) { /* options first: reading them may run Lua */
    luaL_checktype(L, 2, LUA_TTABLE);
    lacr_check_option_names(L, 2, options);
    shape = lacr_shape_opt(L, 2);
  }
  amt = lacr_array_mt(L);
  lacr_run_to_table(L, lacr_pin_ud(L, 1, &pins), amt, shape);
  lacr_pins_release(pins);
  return 1;
}

/* Remove t[name] when it is cjson.null (the table at idx). */
static void drop_null(lua_State *L, int idx, const char *name) {
  lua_getfield(L, idx, name);
  if (lacr_is_null(L, -1)) {
    lua_pushnil(L);
    lua_setfield(L, idx, name);
  }
  lua_pop(L, 1);
}

/* run:taskrun() -> the task run the run was read from, its own fields as
 * a plain table (name, location, identity, provisioningState, runRequest,
 * forceUpdateTag, ...; no runResult), or nil for other runs. */
int lacr_run_taskrun(lua_State *L) {
  acr_buf *b;
  acr_status st;
  int amt, t;
  lua_settop(L, 1);
  lacr_check_run_ctx(L, 1);
  amt = lacr_array_mt(L);
  b = lacr_newbox(L);
  st = acr_run_taskrun_json(lacr_live_run(L, 1), b);
  if (st == ACR_EMISUSE) return 0;
  if (st != ACR_OK) return lacr_nomem(L);
  lacr_push_json(L, b->p, b->len, amt); /* from the box: no pin needed */
  lacr_box_free(b);
  t = lua_gettop(L);
  if (lua_type(L, t) != LUA_TTABLE) return 1;
  drop_null(L, t, "runResult");
  lua_getfield(L, t, "properties");
  if (lua_type(L, -1) == LUA_TTABLE) drop_null(L, lua_gettop(L), "runResult");
  lua_pop(L, 1);
  return 1;
}

int lacr_run_clone(lua_State *L) {
  acr_allocator a;
  lacr_Run *u;
  lua_settop(L, 1);
  lacr_check_run_ctx(L, 1);
  u = lacr_newrun_slot(L);
  lacr_allocator(L, &a);
  if ((u->run = acr_run_clone(lacr_live_run(L, 1), &a)) == NULL) lacr_nomem(L);
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
int lacr_run_problems(lua_State *L) {
  acr_run *run = lacr_check_run_ctx(L, 1);
  problems_ctx p;
  size_t at = 0;
  int k = 0;
  p.b = lacr_newbox(L);
  p.failed = 0;
  acr_run_problems(run, problem_cb, &p);
  if (p.failed) lacr_nomem(L);
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
int lacr_run_unknown(lua_State *L) {
  acr_run *run;
  lacr_Pins *pins;
  lua_settop(L, 1);
  lacr_check_run_ctx(L, 1);
  run = lacr_pin_ud(L, 1, &pins);
  lua_newtable(L);
  lacr_push_unknown_texts(L, run->env_unknown);
  lacr_push_unknown_texts(L, run->rec.h.unknown);
  lacr_pins_release(pins);
  return 1;
}

int lacr_run_is_terminal(lua_State *L) {
  lua_pushboolean(L, acr_run_is_terminal(lacr_check_run_ctx(L, 1)));
  return 1;
}

/* run:memsize(): bytes the run holds outside the Lua heap (its header and
 * arena), which collectgarbage("count") does not see. */
int lacr_run_memsize(lua_State *L) {
  lacr_pushint64(L, (int64_t)acr_run_memsize(lacr_check_run_ctx(L, 1)));
  return 1;
}

/* run:duration([now]): finishTime - startTime in seconds; while started
 * but unfinished, now - startTime when now is given (0, never negative,
 * for a now before the start: a clock behind the service's); else nil. */
int lacr_run_duration(lua_State *L) {
  acr_run *run = lacr_check_run_ctx(L, 1);
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
int lacr_run_trigger(lua_State *L) {
  const acr_runrec *rec;
  const acr_sourcetrigger *st;
  lacr_Pins *pins;
  lua_settop(L, 1);
  lacr_check_run_ctx(L, 1);
  rec = &lacr_pin_ud(L, 1, &pins)->rec;
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

int lacr_run_encode(lua_State *L) {
  acr_encode_opts o;
  acr_buf *b;
  lua_settop(L, 2);
  lacr_check_run_ctx(L, 1);
  lacr_encode_opts(L, 2, &o); /* may run Lua: before the run is read */
  b = lacr_encbuf(L);
  return lacr_push_encoded(L, b, lacr_live_run(L, 1), NULL, &o);
}


/* run:diff(other) -> {{path=, old=, new=}, ...}: what changed from run to
 * other (acr_run_diff: field by field in spec order, lists element by
 * element); values as plain Lua, made from the JSON texts the core gives
 * (no pointer into the runs is held while Lua runs). */
int lacr_run_diff(lua_State *L) {
  acr_buf *b;
  acr_error e;
  acr_diff_entry d;
  size_t pos = 0;
  int amt, out, n = 0;
  lua_settop(L, 2);
  lacr_check_run_ctx(L, 1);
  lacr_check_run_ctx(L, 2);
  amt = lacr_array_mt(L);
  b = lacr_newbox(L);
  acr_err_clear(&e);
  if (acr_run_diff(lacr_live_run(L, 1), lacr_live_run(L, 2), b, &e) != ACR_OK)
    return lacr_raise(L, &e);
  lua_newtable(L);
  out = lua_gettop(L);
  while (acr_diff_next(b, &pos, &d)) {
    lua_createtable(L, 0, 3);
    lua_pushlstring(L, d.path, d.path_len);
    lua_setfield(L, -2, "path");
    if (d.old_json) {
      lacr_push_json(L, d.old_json, d.old_len, amt);
      lua_setfield(L, -2, "old");
    }
    if (d.new_json) {
      lacr_push_json(L, d.new_json, d.new_len, amt);
      lua_setfield(L, -2, "new");
    }
    lua_rawseti(L, out, ++n);
  }
  lacr_box_free(b);
  return 1;
}

/* ---- module functions -------------------------------------------------- */

/* acr.new([t]) */
int lacr_new(lua_State *L) {
  lua_settop(L, 1);
  if (!lua_isnil(L, 1) && lua_type(L, 1) != LUA_TTABLE)
    return luaL_argerror(L, 1,
                         lua_pushfstring(L, "table expected, got %s",
                                         luaL_typename(L, 1)));
  lacr_run_from_table(L, 1, LACR_MODE_NEW);
  return 1;
}

/* acr.from_table(t [, {strict = true}]) */
int lacr_from_table(lua_State *L) {
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


/* ---- host glue (acr.h) ------------------------------------------------- */

void acr_lua_push_run(lua_State *L, acr_run *r) {
  /* Without the metatable the userdata would have no __gc and the
   * reference taken below would leak: refuse before taking it. */
  luaL_getmetatable(L, LACR_RUN);
  if (lua_isnil(L, -1))
    luaL_error(L, "acr_lua_push_run: the acr.run module is not open in "
                  "this state");
  lua_pop(L, 1);
  lacr_pushrun(L, r);
}

acr_run *acr_lua_to_run(lua_State *L, int idx) {
  lacr_Run *u = lacr_testrun(L, idx);
  return u ? u->run : NULL;
}
