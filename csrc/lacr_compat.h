/*
 * lacr_compat.h -- the few API differences between Lua 5.1, 5.2, 5.3, 5.4
 * and LuaJIT 2.1 that the binding meets, bridged in one place (in the
 * manner of LPeg's lptypes.h), so no symbol leaks out of the module.
 *
 * Everything is static inline or a macro.
 *
 * LuaJIT 2.1 reports LUA_VERSION_NUM 501 but its lauxlib.h already declares
 * the 5.2 functions luaL_setfuncs, luaL_testudata, luaL_setmetatable and
 * the luaL_newlib macros.  We use our own versions on both all the same:
 * LuaJIT and Lua 5.1 share one module directory (lib/lua/5.1), so the
 * module built against either header must load in both interpreters, and
 * PUC 5.1 has none of those symbols.  Whatever differs for LuaJIT is
 * decided at run time.
 */
#ifndef LACR_COMPAT_H
#define LACR_COMPAT_H

#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"

#if !defined(LUA_VERSION_NUM) || LUA_VERSION_NUM < 501
#  error "acr-run needs Lua 5.1 or later (or LuaJIT 2.1)"
#endif

#ifndef LUA_OK
#  define LUA_OK 0
#endif

/* ---- 5.1 and LuaJIT ----------------------------------------------------- */
#if LUA_VERSION_NUM == 501

#  define lua_rawlen(L, i) lua_objlen((L), (i))

#  ifndef lua_absindex
#    define lua_absindex(L, i) \
       (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#  endif

/* Ours even under LuaJIT's headers (see above): no symbol PUC 5.1 lacks. */
#  undef luaL_newlibtable
#  undef luaL_newlib
#  undef luaL_setfuncs
#  undef luaL_testudata
#  undef luaL_setmetatable
static inline void lacr_compat_setfuncs(lua_State *L, const luaL_Reg *l,
                                        int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#    define luaL_setfuncs(L, l, n) lacr_compat_setfuncs((L), (l), (n))

static inline void *lacr_compat_testudata(lua_State *L, int i,
                                          const char *tname) {
  void *p = lua_touserdata(L, i);
  if (p != NULL && lua_getmetatable(L, i)) {
    luaL_getmetatable(L, tname);
    if (!lua_rawequal(L, -1, -2)) p = NULL;
    lua_pop(L, 2);
    return p;
  }
  return NULL;
}
#    define luaL_testudata(L, i, t) lacr_compat_testudata((L), (i), (t))

#    define luaL_setmetatable(L, t) \
       (luaL_getmetatable((L), (t)), lua_setmetatable((L), -2))
#    define luaL_newlibtable(L, l) \
       lua_createtable((L), 0, (int)(sizeof(l) / sizeof((l)[0]) - 1))
#    define luaL_newlib(L, l) \
       (luaL_newlibtable((L), (l)), luaL_setfuncs((L), (l), 0))

#endif /* LUA_VERSION_NUM == 501 */

/* ---- integers ------------------------------------------------------------ */
/* 5.3+ has a separate integer subtype; before it every number is a double
 * (exact for integers up to 2^53), so "is an integer" means "is a number
 * with no fraction". */
#if LUA_VERSION_NUM >= 503
#  define LACR_HAS_INTEGERS 1
#else
#  define LACR_HAS_INTEGERS 0
#  define lua_isinteger(L, i) lacr_compat_isinteger((L), (i))
static inline int lacr_compat_isinteger(lua_State *L, int i) {
  lua_Number n;
  if (lua_type(L, i) != LUA_TNUMBER) return 0;
  n = lua_tonumber(L, i);
  return n == n && n >= -9007199254740992.0 && n <= 9007199254740992.0 &&
         (lua_Number)(int64_t)n == n;
}
#endif

/* Push a 64-bit integer exactly where the Lua can (5.3+), else as the
 * nearest double (exact up to 2^53: every count and offset we push). */
static inline void lacr_pushint64(lua_State *L, int64_t v) {
#if LACR_HAS_INTEGERS
  lua_pushinteger(L, (lua_Integer)v);
#else
  lua_pushnumber(L, (lua_Number)v);
#endif
}

/* ---- __close, __pairs ---------------------------------------------------- */
#if LUA_VERSION_NUM >= 504
#  define LACR_HAS_CLOSE 1
#else
#  define LACR_HAS_CLOSE 0
#endif
/* __pairs is honoured from 5.2 on (deprecated but present in 5.4). */
#if LUA_VERSION_NUM >= 502
#  define LACR_HAS_PAIRS 1
#else
#  define LACR_HAS_PAIRS 0
#endif

/* ---- luaL_tolstring ------------------------------------------------------ */
/* Only for values with a __tostring metamethod (5.1/LuaJIT lack
 * luaL_tolstring).  Pushes the string, returns it; raises if __tostring
 * raises or returns a non-string. */
static inline const char *lacr_tostring_meta(lua_State *L, int i,
                                             size_t *len) {
  i = lua_absindex(L, i);
  if (!luaL_callmeta(L, i, "__tostring")) lua_pushnil(L);
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "'__tostring' must return a string");
  return lua_tolstring(L, -1, len);
}

#endif
