/*
 * lacr_json.c -- acr.decode and acr.encode: the Lua face of the core's
 * schema-directed JSON reader and writer (acr_json_read.c, acr_json_write.c).
 *
 * Bad data is an expected event: decode returns nil, message, err.  Bad
 * arguments and options are programmer errors: they raise.
 */
#include "lacr.h"

#include <stdlib.h>
#include <string.h>

static const char *const decode_options[] = {"strict", "max_depth", NULL};

static void get_decode_opts(lua_State *L, int idx, acr_decode_opts *o) {
  o->strict = 0;
  o->max_depth = 0;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lacr_check_option_names(L, idx, decode_options);
  lua_getfield(L, idx, "strict");
  if (!lua_isnil(L, -1)) {
    if (!lua_isboolean(L, -1))
      luaL_argerror(L, idx, "option 'strict' must be a boolean");
    o->strict = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  lua_getfield(L, idx, "max_depth");
  if (!lua_isnil(L, -1)) {
    lua_Number d = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(d >= 1 && d <= ACR_MAX_DEPTH) ||
        d != (lua_Number)(int)d)
      luaL_argerror(L, idx,
                    lua_pushfstring(L,
                                    "option 'max_depth' must be an integer "
                                    "from 1 to %d (acr.MAX_DEPTH)",
                                    ACR_MAX_DEPTH));
    o->max_depth = (int)d;
  }
  lua_pop(L, 1);
}

/* nil, message, err for bad JSON text: the message is the core's display
 * text (path, reason, position: acr_error_format); err.message holds the
 * reason only. */
static int decode_fail(lua_State *L, const acr_error *err) {
  char shown[ACR_PATH_MAX + ACR_MSG_MAX + 64];
  acr_error_format(err, shown, sizeof shown);
  lua_pushnil(L);
  lua_pushstring(L, shown);
  lacr_push_errtable(L, err);
  if (err->kind == ACR_ESERVICE) { /* an ARM error body: its parts as data */
    lua_pushstring(L, err->code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, err->message);
    lua_setfield(L, -2, "message");
    if (err->target[0]) {
      lua_pushstring(L, err->target);
      lua_setfield(L, -2, "target");
    }
    if (err->details) { /* JSON text inside the decoded text: plain tables */
      lacr_push_json(L, err->details, err->details_len, 0);
      lua_setfield(L, -2, "details");
    }
    if (err->additional_info) {
      lacr_push_json(L, err->additional_info, err->additional_info_len, 0);
      lua_setfield(L, -2, "additional_info");
    }
  }
  return 3;
}

/* Decodes text (from *pos on, one document, when pos is not NULL) with the
 * options at optidx and pushes the Run or RunList (1 result), nil when
 * only whitespace is left (1), or nil, message, err (3).  Both result
 * slots are on the stack before the core allocates anything, so whatever
 * it returns is owned by a userdata before anything can raise. */
static int decode_push(lua_State *L, const char *text, size_t len,
                       size_t *pos, int optidx) {
  acr_decode_opts o;
  acr_allocator a;
  acr_error err;
  acr_status st;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  lacr_Run *rslot;
  lacr_RunList *lslot;
  int top;
  get_decode_opts(L, optidx, &o);
  /* a RunRequest (its "type" is one of the four kinds): lacr_request.c */
  if (pos == NULL && acr_json_is_request(text, len))
    return lacr_request_decode(L, text, len, &o);
  rslot = lacr_newrun_slot(L);
  lslot = lacr_newlist_slot(L);
  top = lua_gettop(L);
  lacr_allocator(L, &a);
  acr_err_clear(&err);
  /* the memo (upvalue 1) learns from each decode for the next */
  st = acr_json_decode_memo(
      (acr_decode_memo *)lua_touserdata(L, lua_upvalueindex(1)), text, len,
      pos, &o, &a, &run, &list, &err);
  if (st != ACR_OK) return decode_fail(L, &err);
  if (run) {
    rslot->run = run;
    lua_pushvalue(L, top - 1);
  } else if (list) {
    lslot->list = list;
    lua_pushvalue(L, top);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

static const char *check_text(lua_State *L, size_t *len) {
  if (lua_type(L, 1) != LUA_TSTRING)
    luaL_argerror(L, 1,
                  lua_pushfstring(L, "string expected, got %s",
                                  luaL_typename(L, 1)));
  return lua_tolstring(L, 1, len);
}

/* acr.decode(text [, opts]) -> Run | RunList | nil, message, err. */
static int l_decode(lua_State *L) {
  size_t len;
  const char *text;
  lua_settop(L, 2);
  text = check_text(L, &len);
  return decode_push(L, text, len, NULL, 2);
}

/* acr.decode_next(text [, init [, opts]]) -> value, next | nil |
 * nil, message, err: the JSON document of text that starts at init
 * (1-based, default 1; whitespace skipped), and the position after it and
 * its trailing whitespace, where the next one starts.  Plain nil when only
 * whitespace is left.  Several documents concatenated or one per line, as
 * jq reads them; positions in err count from the start of text. */
static int l_decode_next(lua_State *L) {
  size_t len, pos;
  const char *text;
  lua_Number init;
  int n;
  lua_settop(L, 3);
  text = check_text(L, &len);
  init = luaL_optnumber(L, 2, 1);
  if (!(init >= 1 && init <= (lua_Number)len + 1) ||
      init != (lua_Number)(size_t)init)
    return luaL_argerror(L, 2, "expected a position from 1 to #text + 1");
  pos = (size_t)init - 1;
  n = decode_push(L, text, len, &pos, 3);
  if (n != 1 || lua_isnil(L, -1)) return n; /* nil, or nil, message, err */
  lacr_pushint64(L, (int64_t)pos + 1);
  return 2;
}

/* acr.encode(value [, opts]) */
static int l_encode(lua_State *L) {
  acr_encode_opts o;
  acr_buf *b;
  lua_settop(L, 2);
  if (!lacr_testrun(L, 1) && !lacr_testlist(L, 1))
    return luaL_argerror(L, 1,
                         lua_pushfstring(L, "Run or RunList expected, got %s",
                                         luaL_typename(L, 1)));
  /* Options and the buffer first (they may run Lua code), then the value:
   * the writer runs no Lua. */
  lacr_encode_opts(L, 2, &o);
  b = lacr_encbuf(L);
  if (lacr_testrun(L, 1))
    return lacr_push_encoded(L, b, lacr_checkrun(L, 1)->run, NULL, &o);
  return lacr_push_encoded(L, b, NULL, lacr_checklist(L, 1)->list, &o);
}

void lacr_open_json(lua_State *L) {
  /* one acr_decode_memo for this state's decode and decode_next */
  acr_decode_memo_init(lua_newuserdata(L, acr_decode_memo_size()));
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, l_decode, 1);
  lua_setfield(L, -3, "decode");
  lua_pushcclosure(L, l_decode_next, 1);
  lua_setfield(L, -2, "decode_next");
  lua_pushcfunction(L, l_encode);
  lua_setfield(L, -2, "encode");
  /* the library's one nesting limit (acr.h ACR_MAX_DEPTH) */
  lua_pushinteger(L, ACR_MAX_DEPTH);
  lua_setfield(L, -2, "MAX_DEPTH");
}
