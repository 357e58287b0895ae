/*
 * lacr_ctx.c -- the per-state context: one table, kept in the registry
 * under LACR_CTXKEY and given as upvalue 1 to every function the module
 * registers, so that what every function needs is one lua_rawgeti away:
 * the name tables (field name -> its acr_field, or a method), the
 * canonical enum strings (made once, so a read pushes no new string) and
 * the metatables of Run, Record and FieldList.
 *
 * The context table is also the Run's name table: its string keys are the
 * Run's field names and methods, its integer keys the slots and (from
 * ENUM_BASE) the canonical enum strings, so an enum value read on a Run is
 * one lua_rawgeti on upvalue 1 (the Run's field itself is found in C:
 * lacr_run.c).
 *
 * Several lua_States each get their own context: nothing here is global.
 */
#include "lacr.h"

#define LACR_CTXKEY "acr.run.context"
/* The canonical enum strings follow the slots, each enum's values after
 * the previous enum's, with no gap: all in the table's array part, so a
 * read of an enum field indexes an array instead of hashing. */
#define ENUM_BASE (LACR_CTX_NSLOTS + 1)

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

/* Context key of the first canonical string of d (ENUM_BASE for the first
 * enum of enum_defs, which is RunStatus). */
static int enum_base(const acr_enum_def *d) {
  int i, base = ENUM_BASE;
  for (i = 0; i < NENUMS && enum_defs[i] != d; i++)
    base += enum_defs[i]->count;
  return base;
}

void lacr_ctx_new(lua_State *L) {
  int ctx, i, j, n_enum, key;
  luaL_checkstack(L, 8, "opening acr.run");
  for (i = 0, n_enum = 0; i < NENUMS; i++) n_enum += enum_defs[i]->count;
  lua_createtable(L, ENUM_BASE - 1 + n_enum, 40);
  ctx = lua_gettop(L);
  lua_pushvalue(L, ctx);
  lua_rawseti(L, ctx, LACR_CTX_RUNNAMES);
  /* name tables: Run's is also slot RUNNAMES */
  lua_createtable(L, NTYPES, 0);
  for (i = 0; i < NTYPES; i++) {
    const acr_type *t = rec_types[i];
    if (i == 0) lua_pushvalue(L, ctx); /* the context is Run's table */
    else lua_createtable(L, 0, t->nfields + 3);
    for (j = 0; j < t->nfields; j++) {
      lua_pushlightuserdata(L, (void *)&t->fields[j]);
      lua_setfield(L, -2, t->fields[j].name);
    }
    lua_rawseti(L, -2, i + 1);
  }
  lua_rawseti(L, ctx, LACR_CTX_TYPES);
  key = ENUM_BASE;
  for (i = 0; i < NENUMS; i++)
    for (j = 0; j < enum_defs[i]->count; j++) {
      lua_pushlstring(L, enum_defs[i]->values[j], enum_defs[i]->lengths[j]);
      lua_rawseti(L, ctx, key++);
    }
  luaL_newmetatable(L, LACR_RUN);
  lua_rawseti(L, ctx, LACR_CTX_RUNMT);
  luaL_newmetatable(L, LACR_RECORD);
  lua_rawseti(L, ctx, LACR_CTX_RECMT);
  luaL_newmetatable(L, LACR_FLIST);
  lua_rawseti(L, ctx, LACR_CTX_LISTMT);
  luaL_newmetatable(L, LACR_DATETIME); /* its functions: lacr_datetime.c */
  lua_rawseti(L, ctx, LACR_CTX_DTMT);
  lua_createtable(L, 0, 4);
  lua_rawseti(L, ctx, LACR_CTX_LISTMETH);
  lua_pushvalue(L, ctx);
  lua_setfield(L, LUA_REGISTRYINDEX, LACR_CTXKEY);
}

void lacr_ctx_setfuncs(lua_State *L, int ctx, int tbl, const luaL_Reg *r) {
  for (; r->name != NULL; r++) {
    lua_pushvalue(L, ctx);
    lua_pushcclosure(L, r->func, 1);
    lua_setfield(L, tbl, r->name);
  }
}

void lacr_push_closure(lua_State *L, lua_CFunction fn) {
  lua_pushvalue(L, LACR_CTX);
  lua_pushcclosure(L, fn, 1);
}

void *lacr_test_ctx(lua_State *L, int idx, int mtslot) {
  void *p = NULL;
  if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
    lua_rawgeti(L, LACR_CTX, mtslot);
    if (lua_rawequal(L, -1, -2)) p = lua_touserdata(L, idx);
    lua_pop(L, 2);
  }
  return p;
}

lacr_Run *lacr_run_arg(lua_State *L, int idx, lacr_Run *u) {
  if (u == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "Run expected, got %s",
                                  luaL_typename(L, idx)));
  else if (u->run == NULL)
    luaL_argerror(L, idx, "Run is closed");
  return u;
}

acr_run *lacr_check_run_ctx(lua_State *L, int idx) {
  return lacr_run_arg(L, idx,
                      (lacr_Run *)lacr_test_ctx(L, idx, LACR_CTX_RUNMT))->run;
}

lacr_View *lacr_check_view(lua_State *L, int idx, int mtslot) {
  lacr_View *v = (lacr_View *)lacr_test_ctx(L, idx, mtslot);
  if (v == NULL || v->run == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "%s expected, got %s",
                                  mtslot == LACR_CTX_RECMT ? "record view"
                                                           : "list view",
                                  luaL_typename(L, idx)));
  return v;
}

void lacr_push_type_names(lua_State *L, const acr_type *t) {
  lua_rawgeti(L, LACR_CTX, LACR_CTX_TYPES);
  lua_rawgeti(L, -1, type_id(t) + 1);
  lua_remove(L, -2);
}

void lacr_push_enum_text(lua_State *L, const acr_enum_def *d, int code) {
  lua_rawgeti(L, LACR_CTX, enum_base(d) + code);
}
