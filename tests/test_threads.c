/* test_threads.c -- several lua_States in several threads at once, and the
 * core used from several threads at once (each thread its own objects).
 *
 * The library promises no mutable global state: this test makes every
 * thread decode, encode, compare, filter, sort and build runs many times
 * concurrently.  Built with -fsanitize=thread (`make tsan`) a data race in
 * the module or the core is reported; built plainly (`make test`) it checks
 * that the results are right under concurrency and that nothing leaks.
 *
 *   test_threads [ROUNDS]     (default 40; ACR_THREADS_ROUNDS too)
 */
#include "test.h"

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include <pthread.h>

#include "lua_test_compat.h"

#define LUA_THREADS 3
#define CORE_THREADS 3

static int rounds = 40;

/* Each thread writes only its own slot; main reads them after joining. */
typedef struct result {
  int id;
  int ok;
  long checks;
  char message[1024];
} result;

static const char list_json[] =
    "{\"value\": ["
    "{\"id\": \"/r/runs/a\", \"name\": \"a\", \"properties\": {\"runId\": \"a\","
    " \"status\": \"Failed\", \"task\": \"t1\", \"runType\": \"quickrun\","
    " \"createTime\": \"2019-05-01T10:00:00Z\","
    " \"startTime\": \"2019-05-01T10:00:05.25Z\","
    " \"finishTime\": \"2019-05-01T10:01:05Z\","
    " \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"},"
    " \"outputImages\": [{\"registry\": \"r.io\", \"repository\": \"app\","
    "   \"tag\": \"v1\", \"digest\": \"sha256:aa\"}],"
    " \"x-unknown\": {\"k\": [1, \"\\u00e9\", null]}}},"
    "{\"properties\": {\"runId\": \"b\", \"status\": \"Succeeded\","
    " \"task\": \"t1\", \"createTime\": \"2019-05-03T10:00:00+02:00\","
    " \"startTime\": \"2019-05-03T10:00:01+02:00\","
    " \"finishTime\": \"2019-05-03T10:02:01+02:00\","
    " \"customRegistries\": [\"c.azurecr.io\"]}},"
    "{\"properties\": {\"runId\": \"c\", \"status\": \"failed\", \"task\": \"t2\","
    " \"createTime\": \"2019-05-02T10:00:00.123456789-05:30\","
    " \"agentConfiguration\": {\"cpu\": 2}, \"isArchiveEnabled\": true}},"
    "{\"properties\": {\"runId\": \"d\", \"status\": \"Running\", \"task\": \"t2\"}}"
    "], \"nextLink\": \"https://next\"}";

static const char filter_expr[] =
    "(status eq 'Failed' or status eq 'Succeeded') and "
    "createTime ge 2019-05-01T00:00:00Z and "
    "contains(outputImageManifests, 'app') or taskName eq 't2'";

/* ---- Lua threads ---------------------------------------------------------- */

static const char lua_work[] =
    "local acr = require('acr.run')\n"
    "local text, expr, rounds, id = ...\n"
    "local n = 0\n"
    "for i = 1, rounds do\n"
    "  local l = assert(acr.decode(text))\n"
    "  assert(#l == 4 and l.nextLink == 'https://next')\n"
    "  local j = l:encode()\n"
    "  local l2 = assert(acr.decode(j))\n"
    "  assert(l2 == l and l2:encode() == j)\n"
    "  local f = assert(acr.filter(expr))\n"
    "  assert(tostring(assert(acr.filter(tostring(f)))) == tostring(f))\n"
    "  local m = l:filter(f)\n"
    "  local m2 = l:filter(function(r) return f(r) end)\n"
    "  assert(#m == #m2)\n"
    "  l:sort('createTime', 'desc')\n"
    "  assert(l[1].runId == 'b')\n"
    "  assert(#l:top(2) == 2)\n"
    "  local c = l:count_by('status')\n"
    "  assert(c.Failed == 2 and c.Succeeded == 1)\n"
    "  local r = acr.new{runId = 'n' .. id .. '-' .. i, status = 'queued',\n"
    "    createTime = 1556704800 + i, platform = {os = 'Windows'},\n"
    "    outputImages = {{registry = 'r', repository = 'x', tag = tostring(i)}}}\n"
    "  r.status = 'Succeeded'\n"
    "  r.outputImages:append{registry = 'r', repository = 'y'}\n"
    "  l:append(r)\n"
    "  local t = l[1]:to_table()\n"
    "  assert(acr.from_table(t) == l[1])\n"
    "  local d = acr.datetime('2019-08-28T20:20:52.8021125+00:00')\n"
    "  assert(tostring(d) == '2019-08-28T20:20:52.8021125+00:00')\n"
    "  assert(d + 1 > d)\n"
    "  assert(l:summary().total == #l)\n"
    "  n = n + 1\n"
    "  if i % 8 == 0 then collectgarbage() end\n"
    "end\n"
    "return n\n";

static void *lua_thread(void *arg) {
  result *res = (result *)arg;
  lua_State *L = luaL_newstate();
  res->ok = 0;
  if (L == NULL) {
    snprintf(res->message, sizeof res->message, "luaL_newstate failed");
    return NULL;
  }
  luaL_openlibs(L);
  luaL_requiref(L, "acr.run", luaopen_acr_run, 0);
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, lua_work, sizeof lua_work - 1, "=lua_work") !=
      LUA_OK) {
    snprintf(res->message, sizeof res->message, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  lua_pushlstring(L, list_json, sizeof list_json - 1);
  lua_pushstring(L, filter_expr);
  lua_pushinteger(L, rounds);
  lua_pushinteger(L, res->id);
  if (lua_pcall(L, 4, 1, 0) != LUA_OK) {
    snprintf(res->message, sizeof res->message, "%s", lua_tostring(L, -1));
  } else {
    res->checks = (long)lua_tointeger(L, -1);
    res->ok = res->checks == rounds;
    if (!res->ok) snprintf(res->message, sizeof res->message, "short count");
  }
  lua_close(L);
  return NULL;
}

/* ---- core threads ---------------------------------------------------------- */

#define FAIL(...)                                                 \
  do {                                                            \
    snprintf(res->message, sizeof res->message, __VA_ARGS__);     \
    goto done;                                                    \
  } while (0)

static int core_round(result *res, const acr_allocator *a) {
  acr_runlist *l = NULL, *l2 = NULL, *m = NULL, *top = NULL;
  acr_run *r = NULL, *r2 = NULL;
  acr_filter *f = NULL, *f2 = NULL;
  acr_buf b1, b2, fs1, fs2;
  acr_error err;
  acr_datetime dt, dt2;
  char text[ACR_DATETIME_TEXT_MAX];
  size_t i, n;
  int ok = 0;
  acr_buf_init(&b1, a);
  acr_buf_init(&b2, a);
  acr_buf_init(&fs1, a);
  acr_buf_init(&fs2, a);

  if (acr_json_decode(list_json, sizeof list_json - 1, NULL, a, &r, &l,
                      &err) != ACR_OK || l == NULL)
    FAIL("decode: %s", err.message);
  if (acr_json_encode_list(l, NULL, &b1) != ACR_OK) FAIL("encode");
  if (acr_json_decode(b1.p, b1.len, NULL, a, &r2, &l2, &err) != ACR_OK ||
      l2 == NULL)
    FAIL("decode again: %s", err.message);
  if (l2->n != l->n) FAIL("lengths differ");
  for (i = 0; i < l->n; i++)
    if (!acr_run_equal(l->runs[i], l2->runs[i])) FAIL("run %lu differs",
                                                      (unsigned long)i);
  if (acr_json_encode_list(l2, NULL, &b2) != ACR_OK) FAIL("encode again");
  if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
    FAIL("encodings differ");

  f = acr_filter_compile(filter_expr, strlen(filter_expr), a, &err);
  if (f == NULL) FAIL("filter: %s", err.message);
  if (acr_filter_tostring(f, &fs1) != ACR_OK) FAIL("filter tostring");
  f2 = acr_filter_compile(fs1.p, fs1.len, a, &err);
  if (f2 == NULL) FAIL("canonical filter: %s", err.message);
  if (acr_filter_tostring(f2, &fs2) != ACR_OK || fs1.len != fs2.len ||
      memcmp(fs1.p, fs2.p, fs1.len) != 0)
    FAIL("canonical text is not stable");
  if ((m = acr_runlist_filter(l, f)) == NULL) FAIL("list filter");
  for (n = 0, i = 0; i < l->n; i++)
    if (acr_filter_match(f2, l->runs[i])) n++;
  if (n != m->n) FAIL("filter counts differ");
  if (acr_runlist_sort(l, acr_type_field(&acr_type_run, "createTime", 10),
                       1) != ACR_OK)
    FAIL("sort");
  if ((top = acr_runlist_top(l, 2)) == NULL || top->n != 2) FAIL("top");

  if (acr_datetime_parse("2019-05-02T10:00:00.123456789-05:30", 35, &dt,
                         &err) != ACR_OK)
    FAIL("datetime: %s", err.message);
  n = acr_datetime_format(&dt, text);
  if (n != 35 || memcmp(text, "2019-05-02T10:00:00.123456789-05:30", 35))
    FAIL("datetime format");
  if (acr_datetime_add(&dt, 3600, 0, &dt2, NULL) != ACR_OK ||
      acr_datetime_diff(&dt, &dt2) != 3600.0)
    FAIL("datetime add");
  ok = 1;
done:
  acr_buf_free(&b1);
  acr_buf_free(&b2);
  acr_buf_free(&fs1);
  acr_buf_free(&fs2);
  acr_filter_free(f);
  acr_filter_free(f2);
  acr_runlist_free(top);
  acr_runlist_free(m);
  acr_runlist_free(l);
  acr_runlist_free(l2);
  acr_run_release(r);
  acr_run_release(r2);
  return ok;
}

static void *core_thread(void *arg) {
  result *res = (result *)arg;
  test_counter c = {0};
  acr_allocator a;
  int i;
  a.f = test_alloc;
  a.ud = &c;
  res->ok = 1;
  for (i = 0; i < rounds * 4 && res->ok; i++) {
    res->ok = core_round(res, &a);
    res->checks++;
  }
  if (res->ok && c.live != 0) {
    res->ok = 0;
    snprintf(res->message, sizeof res->message, "%lu bytes leaked",
             (unsigned long)c.live);
  }
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t th[LUA_THREADS + CORE_THREADS];
  result res[LUA_THREADS + CORE_THREADS];
  int i;
  const char *env = getenv("ACR_THREADS_ROUNDS");
  if (argc > 1) rounds = atoi(argv[1]);
  else if (env) rounds = atoi(env);
  if (rounds < 1) rounds = 1;
  memset(res, 0, sizeof res);
  for (i = 0; i < LUA_THREADS + CORE_THREADS; i++) {
    res[i].id = i;
    if (pthread_create(&th[i], NULL, i < LUA_THREADS ? lua_thread : core_thread,
                       &res[i]) != 0) {
      fprintf(stderr, "test_threads: cannot create thread %d\n", i);
      return 1;
    }
  }
  for (i = 0; i < LUA_THREADS + CORE_THREADS; i++) pthread_join(th[i], NULL);
  for (i = 0; i < LUA_THREADS + CORE_THREADS; i++)
    CHECKF(res[i].ok, "%s thread %d: %s", i < LUA_THREADS ? "Lua" : "core", i,
           res[i].message);
  return test_report("test_threads");
}
