-- Every spec example and real payload loads through
-- acr.from_table(cjson.decode(text)) with every field readable and equal to
-- the JSON's (nulls absent, enum values canonical).
local acr = require("acr.run")
local helpers = require("spec.helpers")
local cjson = helpers.cjson

local ENUMS = {
  status = acr.enums.RunStatus, runType = acr.enums.RunType,
  provisioningState = acr.enums.ProvisioningState, os = acr.enums.OS,
  architecture = acr.enums.Architecture, variant = acr.enums.Variant,
  createdByType = acr.enums.CreatedByType, lastModifiedByType = acr.enums.CreatedByType,
}
local ENVELOPE = { id = true, name = true, type = true, systemData = true }

local function is_null(v)
  return v == nil or (cjson and v == cjson.null)
end

local function canonical(key, s)
  for _, c in ipairs(ENUMS[key] or {}) do
    if c:lower() == s:lower() then return c end
  end
  return s
end

local function is_array(t)
  if cjson and cjson.array_mt and getmetatable(t) == cjson.array_mt then return true end
  return #t > 0
end

-- Check that obj (a Run or a record view) holds exactly what json says.
local check_record

local function check_value(path, key, got, want)
  if is_null(want) then
    assert.is_nil(got, path)
  elseif type(want) == "string" then
    if type(got) == "userdata" then -- a DateTime: the exact text
      assert.are.equal(want, tostring(got), path)
    else
      assert.are.equal(canonical(key, want), got, path)
    end
  elseif type(want) == "table" and is_array(want) then
    assert.are.equal(#want, #got, path)
    for i, w in ipairs(want) do
      if type(w) == "table" then
        check_record(path .. "[" .. i .. "]", got[i], w)
      else
        assert.are.equal(w, got[i], path .. "[" .. i .. "]")
      end
    end
  elseif type(want) == "table" then
    check_record(path, got, want)
  else
    assert.are.equal(want, got, path)
  end
end

function check_record(path, obj, json, skip, outer)
  assert.is_not_nil(obj, path)
  local unknown = obj:unknown()
  for k, v in pairs(json) do
    if not (skip and skip[k]) then
      local ok, got = pcall(function() return obj[k] end)
      if ok then
        check_value(path .. "." .. k, k, got, v)
      else -- not a field: kept as JSON text
        assert.is_not_nil(unknown[k], path .. "." .. k .. " kept as unknown")
        assert.are.same(v, cjson.decode(unknown[k]), path .. "." .. k)
      end
    end
  end
  -- and nothing more than the JSON has
  for name in obj:fields() do
    local where = json[name]
    if is_null(where) and outer then where = outer[name] end
    assert.is_false(is_null(where), path .. "." .. name .. " is not in the JSON")
  end
end

-- The Run object of a decoded document: a task run's runResult.
local function run_object(t)
  if type(t.runResult) == "table" then return t.runResult end
  if type(t.properties) == "table" and type(t.properties.runResult) == "table" then
    return t.properties.runResult
  end
  return t
end

local function check_run(name, t)
  local run = acr.from_table(t)
  local src = run_object(t)
  if type(src.properties) == "table" then
    local env, props = {}, src.properties
    for k, v in pairs(src) do
      if k ~= "properties" then env[k] = v end
    end
    -- envelope fields and the envelope-level extras
    local u = run:unknown()
    for k, v in pairs(env) do
      if ENVELOPE[k] then
        check_value(name .. "." .. k, k, run[k], v)
      elseif not is_null(v) then
        assert.is_not_nil(u[k], name .. "." .. k .. " kept")
      end
    end
    check_record(name .. ".properties", run, props, ENVELOPE, env)
  else
    check_record(name, run, src)
  end
  -- what it reads back is what from_table builds again
  assert.are.equal(run, acr.from_table(run:to_table()), name .. " round trip")
  assert.are.equal(run, run:clone())
  if acr.decode then
    local text = helpers.read_file(name)
    local decoded = acr.decode(text)
    if decoded and getmetatable(decoded) == getmetatable(run) then
      assert.are.equal(decoded, run, name .. ": decode == from_table")
    end
  end
  return run
end

local function each_fixture(kind, f)
  for _, path in ipairs(helpers.fixture_files(kind)) do
    it(path:match("[^/]*$"), function()
      local t = cjson.decode(helpers.read_file(path))
      if type(t.value) == "table" then
        assert.is_true(#t.value > 0)
        for _, item in ipairs(t.value) do f(path, item) end
      else
        f(path, t)
      end
    end)
  end
end

describe("fixtures through acr.from_table(cjson.decode(text))", function()
  if not cjson then
    pending("lua-cjson is not installed")
    return
  end

  describe("spec examples", function()
    each_fixture("spec-examples", check_run)
  end)

  describe("real payloads", function()
    each_fixture("real-payloads", check_run)
  end)

  it("canonicalise enum case and keep service timestamps exactly", function()
    local run = acr.from_table(cjson.decode(helpers.read_file(
      helpers.fixture("spec-examples", "2019-06-01-preview_TaskRuns_Get.json"))))
    assert.are.equal("yd1", run.runId)
    assert.are.equal("Linux", run.platform.os)
    assert.are.equal("2019-08-28T20:20:52.8021125+00:00", tostring(run.createTime))
    assert.are.equal("2019-08-28T20:21:00+00:00", tostring(run.lastUpdatedTime))
    assert.is_true(math.abs(run:duration() - 7.3452236) < 1e-9)
    assert.are.same({}, run:problems())
  end)

  it("keep the 2018-09-01 osType quirk as unknown platform keys", function()
    local run = acr.from_table(cjson.decode(helpers.read_file(
      helpers.fixture("spec-examples", "2018-09-01_Runs_Update_200.json"))))
    assert.is_nil(run.platform.os)
    assert.are.same({ osType = '"Linux"', Architecture = '"amd64"' }, run.platform:unknown())
    assert.are.same({ "platform.os: platform is set without the required os" }, run:problems())
  end)

  it("treat the explicit nulls of a 2018 scheduleRun response as absent", function()
    local run = acr.from_table(cjson.decode(helpers.read_file(
      helpers.fixture("real-payloads", "azure-cli_test_acr_task_2018-09-01_scheduleRun_queued.json"))))
    assert.is_nil(run.runType)
    assert.are.equal("Queued", run.status)
  end)
end)
