-- RunList: construction, indexing, iteration, joining pages, conversion,
-- and the queries that run in C (filter, sort, top, count_by, summary).

local helpers = require("spec.helpers")
local acr = require("acr.run")
local cjson = helpers.cjson or require("cjson")

local LUA52 = _VERSION ~= "Lua 5.1" and type(jit) ~= "table" -- __pairs, __ipairs/__index honoured
local LUA54 = _VERSION == "Lua 5.4"

local function ids(list)
  local t = {}
  for i = 1, #list do t[i] = list[i].runId end
  return table.concat(t, ",")
end

local decode = helpers.decode

local function deep_equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- Runs for the queries: durations (finish - start) in seconds are
-- a 60, b 3600, c running, d nothing, e 0.5, f 30, g 90, h 10.
local RUNS = [[
[
 {"runId":"a","status":"Succeeded","task":"build","createTime":"2019-05-01T00:00:00Z",
  "startTime":"2019-05-01T00:00:00Z","finishTime":"2019-05-01T00:01:00Z","isArchiveEnabled":true},
 {"runId":"b","status":"failed","task":"nightly","createTime":"2019-05-01T03:00:00+02:00",
  "startTime":"2019-05-01T01:00:00Z","finishTime":"2019-05-01T03:00:00+01:00","isArchiveEnabled":false},
 {"runId":"c","status":"Running","task":"build","createTime":"2019-05-03T00:00:00Z",
  "startTime":"2019-05-03T00:00:01Z"},
 {"runId":"d"},
 {"runId":"e","status":"Error","task":"build","createTime":"2019-04-30T23:59:59.9999999Z",
  "startTime":"2019-05-02T00:00:00Z","finishTime":"2019-05-02T00:00:00.5Z"},
 {"runId":"f","status":"Succeeded","createTime":"2019-05-02T00:00:00Z",
  "startTime":"2019-05-02T00:00:00Z","finishTime":"2019-05-02T00:00:30Z"},
 {"runId":"g","status":"Timeout","task":"nightly","createTime":"2019-05-01T01:00:00.000+00:00",
  "startTime":"2019-05-02T00:00:00Z","finishTime":"2019-05-02T00:01:30Z"},
 {"runId":"h","status":"Paused","task":"build","createTime":"2019-05-01T00:00:00-00:00",
  "startTime":"2019-05-02T00:00:00Z","finishTime":"2019-05-02T00:00:10Z"}
]
]]

describe("acr.list", function()
  it("makes an empty list", function()
    local l = acr.list()
    assert.equal(0, #l)
    assert.is_nil(l[1])
    assert.is_nil(l.nextLink)
    assert.equal("RunList: 0 runs", tostring(l))
    assert.equal('{"value":[]}', l:encode())
    assert.equal(0, #acr.list({}))
  end)

  it("holds Runs (shared) and plain tables (converted like from_table)", function()
    local r = acr.new({ runId = "a" })
    local l = acr.list({ r, { runId = "b", status = "queued", runErrorMessage = "x", extra = 1 } })
    assert.equal(2, #l)
    assert.equal("RunList: 2 runs", tostring(l))
    assert.equal("a", l[1].runId)
    assert.equal("Queued", l[2].status)
    assert.equal("x", l[2].runErrorMessage)
    assert.equal("1", l[2]:unknown().extra)
    -- the list holds the same run, not a copy
    r.status = "Failed"
    assert.equal("Failed", l[1].status)
    l[1].status = "Succeeded"
    assert.equal("Succeeded", r.status)
    assert.equal("RunList: 1 run", tostring(acr.list({ r })))
  end)

  it("takes a RunListResult-shaped table, so to_table round-trips", function()
    local l = decode('{"value":[{"runId":"a"},{"runId":"b","platform":{}}],"nextLink":"https://n"}')
    local back = acr.list(l:to_table())
    assert.is_true(back == l)
    assert.equal("https://n", back.nextLink)
    assert.is_true(acr.list({ value = {}, nextLink = cjson.null }) == acr.list())
    assert.is_true(acr.list(cjson.decode(l:encode())) == l)
    -- other keys are kept as unknown RunListResult keys, in name order
    local u = acr.list({ value = { { runId = "a" } }, zeta = { 1, 2 }, alpha = "x", gone = cjson.null })
    assert.equal('{"value":[{"runId":"a"}],"alpha":"x","zeta":[1,2]}', u:encode())
    assert.is_true(acr.list(u:to_table()) == u)
  end)

  it("raises on bad arguments", function()
    assert.has_error(function() acr.list(5) end)
    assert.has_error(function() acr.list("x") end)
    assert.has_error(function() acr.list({ 5 }) end)
    assert.has_error(function() acr.list({ acr.new(), "x" }) end)
    assert.has_error(function() acr.list({ { status = 5 } }) end)
    assert.has_error(function() acr.list({ a = 1 }) end)
    assert.has_error(function() acr.list({ [1] = acr.new(), [3] = acr.new() }) end)
    assert.has_error(function() acr.list({ value = {}, nextLink = 5 }) end)
  end)
end)

describe("RunList indexing", function()
  local l
  before_each(function() l = decode(RUNS) end)

  it("gives live Runs by 1-based index and nil outside", function()
    assert.equal(8, #l)
    assert.equal("a", l[1].runId)
    assert.equal("h", l[8].runId)
    assert.is_nil(l[0])
    assert.is_nil(l[9])
    assert.is_nil(l[-1])
    assert.is_nil(l[1.5])
    assert.is_nil(l.nosuch)
    assert.is_nil(l[true])
    -- each access is a new Run value for the same run
    local r1, r2 = l[1], l[1]
    r1.task = "changed"
    assert.equal("changed", r2.task)
    assert.equal("changed", l[1].task)
  end)

  it("keeps a run alive after the list is collected", function()
    local r = l[2]
    l = nil
    collectgarbage()
    collectgarbage()
    assert.equal("b", r.runId)
    assert.equal("Failed", r.status)
  end)

  it("replaces and appends by assignment", function()
    l[2] = acr.new({ runId = "B" })
    assert.equal("a,B,c,d,e,f,g,h", ids(l))
    l[#l + 1] = { runId = "i" }
    assert.equal(9, #l)
    assert.equal("i", l[9].runId)
    assert.has_error(function() l[11] = acr.new() end)
    assert.has_error(function() l[0] = acr.new() end)
    assert.has_error(function() l[1] = 5 end)
    assert.has_error(function() l[1] = nil end)
    assert.has_error(function() l.foo = 1 end)
    assert.equal(9, #l)
  end)

  it("reads and writes nextLink", function()
    assert.is_nil(l.nextLink)
    l.nextLink = "https://next?page=2"
    assert.equal("https://next?page=2", l.nextLink)
    assert.truthy(l:encode():find('"nextLink":"https://next?page=2"', 1, true))
    l.nextLink = nil
    assert.is_nil(l.nextLink)
    assert.has_error(function() l.nextLink = 5 end)
  end)

  it("iterates with iter() on every Lua", function()
    local seen = {}
    for i, run in l:iter() do seen[#seen + 1] = i .. "=" .. run.runId end
    assert.equal("1=a,2=b,3=c,4=d,5=e,6=f,7=g,8=h", table.concat(seen, ","))
    for _ in acr.list():iter() do error("no runs expected") end
  end)

  if LUA52 then
    it("iterates with ipairs and pairs where the Lua honours them", function()
      local seen = {}
      for i, run in ipairs(l) do seen[#seen + 1] = i .. "=" .. run.runId end
      assert.equal("1=a,2=b,3=c,4=d,5=e,6=f,7=g,8=h", table.concat(seen, ","))
      seen = {}
      for i, run in pairs(l) do seen[#seen + 1] = i .. "=" .. run.runId end
      assert.equal("1=a,2=b,3=c,4=d,5=e,6=f,7=g,8=h", table.concat(seen, ","))
    end)
  end

  if LUA54 then
    it("frees its runs when closed, and then refuses use", function()
      local f = assert(load([[
        local acr, text = ...
        local kept
        do
          local l <close> = acr.decode(text)
          kept = l
        end
        return kept
      ]]))
      local kept = f(acr, RUNS)
      assert.equal("RunList (closed)", tostring(kept))
      assert.has_error(function() return #kept end)
      assert.has_error(function() return kept[1] end)
    end)
  end
end)

describe("RunList building", function()
  it("appends runs and returns the list", function()
    local l = acr.list()
    assert.equal(l, l:append(acr.new({ runId = "a" })))
    l:append({ runId = "b" }):append(acr.new({ runId = "c" }))
    assert.equal("a,b,c", ids(l))
    assert.has_error(function() l:append(5) end)
    assert.has_error(function() l:append() end)
  end)

  it("joins pages with extend, taking the next page's nextLink", function()
    local p1 = decode('{"value":[{"runId":"a"},{"runId":"b"}],"nextLink":"https://p2"}')
    local p2 = decode('{"value":[{"runId":"c"}],"nextLink":"https://p3"}')
    local p3 = decode('{"value":[{"runId":"d"}]}')
    local all = acr.list()
    assert.equal(all, all:extend(p1))
    assert.equal("https://p2", all.nextLink)
    all:extend(p2)
    assert.equal("https://p3", all.nextLink)
    all:extend(p3)
    assert.is_nil(all.nextLink)
    assert.equal("a,b,c,d", ids(all))
    -- the pages are unchanged and share their runs with the joined list
    assert.equal("a,b", ids(p1))
    p1[1].status = "Failed"
    assert.equal("Failed", all[1].status)
    -- extending with itself doubles it
    p2:extend(p2)
    assert.equal("c,c", ids(p2))
    assert.equal("https://p3", p2.nextLink)
    assert.has_error(function() all:extend({}) end)
    assert.has_error(function() all:extend() end)
  end)
end)

describe("RunList conversion", function()
  it("to_table is the RunListResult that cjson.decode(encode()) gives", function()
    local l = decode(RUNS)
    l.nextLink = "https://n"
    local t = l:to_table()
    assert.equal(8, #t.value)
    assert.equal("https://n", t.nextLink)
    assert.equal("failed", t.value[2].status) -- as received
    assert.equal("Failed", l[2].status)
    assert.equal("2019-05-01T03:00:00+02:00", t.value[2].createTime)
    assert.is_true(deep_equal(cjson.decode(l:encode()), t))
    assert.is_true(deep_equal(cjson.decode(acr.list():encode()), acr.list():to_table()))
    for _, path in ipairs(helpers.fixture_files("spec-examples", "Runs_List")) do
      local fl = decode(helpers.read_file(path))
      assert.is_true(deep_equal(cjson.decode(fl:encode()), fl:to_table()), path)
    end
  end)

  it("encodes with options", function()
    local l = decode('[{"runId":"a","isArchiveEnabled":true,"runErrorMessage":"x"}]')
    assert.equal('{"value":[{"isArchiveEnabled":true}]}', l:encode({ profile = "update" }))
    assert.equal('{"value":[{"runId":"a","isArchiveEnabled":true}]}', l:encode({ profile = "request" }))
    assert.equal(l:encode(), acr.encode(l))
    assert.is_true(deep_equal(cjson.decode(l:encode()), cjson.decode(l:encode({ pretty = true }))))
    assert.has_error(function() l:encode({ profile = "nope" }) end)
  end)

  it("compares deeply", function()
    local a, b = decode(RUNS), decode(RUNS)
    assert.is_true(a == b)
    b[2].status = "Succeeded"
    assert.is_false(a == b)
    b = decode(RUNS)
    b.nextLink = "x"
    assert.is_false(a == b)
    b.nextLink = nil
    assert.is_true(a == b)
    b:append(acr.new())
    assert.is_false(a == b)
    assert.is_false(a == acr.list())
    assert.is_true(acr.list() == acr.list())
    assert.is_false(a == a[1])
  end)
end)

describe("RunList:filter", function()
  local l
  before_each(function() l = decode(RUNS) end)

  it("takes a Lua function of a run", function()
    local out = l:filter(function(run) return run.task == "build" end)
    assert.equal("a,c,e,h", ids(out))
    assert.equal(8, #l)
    assert.equal("a,b,c,d,e,f,g,h", ids(l:filter(function() return 1 end)))
    assert.equal("", ids(l:filter(function() return nil end)))
  end)

  it("takes a string and a compiled filter, and agrees with the function", function()
    assert.equal("a,c,e,h", ids(l:filter("taskName eq 'build'")))
    assert.equal("a,c,e,h", ids(l:filter(acr.filter("taskName eq 'build'"))))
    local f = acr.filter("status eq 'Failed' or status eq 'Timeout'")
    assert.equal(ids(l:filter(f)), ids(l:filter(function(r) return f(r) end)))
  end)

  it("lets errors from the function through and stays usable", function()
    local n = 0
    local ok, err = pcall(l.filter, l, function(run)
      n = n + 1
      if run.runId == "c" then error("boom") end
      return true
    end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("boom", 1, true))
    assert.equal(3, n)
    assert.equal(8, #l)
    collectgarbage()
    assert.equal("a,b,c,d,e,f,g,h", ids(l:filter(function() return true end)))
  end)

  it("copes with a function that changes the list", function()
    local out = l:filter(function(run)
      if run.runId == "a" then l[#l + 1] = acr.new({ runId = "z" }) end
      return true
    end)
    assert.equal(9, #l)
    assert.equal("a,b,c,d,e,f,g,h,z", ids(out))
  end)
end)

describe("RunList:sort", function()
  local l
  before_each(function() l = decode(RUNS) end)

  it("checks a key without a list through acr.query_key, as sort does", function()
    assert.equal("createTime", acr.query_key("createTime"))
    assert.equal("createTime", acr.query_key("CREATETIME"))
    assert.equal("task", acr.query_key("taskName"))
    local v, msg, err = acr.query_key("createTim")
    assert.is_nil(v)
    assert.equal("schema", err.kind)
    assert.equal("createTim", err.path)
    assert.matches("did you mean 'createTime'", msg, 1, true)
    v, msg, err = acr.query_key("outputImages")
    assert.is_nil(v)
    assert.equal("schema", err.kind)
    assert.matches("not a scalar field", msg, 1, true)
    assert.has_error(function() l:sort("createTim") end)
    assert.has_error(function() acr.query_key(nil) end)
  end)

  it("sorts date-times by instant, absent last, in place, and returns the list", function()
    assert.equal(l, l:sort("createTime"))
    -- e (23:59:59.9999999Z), a and h (00:00:00Z, -00:00), b (01:00Z written
    -- +02:00) and g (01:00:00.000+00:00) tie, f, c; then d absent
    assert.equal("e,a,h,b,g,f,c,d", ids(l))
    l:sort("createTime", "desc")
    assert.equal("c,f,b,g,a,h,e,d", ids(l))
    l:sort("createTime", "asc")
    assert.equal("e,a,h,b,g,f,c,d", ids(l))
  end)

  it("is stable", function()
    l:sort("task")
    -- build: a c e h (in list order), nightly: b g, absent: d f
    assert.equal("a,c,e,h,b,g,d,f", ids(l))
    l:sort("runId", "desc"):sort("isArchiveEnabled")
    -- false: b; true: a; absent (in the runId-desc order): h g f e d c
    assert.equal("b,a,h,g,f,e,d,c", ids(l))
    -- 1000 runs in 10 groups keep their order within each group
    local big = acr.list()
    for i = 1, helpers.gc_stress and 100 or 1000 do
      big:append(acr.new({ runId = string.format("%04d", i), task = "t" .. (i * 7 % 10) }))
    end
    big:sort("task")
    local last = {}
    for _, r in big:iter() do
      local prev = last[r.task]
      if prev then assert.is_true(prev < r.runId) end
      last[r.task] = r.runId
    end
    big:sort("taskName", "desc")
    assert.equal("t9", big[1].task)
    assert.equal("0007", big[1].runId)
  end)

  it("sorts enums case-insensitively and strings by bytes", function()
    local s = acr.list({ { runId = "b" }, { runId = "B" }, { runId = "a" }, { runId = "\195\169" }, { runId = "A" } })
    assert.equal("A,B,a,b,\195\169", ids(s:sort("runId")))
    assert.equal("e,b,h,c,a,f,g,d", ids(decode(RUNS):sort("status", "desc"):sort("status")))
  end)

  it("accepts case-insensitive and RunFilter names", function()
    assert.equal("e,a,h,b,g,f,c,d", ids(l:sort("CreateTime")))
    assert.equal("a,c,e,h,b,g,d,f", ids(decode(RUNS):sort("taskName")))
  end)

  it("raises for unknown fields with a suggestion, for non-scalar fields and bad orders", function()
    local ok, err = pcall(l.sort, l, "stauts")
    assert.is_false(ok)
    assert.truthy(err:find("did you mean 'status'", 1, true), err)
    ok, err = pcall(l.sort, l, "xyzzy")
    assert.is_false(ok)
    assert.truthy(err:find("scalar fields: ", 1, true), err)
    ok, err = pcall(l.sort, l, "outputImages")
    assert.is_false(ok)
    assert.truthy(err:find("not a scalar field", 1, true), err)
    assert.has_error(function() l:sort("platform") end)
    assert.has_error(function() l:sort("status", "down") end)
    assert.has_error(function() l:sort() end)
    assert.equal("a,b,c,d,e,f,g,h", ids(l))
  end)
end)

describe("RunList:top", function()
  it("gives the n most recently created runs, newest first", function()
    local l = decode(RUNS)
    assert.equal("c,f", ids(l:top(2)))
    assert.equal("c,f,b,g,a,h,e,d", ids(l:top(100)))
    assert.equal("", ids(l:top(0)))
    assert.equal("a,b,c,d,e,f,g,h", ids(l))
    assert.equal("RunList: 1 run", tostring(l:top(1)))
    assert.has_error(function() l:top(-1) end)
    assert.has_error(function() l:top(1.5) end)
    assert.has_error(function() l:top() end)
    assert.equal("", ids(acr.list():top(3)))
  end)
end)

describe("RunList:count_by", function()
  local l
  before_each(function() l = decode(RUNS) end)

  it("counts by enum (canonical, case-insensitive), skipping absent", function()
    assert.same({ Succeeded = 2, Failed = 1, Running = 1, Error = 1, Timeout = 1, Paused = 1 },
                l:count_by("status"))
    local m = acr.list({ { status = "paused" }, { status = "PAUSED" }, { status = "queued" } })
    local c = m:count_by("status")
    assert.equal(1, c.Queued)
    assert.equal(2, c.paused)
  end)

  it("counts by strings exactly, booleans as booleans, date-times by instant", function()
    assert.same({ build = 4, nightly = 2 }, l:count_by("task"))
    assert.same({ build = 4, nightly = 2 }, l:count_by("taskName"))
    -- an absent flag counts as false, as the filter reads it (issue 11)
    assert.same({ [true] = 1, [false] = #l - 1 }, l:count_by("isArchiveEnabled"))
    assert.equal(#l:filter("isArchiveEnabled eq false"), l:count_by("isArchiveEnabled")[false])
    assert.same({ [false] = 2 }, acr.list({ { runId = "x" }, { isArchiveEnabled = false } })
                                   :count_by("isArchiveEnabled"))
    local byc = l:count_by("createTime")
    assert.equal(2, byc["2019-05-01T00:00:00Z"])          -- a and h
    assert.equal(2, byc["2019-05-01T03:00:00+02:00"])     -- b and g
    assert.equal(1, byc["2019-04-30T23:59:59.9999999Z"])
    local n = 0
    for _, v in pairs(byc) do n = n + v end
    assert.equal(7, n)
    assert.same({}, acr.list():count_by("status"))
  end)

  it("raises for fields it cannot count by", function()
    assert.has_error(function() l:count_by("outputImages") end)
    assert.has_error(function() l:count_by("nope") end)
    assert.has_error(function() l:count_by() end)
  end)
end)

describe("RunList:summary", function()
  it("totals by status and per task, with nearest-rank percentiles", function()
    local s = decode(RUNS):summary()
    assert.equal(8, s.total)
    assert.same({ Succeeded = 2, Failed = 1, Running = 1, Error = 1, Timeout = 1, Paused = 1 }, s.by_status)
    -- build: a 60, c running, e 0.5, h 10 -> finished 0.5, 10, 60
    assert.same({ runs = 4, failed = 1, finished = 3, p50 = 10, p95 = 60 }, s.by_task.build)
    -- nightly: b 3600 (failed), g 90 (timeout)
    assert.same({ runs = 2, failed = 2, finished = 2, p50 = 90, p95 = 3600 }, s.by_task.nightly)
    -- no task: d (nothing), f 30
    assert.same({ runs = 2, failed = 0, finished = 1, p50 = 30, p95 = 30 }, s.by_task[""])
  end)

  it("leaves the percentiles out when no run of a task finished", function()
    local s = acr.list({ { task = "t", status = "Running" }, { task = "t" } }):summary()
    assert.same({ runs = 2, failed = 0, finished = 0 }, s.by_task.t)
    assert.same({ Running = 1 }, s.by_status)
    assert.equal(2, s.total)
    local e = acr.list():summary()
    assert.same({ total = 0, by_status = {}, by_task = {} }, e)
  end)

  it("takes percentiles over many runs", function()
    local runs = {}
    for i = 1, 100 do
      runs[i] = { task = "t", status = (i % 10 == 0) and "Failed" or "Succeeded",
                  startTime = "2020-01-01T00:00:00Z", finishTime = 1577836800 + i }
    end
    local s = acr.list(runs):summary()
    assert.same({ runs = 100, failed = 10, finished = 100, p50 = 50, p95 = 95 }, s.by_task.t)
    assert.same({ Succeeded = 90, Failed = 10 }, s.by_status)
  end)
end)

describe("RunList:format", function()
  it("delegates to acr.format", function()
    local l = decode(RUNS)
    local format = require("acr.format")
    assert.equal(format.format(l, "tsv"), l:format("tsv"))
    assert.equal(format.format(l), l:format())
    assert.equal(format.format(l, "markdown", { now = "2019-05-03T00:00:11Z" }),
                 l:format("markdown", { now = "2019-05-03T00:00:11Z" }))
    assert.has_error(function() l:format("nope") end)
  end)
end)

describe("RunList queries at scale", function()
  -- 100,000 runs: the queries run in C and create no Lua object per run.
  local N = helpers.gc_stress and 10000 or 100000
  local big
  setup(function()
    -- Short pieces joined once: Lua 5.1 hashes long strings that differ in
    -- few places badly, so no per-run string is made.
    local d2 = {}
    for i = 0, 99 do d2[i] = (i < 10 and "0" or "") .. i end
    local statuses = { "Succeeded", "Failed", "Running", "Queued", "Error" }
    local parts, n = {}, 0
    for i = 1, N do
      parts[n + 1] = '{"runId":"r'
      parts[n + 2] = i
      parts[n + 3] = '","status":"'
      parts[n + 4] = statuses[i % 5 + 1]
      parts[n + 5] = '","task":"t'
      parts[n + 6] = i % 7
      parts[n + 7] = '","createTime":"2019-'
      parts[n + 8] = d2[i % 12 + 1]
      parts[n + 9] = "-"
      parts[n + 10] = d2[i % 28 + 1]
      parts[n + 11] = "T"
      parts[n + 12] = d2[i % 24]
      parts[n + 13] = ":"
      parts[n + 14] = d2[i % 60]
      parts[n + 15] = ':00Z","startTime":"2019-01-01T00:00:00Z","finishTime":"2019-01-01T00:'
      parts[n + 16] = d2[i % 60]
      parts[n + 17] = i < N and ':00Z"},' or ':00Z"}'
      n = n + 17
    end
    big = decode("[" .. table.concat(parts) .. "]")
  end)

  local function lua_kb(fn)
    collectgarbage()
    collectgarbage()
    collectgarbage("stop")
    local before = collectgarbage("count")
    local result = fn()
    local grown = collectgarbage("count") - before
    collectgarbage("restart")
    return grown, result
  end

  it("filters, sorts, takes the top, counts and summarises without a Lua object per run", function()
    assert.equal(N, #big)
    local f = acr.filter("status eq 'Failed' and createTime ge 2019-06-01T00:00:00Z")
    local grown, out = lua_kb(function() return big:filter(f) end)
    assert.is_true(grown < 16, "filter grew Lua memory by " .. grown .. " KB")
    assert.is_true(#out > 0 and #out < N)
    grown, out = lua_kb(function() return big:filter("status eq 'Failed'") end)
    assert.is_true(grown < 16, "filter(string) grew Lua memory by " .. grown .. " KB")
    assert.equal(N / 5, #out)
    grown = lua_kb(function() return big:sort("createTime", "desc") end)
    assert.is_true(grown < 16, "sort grew Lua memory by " .. grown .. " KB")
    assert.equal("2019-12-28T23:59:00Z", tostring(big[1].createTime))
    grown, out = lua_kb(function() return big:top(10) end)
    assert.is_true(grown < 16, "top grew Lua memory by " .. grown .. " KB")
    assert.equal(10, #out)
    grown, out = lua_kb(function() return big:count_by("status") end)
    assert.is_true(grown < 16, "count_by grew Lua memory by " .. grown .. " KB")
    assert.equal(N / 5, out.Failed)
    grown, out = lua_kb(function() return big:summary() end)
    assert.is_true(grown < 16, "summary grew Lua memory by " .. grown .. " KB")
    assert.equal(N, out.total)
    assert.equal(7, (function() local n = 0 for _ in pairs(out.by_task) do n = n + 1 end return n end)())
  end)
end)

describe("acr.list of a RunListResult table", function()
  it("keeps unknown top-level keys, so acr.list(list:to_table()) loses nothing", function()
    local text = '{"value":[{"runId":"a"}],"nextLink":"n","extraTop":[1,{"x":2}]}'
    local l = assert(acr.decode(text))
    local again = acr.list(l:to_table())
    assert.equal(text, again:encode())
    assert.equal("n", again.nextLink)
  end)

  it("refuses keys that are not strings", function()
    assert.has_error(function() acr.list({ value = {}, [1] = 2 }) end)
  end)
end)

describe("list:column", function()
  local DOC = [==[[
    {"runId":"a","status":"Succeeded","createTime":"2019-05-01T00:00:00+02:00","task":"build",
     "isArchiveEnabled":true,"agentConfiguration":{"cpu":2}},
    {"runId":"b","status":"paused","task":"it's"},
    {"runId":"c","runType":"quickrun","isArchiveEnabled":false,"finishTime":"2019-05-01T00:00:00.5Z"},
    {}
  ]]==]
  local FIELDS = { "runId", "status", "runType", "createTime", "finishTime", "task",
                   "taskName", "isArchiveEnabled", "provisioningState", "agentPoolName" }

  it("gives what a loop of reads gives, absent values as nil holes", function()
    local list = assert(acr.decode(DOC))
    for _, name in ipairs(FIELDS) do
      local t, n = list:column(name)
      assert.equal(#list, n)
      local field = name == "taskName" and "task" or name
      for i = 1, n do
        local want = list[i][field]
        if type(want) == "userdata" then
          assert.equal(tostring(want), tostring(t[i]), name .. "[" .. i .. "]")
          assert.is_true(want == t[i])
        else
          assert.equal(want, t[i], name .. "[" .. i .. "]")
        end
      end
    end
    assert.same({ "Succeeded", "paused" }, (list:column("status")))
    -- texts longer than the first guess of room take a second pass
    local long = string.rep("t", 100)
    local lt = acr.list({ { task = long }, { task = long .. "2" } }):column("task")
    assert.same({ long, long .. "2" }, lt)
    local empty, n = acr.list():column("status")
    assert.same({}, empty)
    assert.equal(0, n)
  end)

  it("follows changes and refuses what is not a scalar field", function()
    local list = assert(acr.decode(DOC))
    list[2].status = "Failed"
    list[1].task = nil
    assert.equal("Failed", (list:column("status"))[2])
    assert.is_nil((list:column("task"))[1])
    assert.has_error(function() list:column("outputImages") end)
    assert.has_error(function() list:column("nope") end)
    assert.has_error(function() list:column() end)
  end)

  it("is safe when finalisers change the runs while it allocates", function()
    local list = assert(acr.decode(DOC))
    local r = list[2]
    local function hostile()
      local mt = { __gc = function()
        for i = 1, 20 do r.task = string.rep("y", 200) .. i end
        r.task = "z"
      end }
      if newproxy then -- luacheck: ignore
        local p = newproxy(true) -- luacheck: ignore
        getmetatable(p).__gc = mt.__gc
        return p
      end
      return setmetatable({}, mt)
    end
    for _ = 1, 200 do
      hostile()
      local t = list:column("task")
      assert.is_true(t[2] == "z" or t[2]:sub(1, 1) == "y" or t[2] == "it's")
    end
  end)

  -- Enum values by their canonical texts are stored without allocating;
  -- only the values to be made (unknown enum texts, strings, DateTimes)
  -- are copied first.  A finaliser that grows the list or makes values
  -- unknown between the allocations must not be missed.
  it("is safe when finalisers grow the list or add values to be made", function()
    -- in a child with a small heap, where finalisers run often and cheaply
    local out = helpers.run_support("column_window.lua")
    assert.matches("^ok %d+", out)
    assert.is_true(tonumber(out:match("^ok (%d+)")) > 0, "the finalisers ran")
  end)
end)

describe("list:encode_to", function()
  local function slurp(path)
    local fh = assert(io.open(path, "rb"))
    local t = fh:read("*a")
    fh:close()
    return t
  end

  it("writes to a file what list:encode gives, in pieces", function()
    local runs = {}
    for i = 1, 800 do -- one piece (several: spec/40)
      runs[i] = { runId = "run-" .. i, status = "Failed", task = "t\"" .. i,
                  createTime = "2019-05-01T10:00:00.5+02:00",
                  outputImages = { { repository = "web", tag = "v" .. i } } }
    end
    local list = acr.list({ value = runs, nextLink = "https://next" })
    local path = os.tmpname()
    for _, opts in ipairs({ false, { pretty = true }, { profile = "request" } }) do
      local fh = assert(io.open(path, "wb"))
      assert.is_true(list:encode_to(fh, opts or nil))
      fh:close()
      assert.equal(list:encode(opts or nil), slurp(path))
    end
    local fh = assert(io.open(path, "wb"))
    assert.is_true(acr.list():encode_to(fh))
    fh:close()
    assert.equal(acr.list():encode(), slurp(path))
    os.remove(path)
  end)

  it("returns nil, message, details when the file refuses, raises on misuse", function()
    local list = acr.list({ { runId = "a" } })
    local path = os.tmpname()
    local ro = assert(io.open(path, "rb")) -- opened for reading only
    local ok, msg, details = list:encode_to(ro)
    ro:close()
    assert.is_nil(ok)
    assert.equal("string", type(msg))
    assert.equal("write", details.kind)
    local fh = assert(io.open(path, "wb"))
    fh:close()
    assert.has_error(function() list:encode_to(fh) end) -- closed
    assert.has_error(function() list:encode_to("out.json") end)
    assert.has_error(function() list:encode_to() end)
    fh = assert(io.open(path, "wb"))
    assert.has_error(function() list:encode_to(fh, { profile = "bogus" }) end)
    fh:close()
    os.remove(path)
  end)
end)
