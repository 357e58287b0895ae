/*
 * lacr_module.c -- the top of the binding: luaopen_acr_run, the method
 * tables of Run, Record and FieldList (closures over the per-state
 * context), acr.enums, acr._VERSION and acr.type.  The other types
 * (DateTime, RunList, Filter) and acr.decode/encode register their own
 * functions (lacr_open_*), which need no context.
 */
#include "lacr.h"

#include <stddef.h>

#include <string.h>

/* ---- acr.enums --------------------------------------------------------- */

static void push_enum(lua_State *L, const acr_enum_def *d) {
  int i;
  lua_createtable(L, d->count, 0);
  for (i = 0; i < d->count; i++) {
    lua_pushlstring(L, d->values[i], d->lengths[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, d->name);
}

static void push_enums(lua_State *L) {
  lua_createtable(L, 0, 7);
  push_enum(L, &acr_enum_runstatus);
  push_enum(L, &acr_enum_runtype);
  push_enum(L, &acr_enum_provisioningstate);
  push_enum(L, &acr_enum_os);
  push_enum(L, &acr_enum_architecture);
  push_enum(L, &acr_enum_variant);
  push_enum(L, &acr_enum_createdbytype);
}

/* ---- acr.type ------------------------------------------------------------ */

/* acr.type(v) -> "Run", "Record", "FieldList", "DateTime", "RunList",
 * "Filter", "RunRequest", "RequestView", or nil for anything else (closed
 * values keep their type). */
static int l_type(lua_State *L) {
  static const struct {
    const char *mt, *name;
  } types[] = {{LACR_RUN, "Run"},           {LACR_RECORD, "Record"},
               {LACR_FLIST, "FieldList"},   {LACR_DATETIME, "DateTime"},
               {LACR_RUNLIST, "RunList"},   {LACR_FILTER, "Filter"},
               {LACR_REQUEST, "RunRequest"}, {LACR_REQVIEW, "RequestView"}};
  size_t i;
  lua_settop(L, 1);
  if (lua_type(L, 1) == LUA_TUSERDATA)
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
      if (luaL_testudata(L, 1, types[i].mt) != NULL) {
        lua_pushstring(L, types[i].name);
        return 1;
      }
  lua_pushnil(L);
  return 1;
}

/* ---- method tables ------------------------------------------------------ */

static const luaL_Reg run_methods[] = {
    {"to_table", lacr_run_to_table_m}, {"clone", lacr_run_clone},
    {"fields", lacr_fields},           {"problems", lacr_run_problems},
    {"unknown", lacr_run_unknown},     {"is_terminal", lacr_run_is_terminal},
    {"duration", lacr_run_duration},   {"trigger", lacr_run_trigger},
    {"diff", lacr_run_diff},           {"encode", lacr_run_encode},
    {"memsize", lacr_run_memsize},     {"taskrun", lacr_run_taskrun},
    {NULL, NULL}};
static const luaL_Reg run_meta[] = {
    {"__index", lacr_run_index},       {"__newindex", lacr_run_newindex},
    {"__gc", lacr_run_gc},             {"__eq", lacr_run_eq},
    {"__tostring", lacr_run_tostring}, {"__pairs", lacr_fields},
#if LACR_HAS_CLOSE
    {"__close", lacr_run_gc},
#endif
    {NULL, NULL}};
static const luaL_Reg rec_methods[] = {{"to_table", lacr_rec_to_table},
                                       {"unknown", lacr_rec_unknown},
                                       {"fields", lacr_fields},
                                       {NULL, NULL}};
static const luaL_Reg rec_meta[] = {
    {"__index", lacr_rec_index},       {"__newindex", lacr_rec_newindex},
    {"__gc", lacr_view_gc},            {"__eq", lacr_rec_eq},
    {"__tostring", lacr_rec_tostring}, {"__pairs", lacr_fields},
    {NULL, NULL}};
static const luaL_Reg flist_methods[] = {{"append", lacr_flist_append},
                                         {"remove", lacr_flist_remove},
                                         {"iter", lacr_flist_iter},
                                         {"to_table", lacr_flist_to_table},
                                         {NULL, NULL}};
static const luaL_Reg flist_meta[] = {
    {"__index", lacr_flist_index},       {"__newindex", lacr_flist_newindex},
    {"__len", lacr_flist_len},           {"__gc", lacr_view_gc},
    {"__eq", lacr_flist_eq},             {"__tostring", lacr_flist_tostring},
    {"__pairs", lacr_flist_iter},        {"__ipairs", lacr_flist_iter},
    {NULL, NULL}};
static const luaL_Reg funcs[] = {{"new", lacr_new},
                                 {"from_table", lacr_from_table},
                                 {"type", l_type},
                                 {NULL, NULL}};

/* ---- layout for the LuaJIT FFI reader (lua/acr/ffi.lua) ---------------- */

/* mod._layout: the offsets the FFI fast path reads through, taken from the
 * compiler here so that lua/acr/ffi.lua never assumes a layout (it checks
 * its own declarations against these and stays off on any mismatch).
 * Documented in docs/embedding.md; read-only use only. */
static void push_layout(lua_State *L) {
  uint8_t i;
  lua_createtable(L, 0, 20);
#define LAYOUT(name, v) (lua_pushinteger(L, (lua_Integer)(v)), \
                         lua_setfield(L, -2, name))
  LAYOUT("ud_run", offsetof(lacr_Run, run));
  LAYOUT("ud_list", offsetof(lacr_RunList, list));
  LAYOUT("run_rec", offsetof(acr_run, rec));
  LAYOUT("rec_present", offsetof(acr_rechdr, present));
  LAYOUT("list_n", offsetof(acr_runlist, n));
  LAYOUT("list_runs", offsetof(acr_runlist, runs));
  LAYOUT("str_len", offsetof(acr_str, len));
  LAYOUT("str_s", offsetof(acr_str, s));
  LAYOUT("enum_code", offsetof(acr_enumval, code));
  LAYOUT("enum_raw", offsetof(acr_enumval, raw));
  LAYOUT("dt_size", sizeof(acr_datetime));
  LAYOUT("dt_sec", offsetof(acr_datetime, sec));
  LAYOUT("dt_nsec", offsetof(acr_datetime, nsec));
  LAYOUT("dt_offset", offsetof(acr_datetime, offset));
  LAYOUT("dt_digits", offsetof(acr_datetime, digits));
  LAYOUT("dt_flags", offsetof(acr_datetime, flags));
  LAYOUT("ud_datetime", 0); /* lacr_pushdatetime: the block is the value */
  LAYOUT("pointer", sizeof(void *));
  LAYOUT("size_t", sizeof(size_t));
#undef LAYOUT
  /* name -> {offset, kind (acr_kind), presence bit, enum name or nil} */
  lua_createtable(L, 0, acr_type_run.nfields);
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *f = &acr_type_run.fields[i];
    lua_createtable(L, 4, 0);
    lua_pushinteger(L, (lua_Integer)f->offset);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)f->kind);
    lua_rawseti(L, -2, 2);
    lua_pushinteger(L, (lua_Integer)f->index);
    lua_rawseti(L, -2, 3);
    if (f->enumdef != NULL) {
      lua_pushstring(L, f->enumdef->name);
      lua_rawseti(L, -2, 4);
    }
    lua_setfield(L, -2, f->name);
  }
  lua_setfield(L, -2, "run_fields");
}

/* ---- the module -------------------------------------------------------- */

/* Protect a metatable: getmetatable(v) gives its name, so Lua code cannot
 * reach the metamethods to call them with other values (the fast __index
 * relies on it).  The C API (lua_getmetatable, luaL_testudata) is not
 * affected. */
static void protect(lua_State *L, int mt, const char *name) {
  lua_pushstring(L, name);
  lua_setfield(L, mt, "__metatable");
}

int luaopen_acr_run(lua_State *L) {
  int mod, ctx, i;
  luaL_checkstack(L, 16, "opening acr.run");
  lacr_open_util(L);
  lacr_open_pins(L);

  lua_createtable(L, 0, 20);
  mod = lua_gettop(L);
  lua_pushliteral(L, ACR_VERSION);
  lua_setfield(L, mod, "_VERSION");
  push_enums(L);
  lua_setfield(L, mod, "enums");
  push_layout(L);
  lua_setfield(L, mod, "_layout");

  lacr_ctx_new(L);
  ctx = lua_gettop(L);
  lua_rawgeti(L, ctx, LACR_CTX_RUNNAMES);
  lacr_ctx_setfuncs(L, ctx, lua_gettop(L), run_methods);
  lua_pop(L, 1);
  lua_rawgeti(L, ctx, LACR_CTX_TYPES);
  for (i = 2; i <= (int)lua_rawlen(L, -1); i++) { /* every record type */
    lua_rawgeti(L, -1, i);
    lacr_ctx_setfuncs(L, ctx, lua_gettop(L), rec_methods);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_rawgeti(L, ctx, LACR_CTX_LISTMETH);
  lacr_ctx_setfuncs(L, ctx, lua_gettop(L), flist_methods);
  lua_pop(L, 1);
  lua_rawgeti(L, ctx, LACR_CTX_RUNMT);
  lacr_ctx_setfuncs(L, ctx, lua_gettop(L), run_meta);
  protect(L, lua_gettop(L), LACR_RUN);
  lua_pop(L, 1);
  lua_rawgeti(L, ctx, LACR_CTX_RECMT);
  lacr_ctx_setfuncs(L, ctx, lua_gettop(L), rec_meta);
  lua_pop(L, 1);
  lua_rawgeti(L, ctx, LACR_CTX_LISTMT);
  lacr_ctx_setfuncs(L, ctx, lua_gettop(L), flist_meta);
  lua_pop(L, 1);
  lacr_ctx_setfuncs(L, ctx, mod, funcs);
  lua_settop(L, mod);

  lacr_open_datetime(L);
  lacr_open_list(L);
  lacr_open_filter(L);
  lacr_open_json(L);
  lacr_open_request(L);
  return 1;
}
