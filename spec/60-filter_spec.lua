-- acr.filter: OData $filter expressions compiled in C, their semantics over
-- hand-checked runs and the spec fixtures, compile errors with carets,
-- canonical tostring, and acr.filter.build.

local helpers = require("spec.helpers")
local acr = require("acr.run")

-- Six runs chosen so that every property, operator, offset and quoting
-- rule makes a difference somewhere.  Instants: a and b are created at the
-- same instant written with different offsets (T0 = 2019-05-01T00:00:00Z),
-- e 100 ns before it, c a day later with a +05:30 offset; d has nothing
-- but a runId; "o'neil" has an enum value outside the known set.
local RUNS = [[
[
 {"runId":"a","status":"Succeeded","runType":"QuickRun","task":"build","createTime":"2019-05-01T00:00:00Z",
  "startTime":"2019-05-01T00:00:10Z","finishTime":"2019-05-01T00:01:10Z","lastUpdatedTime":"2019-05-01T00:01:11Z",
  "isArchiveEnabled":true,"agentPoolName":"pool1","provisioningState":"Succeeded",
  "outputImages":[{"registry":"r.azurecr.io","repository":"web","tag":"v1","digest":"sha256:aaa"}],
  "platform":{"os":"linux","architecture":"amd64"}},
 {"runId":"b","status":"failed","runType":"AutoBuild","task":"it's","createTime":"2019-04-30T20:00:00-04:00",
  "finishTime":"2019-05-01T01:00:00+01:00","isArchiveEnabled":false,
  "outputImages":[{"repository":"web","tag":"v2"},{"repository":"api","digest":"sha256:bbb"}],
  "platform":{"os":"Windows"}},
 {"runId":"c","status":"Running","runType":"QuickBuild","task":"Build","createTime":"2019-05-02T12:00:00.5+05:30",
  "startTime":"2019-05-02T12:00:01+05:30","agentPoolName":"pool2","platform":{"os":"Linux","architecture":"arm64"}},
 {"runId":"d"},
 {"runId":"e","status":"Error","runType":"AutoRun","task":"build","createTime":"2019-04-30T23:59:59.9999999Z",
  "startTime":"2019-04-30T23:59:59.9999999Z","finishTime":"2019-05-01T00:00:00Z","isArchiveEnabled":true},
 {"runId":"o'neil","status":"Paused"}
]
]]

-- expression -> the runIds it selects, in list order (worked out by hand).
local EXPECT = {
  -- enums: case-insensitive, open
  { "status eq 'Failed'", "b" },
  { "Status eq 'FAILED'", "b" },
  { "STATUS EQ 'failed'", "b" },
  { "status eq null", "d" },
  { "status ne null", "a,b,c,e,o'neil" },
  { "status eq 'Paused'", "o'neil" },
  { "status eq 'paused'", "o'neil" },
  { "status gt 'Running'", "a" },
  { "runType eq 'quickrun' or runType eq 'autobuild'", "a,b" },
  { "provisioningState eq 'succeeded'", "a" },
  { "platform/os eq 'linux'", "a,c" },
  { "Platform/OS eq 'WINDOWS'", "b" },
  { "platform/architecture eq 'ARM64'", "c" },
  { "platform/os ne null", "a,b,c" },
  { "platform/architecture eq null", "b,d,e,o'neil" },
  { "contains(status, 'AIL')", "b" },
  -- strings: exact, ordinal
  { "runId eq 'a'", "a" },
  { "runId ne 'a'", "b,c,d,e,o'neil" },
  { "runId ge 'c'", "c,d,e,o'neil" },
  { "runId gt 'c'", "d,e,o'neil" },
  { "runId lt 'c'", "a,b" },
  { "runId le 'c'", "a,b,c" },
  { "runId eq 'o''neil'", "o'neil" },
  { "runId eq 'A'", "" },
  { "contains(runId, 'neil')", "o'neil" },
  { "contains(runId, '''')", "o'neil" },
  { "taskName eq 'build'", "a,e" },
  { "taskName eq 'Build'", "c" },
  { "TaskName eq 'BUILD'", "" },
  { "taskName eq null", "d,o'neil" },
  { "task eq 'it''s'", "b" },
  { "contains(taskName, 'uil')", "a,c,e" },
  { "agentPoolName eq 'pool1'", "a" },
  { "agentPoolName gt 'pool1'", "c" },
  { "agentPoolName eq null", "b,d,e,o'neil" },
  -- date-times: by instant, across offsets and fraction digits
  { "createTime eq 2019-05-01T00:00:00Z", "a,b" },
  { "createTime eq 2019-05-01T05:30:00+05:30", "a,b" },
  { "createTime eq 2019-05-01T00:00:00.000000000Z", "a,b" },
  { "createTime ge 2019-05-01T00:00:00Z", "a,b,c" },
  { "createTime gt 2019-05-01T00:00:00Z", "c" },
  { "createTime lt 2019-05-01T00:00:00Z", "e" },
  { "createTime le 2019-05-01T00:00:00Z", "a,b,e" },
  { "createTime lt 2019-04-30T23:59:59.9999999Z", "" },
  { "createTime le 2019-04-30T19:59:59.9999999-04:00", "e" },
  { "createTime ge 2019-05-02T06:30:00.5Z", "c" },
  { "createTime gt 2019-05-02T12:00:00.4999+05:30", "c" },
  { "createTime gt 2019-05-02T12:00:00.5+05:30", "" },
  { "createTime ge '2019-05-02T00:00:00Z'", "c" },
  { "createTime eq null", "d,o'neil" },
  { "createTime ge 2019-05-01T00:00:00Z and createTime lt 2019-05-02T00:00:00Z", "a,b" },
  { "finishTime lt 2019-05-01T00:01:00Z", "b,e" },
  { "finishTime eq null", "c,d,o'neil" },
  { "startTime ge 2019-05-01T00:00:00Z", "a,c" },
  { "lastUpdatedTime eq null", "b,c,d,e,o'neil" },
  { "lastUpdatedTime gt 2019-05-01T00:01:10.999Z", "a" },
  -- booleans (absent isArchiveEnabled reads as its spec default, false)
  { "isArchiveEnabled eq true", "a,e" },
  { "isArchiveEnabled", "a,e" },
  { "isArchiveEnabled eq false", "b,c,d,o'neil" },
  { "isArchiveEnabled ne true", "b,c,d,o'neil" },
  -- output images: repository:tag and repository@digest, joined by commas
  { "contains(outputImageManifests, 'web:v1')", "a" },
  { "contains(OutputImageManifests, 'web@sha256:aaa')", "a" },
  { "contains(outputImageManifests, 'api@sha256:bbb')", "b" },
  { "contains(outputImageManifests, 'v1,web@')", "a" },
  { "contains(outputImageManifests, 'web:v2,api@sha256:bbb')", "b" },
  { "contains(outputImageManifests, 'WEB')", "" },
  { "contains(outputImageManifests, 'web')", "a,b" },
  -- and, or, parentheses, literal on the left
  { "(status eq 'Failed' or status eq 'Error') and createTime lt 2019-05-01T00:00:00.0000001Z", "b,e" },
  { "status eq 'Failed' or status eq 'Error' and taskName eq 'x'", "b" },
  { "(status eq 'Failed' or status eq 'Error') and taskName eq 'build'", "e" },
  { "((runId eq 'a')) or (((runId eq 'd')))", "a,d" },
  { "runId eq 'a' or runId eq 'b' or runId eq 'c' and status eq 'Queued'", "a,b" },
  { "'b' eq runId", "b" },
  { "2019-05-02T00:00:00Z le createTime", "c" },
  { "  runId\teq\n'a'  ", "a" },
}

local function ids(list)
  local t = {}
  for i = 1, #list do t[i] = list[i].runId end
  return table.concat(t, ",")
end

local function compile(expr)
  local f, msg = acr.filter(expr)
  if not f then error(("acr.filter(%q): %s"):format(expr, tostring(msg)), 2) end
  return f
end

describe("acr.filter semantics", function()
  local list
  before_each(function()
    list = assert(acr.decode(RUNS))
  end)

  for _, case in ipairs(EXPECT) do
    local expr, want = case[1], case[2]
    it((expr:gsub("%c", " ")), function()
      -- a string, a compiled filter and the filter called on each run agree
      assert.equal(want, ids(list:filter(expr)))
      local f = compile(expr)
      assert.equal(want, ids(list:filter(f)))
      local t = {}
      for _, run in list:iter() do
        if f(run) then t[#t + 1] = run.runId end
      end
      assert.equal(want, table.concat(t, ","))
      -- the canonical text means the same and is stable
      local canon = tostring(f)
      local g = compile(canon)
      assert.equal(canon, tostring(g))
      assert.is_true(f == g)
      assert.equal(want, ids(list:filter(g)))
    end)
  end

  it("absent properties: every comparison but eq null is false (issue 4)", function()
    assert.equal("b,c", ids(list:filter("taskName ne 'build'")))
    assert.equal("a,c,e,o'neil", ids(list:filter("status ne 'Failed'")))
  end)

  it("leaves the list alone and keeps the original order", function()
    local out = list:filter("runId ne 'c'")
    assert.equal(6, #list)
    assert.equal("a,b,d,e,o'neil", ids(out))
    assert.is_true(out[1] == list[1])
    assert.equal("RunList: 5 runs", tostring(out))
  end)
end)

describe("acr.filter over the spec fixtures", function()
  local all
  setup(function()
    all = acr.list()
    local files = helpers.fixture_files("spec-examples")
    for _, f in ipairs(helpers.fixture_files("real-payloads")) do files[#files + 1] = f end
    for _, path in ipairs(files) do
      local v = assert(acr.decode(helpers.read_file(path)))
      if tostring(v):match("^RunList") then all:extend(v) else all:append(v) end
    end
  end)

  local function count(expr) return #all:filter(expr) end

  it("counts what the fixtures hold (worked out from the files)", function()
    assert.equal(63, #all)
    assert.equal(63, count("runId ne null"))
    assert.equal(56, count("status eq 'Succeeded'"))
    assert.equal(6, count("status eq 'queued'"))
    assert.equal(1, count("status eq 'Failed'"))
    assert.equal("da1", all:filter("status eq 'failed'")[1].runId)
    assert.equal(0, count("status eq null"))
    assert.equal(46, count("runId eq '0accec26-d6de-4757-8e74-d080f38eaaab'"))
    assert.equal(46, count("contains(runId, '0accec26')"))
    assert.equal(16, count("taskName eq 'myTask'"))
    assert.equal(16, count("TaskName eq 'myTask' and runType eq 'AutoBuild'"))
    assert.equal(0, count("taskName eq 'mytask'"))
    assert.equal(3, count("taskName eq 'testTask'"))
    assert.equal(44, count("taskName eq null"))
    assert.equal(16, count("runType eq 'quickrun'"))
    assert.equal(31, count("runType eq null"))
    assert.equal(28, count("isArchiveEnabled eq true"))
    assert.equal(35, count("isArchiveEnabled eq false"))
    assert.equal(20, count("contains(outputImageManifests, '@sha256:')"))
    assert.equal(29, count("platform/os eq 'Linux'"))
    assert.equal(1, count("platform/os eq 'windows'"))
    assert.equal(15, count("createTime ge 2019-06-01T00:00:00Z"))
    assert.equal(17, count("createTime lt 2019-06-01T00:00:00Z"))
    assert.equal(31, count("createTime eq null"))
    -- the .NET recording wrote -08:00: 2018-12-03T17:36:00.5018535-08:00
    assert.equal(1, count("createTime eq 2018-12-04T01:36:00.5018535Z"))
    assert.equal(1, count("createTime gt 2018-12-04T01:36:00.5018534Z and createTime lt 2018-12-04T01:36:00.5018536Z"))
    assert.equal(0, count("createTime gt 2018-12-04T01:36:00.5018535Z and createTime lt 2018-12-04T01:36:00.5018536Z"))
  end)
end)

describe("acr.filter compile errors", function()
  local function fails(expr)
    local f, msg, err = acr.filter(expr)
    assert.is_nil(f, expr)
    assert.is_string(msg)
    assert.is_table(err)
    return msg, err
  end

  -- The line under the expression has its caret under the byte at
  -- err.offset (one column per character).
  local function caret_column(msg)
    local third = msg:match("^[^\n]*\n[^\n]*\n([^\n]*)$")
    assert.is_string(third, msg)
    local spaces = third:match("^([ \t]*)%^$")
    assert.is_string(spaces, msg)
    return #spaces + 1
  end

  it("points at the offending column with a caret", function()
    local msg, err = fails("status eqq 'Failed'")
    assert.equal("syntax", err.kind)
    assert.equal(8, err.column)
    assert.equal(7, err.offset)
    assert.truthy(msg:match("^column 8: expected a comparison operator"), msg)
    assert.truthy(msg:find("found 'eqq'", 1, true), msg)
    local lines = {}
    for l in (msg .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    assert.equal(3, #lines)
    assert.equal("status eqq 'Failed'", lines[2])
    assert.equal("       ^", lines[3])
  end)

  local BAD = {
    -- expression, column, a word the message must contain
    { "status eqq 'Failed'", 8, "comparison operator" },
    { "status eq 'x' and", 18, "end of expression" },
    { "(status eq 'x'", 15, "'('" },
    { "status eq 'x')", 14, "')'" },
    { "stauts eq 'x'", 1, "unknown property" },
    { "status eq 'unterminated", 11, "unterminated" },
    { "runId eq \"x\"", 10, "single quotes" },
    { "taskName eq 5", 13, "taskName" },
    { "createTime gt 'x'", 16, "date-time" },
    { "createTime ge 2019-02-29T00:00:00Z", 23, "day 29" },
    { "createTime ge 2019-05-01T00:00:00+24:00", 35, "2019-05-01T00:00:00+24:00" },
    { "isArchiveEnabled gt true", 18, "eq or ne" },
    { "1 lt 2", 1, "property" },
    { "runId eq runId", 10, "two properties" },
    { "not (status eq 'x')", 1, "not supported" },
    { "status eq 'a' add 1", 15, "not supported" },
    { "runId has 'x'", 7, "not supported" },
    { "outputImageManifests/all(x: x eq 'a')", 22, "'all' is not supported" },
    { "startswith(runId, 'a')", 1, "not supported" },
    { "contains(runId 'a')", 16, "','" },
    { "contains(runId, a)", 17, "single quotes" },
    { "contains(isArchiveEnabled, 'a')", 10, "text" },
    { "status eq 'x' andd runId eq 'y'", 15, "andd" },
    { "runId eq 'é' andd", 14, "andd" },
    { "status\teqq 'x'", 8, "eqq" },
    { "", 1, "end of expression" },
    { "   ", 4, "end of expression" },
  }
  for _, c in ipairs(BAD) do
    it(("refuses %q at column %d"):format(c[1], c[2]), function()
      local msg, err = fails(c[1])
      assert.equal("syntax", err.kind)
      if c[2] ~= 1 or c[1] == "" or c[1]:sub(1, 1) ~= " " then
        assert.equal(c[2], err.column, msg)
      end
      assert.truthy(msg:match(("^column %d: "):format(err.column)), msg)
      assert.truthy(msg:find(c[3], 1, true), msg)
      assert.equal(err.column, caret_column(msg))
      -- the second line is the expression (line breaks shown as spaces)
      local second = msg:match("^[^\n]*\n([^\n]*)\n")
      assert.equal((c[1]:gsub("[\r\n]", " ")), second)
    end)
  end

  it("keeps tabs in the caret line so it lines up", function()
    local msg = fails("status\teqq 'x'")
    assert.truthy(msg:find("\n      \t^$"), msg)
  end)

  it("refuses non-string arguments by raising", function()
    assert.has_error(function() acr.filter() end)
    assert.has_error(function() acr.filter(5) end)
    assert.has_error(function() acr.filter({}) end)
  end)

  it("raises from list:filter for a bad filter string, with the caret message", function()
    local list = acr.list({ acr.new({ runId = "a" }) })
    local ok, err = pcall(list.filter, list, "status eqq 'x'")
    assert.is_false(ok)
    assert.truthy(tostring(err):find("column 8", 1, true), err)
    assert.has_error(function() list:filter(42) end)
    assert.has_error(function() list:filter() end)
  end)
end)

describe("Filter values", function()
  it("are callable and say false for non-matching runs", function()
    local f = compile("status eq 'Failed'")
    assert.is_true(f(acr.new({ status = "Failed" })))
    assert.is_false(f(acr.new({ status = "Queued" })))
    assert.is_false(f(acr.new({})))
    assert.is_true(f:match(acr.new({ status = "failed" })))
    assert.has_error(function() f({ status = "Failed" }) end)
    assert.has_error(function() f() end)
  end)

  it("give a canonical text that compiles to the same filter", function()
    local cases = {
      { "Status eq 'failed'", "status eq 'Failed'" },
      { "TaskName eq 'it''s'", "taskName eq 'it''s'" },
      { "'x' eq runId", "runId eq 'x'" },
      { "isArchiveEnabled", "isArchiveEnabled eq true" },
      { "PLATFORM/OS EQ 'linux'", "platform/os eq 'Linux'" },
      { "(runId eq 'a')", "runId eq 'a'" },
      { "createTime ge 2019-05-01T00:00:00.5+05:30", "createTime ge 2019-05-01T00:00:00.5+05:30" },
      { "createTime ge '2019-05-01T00:00:00Z'", "createTime ge 2019-05-01T00:00:00Z" },
      { "runId eq 'a' or (runId eq 'b' and status ne null)",
        "runId eq 'a' or runId eq 'b' and status ne null" },
      { "(runId eq 'a' or runId eq 'b') and status ne null",
        "(runId eq 'a' or runId eq 'b') and status ne null" },
      { "contains(OutputImageManifests, 'x''y')", "contains(outputImageManifests, 'x''y')" },
      { "status eq 'Paused'", "status eq 'Paused'" },
    }
    for _, c in ipairs(cases) do
      local f = compile(c[1])
      assert.equal(c[2], tostring(f))
      assert.equal(c[2], tostring(compile(tostring(f))))
    end
  end)

  it("compare equal when their canonical texts are equal", function()
    assert.is_true(compile("Status eq 'failed'") == compile("status eq 'Failed'"))
    assert.is_false(compile("status eq 'Failed'") == compile("status eq 'Error'"))
  end)

  it("round-trip random expressions through tostring", function()
    local seed = 12345
    local function r(n)
      seed = (seed * 16807) % 2147483647
      return 1 + seed % n
    end
    local atoms = {
      "status eq 'Failed'", "runType ne 'QuickRun'", "taskName eq 'a''b'", "runId gt 'x'",
      "createTime ge 2019-05-01T00:00:00.123+02:00", "finishTime lt 2020-01-01T00:00:00Z",
      "isArchiveEnabled eq false", "contains(outputImageManifests, 'r:t')", "agentPoolName eq null",
      "platform/os eq 'Windows'", "startTime le 2019-01-01T00:00:00Z", "provisioningState eq 'Failed'",
    }
    local function gen(depth)
      if depth > 3 or r(3) == 1 then return atoms[r(#atoms)] end
      local op = r(2) == 1 and " and " or " or "
      local e = gen(depth + 1) .. op .. gen(depth + 1)
      if r(2) == 1 then e = "(" .. e .. ")" end
      return e
    end
    local list = assert(acr.decode(RUNS))
    for _ = 1, 300 do
      local e = gen(0)
      local f = compile(e)
      local g = compile(tostring(f))
      assert.equal(tostring(f), tostring(g))
      assert.equal(ids(list:filter(f)), ids(list:filter(g)))
    end
  end)
end)

describe("acr.filter.build", function()
  require("acr.filter")     -- the Lua module that adds build

  it("is a Lua module over the C one: require gives acr.filter", function()
    assert.equal(acr.filter, require("acr.filter"))
    assert.equal("function", type(acr.filter.build))
  end)

  it("composes escaped clauses joined with and", function()
    assert.equal("status eq 'Failed'", acr.filter.build({ status = "Failed" }))
    assert.equal("status eq 'Failed'", acr.filter.build({ status = "failed" }))
    assert.equal("taskName eq 'it''s'", acr.filter.build({ taskName = "it's" }))
    assert.equal("status eq 'Failed' and taskName eq 'nightly'",
                 acr.filter.build({ taskName = "nightly", status = "Failed" }))
    assert.equal("(status eq 'Failed' or status eq 'Error') and runType eq 'QuickRun'",
                 acr.filter.build({ status = { "Failed", "ERROR" }, runType = "quickrun" }))
    assert.equal("runId eq 'a'", acr.filter.build({ runId = { "a" } }))
    assert.equal("contains(outputImageManifests, 'myimage@sha256:00')",
                 acr.filter.build({ image = "myimage@sha256:00" }))
    assert.equal("isArchiveEnabled eq false", acr.filter.build({ isArchiveEnabled = false }))
    assert.equal("agentPoolName eq 'p''1'", acr.filter.build({ agentPoolName = "p'1" }))
    assert.equal("", acr.filter.build({}))
  end)

  it("writes date-times bare, from DateTime values, strings or numbers", function()
    assert.equal("createTime ge 2019-05-01T00:00:00.5+05:30",
                 acr.filter.build({ createdAfter = "2019-05-01T00:00:00.5+05:30" }))
    assert.equal("createTime lt 1970-01-01T00:00:00Z", acr.filter.build({ createdBefore = 0 }))
    assert.equal("createTime lt 2001-09-09T01:46:40.500Z", acr.filter.build({ createdBefore = 1000000000.5 }))
    local dt = acr.datetime("2020-02-29T23:59:59.1234567-08:00")
    assert.equal("finishTime ge 2020-02-29T23:59:59.1234567-08:00 and finishTime lt 2020-03-01T00:00:00Z",
                 acr.filter.build({ finishedAfter = dt, finishedBefore = "2020-03-01T00:00:00Z" }))
    assert.equal("createTime ge 2019-01-01T00:00:00Z and createTime lt 2019-02-01T00:00:00Z",
                 acr.filter.build({ createdBefore = "2019-02-01T00:00:00Z", createdAfter = "2019-01-01T00:00:00Z" }))
  end)

  it("builds what acr.filter compiles and what it means", function()
    local list = assert(acr.decode(RUNS))
    local e = acr.filter.build({ status = { "failed", "error" }, createdBefore = "2019-05-01T00:00:00.0000001Z" })
    assert.equal("b,e", ids(list:filter(e)))
    e = acr.filter.build({ taskName = "it's", isArchiveEnabled = false })
    assert.equal("b", ids(list:filter(e)))
    e = acr.filter.build({ image = "web:v1" })
    assert.equal("a", ids(list:filter(acr.filter(e))))
    e = acr.filter.build({ createdAfter = acr.datetime("2019-05-01T05:30:00+05:30"),
                           createdBefore = "2019-05-02T00:00:00Z" })
    assert.equal("a,b", ids(list:filter(e)))
    e = acr.filter.build({ runId = { "a", "o'neil", "zz" } })
    assert.equal("a,o'neil", ids(list:filter(e)))
    -- every key at once compiles
    e = acr.filter.build({ status = "Failed", runType = "QuickRun", taskName = "t", runId = "r",
      createdAfter = 0, createdBefore = 1, finishedAfter = 2, finishedBefore = 3, image = "i",
      isArchiveEnabled = true, agentPoolName = "p" })
    local f = compile(e)
    assert.equal(e, tostring(f))
  end)

  it("raises on unknown keys, listing the valid ones, and on bad values", function()
    local ok, err = pcall(acr.filter.build, { stauts = "Failed" })
    assert.is_false(ok)
    assert.truthy(err:find("stauts", 1, true), err)
    assert.truthy(err:find("status, runType, taskName, runId, createdAfter", 1, true), err)
    assert.has_error(function() acr.filter.build({ [1] = "x" }) end)
    assert.has_error(function() acr.filter.build({ status = 5 }) end)
    assert.has_error(function() acr.filter.build({ status = "Bogus" }) end)
    assert.has_error(function() acr.filter.build({ status = {} }) end)
    assert.has_error(function() acr.filter.build({ taskName = true }) end)
    assert.has_error(function() acr.filter.build({ isArchiveEnabled = "yes" }) end)
    assert.has_error(function() acr.filter.build({ createdAfter = "yesterday" }) end)
    assert.has_error(function() acr.filter.build({ createdAfter = "2019-02-29T00:00:00Z" }) end)
    assert.has_error(function() acr.filter.build("status eq 'x'") end)
    assert.has_error(function() acr.filter.build() end)
    err = select(2, pcall(acr.filter.build, { status = "Bogus" }))
    assert.truthy(err:find("Succeeded", 1, true), err)
  end)
end)

-- list:filter, sort, top, count_by, summary and column read columns the
-- list keeps of its runs' values (issue 13); these check that no change,
-- through any path, leaves them stale: after every change the list's
-- filter equals the filter called on each run (which reads the runs
-- themselves), and the other queries equal the same queries over fresh
-- copies of its runs (whose columns are new).
describe("list query columns", function()
  local EXPRS = {
    "status eq 'Failed'", "status ne 'failed'", "status eq null",
    "status gt 'Q'", "createTime ge 2019-05-01T00:00:00Z",
    "createTime lt 2019-05-01T00:00:00Z and status ne null",
    "finishTime eq null or startTime le 2019-05-01T00:00:10Z",
    "lastUpdatedTime ge 2019-05-01T00:00:00Z", "taskName eq 'build'",
    "contains(task, 'uil')", "runId ge 'c'", "agentPoolName eq 'pool1'",
    "isArchiveEnabled eq true", "isArchiveEnabled eq false",
    "isArchiveEnabled", "provisioningState eq 'Succeeded'",
    "runType eq 'QuickRun' or runType eq 'AutoRun'",
    "platform/os eq 'Linux'", "platform/architecture ne 'amd64'",
    "contains(outputImageManifests, 'web')",
    "status eq 'Paused' or contains(status, 'ail')",
  }

  local function oracle(list, f)
    local t = {}
    for i = 1, #list do
      if f(list[i]) then t[#t + 1] = list[i].runId end
    end
    return table.concat(t, ",")
  end

  local KEYS = { "status", "createTime", "task", "isArchiveEnabled", "runId",
                 "finishTime", "provisioningState" }

  local function texts(t, n)
    local out = {}
    for i = 1, n do out[i] = tostring(t[i]) end
    return table.concat(out, "|")
  end

  -- The queries other than filter, on list and on fresh clones of its
  -- runs.  A list rebuilds all its stale columns at once, so only the first
  -- query after a change can meet them stale: each check starts at the next
  -- query.  The list's order is put back after its sorts (by assignment).
  local QUERIES = {
    function(list) return list:summary() end,
    function(list) return ids(list:top(1)) end,
    function(list) return ids(list:top(3)) end,
    function(list) return ids(list:top(300)) end,
  }
  for _, key in ipairs(KEYS) do
    QUERIES[#QUERIES + 1] = function(list) return list:count_by(key) end
    QUERIES[#QUERIES + 1] = function(list)
      local a, n = list:column(key)
      return texts(a, n)
    end
    for _, dir in ipairs({ "asc", "desc" }) do
      QUERIES[#QUERIES + 1] = function(list) return ids(list:sort(key, dir)) end
    end
  end
  local first = 0

  local function check_queries(list, what)
    local copies, order = {}, {}
    for i = 1, #list do copies[i] = list[i]:clone(); order[i] = list[i] end
    local fresh = acr.list(copies)
    first = first % #QUERIES + 1
    for k = 0, #QUERIES - 1 do
      local q = (first + k - 1) % #QUERIES + 1
      assert.same(QUERIES[q](fresh), QUERIES[q](list), what .. ": query " .. q)
    end
    for i = 1, #order do list[i] = order[i] end
  end

  local function check(list, what)
    check_queries(list, what)
    for _, expr in ipairs(EXPRS) do
      local f = compile(expr)
      local got = ids(list:filter(expr))
      assert.equal(oracle(list, f), got, what .. ": " .. expr)
      assert.equal(got, ids(list:filter(f)), what .. ": " .. expr)
    end
  end

  it("follow changes through Runs, views, elements, sort and append", function()
    local list = assert(acr.decode(RUNS))
    check(list, "decoded")
    local a = list[1]
    a.status = "Failed"; check(list, "enum set")
    a.status = nil; check(list, "enum cleared")
    list[6].status = "Failed"; check(list, "unknown enum replaced")
    a.createTime = "2019-04-01T00:00:00-01:00"; check(list, "date-time set")
    list[3].createTime = acr.datetime("2018-01-01T00:00:00Z"); check(list, "DateTime set")
    list[5].finishTime = nil; check(list, "date-time cleared")
    a.task = "rebuild"; check(list, "string set")
    list[2].task = nil; check(list, "string cleared")
    a.runId = "zz"; check(list, "runId set")
    a.isArchiveEnabled = false; check(list, "bool set")
    list[5].isArchiveEnabled = nil; check(list, "bool cleared")
    list[4].agentPoolName = "pool1"; check(list, "string added")
    list[4].provisioningState = "succeeded"; check(list, "enum added")
    list[3].platform.os = "Windows"; check(list, "platform view")
    list[3].platform.architecture = "amd64"; check(list, "platform view (2)")
    list[2].platform = nil; check(list, "platform cleared")
    list[4].platform = { os = "linux", architecture = "arm" }; check(list, "platform set")
    list[1].outputImages[1].repository = "api"; check(list, "nested image view")
    list[2].runType = "QuickRun"; check(list, "runType")
    list[6].lastUpdatedTime = "2020-01-01T00:00:00Z"; check(list, "lastUpdatedTime")
    list[2] = acr.new({ runId = "new", task = "build" }); check(list, "element replaced")
    list[#list + 1] = { runId = "appended", status = "Failed",
                        createTime = "2030-01-01T00:00:00Z" }
    check(list, "element appended")
    list:append(acr.new({ runId = "app2", task = "build" })); check(list, "append")
    list:extend(assert(acr.decode(RUNS))); check(list, "extend")
    list:sort("runId"); check(list, "sort")
    list:sort("createTime", "desc"); check(list, "sort descending")
  end)

  it("see a change to a run shared with other lists", function()
    local list = assert(acr.decode(RUNS))
    local sub = list:filter("status ne null")
    local other = acr.list({ list[2], list[1] })
    check(list, "list"); check(sub, "sub"); check(other, "other")
    sub[1].status = "Failed"      -- run a, through the derived list
    check(list, "list after sub"); check(other, "other after sub")
    other[1].status = "Queued"    -- run b, through a third list
    check(list, "list after other"); check(sub, "sub after other")
    local r = list[3]
    r.createTime = "2001-01-01T00:00:00Z" -- through a Run kept aside
    check(list, "list after run"); check(sub, "sub after run")
  end)

  it("stay right when runs come from many lists (more epochs than recorded)", function()
    local runs = {}
    local keep = {}
    for i = 1, 20 do
      local l = assert(acr.decode(RUNS))
      l:filter("status eq 'Failed'") -- gives its runs an epoch of its own
      keep[i] = l
      runs[#runs + 1] = l[(i % 6) + 1]
    end
    local big = acr.list(runs)
    check(big, "mixed")
    for i = 1, 20 do
      runs[i].status = (i % 2 == 0) and "Failed" or "Running"
      check(big, "mixed after change " .. i)
      check(keep[i], "source list " .. i)
    end
  end)

  it("survive compaction of a run (string columns point into it)", function()
    local list = assert(acr.decode(RUNS))
    check(list, "before")
    local r = list[1]
    for i = 1, 300 do r.agentPoolName = string.rep("x", 100) .. i end
    r.task = "build"
    r.agentPoolName = "pool1"
    check(list, "after many changes")
    collectgarbage()
    check(list, "after a collection")
  end)

  it("keep runs valid when the list goes first, and the list when runs go", function()
    local list = assert(acr.decode(RUNS))
    list:filter("taskName eq 'build'")
    local r = list[1]
    list = nil -- luacheck: ignore
    collectgarbage(); collectgarbage()
    r.status = "Failed" -- bumps an epoch the list no longer holds
    r.task = "x"
    assert.equal("Failed", r.status)
    local l2 = acr.list({ r })
    check(l2, "new list")
    r = nil -- luacheck: ignore
    collectgarbage(); collectgarbage()
    check(l2, "after the run value went")
  end)

  it("agree with the runs after random changes", function()
    local seed = 12345
    local function rand(n)
      seed = (seed * 16807) % 2147483647
      return seed % n + 1
    end
    local STATUS = { "Failed", "Succeeded", "Running", "queued" }
    local TASKS = { "build", "Build", "test", "it's" }
    local TIMES = { "2019-05-01T00:00:00Z", "2019-04-30T20:00:00-04:00",
                    "2019-05-02T12:00:00.5+05:30", "2019-04-30T23:59:59.9999999Z" }
    local list = assert(acr.decode(RUNS))
    local side = list:filter("runId ne 'x'")
    for step = 1, 120 do
      local r = list[rand(#list)]
      local k = rand(8)
      if k == 1 then r.status = STATUS[rand(#STATUS)]
      elseif k == 2 then r.status = nil
      elseif k == 3 then r.createTime = TIMES[rand(#TIMES)]
      elseif k == 4 then r.task = TASKS[rand(#TASKS)]
      elseif k == 5 then r.isArchiveEnabled = rand(2) == 1
      elseif k == 6 then r.platform = { os = rand(2) == 1 and "Linux" or "windows" }
      elseif k == 7 then list[rand(#list)] = side[rand(#side)]
      else list:sort(rand(2) == 1 and "runId" or "createTime") end
      if step % 5 == 0 then check(list, "step " .. step) end
      if step % 15 == 0 then check(side, "side " .. step) end
    end
  end)
end)
