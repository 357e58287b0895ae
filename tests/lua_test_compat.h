/* lua_test_compat.h -- what the C test hosts need on Lua 5.1/LuaJIT that
 * 5.2+ has: LUA_OK and luaL_requiref. Include after lua.h/lauxlib.h. */
#ifndef LUA_TEST_COMPAT_H
#define LUA_TEST_COMPAT_H

#if LUA_VERSION_NUM < 502
#  define LUA_OK 0
static void luaL_requiref(lua_State *L, const char *name, lua_CFunction f,
                          int glb) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  lua_getfield(L, LUA_GLOBALSINDEX, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, name);
  lua_pop(L, 2);
  if (glb) {
    lua_pushvalue(L, -1);
    lua_setglobal(L, name);
  }
}
#endif

#endif
