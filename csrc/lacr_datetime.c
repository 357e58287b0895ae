/*
 * lacr_datetime.c -- the DateTime userdata (an immutable acr_datetime by
 * value) and acr.datetime(x).
 *
 * A DateTime is exact on every Lua: whole seconds and nanoseconds are kept
 * as integers in C, never as a float of nanoseconds; tostring gives back
 * the text it was parsed from byte for byte.
 */
#include "lacr.h"

#include <math.h>
#include <string.h>

/* Seconds a shift may move by: beyond the years 0000..9999 either way. */
#define SHIFT_MAX 400000000000.0

void lacr_pushdatetime(lua_State *L, const acr_datetime *dt) {
  acr_datetime *u = (acr_datetime *)lua_newuserdata(L, sizeof *u);
  *u = *dt;
  luaL_setmetatable(L, LACR_DATETIME);
}

void lacr_pushdatetime_ctx(lua_State *L, const acr_datetime *dt) {
  acr_datetime *u = (acr_datetime *)lua_newuserdata(L, sizeof *u);
  *u = *dt;
  lua_rawgeti(L, LACR_CTX, LACR_CTX_DTMT);
  lua_setmetatable(L, -2);
}

acr_datetime *lacr_testdatetime(lua_State *L, int idx) {
  return (acr_datetime *)luaL_testudata(L, idx, LACR_DATETIME);
}

static acr_datetime *checkdt(lua_State *L, int idx) {
  acr_datetime *d = lacr_testdatetime(L, idx);
  if (d == NULL)
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "DateTime expected, got %s",
                                  luaL_typename(L, idx)));
  return d;
}

acr_status lacr_todatetime(lua_State *L, int idx, acr_datetime *out,
                           acr_error *err) {
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    return acr_datetime_parse(s, n, out, err);
  }
  case LUA_TNUMBER: {
    acr_status st;
#if LACR_HAS_INTEGERS
    if (lua_isinteger(L, idx)) {
      lua_Integer i = lua_tointeger(L, idx);
      st = (i < -SHIFT_MAX || i > SHIFT_MAX)
               ? ACR_ESCHEMA
               : acr_datetime_from_epoch((int64_t)i, 0, out);
    } else
#endif
      st = acr_datetime_from_number((double)lua_tonumber(L, idx), out);
    if (st != ACR_OK) {
      lua_Number d = lua_tonumber(L, idx);
      if (d != d || d == HUGE_VAL || d == -HUGE_VAL)
        return acr_err(err, ACR_ESCHEMA,
                       "invalid date-time: %g is not a finite number",
                       (double)d);
      return acr_err(err, ACR_ESCHEMA,
                     "invalid date-time: %.0f seconds since the epoch is "
                     "outside the years 0000..9999",
                     (double)d);
    }
    return ACR_OK;
  }
  case LUA_TUSERDATA: {
    acr_datetime *d = lacr_testdatetime(L, idx);
    if (d != NULL) {
      *out = *d;
      return ACR_OK;
    }
    break;
  }
  default:
    break;
  }
  return acr_err(err, ACR_ESCHEMA,
                 "expected a date-time (RFC 3339 string, number or "
                 "DateTime), got %s",
                 luaL_typename(L, idx));
}

/* ---- fields and methods ------------------------------------------------ */

static int dt_epoch(lua_State *L) {
  /* values made here are in normal form: sec and nsec are the instant */
  const acr_datetime *d = checkdt(L, 1);
  if (d->nsec == 0) lacr_pushint64(L, d->sec);
  else lua_pushnumber(L, (lua_Number)d->sec + (lua_Number)d->nsec / 1e9);
  return 1;
}

/* dt:utc() raises when the UTC text would leave the years 0000..9999
 * (only a value within a day of either end can): like dt + s, it is an
 * operation on a valid value whose result cannot exist, not bad data. */
static int dt_utc(lua_State *L) {
  acr_datetime u;
  acr_error e;
  acr_err_clear(&e);
  if (acr_datetime_utc(checkdt(L, 1), &u, &e) != ACR_OK)
    return luaL_error(L, "DateTime:utc(): %s", e.message);
  lacr_pushdatetime(L, &u);
  return 1;
}

/* Keys of dt: the civil fields are numbered, the methods are functions;
 * both live in the table that is the __index closure's upvalue. */
enum { F_YEAR = 1, F_MONTH, F_DAY, F_HOUR, F_MIN, F_SEC, F_NSEC, F_OFFSET };
static const char *const civil_names[] = {
    "year", "month", "day", "hour", "min", "sec", "nsec", "offset", NULL};

static int dt_index(lua_State *L) {
  const acr_datetime *d = checkdt(L, 1);
  acr_civil c;
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (lua_type(L, -1) == LUA_TFUNCTION) return 1;
  if (lua_type(L, -1) != LUA_TNUMBER) {
    if (lua_type(L, 2) == LUA_TSTRING)
      return luaL_error(L,
                        "unknown DateTime field '%s' (fields: year, month, "
                        "day, hour, min, sec, nsec, offset; methods: epoch, "
                        "utc)",
                        lua_tostring(L, 2));
    return luaL_error(L, "DateTime has no field of type %s",
                      luaL_typename(L, 2));
  }
  acr_datetime_civil(d, &c);
  switch ((int)lua_tointeger(L, -1)) {
  case F_YEAR: lua_pushinteger(L, c.year); break;
  case F_MONTH: lua_pushinteger(L, c.month); break;
  case F_DAY: lua_pushinteger(L, c.day); break;
  case F_HOUR: lua_pushinteger(L, c.hour); break;
  case F_MIN: lua_pushinteger(L, c.min); break;
  case F_SEC: lua_pushinteger(L, c.sec); break;
  case F_NSEC: lua_pushinteger(L, (lua_Integer)c.nsec); break;
  default: lua_pushinteger(L, c.offset); break;
  }
  return 1;
}

static int dt_newindex(lua_State *L) {
  return luaL_error(L, "DateTime values are immutable (use dt + seconds or "
                       "acr.datetime to make another)");
}

static int dt_tostring(lua_State *L) {
  char buf[ACR_DATETIME_TEXT_MAX];
  size_t n = acr_datetime_format(checkdt(L, 1), buf);
  lua_pushlstring(L, buf, n);
  return 1;
}

/* < and <= compare two DateTimes only.  Lua 5.1 and LuaJIT never call
 * __lt for operands of different types and raise "attempt to compare";
 * 5.2+ call it, and it raises too, rather than converting the other
 * operand, so that a script behaves the same on every Lua. */
static void both(lua_State *L, acr_datetime **a, acr_datetime **b) {
  int i;
  *a = lacr_testdatetime(L, 1);
  *b = lacr_testdatetime(L, 2);
  for (i = 1; i <= 2; i++)
    if ((i == 1 ? *a : *b) == NULL)
      luaL_error(L,
                 "attempt to compare a DateTime with a %s value (convert it "
                 "with acr.datetime first)",
                 luaL_typename(L, i));
}

static int dt_eq(lua_State *L) {
  acr_datetime *a = lacr_testdatetime(L, 1), *b = lacr_testdatetime(L, 2);
  lua_pushboolean(L, a && b && acr_datetime_cmp(a, b) == 0);
  return 1;
}

static int dt_lt(lua_State *L) {
  acr_datetime *a, *b;
  both(L, &a, &b);
  lua_pushboolean(L, acr_datetime_cmp(a, b) < 0);
  return 1;
}

static int dt_le(lua_State *L) {
  acr_datetime *a, *b;
  both(L, &a, &b);
  lua_pushboolean(L, acr_datetime_cmp(a, b) <= 0);
  return 1;
}

/* A number of seconds at idx as whole seconds + nanoseconds, exact for
 * integers; raises when it is not a finite number in range. */
static void seconds(lua_State *L, int idx, int negate, int64_t *s,
                    int32_t *ns) {
  lua_Number d;
  if (lua_type(L, idx) != LUA_TNUMBER)
    luaL_error(L, "DateTime arithmetic needs a number of seconds, got %s",
               luaL_typename(L, idx));
  d = lua_tonumber(L, idx);
  if (d != d)
    luaL_error(L, "cannot shift a DateTime by NaN seconds");
  if (!(d >= -SHIFT_MAX && d <= SHIFT_MAX))
    luaL_error(L,
               "cannot shift a DateTime by %s seconds: the result would be "
               "outside the years 0000..9999",
               lua_tostring(L, idx));
#if LACR_HAS_INTEGERS
  if (lua_isinteger(L, idx)) {
    *s = (int64_t)lua_tointeger(L, idx);
    *ns = 0;
  } else
#endif
  {
    double whole = floor((double)d);
    double frac = (double)d - whole;
    int64_t n = (int64_t)(frac * 1e9 + 0.5);
    *s = (int64_t)whole;
    if (n >= 1000000000) {
      n -= 1000000000;
      (*s)++;
    }
    *ns = (int32_t)n;
  }
  if (negate) {
    *s = -*s;
    *ns = -*ns;
  }
}

/* A shift whose result leaves the years 0000..9999 raises: dt + s is an
 * operator on a valid value, with no room for nil, message, err. */
static int shift(lua_State *L, const acr_datetime *d, int sidx, int negate) {
  int64_t s;
  int32_t ns;
  acr_datetime out;
  acr_error e;
  seconds(L, sidx, negate, &s, &ns);
  acr_err_clear(&e);
  if (acr_datetime_add(d, s, ns, &out, &e) != ACR_OK)
    return luaL_error(L, "%s", e.message);
  lacr_pushdatetime(L, &out);
  return 1;
}

/* dt + s, s + dt */
static int dt_add(lua_State *L) {
  acr_datetime *a = lacr_testdatetime(L, 1);
  if (a != NULL) {
    if (lacr_testdatetime(L, 2))
      return luaL_error(L, "cannot add two DateTimes (subtract them, or add "
                           "a number of seconds)");
    return shift(L, a, 2, 0);
  }
  return shift(L, checkdt(L, 2), 1, 0);
}

/* dt2 - dt1 -> seconds (a number); dt - s -> DateTime */
static int dt_sub(lua_State *L) {
  acr_datetime *a = lacr_testdatetime(L, 1), *b = lacr_testdatetime(L, 2);
  if (a != NULL && b != NULL) {
    lua_pushnumber(L, (lua_Number)acr_datetime_diff(b, a));
    return 1;
  }
  if (a != NULL) return shift(L, a, 2, 1);
  return luaL_error(L, "cannot subtract a DateTime from %s",
                    luaL_typename(L, 1));
}

/* acr.datetime(x): x a string (RFC 3339), a number (seconds since the
 * epoch, UTC) or a DateTime (returned as is: DateTimes are immutable).
 * Text or a number that is not a valid date-time is bad data: returns nil,
 * message, err.  Any other type is a programmer error and raises. */
static int l_datetime(lua_State *L) {
  acr_datetime dt;
  acr_error e;
  int t;
  lua_settop(L, 1);
  t = lua_type(L, 1);
  if (lacr_testdatetime(L, 1)) return 1;
  if (t != LUA_TSTRING && t != LUA_TNUMBER)
    return luaL_argerror(
        L, 1,
        lua_pushfstring(L, "string, number or DateTime expected, got %s",
                        luaL_typename(L, 1)));
  acr_err_clear(&e);
  if (lacr_todatetime(L, 1, &dt, &e) != ACR_OK) return lacr_fail(L, &e);
  lacr_pushdatetime(L, &dt);
  return 1;
}

void lacr_open_datetime(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__newindex", dt_newindex}, {"__tostring", dt_tostring},
      {"__eq", dt_eq},             {"__lt", dt_lt},
      {"__le", dt_le},             {"__add", dt_add},
      {"__sub", dt_sub},           {NULL, NULL}};
  int i;
  luaL_newmetatable(L, LACR_DATETIME);
  luaL_setfuncs(L, meta, 0);
  /* __index: a closure over the key table */
  lua_createtable(L, 0, 10);
  for (i = 0; civil_names[i] != NULL; i++) {
    lua_pushinteger(L, i + 1);
    lua_setfield(L, -2, civil_names[i]);
  }
  lua_pushcfunction(L, dt_epoch);
  lua_setfield(L, -2, "epoch");
  lua_pushcfunction(L, dt_utc);
  lua_setfield(L, -2, "utc");
  lua_pushcclosure(L, dt_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_datetime);
  lua_setfield(L, -2, "datetime");
}
