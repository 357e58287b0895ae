-- acr.ffi: the LuaJIT fast path for reading runs (issue 13).  On LuaJIT it
-- must read exactly what the C metamethods read, for every scalar field,
-- #list and list[i], after every kind of change, also when Lua code (a
-- finaliser) changes the run in the middle of a read; elsewhere it must be
-- an inert module.

local helpers = require("spec.helpers")
local acr = require("acr.run")

-- The JIT's own switch, before acr.ffi wraps it: to run the fast path in
-- the interpreter, as it runs before a trace is compiled.
local raw_jit_off, raw_jit_on
if type(jit) == "table" then raw_jit_off, raw_jit_on = jit.off, jit.on end

local K_STRING, K_ENUM, K_DATETIME, K_BOOL, K_INT32 = 0, 1, 2, 3, 4
local SCALAR = { [K_STRING] = true, [K_ENUM] = true, [K_DATETIME] = true,
                 [K_BOOL] = true, [K_INT32] = true }

-- Every scalar field of a Run, from the layout the fast path reads.
local FIELDS = {}
for name, f in pairs(acr._layout.run_fields) do
  if SCALAR[f[2]] then FIELDS[#FIELDS + 1] = name end
end
table.sort(FIELDS)

local function show(v)
  if v == nil then return "<nil>" end
  if acr.type(v) == "DateTime" then return "DateTime " .. tostring(v) end
  return v
end

local function snapshot(run)
  local t = {}
  for i, k in ipairs(FIELDS) do t[i] = show(run[k]) end
  return t
end

local LONG = string.rep("x", 3000)

-- Enough changes to make the run compact its memory.
local function churn(run, i)
  run.task = LONG .. i
  run.agentPoolName = LONG .. "e" .. i
  run.status = (i % 2 == 0) and "Failed" or "Running"
  run.createTime = 1700000000 + i
  run.isArchiveEnabled = i % 2 == 0
end

-- Finalisers (userdata: 5.1/LuaJIT finalise only userdata) that call fn at
-- every collection while state.active.
local function gc_hooks(fn, count)
  local state = { active = true }
  local function arm()
    local p = newproxy(true)
    getmetatable(p).__gc = function()
      if state.active then
        fn()
        arm()
      end
    end
  end
  for _ = 1, count do arm() end
  return state
end

-- The collector made to run all the time (a full cycle first, so the new
-- pause applies now), its finalisers calling fn at most budget times.
local function under_finalisers(fn, f, budget)
  local calls = 0
  local hooks = gc_hooks(function()
    if calls < budget then calls = calls + 1; fn() end
  end, 20)
  local pause = collectgarbage("setpause", 0)
  local stepmul = collectgarbage("setstepmul", 400)
  collectgarbage()
  local ok, err = pcall(f)
  hooks.active = false
  collectgarbage("setpause", pause)
  collectgarbage("setstepmul", stepmul)
  collectgarbage()
  collectgarbage()
  if not ok then error(err, 0) end
  return calls
end

local function mk(n)
  local t = {}
  for i = 1, n do t[i] = { runId = "r" .. i, status = "Queued" } end
  return acr.list(t)
end

describe("acr.ffi", function()
  local fast = require("acr.ffi")
  local was = fast.enabled
  after_each(function()
    if raw_jit_on then jit.on() end
    if was then fast.enable() else fast.disable() end
  end)

  if type(jit) ~= "table" then
    it("is inert without LuaJIT", function()
      assert.is_false(fast.enabled)
      assert.is_false(fast.enable())
      assert.is_false(fast.enabled)
      assert.equal("Failed", acr.from_table({ status = "failed" }).status)
      assert.equal(2, #acr.list({ {}, {} }))
    end)
    return
  end

  local function is_c(f) return debug.getinfo(f, "S").what == "C" end
  local function installed(v) return not is_c(debug.getmetatable(v).__index) end

  describe("switching", function()
    it("is on under LuaJIT with the JIT on, and can be switched", function()
      local run, list = acr.new(), acr.list()
      assert.equal(jit.status() and true or false, fast.enabled)
      assert.is_true(fast.disable())
      assert.is_false(fast.enabled)
      assert.is_false(installed(run))
      assert.is_false(installed(list))
      assert.is_true(fast.enable())
      assert.is_true(fast.enabled)
      assert.is_true(installed(run))
      assert.is_true(installed(list))
    end)

    it("falls back to C while the JIT is off, and comes back", function()
      local run = acr.from_table({ runId = "a", status = "Failed" })
      fast.enable()
      jit.off()
      assert.is_false(jit.status())
      assert.is_false(fast.enabled)
      assert.is_false(installed(run))
      assert.is_false(fast.enable())
      assert.equal("Failed", run.status)
      jit.on()
      assert.is_true(fast.enabled)
      assert.is_true(installed(run))
      fast.disable()
      jit.off()
      jit.on()
      assert.is_false(fast.enabled, "disable() holds across jit.on()")
      jit.off(function() end) -- one function: the engine stays on
      assert.is_true(jit.status())
    end)

    it("is one instance per state", function()
      package.loaded["acr.ffi"] = nil
      local again = require("acr.ffi")
      package.loaded["acr.ffi"] = fast
      assert.equal(fast, again)
    end)
  end)

  it("reads what the C API reads, for every fixture run and scalar field", function()
    local n = 0
    for _, path in ipairs(helpers.fixture_files("spec-examples", "%.json$")) do
      local v = acr.decode(helpers.read_file(path))
      local runs = {}
      if acr.type(v) == "Run" then
        runs = { v }
      elseif acr.type(v) == "RunList" then
        fast.disable()
        local len, c_runs = #v, {}
        for i = 1, len do c_runs[i] = v[i] end
        fast.enable()
        assert.equal(len, #v, path)
        for i = 1, len do
          runs[i] = v[i]
          assert.equal("Run", acr.type(runs[i]))
          assert.is_true(runs[i] == c_runs[i], path)
        end
        assert.is_nil(v[len + 1])
        assert.is_nil(v[0])
      end
      for _, run in ipairs(runs) do
        fast.disable()
        local want = snapshot(run)
        fast.enable()
        assert.same(want, snapshot(run), path)
        assert.same(want, snapshot(run), path) -- from the caches
        n = n + 1
      end
    end
    assert.is_true(n > 0)
    assert.is_true(#FIELDS >= 15)
  end)

  describe("a Run's fields", function()
    it("follow setters, clearing and unknown enum values", function()
      local run = acr.from_table({ runId = "a", status = "Paused", task = "t",
                                   isArchiveEnabled = true })
      assert.equal("Paused", run.status)
      run.status = "failed"
      assert.equal("Failed", run.status)
      run.status = nil
      assert.is_nil(run.status)
      run = acr.from_table({ runId = "a", status = "Brand-New" })
      assert.equal("Brand-New", run.status)
      run.isArchiveEnabled = false
      assert.is_false(run.isArchiveEnabled)
      run.isArchiveEnabled = nil
      assert.is_nil(run.isArchiveEnabled)
      run.task = ""
      assert.equal("", run.task)
      run.task = "a\0b"
      assert.equal("a\0b", run.task)
      run.task = nil
      assert.is_nil(run.task)
    end)

    it("follow compaction", function()
      local run = acr.from_table({ runId = "a", status = "Queued" })
      local before = run:memsize()
      for i = 1, 300 do churn(run, i) end
      assert.is_true(run:memsize() < before + 300 * 3000) -- it compacted
      assert.equal(LONG .. 300, run.task)
      assert.equal(LONG .. "e300", run.agentPoolName)
      assert.equal("Failed", run.status)
      assert.equal(acr.datetime(1700000300), run.createTime)
      assert.is_true(run.isArchiveEnabled)
    end)

    it("give a DateTime: the same object while the value stays", function()
      local run = acr.from_table({ runId = "a",
                                   createTime = "2024-01-02T03:04:05.5+01:00" })
      local d = run.createTime
      assert.equal("DateTime", acr.type(d))
      assert.equal("2024-01-02T03:04:05.5+01:00", tostring(d))
      assert.equal(d:epoch(), run.createTime:epoch())
      assert.equal("2024-01-02T02:04:05.5Z", tostring(d:utc()))
      assert.is_true(rawequal(d, run.createTime))
      -- same instant, other text: another value, another object
      run.createTime = "2024-01-02T02:04:05.5Z"
      assert.equal("2024-01-02T02:04:05.5Z", tostring(run.createTime))
      assert.is_false(rawequal(d, run.createTime))
      assert.equal(d, run.createTime) -- == compares instants
      assert.equal("2024-01-02T03:04:05.5+01:00", tostring(d)) -- unchanged
      run.createTime = nil
      assert.is_nil(run.createTime)
      run.createTime = d
      assert.equal("2024-01-02T03:04:05.5+01:00", tostring(run.createTime))
      for i = 1, 300 do churn(run, i) end
      assert.equal(acr.datetime(1700000300), run.createTime)
      assert.equal(tostring(acr.datetime(1700000300)), tostring(run.createTime))
      assert.has_error(function() run.createTime.year = 1 end)
    end)

    it("are read in C for views, methods, unknown names and errors", function()
      local run = acr.from_table({ runId = "a", platform = { os = "linux" },
                                   agentConfiguration = { cpu = 2 } })
      assert.equal("Linux", run.platform.os)
      assert.equal(2, run.agentConfiguration.cpu)
      assert.equal("function", type(run.to_table))
      assert.has_error(function() return run.nope end)
      assert.has_error(function() return run[1] end)
      assert.has_error(function() run.status = "Bogus" end)
      run.platform.os = "Windows"
      assert.equal("Windows", run.platform.os)
      assert.equal("a", run.runId)
    end)
  end)

  describe("list[i] and #list", function()
    it("give a Run with its methods, equal to C's, the same while unchanged", function()
      local list = mk(40)
      local r = list[33]
      assert.equal("Run", acr.type(r))
      assert.equal("r33", r.runId)
      assert.equal("r33", r:to_table().runId)
      assert.is_true(r == list[33])
      assert.equal(40, #list)
      assert.is_nil(list[41])
      assert.is_nil(list[0])
      assert.is_nil(list[1.5])
      assert.is_nil(list[-1])
      assert.is_nil(list[2 ^ 60])
      assert.equal("function", type(list.filter))
      assert.is_nil(list.nextLink)
      -- a Run from list[i] is the run: a change shows in the list and back
      r.status = "Failed"
      assert.equal("Failed", list[33].status)
    end)

    it("follow list[i] = other, append, extend and sort", function()
      local list = mk(3)
      local old = list[2]
      list[2] = { runId = "new", status = "Failed" }
      assert.equal("new", list[2].runId)
      assert.equal("r2", old.runId, "a Run keeps its run when the list changes")
      list[#list + 1] = { runId = "r4" }
      for i = 5, 200 do list:append({ runId = "r" .. i }) end -- reallocates
      assert.equal(200, #list)
      assert.equal("r1", list[1].runId)
      assert.equal("r200", list[200].runId)
      list:extend(mk(2))
      assert.equal(202, #list)
      assert.equal("r2", list[202].runId)
      list:sort("runId", "desc")
      fast.disable()
      local want = {}
      for i = 1, #list do want[i] = list[i].runId end
      fast.enable()
      for i = 1, #list do assert.equal(want[i], list[i].runId) end
      assert.equal("r2", old.runId)
    end)

    it("keep a held Run alive after the list is collected", function()
      local list = mk(50)
      local r = list[40]
      r.createTime = "2020-01-01T00:00:00Z"
      local d = list[40].createTime
      list = nil -- luacheck: ignore
      collectgarbage()
      collectgarbage()
      assert.equal("r40", r.runId)
      assert.equal("Queued", r.status)
      assert.equal(d, r.createTime)
      assert.equal("2020-01-01T00:00:00Z", tostring(r.createTime))
    end)

    it("survive collections between reads", function()
      local list = mk(100)
      for round = 1, 3 do
        for i = 1, #list do
          if i % 17 == 0 then collectgarbage() end
          assert.equal("r" .. i, list[i].runId, "round " .. round)
        end
      end
    end)

    -- The list keeps the Run it gave for list[i] (a full collection must not
    -- send a loop back to C), and only while it holds that run there.  A
    -- Run let go is seen through a weak table: collected, it released its
    -- run.
    local function full_gc() collectgarbage(); collectgarbage() end
    local function reads(list)
      local w = setmetatable({}, { __mode = "v" })
      for i = 1, #list do w[i] = list[i] end
      return w
    end

    it("give the same Run for list[i] after full collections", function()
      local list = mk(100)
      local w = reads(list)
      full_gc()
      for i = 1, 100 do
        assert.is_not_nil(w[i], "kept " .. i)
        assert.is_true(rawequal(w[i], list[i]), "the same Run " .. i)
      end
      -- a single read keeps the Runs around it the same way
      local one = mk(300)
      local r = one[150]
      local kept = setmetatable({ r }, { __mode = "v" })
      r = nil -- luacheck: ignore
      full_gc()
      assert.is_true(rawequal(kept[1], one[150]))
      assert.equal("r150", one[150].runId)
    end)

    it("let a replaced run go, and keep the others", function()
      local list = mk(40)
      local w = reads(list)
      list[7] = { runId = "new" }
      list[8] = list[9] -- the same run at two indexes
      full_gc()
      assert.is_nil(w[7], "the replaced run's Run is let go")
      assert.is_nil(w[8])
      assert.is_true(rawequal(w[9], list[9]))
      assert.equal("new", list[7].runId)
      assert.equal("r9", list[8].runId)
      for i = 10, 40 do assert.is_true(rawequal(w[i], list[i]), i) end
      -- appending keeps them all
      list:append({ runId = "r41" })
      list:extend(mk(2))
      full_gc()
      for i = 10, 40 do assert.is_true(rawequal(w[i], list[i]), i) end
    end)

    it("let go after sort, so a run replaced later is not kept under its old index", function()
      local list = mk(30)
      local w = reads(list)
      list:sort("runId", "desc") -- r9, r8, ..., r30 ... r1 by text
      full_gc()
      for i = 1, 30 do assert.is_nil(w[i], i) end
      local w2 = reads(list)
      local at1 = list[1].runId
      list[1] = { runId = "x" }
      full_gc()
      assert.is_nil(w2[1], at1 .. " let go")
      for i = 2, 30 do assert.is_true(rawequal(w2[i], list[i]), i) end
      fast.disable()
      local want = {}
      for i = 1, #list do want[i] = list[i].runId end
      fast.enable()
      for i = 1, #list do assert.equal(want[i], list[i].runId) end
    end)

    it("let go with the list", function()
      local list = mk(20)
      local w = reads(list)
      local held = list[3]
      list = nil -- luacheck: ignore
      full_gc()
      full_gc()
      for i = 1, 20 do
        if i ~= 3 then assert.is_nil(w[i], i) end
      end
      assert.equal("r3", held.runId)
    end)

    it("are made once per index, not once per read", function()
      local list = mk(64)
      local made = 0
      local seen = setmetatable({}, { __mode = "k" })
      for _ = 1, 3 do
        for i = 1, #list do
          local r = list[i]
          if not seen[r] then seen[r] = true; made = made + 1 end
        end
        full_gc()
      end
      assert.equal(64, made)
    end)
  end)

  -- The fast path in the interpreter (as before a trace is compiled), with
  -- finalisers changing the run (and compacting it) or the list at every
  -- collection: each read gives a value the field had, never freed bytes.
  describe("in the interpreter, with finalisers changing what is read", function()
    before_each(function()
      fast.enable()
      raw_jit_off()
    end)
    after_each(function() raw_jit_on() end)

    it("reads a run's fields and list[i] (in a child with a small heap)", function()
      -- Here the heap is large and cycles rare; the child runs a cycle every
      -- few reads.  Without the check acr.ffi makes, it reads freed memory.
      local out = helpers.run_support("ffi_window.lua")
      assert.matches("^ok %d+", out)
      assert.is_true(tonumber(out:match("^ok (%d+)")) > 0, "the finalisers ran")
    end)

    it("reads list[i] and #list", function()
      local list = mk(8)
      local k = 0
      under_finalisers(function()
        k = k + 1
        list[1 + k % 8] = { runId = "x" .. k }
        list:append({ runId = "y" .. k })
      end, function()
        for _ = 1, 300 do
          local n = #list
          assert.is_true(n >= 8)
          for i = 1, 8 do
            local id = list[i].runId
            assert.is_true(id == "r" .. i or id:match("^x%d+$") ~= nil, id)
          end
        end
      end, 2000)
      assert.is_true(k > 0, "the finalisers ran")
    end)
  end)
end)
