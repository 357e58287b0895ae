/*
 * lacr_query.c -- the RunList userdata's basics (make, test, check, push a
 * run, push an element) and its queries: filter, column, sort, top,
 * count_by, summary, memsize.
 *
 * Queries given a compiled filter or a filter string run in C over the
 * acr_run * array (or the list's columns) and create no Lua object per
 * run.  Every new list is put in a userdata before it is filled, so an
 * error raised half-way (out of memory, an error in a Lua filter
 * function) leaves nothing to leak.
 */
#include "lacr.h"
#include "acr_query.h"

#include <limits.h>
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
  u->proxies = 0;
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

acr_runlist *lacr_list_of(lua_State *L, int idx) {
  return lacr_checklist(L, idx)->list;
}

int lacr_list_nomem(lua_State *L) {
  acr_error e;
  acr_err_clear(&e);
  acr_err_nomem(&e);
  return lacr_raise(L, &e);
}

/* A new empty RunList userdata (pushed) with its list allocated. */
acr_runlist *lacr_newlist(lua_State *L) {
  acr_allocator a;
  lacr_RunList *u = lacr_newlist_slot(L);
  lacr_allocator(L, &a);
  u->list = acr_runlist_new(&a);
  if (!u->list) lacr_list_nomem(L);
  return u->list;
}

/* The run for the value at idx: a Run (shared, not copied) or a plain
 * table converted as acr.from_table does (its Run is pushed and anchors it
 * until the caller resets the stack). */
acr_run *lacr_torun(lua_State *L, int idx, int arg) {
  if (lacr_testrun(L, idx)) return lacr_checkrun(L, idx)->run;
  if (lua_type(L, idx) == LUA_TTABLE)
    return lacr_run_from_table(L, idx, LACR_MODE_FROM);
  luaL_argerror(L, arg,
                lua_pushfstring(L, "Run or table expected, got %s",
                                luaL_typename(L, idx)));
  return NULL;
}

void lacr_list_push(lua_State *L, acr_runlist *l, acr_run *r) {
  if (acr_runlist_push(l, r) != ACR_OK) lacr_list_nomem(L);
}

/* Push list[i] of the RunList at index 1 as a Run: the userdata is made
 * first, the run read after (making it may run Lua code that changes the
 * list); nil when i is out of range by then. */
void lacr_list_push_element(lua_State *L, size_t i) {
  /* index 1 was checked by the caller; its block does not move, so after
   * the allocation only its list is read again (closed: raise) */
  lacr_RunList *lu = (lacr_RunList *)lua_touserdata(L, 1);
  lacr_Run *u = lacr_newrun_slot(L);
  acr_runlist *l = lu->list;
  if (l == NULL) luaL_argerror(L, 1, "RunList is closed");
  if (i < 1 || i > l->n) {
    lua_pop(L, 1);
    lua_pushnil(L);
    return;
  }
  u->run = l->runs[i - 1];
  acr_run_retain(u->run);
}

lacr_Pins *lacr_pin_list(lua_State *L, int idx, int meta) {
  lacr_Pins *p;
  acr_runlist *l;
  size_t i;
  idx = lua_absindex(L, idx);
  p = lacr_pins_new(L, lacr_list_of(L, idx)->n + 1);
  l = lacr_list_of(L, idx); /* the allocation may have run Lua code */
  for (i = 0; i < l->n && p->n + 1 < p->cap; i++) lacr_pins_add(p, l->runs[i]);
  if (meta && l->meta) lacr_pins_add(p, l->meta);
  return p;
}

/* ---- queries ------------------------------------------------------------ */

/* list:filter(f) -> new RunList of the matching runs, in order.  f is a
 * Filter or a filter string (matched in C), or a Lua function of a run
 * (called once per run with a Run value; truthy keeps it). */
int lacr_list_filter(lua_State *L) {
  acr_runlist *src = lacr_list_of(L, 1);
  lua_settop(L, 2);
  if (lua_type(L, 2) == LUA_TFUNCTION) {
    /* The list is read afresh at each step and the function gets a Run
     * with its own reference: it may change the list and the runs (runs
     * it appends are visited too). */
    acr_runlist *dst = lacr_newlist(L); /* 3 */
    size_t i;
    for (i = 1; i <= lacr_list_of(L, 1)->n; i++) {
      lacr_Run *ru;
      lacr_list_push_element(L, i); /* 4: a Run holding its own reference */
      lua_pushvalue(L, 2);
      lua_pushvalue(L, 4);
      lua_call(L, 1, 1);
      ru = lacr_testrun(L, 4);
      if (lua_toboolean(L, -1) && ru && ru->run) lacr_list_push(L, dst, ru->run);
      lua_settop(L, 3);
    }
    return 1;
  } else {
    lacr_RunList *u = lacr_newlist_slot(L); /* 3 */
    const acr_filter *f = lacr_checkfilter(L, 2);
    src = lacr_list_of(L, 1); /* after every allocation */
    u->list = acr_runlist_filter(src, f);
    if (!u->list) return lacr_list_nomem(L);
    lua_settop(L, 3);
    return 1;
  }
}

/* The scalar field of Run named by the string at arg (the core's one check
 * of a key, acr_runlist_key); raises with its reason otherwise. */
static const acr_field *check_scalar_field(lua_State *L, int arg) {
  size_t n;
  const char *name = luaL_checklstring(L, arg, &n);
  acr_error e;
  const acr_field *f = acr_runlist_key(name, n, &e);
  if (f == NULL) luaL_argerror(L, arg, e.message);
  return f;
}

/* acr.query_key(name) -> the JSON name of the field a sort, count_by or
 * column key names, or nil, message, err (kind "schema", path the key). */
int lacr_query_key(lua_State *L) {
  size_t n;
  const char *name = luaL_checklstring(L, 1, &n);
  acr_error e;
  const acr_field *f = acr_runlist_key(name, n, &e);
  if (f == NULL) return lacr_fail(L, &e);
  lua_pushlstring(L, f->name, f->namelen);
  return 1;
}

/* list:column works in two steps so that no Lua code runs while it holds a
 * pointer into a run or a column (a finaliser may change or compact a run,
 * or change the list).  After its last allocation it walks the columns
 * once and stores at once the values that allocate nothing (booleans,
 * integers, enum values by their canonical texts, already on the stack);
 * the values that must be made (strings, an unknown enum value's text,
 * DateTimes) it copies into a scratch block, made for them only, and
 * makes them from there afterwards.  A column of enums, booleans or
 * integers thus needs no scratch at all. */
typedef struct colref {
  uint32_t row; /* 0-based index in the list */
  uint32_t len; /* text bytes (strings, unknown enum values) */
} colref;

/* What the values of field f to be made in the second step need. */
typedef struct colneed {
  size_t refs, text;
} colneed;

/* The string to be made for row i of column k, or NULL when none (absent,
 * or a value stored at once). */
static const acr_str *col_text(const acr_runlist *l, const acr_cols *c,
                               const acr_field *f, size_t i) {
  const void *col = c->col[f->index];
  if (!acr_col_has(c, (int)f->index, i)) return NULL;
  if (f->kind == ACR_K_STRING) return ((const acr_str *const *)col)[i];
  if (f->kind == ACR_K_ENUM) {
    int32_t code = ((const int32_t *)col)[i];
    if (code < 0 || code >= f->enumdef->count) {
      /* unknown: its raw text is in the run */
      const acr_enumval *v = (const acr_enumval *)(
          (const char *)&l->runs[i]->rec + f->offset);
      return v->code == ACR_ENUM_UNKNOWN ? v->raw : NULL;
    }
  }
  return NULL;
}

/* Counts the values of column f (of c, of l) made in the second step. */
static colneed column_need(const acr_runlist *l, const acr_cols *c,
                           const acr_field *f) {
  colneed k = {0, 0};
  size_t i, n = l->n;
  if (f->kind == ACR_K_BOOL || f->kind == ACR_K_INT32) return k;
  for (i = 0; i < n; i++) {
    const acr_str *s;
    if (f->kind == ACR_K_DATETIME) {
      k.refs += acr_col_has(c, (int)f->index, i);
      continue;
    }
#if defined(__GNUC__)
    /* strings are read through their pointers: fetch ahead */
    if (f->kind == ACR_K_STRING && i + ACR_PREFETCH_AHEAD < n)
      __builtin_prefetch(
          ((const acr_str *const *)c->col[f->index])[i + ACR_PREFETCH_AHEAD]);
#endif
    if ((s = col_text(l, c, f, i)) != NULL) {
      k.refs++;
      k.text += s->len;
    }
  }
  return k;
}

/* The first step: the table at t gets the values stored at once; the
 * others go to refs (room for cap), their texts to text (room bytes) and
 * their DateTimes to dts.  Allocates nothing, runs no Lua code.  Returns
 * what the second step needs: more than cap or room means nothing of it
 * can be used. */
static colneed column_fill(lua_State *L, int t, int base,
                           const acr_runlist *l, const acr_cols *c,
                           const acr_field *f, colref *refs,
                           acr_datetime *dts, char *text, size_t cap,
                           size_t room) {
  const void *col = c->col[f->index];
  colneed k = {0, 0};
  size_t i, n = l->n;
  for (i = 0; i < n; i++) {
    const acr_str *s;
    if (!acr_col_has(c, (int)f->index, i)) continue;
    switch (f->kind) {
    case ACR_K_BOOL:
      lua_pushboolean(L, ((const uint8_t *)col)[i] != 0);
      lua_rawseti(L, t, (int)(i + 1));
      continue;
    case ACR_K_INT32:
      lua_pushinteger(L, (lua_Integer)((const int32_t *)col)[i]);
      lua_rawseti(L, t, (int)(i + 1));
      continue;
    case ACR_K_DATETIME:
      if (k.refs < cap) {
        refs[k.refs].row = (uint32_t)i;
        dts[k.refs] = ((const acr_datetime *)col)[i];
      }
      k.refs++;
      continue;
    case ACR_K_ENUM: {
      int32_t code = ((const int32_t *)col)[i];
      if (code >= 0 && code < f->enumdef->count) {
        lua_pushvalue(L, base + code);
        lua_rawseti(L, t, (int)(i + 1));
        continue;
      }
      break;
    }
    default: break;
    }
#if defined(__GNUC__)
    if (f->kind == ACR_K_STRING && i + ACR_PREFETCH_AHEAD < n)
      __builtin_prefetch(((const acr_str *const *)col)[i + ACR_PREFETCH_AHEAD]);
#endif
    if ((s = col_text(l, c, f, i)) == NULL) continue;
    if (k.refs < cap && k.text + s->len <= room) {
      refs[k.refs].row = (uint32_t)i;
      refs[k.refs].len = (uint32_t)s->len;
      memcpy(text + k.text, s->s, s->len);
    }
    k.refs++;
    k.text += s->len;
  }
  return k;
}

/* list:column(field) -> values, n: a plain array of the values of one
 * scalar field (named as for sort), in list order, as reads give them
 * (strings, enum texts, DateTimes, booleans, integers); absent values are
 * nil holes, so n (= #list) is returned beside it.  Read from the list's
 * columns (built if needed, kept for the next query). */
int lacr_list_column(lua_State *L) {
  const acr_field *f;
  const acr_runlist *l;
  const acr_cols *c;
  colref *refs = NULL;
  acr_datetime *dts = NULL;
  char *text = NULL;
  colneed need, got;
  size_t n, i, per;
  int base = 3, t;
  lua_settop(L, 2);
  f = check_scalar_field(L, 2);
  if (f->kind == ACR_K_ENUM) {
    /* the canonical texts once, stored per run from the stack (3...) */
    int k, count = f->enumdef->count;
    luaL_checkstack(L, count + 4, "column");
    for (k = 0; k < count; k++)
      lua_pushlstring(L, f->enumdef->values[k], f->enumdef->lengths[k]);
  }
  t = lua_gettop(L) + 1;
  per = sizeof *refs + (f->kind == ACR_K_DATETIME ? sizeof *dts : 0);
  l = lacr_list_of(L, 1);
  if ((c = acr_runlist_cols(l, 1u << f->index)) == NULL)
    return lacr_list_nomem(L);
  need = column_need(l, c, f);
  for (;;) {
    n = l->n;
    if (n > INT_MAX || need.refs > ((size_t)-1 - need.text) / per)
      return luaL_error(L, "list too long for a column");
    lua_createtable(L, (int)n, 0); /* t */
    if (need.refs > 0) {
      /* DateTimes first: their alignment is the block's */
      void *p = lua_newuserdata(L, need.refs * per + need.text);
      dts = f->kind == ACR_K_DATETIME ? (acr_datetime *)p : NULL;
      refs = (colref *)((char *)p + (dts ? need.refs * sizeof *dts : 0));
      text = (char *)(refs + need.refs);
    }
    /* the allocations may have run finalisers that changed the list or
     * its runs: from here on, nothing is allocated until the fill ends */
    l = lacr_list_of(L, 1);
    if ((c = acr_runlist_cols(l, 1u << f->index)) == NULL)
      return lacr_list_nomem(L);
    if (l->n == n) {
      got = column_fill(L, t, base, l, c, f, refs, dts, text, need.refs,
                        need.text);
      if (got.refs <= need.refs && got.text <= need.text) break;
      need = got;
    } else {
      need = column_need(l, c, f);
    }
    lua_settop(L, t - 1);
  }
  /* the second step: only the table and the scratch block are read */
  for (i = 0; i < got.refs; i++) {
    if (dts != NULL) {
      lacr_pushdatetime(L, &dts[i]);
    } else {
      lua_pushlstring(L, text, refs[i].len);
      text += refs[i].len;
    }
    lua_rawseti(L, t, (int)refs[i].row + 1);
  }
  lua_settop(L, t);
  lua_pushinteger(L, (lua_Integer)n);
  return 2;
}

/* list:sort(key [, "asc" | "desc"]) -> list: stable, in place; date-times
 * by instant, absent values last. */
int lacr_list_sort(lua_State *L) {
  acr_runlist *l;
  const acr_field *f = check_scalar_field(L, 2);
  int desc;
  acr_status st;
  lacr_list_of(L, 1);
  luaL_optstring(L, 3, "asc");
  if (lua_isnoneornil(L, 3) || lacr_streq(L, 3, "asc")) desc = 0;
  else if (lacr_streq(L, 3, "desc")) desc = 1;
  else return luaL_argerror(L, 3, "expected 'asc' or 'desc'");
  l = lacr_list_of(L, 1);
  st = acr_runlist_sort(l, f, desc);
  if (st == ACR_EMEMORY) return lacr_list_nomem(L);
  if (st != ACR_OK) return luaL_argerror(L, 2, "cannot sort by this field");
  lua_settop(L, 1);
  return 1;
}

/* list:top(n) -> new RunList of the n most recently created runs, newest
 * first (what $top returns). */
int lacr_list_top(lua_State *L) {
  lua_Number d = luaL_checknumber(L, 2);
  lacr_RunList *u;
  lacr_list_of(L, 1);
  if (!(d >= 0 && d <= 9007199254740992.0) || d != (lua_Number)(size_t)d)
    return luaL_argerror(L, 2, "expected a non-negative integer");
  lua_settop(L, 2);
  u = lacr_newlist_slot(L);
  u->list = acr_runlist_top(lacr_list_of(L, 1), (size_t)d);
  if (!u->list) return lacr_list_nomem(L);
  return 1;
}

/* Aggregate results live in userdata whose __gc frees them, so building
 * the Lua table (which may raise out of memory) cannot leak them. */

int lacr_groups_gc(lua_State *L) {
  acr_groups_free((acr_groups *)lua_touserdata(L, 1));
  return 0;
}

int lacr_summary_gc(lua_State *L) {
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
      lacr_list_nomem(L);
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
int lacr_list_count_by(lua_State *L) {
  const acr_field *f;
  acr_allocator a;
  acr_groups *g;
  acr_status st;
  acr_buf *b;
  lacr_list_of(L, 1);
  f = check_scalar_field(L, 2);
  lua_settop(L, 2);
  lacr_allocator(L, &a);
  g = (acr_groups *)lua_newuserdata(L, sizeof *g); /* 3 */
  acr_groups_init(g, &a);
  luaL_getmetatable(L, LACR_GROUPS);
  lua_setmetatable(L, -2);
  b = lacr_newbox(L); /* 4 */
  st = acr_runlist_count_by(lacr_list_of(L, 1), f, g);
  if (st == ACR_EMEMORY) return lacr_list_nomem(L);
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
int lacr_list_memsize(lua_State *L) {
  lacr_pushint64(L, (int64_t)acr_runlist_memsize(lacr_list_of(L, 1)));
  return 1;
}

int lacr_list_summary(lua_State *L) {
  acr_allocator a;
  acr_summary *s;
  acr_buf *b;
  size_t i, at = 0;
  lacr_list_of(L, 1);
  lua_settop(L, 1);
  lacr_allocator(L, &a);
  s = (acr_summary *)lua_newuserdata(L, sizeof *s); /* 2 */
  acr_summary_init(s, &a);
  luaL_getmetatable(L, LACR_SUMMARY);
  lua_setmetatable(L, -2);
  b = lacr_newbox(L); /* 3 */
  if (acr_runlist_summary(lacr_list_of(L, 1), s) != ACR_OK) return lacr_list_nomem(L);
  /* Texts point into the runs: copied out before anything is pushed (the
   * task names first: copying the status texts last leaves b's block
   * where it is). */
  for (i = 0; i < s->ntasks; i++)
    if (s->tasks[i].task &&
        acr_buf_add(b, s->tasks[i].task, s->tasks[i].len) != ACR_OK)
      return lacr_list_nomem(L);
  if (acr_buf_reserve(b, status_text_len(&s->by_status)) != ACR_OK)
    return lacr_list_nomem(L);
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

