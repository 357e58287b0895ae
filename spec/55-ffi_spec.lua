-- acr.ffi: the LuaJIT fast path for reading runs (issue 13).  On LuaJIT it
-- must read exactly what the C metamethods read, for every scalar field,
-- after every kind of change; elsewhere it must be an inert module.

local helpers = require("spec.helpers")
local acr = require("acr.run")

local FIELDS = { "id", "name", "type", "runId", "status", "lastUpdatedTime",
  "runType", "agentPoolName", "createTime", "startTime", "finishTime", "task",
  "sourceRegistryAuth", "runErrorMessage", "updateTriggerToken",
  "provisioningState", "isArchiveEnabled", "platform", "outputImages" }

local function snapshot(run)
  local t = {}
  for i, k in ipairs(FIELDS) do
    local v = run[k]
    if type(v) == "userdata" then v = tostring(v) end
    t[i] = v == nil and "<nil>" or v
  end
  return t
end

describe("acr.ffi", function()
  local fast = require("acr.ffi")
  local was = fast.enabled
  after_each(function()
    if was then fast.enable() else fast.disable() end
  end)

  if type(jit) ~= "table" then
    it("is inert without LuaJIT", function()
      assert.is_false(fast.enabled)
      assert.is_false(fast.enable())
      assert.is_false(fast.enabled)
      assert.equal("Failed", acr.from_table({ status = "failed" }).status)
    end)
    return
  end

  it("is on under LuaJIT with the JIT on, and can be switched", function()
    assert.equal(jit.status() and true or false, fast.enabled)
    assert.is_true(fast.disable())
    assert.is_false(fast.enabled)
    if jit.status() then
      assert.is_true(fast.enable())
      assert.is_true(fast.enabled)
    end
  end)

  it("reads what the C API reads, for every fixture run and field", function()
    local n = 0
    for _, path in ipairs(helpers.fixture_files("spec-examples", "%.json$")) do
      local v = acr.decode(helpers.read_file(path))
      local runs = {}
      if acr.type(v) == "Run" then runs = { v }
      elseif acr.type(v) == "RunList" then
        for i = 1, #v do runs[i] = v[i] end
      end
      for _, run in ipairs(runs) do
        fast.disable()
        local want = snapshot(run)
        fast.enable()
        assert.same(want, snapshot(run), path)
        n = n + 1
      end
    end
    assert.is_true(n > 0)
  end)

  it("follows changes, compaction and unknown enum values", function()
    fast.enable()
    local run = acr.from_table({ runId = "a", status = "Paused", task = "t",
                                 isArchiveEnabled = true })
    assert.equal("Paused", run.status)
    for i = 1, 300 do run.task = string.rep("x", 100) .. i end -- compacts
    assert.equal(string.rep("x", 100) .. "300", run.task)
    run.status = "failed"
    assert.equal("Failed", run.status)
    run.status = nil
    assert.is_nil(run.status)
    run.isArchiveEnabled = false
    assert.is_false(run.isArchiveEnabled)
    run.task = nil
    assert.is_nil(run.task)
    assert.equal("a", run.runId)
    local list = acr.list({ run, run, { runId = "b" } })
    assert.equal(3, #list)
    list[4] = { runId = "c" }
    assert.equal(4, #list)
    assert.equal("c", list[4].runId)
    fast.disable()
    assert.equal(4, #list)
  end)

  it("leaves methods, errors and everything else to C", function()
    fast.enable()
    local run = acr.from_table({ runId = "a", platform = { os = "linux" } })
    assert.equal("Linux", run.platform.os)
    assert.equal("function", type(run.to_table))
    assert.has_error(function() return run.nope end)
    assert.has_error(function() return run[1] end)
    assert.has_error(function() run.status = "Bogus" end)
  end)
end)
