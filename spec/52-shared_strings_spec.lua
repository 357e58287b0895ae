-- Strings shared across the runs of a decoded list (issue 13): the texts of
-- repeated fields (type, task, registries, repositories...) are stored once
-- per decode and stay right whatever happens to the list and its runs.
-- Run under `make sanitize` and `make gc-stress` this is the lifetime test
-- from Lua.

local TYPE = "Microsoft.ContainerRegistry/registries/runs"

local function run_json(id, task, repo)
  return string.format(
    '{"id":"/r/runs/%s","type":"%s","properties":{"runId":"%s",'
    .. '"task":"%s","platform":{"os":"linux"},"customRegistries":'
    .. '["r.azurecr.io"],"outputImages":[{"registry":"r.azurecr.io",'
    .. '"repository":"%s","tag":"v1"}]}}', id, TYPE, id, task, repo)
end

local function list_json(n)
  local t = {}
  for i = 1, n do
    t[i] = run_json("r" .. i, i % 2 == 0 and "build" or "test",
      i % 3 == 0 and "web" or "api")
  end
  return '{"value":[' .. table.concat(t, ",") .. "]}"
end

local decode = require("spec.helpers").decode

local function full_collect()
  collectgarbage()
  collectgarbage()
end

describe("shared strings", function()
  it("read the same through every run of a list", function()
    local l = decode(list_json(6))
    for i = 1, #l do
      local run = l[i]
      assert.equal(TYPE, run.type)
      assert.equal(i % 2 == 0 and "build" or "test", run.task)
      assert.equal("r.azurecr.io", run.outputImages[1].registry)
      assert.equal(i % 3 == 0 and "web" or "api", run.outputImages[1].repository)
      assert.equal("Linux", run.platform.os) -- kept as received:
      assert.truthy(run:encode():find('"os":"linux"', 1, true))
      assert.equal("r.azurecr.io", run.customRegistries[1])
    end
    assert.equal(3, #l:filter("taskName eq 'build'"))
    assert.equal("r2,r4,r6", table.concat(l:filter("taskName eq 'build'")
      :column("runId"), ","))
  end)

  it("outlive their list (a run kept, the list collected)", function()
    local l = decode(list_json(4))
    local run, text = l[3], l[3]:encode()
    l = nil -- luacheck: ignore
    full_collect()
    assert.equal(TYPE, run.type)
    assert.equal("web", run.outputImages[1].repository)
    assert.equal(text, run:encode())
  end)

  it("move with a run to another list", function()
    local l = decode(list_json(4))
    local other = decode(list_json(2))
    local text = l[2]:encode()
    other:append(l[2])
    other:extend(l)
    l = nil -- luacheck: ignore
    full_collect()
    assert.equal(text, other[3]:encode())
    assert.equal(7, #other)
    for i = 1, #other do assert.equal(TYPE, other[i].type) end
  end)

  it("are copied by clone, which stands alone", function()
    local l = decode(list_json(3))
    local c = l[1]:clone()
    local text = l[1]:encode()
    l = nil -- luacheck: ignore
    full_collect()
    assert.equal(text, c:encode())
    assert.is_true(c == decode(text))
  end)

  it("are not changed through another run (setters write to the run)", function()
    local l = decode(list_json(4))
    local a, b = l[1], l[3]
    a.task = "deploy"
    a.outputImages[1].registry = "other.azurecr.io"
    a.customRegistries = { "c.azurecr.io" }
    assert.equal("deploy", a.task)
    assert.equal("test", b.task)
    assert.equal("r.azurecr.io", b.outputImages[1].registry)
    assert.equal("r.azurecr.io", b.customRegistries[1])
    -- many changes compact the run; the rest of its shared texts stay
    for i = 1, 200 do a.updateTriggerToken = string.rep("x", 100 + i) end
    assert.equal(TYPE, a.type)
    assert.equal("api", a.outputImages[1].repository)
    l = nil -- luacheck: ignore
    full_collect()
    assert.equal(TYPE, b.type)
    assert.equal("test", b.task)
  end)

  it("include records (platform...): a change copies the run's own",
    function()
    local l = decode(list_json(4))
    local a, b = l[1], l[2]
    a.platform.architecture = "arm64"
    a.agentConfiguration = { cpu = 4 }
    assert.equal("arm64", a.platform.architecture)
    assert.equal("Linux", a.platform.os)
    assert.truthy(a:encode():find('"platform":{"os":"linux","architecture":'
      .. '"arm64"}', 1, true))
    assert.is_nil(b.platform.architecture)
    assert.truthy(b:encode():find('"platform":{"os":"linux"}', 1, true))
    local p = b.platform -- a view: follows the run's record
    p.variant = "v8"
    p.os = nil
    assert.equal("v8", b.platform.variant)
    assert.is_nil(b.platform.os)
    assert.equal("Linux", l[3].platform.os)
    assert.is_nil(l[3].platform.variant)
    l = nil -- luacheck: ignore
    full_collect()
    assert.equal("Linux", a.platform.os)
    assert.equal(4, a.agentConfiguration.cpu)
    assert.equal("v8", b.platform.variant)
    assert.is_true(a:clone() == a)
  end)

  it("count once in list:memsize()", function()
    local n = 200
    local l = decode(list_json(n))
    local sum = 0
    for i = 1, #l do sum = sum + l[i]:memsize() end
    -- each run is charged its share of the pool: the runs add up to the
    -- list (which adds its own array and header)
    assert.is_true(l:memsize() >= sum)
    assert.is_true(l:memsize() - sum < 4096)
    -- and a run of a list takes less than the same run decoded alone
    local alone = decode(run_json("r1", "test", "api"))
    assert.is_true(l[1]:memsize() < alone:memsize())
  end)
end)
