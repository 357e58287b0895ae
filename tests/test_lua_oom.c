/* test_lua_oom.c -- the Lua binding when memory runs out, and when Lua code
 * that the library calls raises.
 *
 * Every case runs an operation (decode, encode, new, from_table, filter
 * compile, list queries, assignments, ...) in a fresh lua_State whose
 * allocator refuses the N-th allocation made by the operation, for every N
 * until the operation completes without meeting a refusal.  Each N is run
 * twice: refusing only that allocation (Lua's emergency collection then
 * retries its own allocations, so mostly the core's are refused), and
 * refusing every allocation from it on (Lua's own fail too).
 *
 * After each attempt: the operation either produced the right result or
 * failed with "not enough memory" (for decode and filter compile: or
 * returned nil, message, {kind = "memory"}); the values it was changing are
 * whole (unchanged or completely changed); the state still works; and after
 * lua_close no byte is left with the allocator.
 *
 * The second half makes Lua code called by the library raise: a filter
 * function, a __tostring of a value being set, a yield across the library.
 */
#define TEST_MAX_REPORTS 60
#include "test.h"

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include "lua_test_compat.h"

/* ---- Lua used by the cases ----------------------------------------------- */

/* Globals every case may use, set up before the allocator is armed. */
static const char *const prelude[] = {
    /* the JSON texts */
    "acr = require('acr.run')\n"
    /* the Lua modules over it, from the checkout (tests run at its root) */
    "package.path = 'lua/?.lua;' .. package.path\n"
    "require('acr.filter')\n"
    "RUN_JSON = [[{\"id\": \"/subscriptions/s/resourceGroups/rg/providers/"
    "Microsoft.ContainerRegistry/registries/r/runs/ca1\",\n"
    " \"name\": \"ca1\", \"type\": \"Microsoft.ContainerRegistry/registries/runs\",\n"
    " \"systemData\": {\"createdBy\": \"me@example.com\", \"createdByType\": \"User\",\n"
    "   \"createdAt\": \"2020-01-01T00:00:00.123Z\"},\n"
    " \"etag\": \"\\\"0x8D7\\\"\",\n"
    " \"properties\": {\"runId\": \"ca1\", \"status\": \"Succeeded\",\n"
    "  \"lastUpdatedTime\": \"2019-08-28T20:20:52.8021125+00:00\",\n"
    "  \"runType\": \"QuickRun\", \"createTime\": \"2019-08-28T20:19:00Z\",\n"
    "  \"startTime\": \"2019-08-28T20:19:10.5-07:00\",\n"
    "  \"finishTime\": \"2019-08-29T03:20:52Z\",\n"
    "  \"outputImages\": [{\"registry\": \"r.azurecr.io\", \"repository\": \"app\",\n"
    "    \"tag\": \"v1\", \"digest\": \"sha256:abc\"},\n"
    "    {\"registry\": \"r.azurecr.io\", \"repository\": \"app\", \"tag\": \"latest\"}],\n"
    "  \"task\": \"nightly\",\n"
    "  \"imageUpdateTrigger\": {\"id\": \"t1\", \"timestamp\": \"2019-08-28T20:19:00Z\",\n"
    "    \"images\": [{\"registry\": \"mcr\", \"repository\": \"base\", \"tag\": \"1\"}]},\n"
    "  \"sourceTrigger\": {\"id\": \"s1\", \"eventType\": \"commit\", \"commitId\": \"abc\",\n"
    "    \"repositoryUrl\": \"https://github.com/x/y\", \"branchName\": \"main\",\n"
    "    \"providerType\": \"Github\"},\n"
    "  \"timerTrigger\": {\"timerTriggerName\": \"t\", \"scheduleOccurrence\": \"daily\"},\n"
    "  \"platform\": {\"os\": \"linux\", \"architecture\": \"AMD64\", \"variant\": \"v8\"},\n"
    "  \"agentConfiguration\": {\"cpu\": 2},\n"
    "  \"customRegistries\": [\"a.azurecr.io\", \"b.azurecr.io\"],\n"
    "  \"runErrorMessage\": \"\\u00e9t\\u00e9 \\ud83d\\ude00 \\\"quoted\\\"\\n\",\n"
    "  \"provisioningState\": \"Succeeded\", \"isArchiveEnabled\": false,\n"
    "  \"agentPoolName\": \"pool\", \"logArtifact\": {\"registry\": \"r\"},\n"
    "  \"extra\": {\"nested\": [1, 2.5e3, {\"x\": null}], \"b\": true}}}]]\n"
    "LIST_JSON = [[{\"value\": [\n"
    " {\"properties\": {\"runId\": \"a\", \"status\": \"Failed\", \"task\": \"t1\",\n"
    "   \"createTime\": \"2019-05-01T10:00:00Z\", \"startTime\": \"2019-05-01T10:00:05Z\",\n"
    "   \"finishTime\": \"2019-05-01T10:01:05Z\"}},\n"
    " {\"properties\": {\"runId\": \"b\", \"status\": \"Succeeded\", \"task\": \"t1\",\n"
    "   \"createTime\": \"2019-05-03T10:00:00+02:00\", \"startTime\": \"2019-05-03T10:00:01+02:00\",\n"
    "   \"finishTime\": \"2019-05-03T10:02:01+02:00\",\n"
    "   \"outputImages\": [{\"repository\": \"app\", \"tag\": \"v2\", \"digest\": \"sha256:1\"}]}},\n"
    " {\"properties\": {\"runId\": \"c\", \"status\": \"Failed\", \"task\": \"t2\",\n"
    "   \"createTime\": \"2019-05-02T10:00:00Z\"}},\n"
    " {\"properties\": {\"runId\": \"d\", \"status\": \"Running\", \"task\": \"t2\"}},\n"
    " {\"properties\": {\"runId\": \"e\", \"status\": \"Succeeded\", \"task\": \"t1\",\n"
    "   \"createTime\": \"2019-05-04T00:00:00.5Z\", \"platform\": {\"os\": \"Windows\"}}}\n"
    "], \"nextLink\": \"https://management.azure.com/next?$skipToken=5\",\n"
    " \"extraTop\": [1]}]]\n",
    /* reference values */
    "EXPR = \"(status eq 'Failed' or Status eq 'succeeded') and \" ..\n"
    "  \"createTime ge 2019-05-01T00:00:00Z and contains(TaskName, 't1')\"\n"
    "REF = assert(acr.decode(RUN_JSON))\n"
    "REF_JSON = REF:encode()\n"
    "REF_PRETTY = REF:encode{pretty = true}\n"
    "REFL = assert(acr.decode(LIST_JSON))\n"
    "REFL_JSON = REFL:encode()\n"
    "F = assert(acr.filter(EXPR))\n"
    "CANON = tostring(F)\n"
    "function T_TABLE()\n"
    "  return {id = 'x/runs/ft1', name = 'ft1', resourceGroup = 'rg',\n"
    "    properties = {runId = 'ft1', status = 'queued', runType = 'AutoBuild',\n"
    "      createTime = '2021-02-03T04:05:06.789+05:30', task = 'build',\n"
    "      runErrorMessage = 'read-only but accepted',\n"
    "      platform = {os = 'Windows', architecture = 'x86'},\n"
    "      outputImages = {{registry = 'r', repository = 'a', tag = '1'},\n"
    "                      {registry = 'r', repository = 'b', digest = 'sha256:2'}},\n"
    "      customRegistries = {'c.azurecr.io'},\n"
    "      agentConfiguration = {cpu = 4}, isArchiveEnabled = true,\n"
    "      unknownKey = {deep = {1, 2, 3}}}}\n"
    "end\n"
    "T = T_TABLE()\n"
    "REF_FT = acr.from_table(T)\n"
    "function NEW_TABLE()\n"
    "  return {runId = 'n1', status = 'running', runType = 'quickrun',\n"
    "    createTime = '2022-01-01T00:00:00Z', startTime = 1640995200.25,\n"
    "    task = 'deploy', agentPoolName = 'p',\n"
    "    platform = {os = 'linux', architecture = 'arm64', variant = 'V8'},\n"
    "    outputImages = {{registry = 'r.io', repository = 'x', tag = 'y'}},\n"
    "    customRegistries = {'z.azurecr.io'},\n"
    "    sourceTrigger = {eventType = 'push', branchName = 'dev'},\n"
    "    agentConfiguration = {cpu = 3}, isArchiveEnabled = true}\n"
    "end\n"
    "REF_NEW = acr.new(NEW_TABLE())\n",
    /* helpers */
    "REF_CLONE = REF:clone()\n"
    "function ORDER(l)\n"
    "  local ids = {}\n"
    "  for i = 1, #l do ids[i] = l[i].runId end\n"
    "  return table.concat(ids, ',')\n"
    "end\n"
    "REFL_ORDER = ORDER(REFL)\n"
    /* The result of an operation that may fail softly (decode, filter). */
    "function SOFT(v, msg, err)\n"
    "  if v == nil then\n"
    "    assert(type(msg) == 'string' and msg:find('not enough memory', 1, true),\n"
    "      'soft failure with message ' .. tostring(msg))\n"
    "    assert(type(err) == 'table' and err.kind == 'memory',\n"
    "      'soft failure of kind ' .. tostring(err and err.kind))\n"
    "    return false\n"
    "  end\n"
    "  return true\n"
    "end\n"};
#define NPRELUDE (sizeof prelude / sizeof prelude[0])

/* Run in every state after each attempt: the state still works. */
static const char usable[] =
    "local r = assert(acr.decode('{\"runId\": \"u1\", \"status\": \"failed\"}'))\n"
    "assert(r.status == 'Failed')\n"
    "r.status = 'Succeeded'\n"
    "assert(r:encode() == '{\"runId\":\"u1\",\"status\":\"Succeeded\"}',\n"
    "  r:encode())\n"
    "local l = acr.list{r, acr.new{runId = 'u2', status = 'Failed'}}\n"
    "assert(#l:filter(\"status eq 'Failed'\") == 1)\n"
    "assert(tostring(acr.filter(\"runId eq 'x'\")) == \"runId eq 'x'\")\n"
    "collectgarbage()\n";

/* After each attempt of an operation that changes nothing it was given. */
static const char unchanged[] =
    "assert(REF == REF_CLONE and REF:encode() == REF_JSON)\n"
    "assert(ORDER(REFL) == REFL_ORDER and REFL:encode() == REFL_JSON)\n";

/* A list of 300 runs with many equal createTimes (to see stability). */
#define BIG_SETUP                                                          \
  "BIG = acr.list()\n"                                                     \
  "for i = 1, 300 do\n"                                                    \
  "  BIG:append(acr.new{runId = 'r' .. i,\n"                               \
  "    status = i % 3 == 0 and 'Failed' or 'Succeeded',\n"                 \
  "    createTime = 1556704800 + (i * 7919) % 97})\n"                      \
  "end\n"                                                                  \
  "BIG_ORDER = ORDER(BIG)\n"                                               \
  "function SORTED_DESC(l)\n"                                              \
  "  for i = 2, #l do\n"                                                   \
  "    local a, b = l[i - 1], l[i]\n"                                      \
  "    if a.createTime < b.createTime then return false end\n"             \
  "    if a.createTime == b.createTime and\n"                              \
  "      tonumber(a.runId:sub(2)) > tonumber(b.runId:sub(2)) then\n"        \
  "      return false\n"                                                   \
  "    end\n"                                                              \
  "  end\n"                                                                \
  "  return true\n"                                                        \
  "end\n"

/* Fixture files (under tests/fixtures), set as the globals FIXTURE1,
 * FIXTURE2, ... before each attempt; a missing one is a failure. */
static const char *const fixture_files[] = {
    "spec-examples/2019-06-01-preview_Runs_List.json",
    "spec-examples/2025-03-01-preview_TaskRuns_Get.json",
    ("real-payloads/"
     "azure-cli_test_acr_task_2019-06-01-preview_get_run_queued_empty_platform.json"),
};
#define NFIXTURES (sizeof fixture_files / sizeof fixture_files[0])
static char *fixture_text[NFIXTURES];
static size_t fixture_len[NFIXTURES];

typedef struct oom_case {
  int fixture;       /* 1-based index into fixture_files it needs, or 0 */
  const char *name;
  const char *setup; /* before arming (NULL: nothing) */
  const char *op;    /* armed: a chunk whose results go to check */
  const char *check; /* body of function(...) on op's results, on success */
  const char *whole; /* after each attempt: what op changed is whole (or,
                        when NULL, unchanged) */
} oom_case;

static const oom_case cases[] = {
    {1, "decode fixture Runs_List", "REF_FIX = assert(acr.decode(FIXTURE1))",
     "return acr.decode(FIXTURE1)",
     "local l, m, e = ... if not SOFT(l, m, e) then return end\n"
     "assert(l == REF_FIX and #l == #REF_FIX and l:encode() == REF_FIX:encode())",
     NULL},
    {2, "decode fixture TaskRuns_Get", "REF_FIX = assert(acr.decode(FIXTURE2))",
     "return acr.decode(FIXTURE2)",
     "local r, m, e = ... if not SOFT(r, m, e) then return end\n"
     "assert(r == REF_FIX and r:encode() == REF_FIX:encode())",
     NULL},
    {3, "decode fixture CLI payload", "REF_FIX = assert(acr.decode(FIXTURE3))",
     "return acr.decode(FIXTURE3)",
     "local r, m, e = ... if not SOFT(r, m, e) then return end\n"
     "assert(r == REF_FIX and r:encode() == REF_FIX:encode())",
     NULL},
    {1, "encode fixture Runs_List", "REF_FIX = assert(acr.decode(FIXTURE1))\n"
     "FIX_JSON = REF_FIX:encode{pretty = true}",
     "return REF_FIX:encode{pretty = true}", "assert(... == FIX_JSON)",
     NULL},
    {0, "decode run", NULL, "return acr.decode(RUN_JSON)",
     "local r, m, e = ... if not SOFT(r, m, e) then return end\n"
     "assert(r == REF and r:encode() == REF_JSON)",
     NULL},
    {0, "decode list", NULL, "return acr.decode(LIST_JSON)",
     "local l, m, e = ... if not SOFT(l, m, e) then return end\n"
     "assert(l == REFL and l:encode() == REFL_JSON)",
     NULL},
    {0, "decode strict", NULL,
     "return acr.decode((LIST_JSON:gsub(',%s*\"extraTop\": %[1%]', '')), "
     "{strict = true})",
     "local l, m, e = ... if not SOFT(l, m, e) then return end\n"
     "assert(#l == 5 and l[1] == REFL[1])",
     NULL},
    {0, "decode error", NULL,
     "return acr.decode('{\"value\": [{\"runId\": \"a\"}, {\"cpu\": 1, "
     "\"runId\": 7}]}')",
     "local l, m, e = ...\n"
     "assert(l == nil)\n"
     "if e.kind ~= 'memory' then\n"
     "  assert(e.kind == 'schema' and m:find('runId', 1, true), m)\n"
     "else SOFT(l, m, e) end",
     NULL},
    {0, "run:encode", NULL, "return REF:encode()",
     "assert(... == REF_JSON)", NULL},
    {0, "run:encode pretty", NULL, "return REF:encode{pretty = true}",
     "assert(... == REF_PRETTY)", NULL},
    {0, "list:encode", NULL, "return REFL:encode()",
     "assert(... == REFL_JSON)", NULL},
    {0, "acr.new", NULL, "return acr.new(NEW_TABLE())",
     "local r = ... assert(r == REF_NEW and r.platform.architecture == 'arm64')",
     NULL},
    {0, "acr.new refused", NULL,
     "return pcall(acr.new, {runId = 'x', stauts = 'Failed'})",
     "local ok, m = ...\n"
     "assert(not ok and (m:find('status', 1, true) or\n"
     "  m == 'not enough memory'), m)",
     NULL},
    {0, "acr.from_table", NULL, "return acr.from_table(T)",
     "local r = ... assert(r == REF_FT and r.runErrorMessage)", NULL},
    {0, "acr.from_table strict", "T2 = T_TABLE() T2.properties.unknownKey = nil T2.resourceGroup = nil",
     "return acr.from_table(T2, {strict = true})",
     "local r = ... assert(r.runId == 'ft1')", NULL},
    {0, "run:clone", NULL, "return REF:clone()", "assert(... == REF)", NULL},
    {0, "run:to_table", NULL, "return REF:to_table()",
     "local t = ... assert(acr.from_table(t) == REF)", NULL},
    {0, "acr.filter", NULL, "return acr.filter(EXPR)",
     "local f, m, e = ... if not SOFT(f, m, e) then return end\n"
     "assert(tostring(f) == CANON)",
     NULL},
    {0, "acr.filter error", NULL,
     "return acr.filter(\"status eq 'Failed' and (runId eq 'x'\")",
     "local f, m, e = ...\n"
     "assert(f == nil)\n"
     "if e.kind ~= 'memory' then assert(e.kind == 'syntax', m)\n"
     "else SOFT(f, m, e) end",
     NULL},
    {0, "filter(run)", NULL, "return F(REFL[1]), F(REFL[4])",
     "local a, b = ... assert(a == true and b == false)", NULL},
    {0, "list:filter compiled", NULL, "return REFL:filter(F)",
     "assert(ORDER(...) == 'a,b,e')", NULL},
    {0, "list:filter string", NULL, "return REFL:filter(EXPR)",
     "assert(ORDER(...) == 'a,b,e')", NULL},
    {0, "list:filter function", NULL,
     "return REFL:filter(function(r) return r.task == 't2' end)",
     "assert(ORDER(...) == 'c,d')", NULL},
    {0, "list:sort", NULL, "return REFL:sort('createTime', 'desc')",
     "assert(ORDER(...) == 'e,b,c,a,d')",
     "local o = ORDER(REFL)\n"
     "assert(o == REFL_ORDER or o == 'e,b,c,a,d', o)"},
    {0, "list:sort status", NULL, "return REFL:sort('status')",
     "assert(ORDER(...) == 'a,c,d,b,e')",
     "local o = ORDER(REFL)\n"
     "assert(o == REFL_ORDER or o == 'a,c,d,b,e', o)"},
    {0, "list:top", NULL, "return REFL:top(3)", "assert(ORDER(...) == 'e,b,c')",
     NULL},
    {0, "list:count_by", NULL, "return REFL:count_by('status')",
     "local t = ... assert(t.Failed == 2 and t.Succeeded == 2 and\n"
     "  t.Running == 1)",
     NULL},
    {0, "list:summary", NULL, "return REFL:summary()",
     "local s = ... assert(s.total == 5)", NULL},
    {0, "list:append run", NULL, "return REFL:append(REF)",
     "local l = ... assert(#l == 6 and l[6] == REF)",
     "assert(#REFL == 5 or (#REFL == 6 and REFL[6] == REF))"},
    {0, "list:append table", NULL, "return REFL:append(T)",
     "local l = ... assert(#l == 6 and l[6] == REF_FT)",
     "assert(#REFL == 5 or (#REFL == 6 and REFL[6] == REF_FT))"},
    {0, "big list:sort", BIG_SETUP, "return BIG:sort('createTime', 'desc')",
     "assert(SORTED_DESC(...))",
     "assert(ORDER(BIG) == BIG_ORDER or SORTED_DESC(BIG))"},
    {0, "big list:top", BIG_SETUP, "return BIG:top(50)",
     "local t = ... assert(#t == 50 and SORTED_DESC(t))",
     "assert(ORDER(BIG) == BIG_ORDER)"},
    {0, "big list:filter", BIG_SETUP, "return BIG:filter(\"status eq 'Failed'\")",
     "assert(#... == 100)", "assert(ORDER(BIG) == BIG_ORDER)"},
    {0, "big list:count_by", BIG_SETUP, "return BIG:count_by('createTime')",
     "local n = 0 for _, c in pairs(...) do n = n + c end assert(n == 300)",
     "assert(ORDER(BIG) == BIG_ORDER)"},
    {0, "big list:append", BIG_SETUP,
     "for i = 1, 300 do BIG:append(REF) end return BIG",
     "assert(#... == 600)",
     "assert(#BIG >= 300 and #BIG <= 600)\n"
     "for i = 301, #BIG do assert(BIG[i] == REF) end\n"
     "assert(ORDER(BIG):sub(1, #BIG_ORDER) == BIG_ORDER)"},
    {0, "acr.list", NULL, "return acr.list{REF, T, REF_NEW}",
     "local l = ... assert(ORDER(l) == 'ca1,ft1,n1')", NULL},
    {0, "list:extend", NULL, "return REFL:extend(acr.list{REF, REF_NEW})",
     "assert(ORDER(...) == REFL_ORDER .. ',ca1,n1')",
     "local o = ORDER(REFL)\n"
     "assert(o == REFL_ORDER or o == REFL_ORDER .. ',ca1' or\n"
     "  o == REFL_ORDER .. ',ca1,n1', o)"},
    {0, "set outputImages", NULL,
     "REF.outputImages = {{registry = 'n', repository = 'm', tag = 't'},\n"
     "  {registry = 'n2', repository = 'm2', digest = 'sha256:9'}}\n"
     "return REF",
     "local r = ... assert(#r.outputImages == 2 and\n"
     "  r.outputImages[2].registry == 'n2')",
     "if REF.outputImages[1].registry == 'n' then\n"
     "  assert(#REF.outputImages == 2 and REF.outputImages[2].digest)\n"
     "  REF.outputImages = REF_CLONE.outputImages\n"
     "end\n"
     "assert(REF == REF_CLONE)"},
    {0, "set platform", NULL,
     "REF.platform = {os = 'Windows', architecture = 'arm', variant = 'v7'}\n"
     "return REF",
     "local r = ... assert(r.platform.os == 'Windows')",
     "if REF.platform.os == 'Windows' then\n"
     "  assert(REF.platform.variant == 'v7')\n"
     "  REF.platform = REF_CLONE.platform\n"
     "end\n"
     "assert(REF == REF_CLONE)"},
    {0, "set string", NULL,
     "REF.task = string.rep('x', 3000) return REF",
     "local r = ... assert(#r.task == 3000)",
     "if REF.task ~= 'nightly' then\n"
     "  assert(REF.task == string.rep('x', 3000))\n"
     "  REF.task = 'nightly'\n"
     "end\n"
     "assert(REF == REF_CLONE)"},
    {0, "list view append", NULL,
     "REF.customRegistries:append('c.azurecr.io') return REF",
     "local r = ... assert(#r.customRegistries == 3)",
     "local n = #REF.customRegistries\n"
     "assert(n == 2 or (n == 3 and REF.customRegistries[3] == 'c.azurecr.io'))"},
    {0, "run:problems",
     "REF2 = acr.from_table{status = 'Weird', platform = {architecture = 'arm'}}",
     "return REF2:problems()",
     "local p = ... assert(#p == 2, #p)", NULL},
    {0, "run:diff", "REF2 = REF:clone() REF2.status = 'Failed'\n"
     "REF2.outputImages[1].tag = 'v9' REF2.task = nil",
     "return REF:diff(REF2)", "local d = ... assert(#d == 3, #d)", NULL},
    {0, "run:unknown", NULL, "return REF:unknown(), REF.platform:unknown()",
     "local u = ... assert(u.extra and u.etag == nil or u.extra)", NULL},
    {0, "run:fields", NULL,
     "local n = 0 for k, v in REF:fields() do n = n + 1 end return n",
     "assert(... > 20)", NULL},
    {0, "tostring(run)", NULL, "return tostring(REF), tostring(REFL)",
     "local a, b = ... assert(a:find('ca1', 1, true) and b:find('5', 1, true))",
     NULL},
    {0, "view reads", NULL,
     "local t = {}\n"
     "for i, img in REF.outputImages:iter() do t[i] = img.repository .. ':' ..\n"
     "  img.tag end\n"
     "return table.concat(t, ','), REF.platform.os, REF.imageUpdateTrigger\n"
     "  .images[1].repository, REF.systemData.createdAt.year",
     "local a, b, c, d = ... assert(a == 'app:v1,app:latest' and b == 'Linux'\n"
     "  and c == 'base' and d == 2020)", NULL},
    {0, "list:to_table", NULL, "return REFL:to_table()",
     "local t = ... assert(#t.value == 5 and t.nextLink and t.extraTop)\n"
     "assert(acr.list(t.value) == acr.list{REFL[1], REFL[2], REFL[3],\n"
     "  REFL[4], REFL[5]})", NULL},
    {0, "acr.filter.build", NULL,
     "return acr.filter.build{status = {'Failed', 'Succeeded'},\n"
     "  taskName = \"it's\", createdAfter = '2019-05-01T00:00:00Z',\n"
     "  image = 'app:v1'}",
     "local e = ... assert(acr.filter(e), e)", NULL},
    {0, "acr.datetime", NULL,
     "local d = acr.datetime('2019-08-28T20:20:52.8021125+00:00')\n"
     "return d, tostring(d + 1.5)",
     "local d, s = ... assert(s == '2019-08-28T20:20:54.3021125+00:00', s)",
     NULL},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* ---- the harness --------------------------------------------------------- */

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
#if LUA_VERSION_NUM >= 502
  if (msg && strcmp(msg, "not enough memory") != 0)
    luaL_traceback(L, L, msg, 1);
#else
  (void)msg;
#endif
  return 1;
}

/* Run chunk (unarmed) with args from the stack top (nargs); returns 1 when
 * it ran without error, else reports the error. */
static int run_chunk(lua_State *L, const char *what, const char *chunk,
                     int nargs) {
  int base = lua_gettop(L) - nargs;
  int st;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base + 1);
  if (luaL_loadbuffer(L, chunk, strlen(chunk), what) != LUA_OK) {
    CHECKF(0, "%s does not compile: %s", what, lua_tostring(L, -1));
    lua_settop(L, base);
    return 0;
  }
  lua_insert(L, base + 2);
  st = lua_pcall(L, nargs, 0, base + 1);
  if (st != LUA_OK) {
    CHECKF(0, "%s: %s", what, lua_tostring(L, -1));
    lua_settop(L, base);
    return 0;
  }
  lua_settop(L, base);
  return 1;
}

static int run_prelude(lua_State *L) {
  size_t i;
  for (i = 0; i < NFIXTURES; i++) {
    char name[32];
    if (fixture_text[i] == NULL) continue;
    snprintf(name, sizeof name, "FIXTURE%lu", (unsigned long)i + 1);
    lua_pushlstring(L, fixture_text[i], fixture_len[i]);
    lua_setglobal(L, name);
  }
  for (i = 0; i < NPRELUDE; i++)
    if (!run_chunk(L, "=prelude", prelude[i], 0)) return 0;
  return 1;
}

static void load_fixtures(void) {
  size_t i;
  for (i = 0; i < NFIXTURES; i++) {
    fixture_text[i] = test_read_file(test_fixture(fixture_files[i]),
                                     &fixture_len[i]);
    CHECKF(fixture_text[i] != NULL, "cannot read %s",
           test_fixture(fixture_files[i]));
  }
}

static lua_State *open_state(test_counter *o) {
  lua_State *L;
  memset(o, 0, sizeof *o);
  L = lua_newstate(test_alloc, o);
  if (L == NULL) return NULL;
  luaL_openlibs(L);
  luaL_requiref(L, "acr.run", luaopen_acr_run, 0);
  lua_pop(L, 1);
  return L;
}

/* One attempt of case c with the allocator refusing from fail_at.
 * Returns 1 when the operation met no refusal (the loop is done). */
static int attempt(const oom_case *c, unsigned long fail_at, int sticky) {
  test_counter o;
  lua_State *L = open_state(&o);
  int st, nres, done, ok = 1;
  if (L == NULL) {
    CHECKF(0, "cannot open a state");
    return 1;
  }
  if (!run_prelude(L) || (c->setup && !run_chunk(L, "=setup", c->setup, 0))) {
    lua_close(L);
    return 1;
  }
  if (luaL_loadbuffer(L, c->op, strlen(c->op), "=op") != LUA_OK) {
    CHECKF(0, "op does not compile: %s", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  lua_gc(L, LUA_GCCOLLECT, 0);

  o.count = 0;
  o.failures = 0;
  o.sticky = sticky;
  o.fail_at = fail_at; /* armed */
  st = lua_pcall(L, 0, LUA_MULTRET, 0);
  o.fail_at = 0; /* disarmed */
  done = o.failures == 0;
  nres = lua_gettop(L);

  if (st != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (done) {
      CHECKF(0, "N=%lu%s: raised without a refusal: %s", fail_at,
            sticky ? " sticky" : "", msg ? msg : "(not a string)");
    } else {
      CHECKF(msg != NULL && strcmp(msg, "not enough memory") == 0,
            "N=%lu%s: error is \"%s\"", fail_at, sticky ? " sticky" : "",
            msg ? msg : "(not a string)");
    }
    lua_settop(L, 0);
  } else {
    /* Completed (maybe after a refusal that was handled): the results must
     * be right, or a soft memory failure where the case allows it. */
    char name[64];
    snprintf(name, sizeof name, "=check N=%lu%s", fail_at,
             sticky ? " sticky" : "");
    ok = run_chunk(L, name, c->check, nres);
  }
  ok = run_chunk(L, "=whole", c->whole ? c->whole : unchanged, 0) && ok;
  if (ok) ok = run_chunk(L, "=usable", usable, 0);
  lua_close(L);
  CHECKF(o.live == 0, "N=%lu%s: %lu bytes left after lua_close", fail_at,
        sticky ? " sticky" : "", (unsigned long)o.live);
  return done || !ok;
}

static void run_case(const oom_case *c) {
  int sticky;
  test_context = c->name;
  for (sticky = 0; sticky <= 1; sticky++) {
    unsigned long n;
    int before = failed;
    for (n = 1; n < 200000; n++) {
      if (attempt(c, n, sticky)) break;
      if (failed - before > 5) break; /* one bug, many Ns: enough said */
    }
    CHECKF(n < 200000, "no end after %lu allocations", n);
    if (getenv("ACR_TEST_VERBOSE"))
      fprintf(stderr, "  %-24s %s: %lu allocations\n", c->name,
              sticky ? "sticky" : "single", n - 1);
  }
}

/* ---- errors raised by Lua code the library calls ------------------------- */

typedef struct raise_case {
  const char *name;
  const char *code; /* runs after the prelude, unarmed; asserts itself */
} raise_case;

static const raise_case raises[] = {
    {"filter function raises mid-list",
     "local seen = 0\n"
     "local ok, err = pcall(REFL.filter, REFL, function(r)\n"
     "  seen = seen + 1\n"
     "  if r.runId == 'c' then error('boom in filter') end\n"
     "  return true\n"
     "end)\n"
     "assert(not ok and tostring(err):find('boom in filter', 1, true), err)\n"
     "assert(seen == 3 and #REFL == 5 and ORDER(REFL) == REFL_ORDER)\n"
     "-- the list is still fine to query\n"
     "assert(ORDER(REFL:filter(F)) == 'a,b,e')\n"},
    {"filter function raises a table",
     "local e = {}\n"
     "local ok, err = pcall(REFL.filter, REFL, function() error(e) end)\n"
     "assert(not ok and err == e)\n"},
    {"filter function changes the run it is given",
     "local l = REFL:filter(function(r) r.status = 'Canceled' return true end)\n"
     "assert(#l == 5 and l[1].status == 'Canceled' and\n"
     "  REFL[1].status == 'Canceled')\n"},
    {"filter function yields",
     "local co = coroutine.wrap(function()\n"
     "  return pcall(REFL.filter, REFL, function() coroutine.yield(1) end)\n"
     "end)\n"
     "local ok, err = co()\n"
     "assert(ok == false, 'yield across the filter was allowed')\n"
     "assert(#REFL == 5)\n"},
    {"__tostring raises in a string being set",
     "local bad = setmetatable({}, {__tostring = function() error('ts boom') end})\n"
     "local ok, err = pcall(function() REF.task = bad end)\n"
     "assert(not ok, 'a table was accepted as a string')\n"
     "assert(REF == REF_CLONE and REF.task == 'nightly')\n"},
    {"__tostring raises in a nested value being set",
     "local bad = setmetatable({}, {__tostring = function() error('ts boom') end})\n"
     "local ok = pcall(function()\n"
     "  REF.outputImages = {{registry = 'ok'}, {registry = 'r', tag = bad}}\n"
     "end)\n"
     "assert(not ok)\n"
     "ok = pcall(function()\n"
     "  REF.platform = {os = 'Windows', architecture = bad}\n"
     "end)\n"
     "assert(not ok)\n"
     "ok = pcall(function() REF.platform.variant = bad end)\n"
     "assert(not ok)\n"
     "ok = pcall(function() REF.outputImages[1] = {registry = bad} end)\n"
     "assert(not ok)\n"
     "ok = pcall(function() REF.customRegistries:append(bad) end)\n"
     "assert(not ok)\n"
     "assert(REF == REF_CLONE and #REF.outputImages == 2 and\n"
     "  REF.platform.os == 'Linux')\n"},
    {"__tostring returns a non-string",
     "local bad = setmetatable({}, {__tostring = function() return {} end})\n"
     "local ok = pcall(function() REF.task = bad end)\n"
     "assert(not ok)\n"
     "assert(REF == REF_CLONE)\n"},
    {"__tostring raises in acr.new, from_table, list:append",
     "local bad = setmetatable({}, {__tostring = function() error('ts boom') end})\n"
     "assert(not pcall(acr.new, {runId = 'x', task = bad}))\n"
     "assert(not pcall(acr.new, {runId = 'x', outputImages = {{tag = bad}}}))\n"
     "assert(not pcall(acr.from_table, {properties = {runId = bad}}))\n"
     "pcall(acr.from_table, {properties = {runId = 'x', extra = {bad}}})\n"
     "assert(not pcall(REFL.append, REFL, {runId = 'x', task = bad}))\n"
     "assert(#REFL == 5)\n"
     "assert(not pcall(acr.list, {REF, {runId = bad}}))\n"},
    {"__index raises in a table being converted",
     "local t = setmetatable({runId = 'x'}, {__index = function() error('idx') end})\n"
     "pcall(acr.new, t)\n"
     "pcall(acr.from_table, t)\n"
     "local p = setmetatable({}, {__index = function() error('idx') end})\n"
     "local r = REF:clone()\n"
     "if not pcall(function() r.platform = p end) then\n"
     "  assert(r == REF)\n"
     "end\n"},
    {"error object from a __tostring is passed on",
     "local e = {}\n"
     "local bad = setmetatable({}, {__tostring = function() error(e) end})\n"
     "local ok, err = pcall(function() REF.task = bad end)\n"
     "assert(not ok and REF == REF_CLONE)\n"},
    {"numbers out of every range as indexes and counts",
     "for _, x in ipairs{1e300, -1e300, 2^64, 2^63, -2^63, 0/0, 1/0, -1/0,\n"
     "                   0.5, -1, 0} do\n"
     "  pcall(function() return REFL[x] end)\n"
     "  pcall(function() REFL[x] = REF end)\n"
     "  pcall(REFL.top, REFL, x)\n"
     "  pcall(function() return REF.outputImages[x] end)\n"
     "  pcall(function() REF.customRegistries[x] = 'x' end)\n"
     "  pcall(REF.customRegistries.remove, REF.customRegistries, x)\n"
     "  pcall(function() return acr.datetime(x) end)\n"
     "  pcall(function() return acr.datetime('2019-01-01T00:00:00Z') + x end)\n"
     "  pcall(acr.new, {agentConfiguration = {cpu = x}})\n"
     "  pcall(acr.decode, '{}', {max_depth = x})\n"
     "end\n"
     "assert(#REFL == 5 and REF == REF_CLONE)\n"},
    {"view of a run collected, then used",
     "local imgs\n"
     "do local r = acr.decode(RUN_JSON) imgs = r.outputImages end\n"
     "collectgarbage() collectgarbage()\n"
     "assert(#imgs == 2 and imgs[1].tag == 'v1')\n"},
};
#define NRAISES (sizeof raises / sizeof raises[0])

static void run_raise(const raise_case *c) {
  test_counter o;
  lua_State *L = open_state(&o);
  test_context = c->name;
  if (L == NULL) {
    CHECKF(0, "cannot open a state");
    return;
  }
  if (run_prelude(L) && run_chunk(L, "=case", c->code, 0))
    run_chunk(L, "=usable", usable, 0);
  lua_close(L);
  CHECKF(o.live == 0, "%lu bytes left after lua_close", (unsigned long)o.live);
  /* The same with the collector running all the time. */
  L = open_state(&o);
  if (L == NULL) return;
  lua_gc(L, LUA_GCSTOP, 0);
#if LUA_VERSION_NUM >= 502
  lua_gc(L, LUA_GCRESTART, 0);
  lua_gc(L, LUA_GCSETPAUSE, 0);
  lua_gc(L, LUA_GCSETSTEPMUL, 1000);
#endif
  if (run_prelude(L) && run_chunk(L, "=case (gc stress)", c->code, 0))
    run_chunk(L, "=usable", usable, 0);
  lua_close(L);
  CHECKF(o.live == 0, "gc stress: %lu bytes left after lua_close",
        (unsigned long)o.live);
}

int main(int argc, char **argv) {
  size_t i;
  const char *only = argc > 1 ? argv[1] : NULL;
  load_fixtures();
  for (i = 0; i < NCASES; i++) {
    if (only && !strstr(cases[i].name, only)) continue;
    if (cases[i].fixture && !fixture_text[cases[i].fixture - 1]) continue;
    run_case(&cases[i]);
  }
  for (i = 0; i < NRAISES; i++)
    if (!only || strstr(raises[i].name, only)) run_raise(&raises[i]);
  for (i = 0; i < NFIXTURES; i++) free(fixture_text[i]);
  return test_report("test_lua_oom");
}
