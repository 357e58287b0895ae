-- Lua code that runs in the middle of an operation (issue 9 §1): a
-- __tostring, a stand-in module's __index, a __gc finaliser or a predicate
-- that changes the same run or the same list while C is working on it.
--
-- The rule (csrc/lacr_pin.c): C holds a pointer into a run only across code
-- that cannot run Lua, or while the run is pinned.  These specs are meant
-- for `make sanitize` and `make valgrind`, where a broken rule is a
-- use-after-free report; without them they check that every operation still
-- gives a sane answer.
local acr = require("acr.run")

local LONG = string.rep("x", 3000)

-- Enough changes to make the run compact its memory (acr_run_gc) if it may.
local function churn(run)
  for i = 1, 12 do
    run.task = LONG .. i
    run.agentPoolName = LONG .. "e" .. i
    run.outputImages = { { repository = LONG .. i, tag = "t" } }
    run.platform = { os = "Windows", architecture = "arm" }
    run.customRegistries = { LONG, "b" .. i }
  end
  run.task = nil
  run.agentPoolName = nil
end

local function sample()
  return acr.from_table {
    runId = "r1", status = "Running", task = "t1",
    runErrorMessage = string.rep("m", 400), -- longer than the copy-out buffer
    platform = { os = "Linux", architecture = "amd64" },
    outputImages = { { repository = "repo", tag = "v1" }, { repository = "two" } },
    customRegistries = { "a.azurecr.io", string.rep("b", 300) },
    sourceTrigger = { id = "s", eventType = "commit" },
  }
end

-- Objects whose finaliser calls fn, re-armed at every collection while
-- `active`: Lua 5.1 finalises only userdata (newproxy), 5.2+ tables too.
local function gc_hooks(fn, count)
  local state = { active = true }
  local function arm()
    local hook = function()
      if state.active then
        fn()
        arm()
      end
    end
    if newproxy then
      local p = newproxy(true)
      getmetatable(p).__gc = hook
    else
      setmetatable({}, { __gc = hook })
    end
  end
  for _ = 1, count or 20 do arm() end
  return state
end

-- Run f with the collector running continuously and finalisers that churn
-- the run; then stop them.
local function under_finalisers(run, f)
  local hooks = gc_hooks(function() churn(run) end)
  collectgarbage("setpause", 0)
  collectgarbage("setstepmul", 400)
  local ok, err = pcall(f)
  hooks.active = false
  collectgarbage("setpause", 200)
  collectgarbage("setstepmul", 200)
  collectgarbage()
  collectgarbage()
  if not ok then error(err, 0) end
end

local function repeat_under_finalisers(run, n, f)
  under_finalisers(run, function()
    for _ = 1, n do f() end
  end)
end

local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  return tostring(e)
end

describe("re-entrancy: a __tostring on a value assigned to a text field", function()
  local function evil(run)
    return setmetatable({}, { __tostring = function() churn(run) return "x" end })
  end

  it("is refused, never called, through a view", function()
    local run = sample()
    local st = run.sourceTrigger
    assert.matches("expected a string", err_of(function() st.id = evil(run) end))
    assert.equal("s", st.id)
  end)

  it("is refused as a list element and inside a record table", function()
    local run = sample()
    assert.matches("expected a string",
      err_of(function() run.outputImages[1] = { repository = evil(run) } end))
    assert.matches("expected a string",
      err_of(function() run.sourceTrigger = { id = evil(run) } end))
    assert.matches("expected a string",
      err_of(function() run.customRegistries[1] = evil(run) end))
    assert.equal("repo", run.outputImages[1].repository)
    assert.equal("s", run.sourceTrigger.id)
  end)

  it("is refused by acr.new, from_table and acr.list (a Run is not a runId)", function()
    local run = sample()
    assert.matches("expected a string", err_of(acr.new, { runId = run }))
    assert.matches("expected a string", err_of(acr.from_table, { task = evil(run) }))
    assert.matches("expected a string", err_of(acr.list, { { runId = evil(run) } }))
  end)
end)

describe("re-entrancy: run:to_table()", function()
  it("never runs a stand-in cjson module's __index", function()
    local run = sample()
    local saved = package.loaded.cjson
    local called = false
    package.loaded.cjson = setmetatable({}, {
      __index = function() called = true churn(run) return nil end,
    })
    local ok, t = pcall(run.to_table, run)
    local ok2, lt = pcall(function() return acr.list { run }:to_table() end)
    local ok3, d = pcall(run.diff, run, acr.new())
    package.loaded.cjson = saved
    assert.is_true(ok, t)
    assert.is_true(ok2, lt)
    assert.is_true(ok3, d)
    assert.is_false(called)
    assert.equal("r1", t.runId)
    assert.equal("t1", t.task)
    assert.equal("r1", lt.value[1].runId)
  end)

  it("gives a whole table while finalisers change the run", function()
    local run = sample()
    repeat_under_finalisers(run, 30, function()
      local t = run:to_table()
      assert.equal("r1", t.runId)
      assert.equal("Running", t.status)
      assert.is_table(t.outputImages)
    end)
  end)

  it("of views, lists and unknown fields, while finalisers change the run", function()
    local run = acr.from_table {
      runId = "r", extra = { a = { 1, 2, { b = string.rep("z", 500) } } },
      platform = { os = "Linux", more = { 1, 2 } },
      outputImages = { { repository = "x" } },
    }
    local platform, images = run.platform, run.outputImages
    repeat_under_finalisers(run, 20, function()
      run:unknown()
      run:problems()
      platform:to_table()
      platform:unknown()
      images:to_table()
      tostring(run)
      run:trigger()
      run:encode()
      run:clone()
    end)
    assert.equal("r", run.runId)
  end)
end)

describe("re-entrancy: reads, iterators and comparisons while the run changes", function()
  it("reads every field kind, long texts too", function()
    local run = sample()
    repeat_under_finalisers(run, 200, function()
      local _, _, _, _, _ = run.runId, run.status, run.createTime, run.platform,
                            run.customRegistries
      local m = run.runErrorMessage
      assert.is_true(m == nil or type(m) == "string")
      local c = run.customRegistries
      if c then local _, _, _ = c[1], c[2], #c end
    end)
  end)

  it("fields, iter and pairs while the loop body changes the run", function()
    local run = sample()
    local seen = 0
    for name, value in run:fields() do
      seen = seen + 1
      churn(run)
      assert.is_string(name)
      assert.is_true(value ~= nil)
    end
    assert.is_true(seen > 0)
    run = sample()
    local list = run.customRegistries
    for i, v in list:iter() do
      run.customRegistries = { "c" .. i }
      churn(run)
      assert.is_true(v == nil or type(v) == "string")
    end
    run = sample()
    for _, img in run.outputImages:iter() do
      churn(run)
      local _ = img.repository -- a view whose element may be gone: nil, no crash
    end
    if _VERSION ~= "Lua 5.1" then
      run = sample()
      for k in pairs(run) do
        churn(run)
        assert.is_string(k)
      end
    end
  end)

  it("diff and == while finalisers change both runs", function()
    local a, b = sample(), sample()
    b.status = "Failed"
    repeat_under_finalisers(a, 20, function()
      local d = a:diff(b)
      assert.is_table(d)
      local _ = (a == b)
      _ = (a.platform == b.platform)
      _ = (a.outputImages == b.outputImages)
    end)
  end)
end)

describe("re-entrancy: assignments while finalisers change the same run", function()
  it("through the run, views and lists", function()
    local run = sample()
    repeat_under_finalisers(run, 40, function()
      run.sourceTrigger = { id = "new", eventType = "commit", branchName = "main" }
      local st = run.sourceTrigger
      st.branchName = "dev"
      run.outputImages = { { repository = "a", tag = "1" }, { repository = "b" } }
      local imgs = run.outputImages
      imgs[1] = { repository = "c", tag = "2" }
      imgs:append({ repository = "d" })
      imgs:remove(1)
      run.customRegistries = { "x", "y" }
      run.customRegistries[1] = "z"
      run.platform = run.platform or { os = "Linux" }
    end)
    -- after the finalisers stop, the run is whole and compacts again
    run.sourceTrigger = { id = "final" }
    assert.equal("final", run.sourceTrigger.id)
    assert.equal("r1", run.runId)
  end)

  it("a view whose record is replaced while its value is built", function()
    local run = sample()
    local st = run.sourceTrigger
    local hooks = gc_hooks(function() run.sourceTrigger = nil end, 50)
    collectgarbage("setpause", 0)
    for _ = 1, 20 do
      run.sourceTrigger = { id = "s" }
      pcall(function() st.id = "new" end) -- may find its record gone: an error, never a crash
    end
    hooks.active = false
    collectgarbage("setpause", 200)
    collectgarbage()
  end)

  it("acr.new and from_table while finalisers change other runs", function()
    local other = sample()
    repeat_under_finalisers(other, 30, function()
      local r = acr.from_table { runId = "n", outputImages = { { repository = "a" } },
                                 unknownKey = { 1, 2, { x = "y" } } }
      assert.equal("n", r.runId)
      r = acr.new { runId = "m", platform = { os = "Linux" } }
      assert.equal("Linux", r.platform.os)
    end)
  end)
end)

describe("re-entrancy: RunList operations", function()
  local function list_of(n)
    local runs = {}
    for i = 1, n do
      runs[i] = { runId = "r" .. i, status = i % 2 == 0 and "Failed" or "Succeeded",
                  task = "t" .. (i % 3), createTime = "2019-01-0" .. (i % 9 + 1) .. "T00:00:00Z",
                  startTime = "2019-01-01T00:00:00Z", finishTime = "2019-01-01T00:01:00Z" }
    end
    return acr.list(runs)
  end

  it("filter with a predicate that changes the run and the list", function()
    local l = list_of(6)
    local out = l:filter(function(run)
      churn(run)
      l[1] = acr.new { runId = "replaced" }
      if #l < 10 then l:append({ runId = "added" }) end
      return true
    end)
    assert.is_true(#out >= 6)
    for _, r in out:iter() do assert.is_string(r.runId) end
  end)

  it("filter with a predicate that closes the list (5.4 <close>)", function()
    if _VERSION ~= "Lua 5.4" then return end
    local l = list_of(3)
    local f = load([[
      local l, run = ...
      local x <close> = l
    ]])
    assert.has_error(function()
      l:filter(function(run) f(l, run) return true end)
    end)
  end)

  it("to_table, encode, sort, top, count_by, summary, == while finalisers change the runs", function()
    local l = list_of(8)
    l.nextLink = "https://next"
    local first = l[1]
    repeat_under_finalisers(first, 15, function()
      local t = l:to_table()
      assert.equal(8, #t.value)
      assert.is_string(l:encode())
      l:sort("createTime", "desc")
      assert.equal(3, #l:top(3))
      local c = l:count_by("status")
      assert.is_number(c.Failed)
      local s = l:summary()
      assert.equal(8, s.total)
      local _ = (l == l:filter(function() return true end))
      assert.equal(4, #l:filter("status eq 'Failed'"))
      local f = acr.filter("status eq 'Failed'")
      local _ = f(first)
    end)
  end)

  it("list[i] and iter while finalisers replace elements", function()
    local l = list_of(5)
    local hooks = gc_hooks(function() l[1] = acr.new { runId = "g" } end, 50)
    collectgarbage("setpause", 0)
    for _ = 1, 200 do
      local r = l[1]
      assert.is_string(r.runId)
      for _, x in l:iter() do local _ = x.runId end
    end
    hooks.active = false
    collectgarbage("setpause", 200)
    collectgarbage()
  end)

  it("acr.list and format while finalisers change the runs", function()
    local format = require("acr.format") -- adds list:format (Lua over C)
    assert.equal(format.format, acr.methods.RunList.format)
    local run = sample()
    repeat_under_finalisers(run, 10, function()
      local l = acr.list { run, { runId = "t" } }
      assert.equal(2, #l)
      assert.is_string(l:format("table"))
    end)
  end)
end)

describe("embedded NUL bytes (issue 9 §5)", function()
  it("keep every byte of a kept RunListResult key", function()
    local l = acr.list { value = {}, ["a\0b"] = 1, a = 2 }
    local text = l:encode()
    assert.truthy(text:find('"a\\u0000b":1', 1, true), text)
    assert.truthy(text:find('"a":2', 1, true), text)
    assert.equal(1, l:to_table()["a\0b"])
    assert.equal(2, l:to_table().a)
  end)

  it("do not make a key equal a name it starts with", function()
    local l = acr.list { value = {}, ["value\0x"] = 3, ["nextLink\0"] = "n" }
    assert.is_nil(l.nextLink)
    assert.equal(3, l:to_table()["value\0x"])
    assert.is_nil(l["nextLink\0"])
    assert.has_error(function() l["nextLink\0"] = "x" end)
  end)

  it("refuse option names and values cut at a NUL", function()
    local run = sample()
    assert.matches("unknown option", err_of(run.encode, run, { ["pretty\0x"] = true }))
    assert.matches("profile", err_of(run.encode, run, { profile = "full\0" }))
    assert.matches("unknown option", err_of(acr.from_table, {}, { ["strict\0"] = true }))
    assert.matches("asc", err_of(function() acr.list():sort("status", "asc\0") end))
  end)

  it("keep every byte of unknown keys given to from_table", function()
    local run = acr.from_table { runId = "r", ["k\0ey"] = 1 }
    assert.equal("1", run:unknown()["k\0ey"])
    assert.is_nil(run:unknown().k)
  end)
end)
