-- acr.decode / acr.encode: the schema-directed JSON reader and writer seen
-- from Lua.  Fixtures round-trip without loss; every kind of bad input has
-- its kind, message, path and position checked; a seeded property test
-- generates random valid runs and round-trips them.

local helpers = require("spec.helpers")
local acr = require("acr.run")
local cjson = helpers.cjson or require("cjson")

local NULL = cjson.null

-- ---- helpers ---------------------------------------------------------------

local ENUM_KEYS = {
  status = true, runType = true, provisioningState = true, os = true,
  architecture = true, variant = true, createdByType = true,
  lastModifiedByType = true,
}
local DATETIME_KEYS = {
  lastUpdatedTime = true, createTime = true, startTime = true,
  finishTime = true, timestamp = true, createdAt = true,
  lastModifiedAt = true,
}

-- The run inside a task run ({properties = {runResult = ...}} or, in some
-- examples, runResult beside properties), or nil.
local function task_run_result(t)
  if type(t) ~= "table" then return nil end
  if type(t.runResult) == "table" then return t.runResult end
  if type(t.properties) == "table" and type(t.properties.runResult) == "table" then
    return t.properties.runResult
  end
  return nil
end

-- The value a decode -> encode round trip must give back: task runs
-- replaced by their runResult, nulls in objects dropped, enum values
-- lower-cased (they are matched case-insensitively and stored canonical).
local function normalize(v, key)
  if type(v) == "string" then
    if key and ENUM_KEYS[key] then return v:lower() end
    return v
  end
  if type(v) ~= "table" then return v end
  -- a task run comes back whole (issue 11): nothing to take out of it
  local out = {}
  for k, x in pairs(v) do
    if x ~= NULL then out[k] = normalize(x, type(k) == "string" and k or nil) end
  end
  return out
end

-- Deep equality of plain values (metatables ignored, numbers by value);
-- returns false and the path of the first difference.
local function deep_equal(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then
    return false, path .. ": " .. type(a) .. " vs " .. type(b)
  end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
  end
  for k, x in pairs(a) do
    local ok, where = deep_equal(x, b[k], path .. "." .. tostring(k))
    if not ok then return false, where end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing on the left" end
  end
  return true
end

local function assert_same(a, b, what)
  local ok, where = deep_equal(a, b)
  if not ok then error((what or "values differ") .. " at " .. where, 2) end
end

local function decode_ok(text, opts)
  local v, msg, err = acr.decode(text, opts)
  if v == nil then
    error("decode failed: " .. tostring(msg) .. " (" .. tostring(err and err.path) .. ")", 2)
  end
  return v
end

local function decode_err(text, opts)
  local v, msg, err = acr.decode(text, opts)
  assert.is_nil(v)
  assert.is_string(msg)
  assert.is_table(err)
  return msg, err
end

-- Every fixture; under ACR_GC_STRESS (a collection per allocation) every
-- sixth spec example and all real payloads, enough to reach every path.
local function fixture_files()
  local files = {}
  for i, f in ipairs(helpers.fixture_files("spec-examples")) do
    if not helpers.gc_stress or i % 6 == 1 then files[#files + 1] = f end
  end
  for _, f in ipairs(helpers.fixture_files("real-payloads")) do files[#files + 1] = f end
  return files
end

local function basename(p) return p:match("[^/]+$") end

-- Every string in t stored under a date-time key.
local function datetime_strings(t, out)
  out = out or {}
  if type(t) == "table" then
    for k, v in pairs(t) do
      if type(v) == "string" and DATETIME_KEYS[k] then out[#out + 1] = v
      else datetime_strings(v, out) end
    end
  end
  return out
end

-- What acr.from_table / acr.list make of the cjson value of a document, to
-- compare with acr.decode of its text.
local function from_plain(t)
  local inner = task_run_result(t)
  if inner then return acr.from_table(inner) end
  if type(t.value) == "table" and t.properties == nil then
    local runs = {}
    for i, r in ipairs(t.value) do runs[i] = task_run_result(r) or r end
    return acr.list({ value = runs, nextLink = t.nextLink })
  end
  if t[1] ~= nil or next(t) == nil then
    local runs = {}
    for i, r in ipairs(t) do runs[i] = task_run_result(r) or r end
    return acr.list(runs)
  end
  return acr.from_table(t)
end

local function is_list(v) return tostring(v):match("^RunList") ~= nil end

-- ---- fixtures ----------------------------------------------------------------

describe("acr.decode of the fixtures", function()
  for _, path in ipairs(fixture_files()) do
    local name = basename(path)
    describe(name, function()
      local text = helpers.read_file(path)
      local plain = cjson.decode(text)

      it("decodes, and encodes back to the same JSON value", function()
        local v = decode_ok(text)
        local out = v:encode()
        assert_same(normalize(plain), normalize(cjson.decode(out)), name)
      end)

      it("keeps every date-time string byte for byte", function()
        local out = decode_ok(text):encode()
        local want = datetime_strings(normalize(plain))
        local got = datetime_strings(cjson.decode(out))
        table.sort(want)
        table.sort(got)
        assert.same(want, got)
        for _, s in ipairs(want) do
          assert.truthy(out:find('"' .. s .. '"', 1, true), s)
        end
      end)

      it("equals acr.from_table of cjson.decode", function()
        local v = decode_ok(text)
        assert.is_true(v == from_plain(plain))
      end)

      it("to_table equals cjson.decode of encode", function()
        local v = decode_ok(text)
        assert_same(cjson.decode(v:encode()), v:to_table(), name)
      end)

      it("encodes pretty and compact to the same value", function()
        local v = decode_ok(text)
        assert_same(cjson.decode(v:encode()), cjson.decode(v:encode({ pretty = true })))
        assert_same(cjson.decode(v:encode()), cjson.decode(acr.encode(v, { pretty = "\t" })))
      end)

      it("gives the same value when decoded again from its own output", function()
        local v = decode_ok(text)
        local out = v:encode()
        local w = decode_ok(out)
        assert.is_true(v == w)
        assert.equal(out, w:encode())
      end)
    end)
  end

  it("gives a RunList for list documents and a Run otherwise", function()
    local list = decode_ok(helpers.read_file(helpers.fixture("spec-examples", "2019-04-01_Runs_List.json")))
    assert.is_true(is_list(list))
    assert.equal(1, #list)
    local run = decode_ok(helpers.read_file(helpers.fixture("spec-examples", "2019-04-01_Runs_Get.json")))
    assert.is_false(is_list(run))
    assert.equal("0accec26-d6de-4757-8e74-d080f38eaaab", run.runId)
  end)

  it("reads the run of a task run", function()
    local run = decode_ok(helpers.read_file(helpers.fixture("spec-examples", "2019-06-01-preview_TaskRuns_Get.json")))
    assert.equal("yd1", run.runId)
    assert.equal("Linux", run.platform.os)
    assert.equal("2019-08-28T20:20:52.8021125+00:00", tostring(run.createTime))
    local list = decode_ok(helpers.read_file(helpers.fixture("spec-examples", "2019-06-01-preview_TaskRuns_List.json")))
    assert.is_true(is_list(list))
    assert.equal(2, #list)
  end)
end)

-- ---- JSONTestSuite -----------------------------------------------------------

describe("JSONTestSuite", function()
  it("accepts every y_ file as the value of an unknown field", function()
    local files = helpers.fixture_files("jsontestsuite", "^y_")
    for _, path in ipairs(files) do
      local body = helpers.read_file(path)
      local text = '{"runId":"x","extra": ' .. body .. '}'
      local run, msg = acr.decode(text)
      assert(run, basename(path) .. ": " .. tostring(msg))
      local out = run:encode()
      local again = decode_ok(out)
      assert.is_true(run == again, basename(path))
      local ok, want = pcall(cjson.decode, body)
      if ok then
        local got = cjson.decode(out).extra
        local same, where = deep_equal(want, got)
        -- NaN-free JSON: the only way to differ is a real loss
        assert(same, basename(path) .. ": " .. tostring(where))
      end
    end
  end)

  it("rejects every n_ file with kind syntax", function()
    local files = helpers.fixture_files("jsontestsuite", "^n_")
    for _, path in ipairs(files) do
      local body = helpers.read_file(path)
      -- the deep ones stop at the one depth limit (acr.MAX_DEPTH) first
      local want = #body > 10000 and "limit" or "syntax"
      local text = '{"runId":"x","extra": ' .. body .. '}'
      local run, msg, err = acr.decode(text)
      assert(run == nil, basename(path) .. " was accepted")
      assert.is_string(msg)
      assert.equal(want, err.kind, basename(path) .. ": " .. msg)
      -- and on its own
      run, msg, err = acr.decode(body)
      assert(run == nil, basename(path) .. " was accepted alone")
      assert.equal(want, err.kind, basename(path) .. ": " .. msg)
    end
  end)
end)

-- ---- shapes, unknown fields, empty records ---------------------------------

describe("acr.decode shapes", function()
  it("reads bare properties, the envelope and the Azure CLI flat shape", function()
    local bare = decode_ok('{"runId":"r1","status":"queued"}')
    assert.equal("r1", bare.runId)
    assert.equal("Queued", bare.status)
    -- a known value in another case is written back as received
    assert.equal('{"runId":"r1","status":"queued"}', bare:encode())

    local env = decode_ok('{"properties":{"runId":"r1","status":"Queued"},"id":"/x/runs/r1","name":"r1","type":"t"}')
    assert.equal("r1", env.runId)
    assert.equal("/x/runs/r1", env.id)
    local t = cjson.decode(env:encode())
    assert.equal("r1", t.properties.runId)
    assert.equal("r1", t.name)

    local flat = decode_ok('{"id":"/x/runs/r1","name":"r1","runId":"r1","status":"Queued","resourceGroup":"rg"}')
    assert.equal("r1", flat.runId)
    assert.equal("/x/runs/r1", flat.id)
    local f = cjson.decode(flat:encode())
    assert.equal("rg", f.resourceGroup)
  end)

  it("reads a RunListResult with nextLink and a bare array", function()
    local l = decode_ok('{"value":[{"runId":"a"},{"runId":"b"}],"nextLink":"https://next"}')
    assert.equal(2, #l)
    assert.equal("https://next", l.nextLink)
    assert.equal("b", l[2].runId)
    assert.equal('{"value":[{"runId":"a"},{"runId":"b"}],"nextLink":"https://next"}', l:encode())
    local a = decode_ok('[{"runId":"a"},{"runId":"b"}]')
    assert.equal(2, #a)
    assert.is_nil(a.nextLink)
    assert.equal('{"value":[{"runId":"a"},{"runId":"b"}]}', a:encode())
    local e = decode_ok('[]')
    assert.equal(0, #e)
    assert.equal('{"value":[]}', e:encode())
  end)

  it("treats null as absent", function()
    local r = decode_ok('{"runId":"r","status":null,"platform":null,"outputImages":null}')
    assert.is_nil(r.status)
    assert.is_nil(r.platform)
    assert.is_nil(r.outputImages)
    assert.equal('{"runId":"r"}', r:encode())
  end)

  it("keeps empty objects and writes them back as {}", function()
    local r = decode_ok('{"runId":"r","platform":{},"agentConfiguration":{}}')
    assert.is_not_nil(r.platform)
    assert.equal('{"runId":"r","platform":{},"agentConfiguration":{}}', r:encode())
    local t = r:to_table()
    assert_same({ runId = "r", platform = {}, agentConfiguration = {} }, t)
  end)

  it("keeps unknown fields at every level, in order, after the known ones", function()
    local text = '{"zeta":1,"runId":"x","alpha":{"b":[1,2,{"c":null}]},"status":"Queued",'
      .. '"platform":{"osType":"Linux","os":"linux","Architecture":"amd64"},'
      .. '"outputImages":[{"tag":"v1","size":12}],"mid":"s\\u00e9\\n"}'
    local r = decode_ok(text)
    assert.equal('{"runId":"x","status":"Queued","outputImages":[{"tag":"v1","size":12}],'
      .. '"platform":{"os":"linux","osType":"Linux","Architecture":"amd64"},'
      .. '"zeta":1,"alpha":{"b":[1,2,{"c":null}]},"mid":"s\\u00e9\\n"}', r:encode())
    local u = r:unknown()
    assert.equal("1", u.zeta)
    assert.same({ b = { 1, 2, { c = NULL } } }, cjson.decode(u.alpha))
    assert.equal("s\195\169\n", cjson.decode(u.mid))
    assert.equal("Linux", cjson.decode(r.platform:unknown().osType))
    -- to_table gives unknown fields as Lua values, as cjson would
    local t = r:to_table()
    assert.equal(1, t.zeta)
    assert.equal("s\195\169\n", t.mid)
    assert.equal(NULL, t.alpha.b[3].c)
    assert_same(cjson.decode(r:encode()), t)
  end)

  it("keeps unknown RunListResult keys", function()
    local l = decode_ok('{"value":[],"nextLink":"n","count":3}')
    assert.equal('{"value":[],"nextLink":"n","count":3}', l:encode())
    assert_same({ value = {}, nextLink = "n", count = 3 }, l:to_table())
  end)

  it("keeps enum values outside the known set, as given", function()
    local r = decode_ok('{"runId":"x","status":"Paused","platform":{"os":"Plan9"}}')
    assert.equal("Paused", r.status)
    assert.equal("Plan9", r.platform.os)
    assert.equal('{"runId":"x","status":"Paused","platform":{"os":"Plan9"}}', r:encode())
    assert.is_true(#r:problems() >= 2)
  end)

  it("takes the last of duplicate keys", function()
    local r = decode_ok('{"runId":"a","runId":"b","x":1,"x":2}')
    assert.equal("b", r.runId)
    assert.equal("2", r:unknown().x)
  end)

  it("reads every escape, surrogate pairs and UTF-8", function()
    local r = decode_ok('{"runId":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u00e9\\u20ac\\ud83d\\ude00 ' ..
      '\240\159\152\128 \226\130\172"}')
    assert.equal('"\\/\b\f\n\r\t\1\195\169\226\130\172\240\159\152\128 \240\159\152\128 \226\130\172', r.runId)
    -- written back with minimal escapes: control characters as \u00XX or
    -- their short forms, " and \, everything else as UTF-8
    local out = r:encode()
    assert.same(r.runId, cjson.decode(out).runId)
    assert.falsy(out:find("\\u00e9", 1, true))
    assert.truthy(out:find("\\u0001", 1, true))
  end)

  it("reads integers in int32 range for cpu", function()
    assert.equal(2, decode_ok('{"agentConfiguration":{"cpu":2}}').agentConfiguration.cpu)
    assert.equal(2, decode_ok('{"agentConfiguration":{"cpu":2.0}}').agentConfiguration.cpu)
    assert.equal(-2147483648, decode_ok('{"agentConfiguration":{"cpu":-2147483648}}').agentConfiguration.cpu)
    assert.equal(2147483647, decode_ok('{"agentConfiguration":{"cpu":2147483647}}').agentConfiguration.cpu)
    assert.equal(3, decode_ok('{"agentConfiguration":{"cpu":3e0}}').agentConfiguration.cpu)
    assert.equal('{"agentConfiguration":{"cpu":2}}', decode_ok('{"agentConfiguration":{"cpu":2.0}}'):encode())
  end)
end)

-- ---- bad input -----------------------------------------------------------------

describe("acr.decode errors", function()
  it("reports syntax errors with line, column and offset", function()
    local msg, err = decode_err('{"runId": "x",}')
    assert.equal("syntax", err.kind)
    assert.equal(1, err.line)
    assert.equal(15, err.column)
    assert.equal(14, err.offset)
    assert.truthy(msg:find("line 1", 1, true), msg)
    assert.truthy(msg:find("column 15", 1, true), msg)
    assert.falsy(msg:find("\n", 1, true))

    msg, err = decode_err('{\n  "runId": "x",\n  "status": Queued\n}')
    assert.equal("syntax", err.kind)
    assert.equal(3, err.line)
    assert.equal(13, err.column)
    assert.equal(30, err.offset)
    assert.equal("status", err.path)
    assert.truthy(msg:find("line 3", 1, true), msg)

    for _, bad in ipairs({ "", " ", "{", "[", '{"runId"', '{"runId":}', "nul",
                           '{"a":1}x', '{"a":01}', '{"a":"\\x"}', "{'a':1}",
                           '{"a":1,,"b":2}', ' \239\187\191{}' }) do
      err = select(2, decode_err(bad))
      assert.equal("syntax", err.kind, bad)
      assert.is_true(err.line >= 1, bad)
      assert.is_true(err.column >= 1, bad)
    end
  end)

  it("refuses invalid UTF-8 and lone surrogates", function()
    local cases = {
      '{"runId":"\255"}', '{"runId":"\192\128"}', '{"runId":"\237\160\128"}',
      '{"runId":"\226\130"}', '{"runId":"\\ud800"}', '{"runId":"\\udc00"}',
      '{"runId":"\\ud800\\u0041"}', '{"x\255":1}', '{"extra":"\244\144\128\128"}',
    }
    for _, text in ipairs(cases) do
      local msg, err = decode_err(text)
      assert.equal("syntax", err.kind, text)
      assert.is_string(msg)
    end
  end)

  it("refuses raw control characters in strings", function()
    local _, err = decode_err('{"runId":"a\tb"}')
    assert.equal("syntax", err.kind)
    _, err = decode_err('{"runId":"a\nb"}')
    assert.equal("syntax", err.kind)
  end)

  it("reports schema errors with the field path", function()
    local cases = {
      { '{"status":5}', "status" },
      { '{"runId":true}', "runId" },
      { '{"platform":"linux"}', "platform" },
      { '{"platform":{"os":1}}', "platform.os" },
      { '{"outputImages":{}}', "outputImages" },
      { '{"outputImages":[{"tag":"v"},7]}', "outputImages[2]" },
      { '{"outputImages":[{"tag":"v"},{"digest":false}]}', "outputImages[2].digest" },
      { '{"customRegistries":["a",1]}', "customRegistries[2]" },
      { '{"isArchiveEnabled":"true"}', "isArchiveEnabled" },
      { '{"agentConfiguration":{"cpu":2.5}}', "agentConfiguration.cpu" },
      { '{"agentConfiguration":{"cpu":"2"}}', "agentConfiguration.cpu" },
      { '{"agentConfiguration":{"cpu":1e10}}', "agentConfiguration.cpu" },
      { '{"agentConfiguration":{"cpu":2147483648}}', "agentConfiguration.cpu" },
      { '{"createTime":"2019-02-29T00:00:00Z"}', "createTime" },
      { '{"createTime":"2019-04-31T00:00:00Z"}', "createTime" },
      { '{"createTime":"2019-13-01T00:00:00Z"}', "createTime" },
      { '{"createTime":"2019-01-01T24:00:00Z"}', "createTime" },
      { '{"createTime":"yesterday"}', "createTime" },
      { '{"createTime":12}', "createTime" },
      { '{"imageUpdateTrigger":{"timestamp":"2019-01-01"}}', "imageUpdateTrigger.timestamp" },
      { '{"properties":{"status":[]}}', "properties.status" },
      { '{"properties":{"runId":"a"},"systemData":{"createdAt":"x"}}', "systemData.createdAt" },
      { '{"value":[{"runId":"a"},{"runId":"b"},{"properties":{"status":1}}]}', "value[3].properties.status" },
      { '[{"runId":"a"},{"status":{}}]', "[2].status" },
      { '{"value":[1]}', "value[1]" },
      { '{"value":[],"nextLink":5}', "nextLink" },
      { '"a run"', "" },
      { '42', "" },
    }
    for _, c in ipairs(cases) do
      local msg, err = decode_err(c[1])
      assert.equal("schema", err.kind, c[1] .. ": " .. msg)
      assert.equal(c[2], err.path, c[1] .. ": " .. msg)
      if c[2] ~= "" then
        assert.truthy(msg:find(c[2], 1, true), msg)
      end
      assert.is_true(err.line >= 1 and err.column >= 1, c[1])
      assert.falsy(msg:find("\n", 1, true))
    end
  end)

  it("says what was expected and what was found", function()
    local msg = decode_err('{"agentConfiguration":{"cpu":"2"}}')
    assert.truthy(msg:lower():find("integer", 1, true), msg)
    msg = decode_err('{"status":5}')
    assert.truthy(msg:lower():find("string", 1, true), msg)
  end)

  it("limits nesting depth", function()
    local deep = string.rep("[", 600) .. string.rep("]", 600)
    local msg, err = decode_err('{"runId":"x","extra":' .. deep .. '}')
    assert.equal("limit", err.kind)
    assert.equal("extra", err.path)
    assert.is_string(msg)
    -- one limit for the library: max_depth lowers it, never raises it
    assert.equal(512, acr.MAX_DEPTH)
    assert.has_error(function() acr.decode("{}", { max_depth = 700 }) end)
    local within = string.rep("[", 511) .. string.rep("]", 511)
    local r = decode_ok('{"runId":"x","extra":' .. within .. '}')
    assert.is_true(r == decode_ok(r:encode()))
    assert.is_true(r == decode_ok(r:encode({ pretty = true })))
    err = select(2, decode_err('{"runId":"x","extra":[[[1]]]}', { max_depth = 3 }))
    assert.equal("limit", err.kind)
    decode_ok('{"runId":"x","extra":[[1]]}', { max_depth = 3 })
    -- and 100,000 levels neither crash nor pass
    local huge = string.rep("[", 100000) .. string.rep("]", 100000)
    err = select(2, decode_err('{"extra":' .. huge .. '}'))
    assert.equal("limit", err.kind)
  end)

  it("refuses unknown fields, unknown enum values and duplicates when strict", function()
    local msg, err = decode_err('{"runId":"x","stauts":"Queued"}', { strict = true })
    assert.equal("schema", err.kind)
    assert.equal("stauts", err.path)
    assert.truthy(msg:find("stauts", 1, true))
    msg, err = decode_err('{"runId":"x","status":"Paused"}', { strict = true })
    assert.equal("schema", err.kind)
    assert.equal("status", err.path)
    assert.truthy(msg:find("Succeeded", 1, true), msg)
    err = select(2, decode_err('{"runId":"x","runId":"y"}', { strict = true }))
    assert.equal("schema", err.kind)
    assert.equal("runId", err.path)
    -- also in a task run, which answers only for its runResult otherwise
    local task = '{"properties":{"runResult":{"runId":"a"},"runResult":{"runId":"b"}}}'
    err = select(2, decode_err(task, { strict = true }))
    assert.equal("schema", err.kind)
    assert.equal("properties.runResult", err.path)
    assert.equal("b", decode_ok(task).runId)
    -- and among a task run's own members that are no fields of a run: the
    -- second one, where it is; plain decode keeps the task run as it came
    task = '{"location":"a",\n "location":"b","runResult":{"properties":{"runId":"x","status":"Succeeded"}}}'
    msg, err = decode_err(task, { strict = true })
    assert.equal("schema", err.kind)
    assert.equal("location", err.path)
    assert.equal(2, err.line)
    assert.equal(2, err.column)
    assert.equal(18, err.offset)
    assert.truthy(msg:find('duplicate key "location"', 1, true), msg)
    local plain = task:gsub("\n ", "")
    assert.equal(plain, acr.encode(decode_ok(task)))
    err = select(2, decode_err('{"properties":{"runRequest":{},"runResult":{"runId":"x"},"runRequest":1}}',
      { strict = true }))
    assert.equal("schema", err.kind)
    assert.equal("properties.runRequest", err.path)
    assert.equal(58, err.column)
    -- one of each name per object is fine
    assert.equal("x", decode_ok('{"a":1,"properties":{"a":2,"runResult":{"runId":"x"}}}', { strict = true }).runId)
    err = select(2, decode_err('{"properties":{"platform":{"os":"Linux","osType":"x"}}}', { strict = true }))
    assert.equal("properties.platform.osType", err.path)
    -- lower-case enums are not unknown
    local r = decode_ok('{"runId":"x","status":"queued","platform":{"os":"LINUX"}}', { strict = true })
    assert.equal("Queued", r.status)
    assert.equal("Linux", r.platform.os)
  end)

  it("raises on bad arguments", function()
    assert.has_error(function() acr.decode() end)
    assert.has_error(function() acr.decode(42) end)
    assert.has_error(function() acr.decode({}) end)
    assert.has_error(function() acr.decode("{}", 5) end)
    assert.has_error(function() acr.decode("{}", { strict = "yes" }) end)
    assert.has_error(function() acr.decode("{}", { max_depth = 0 }) end)
    assert.has_error(function() acr.decode("{}", { max_depth = 1.5 }) end)
    assert.has_error(function() acr.decode("{}", { stric = true }) end)
  end)
end)

-- ---- encode ----------------------------------------------------------------------

describe("acr.encode", function()
  local full = [[{"properties":{"runId":"r1","status":"Failed","runType":"QuickRun",
    "createTime":"2019-08-28T20:20:52.8021125+00:00","runErrorMessage":"boom",
    "logArtifact":{"registry":"myregistry","repository":"acr/tasks"},
    "isArchiveEnabled":true,"provisioningState":"Succeeded","future":1},
    "id":"/runs/r1","name":"r1","type":"Microsoft.ContainerRegistry/registries/runs",
    "systemData":{"createdBy":"me","createdByType":"user"},"resourceGroup":"rg"}]]

  it("writes the spec's key order, compact by default", function()
    local r = acr.from_table({ isArchiveEnabled = false, status = "Queued", runId = "r",
      platform = { variant = "v7", architecture = "arm", os = "Linux" },
      createTime = "2020-01-01T00:00:00Z" })
    assert.equal('{"runId":"r","status":"Queued","createTime":"2020-01-01T00:00:00Z",'
      .. '"platform":{"os":"Linux","architecture":"arm","variant":"v7"},"isArchiveEnabled":false}',
      acr.encode(r))
  end)

  it("writes an envelope when an envelope field is set", function()
    local r = acr.new({ runId = "r" })
    assert.equal('{"runId":"r"}', r:encode())
    local e = decode_ok('{"properties":{"runId":"r"},"name":"r"}')
    local t = cjson.decode(e:encode())
    assert.equal("r", t.name)
    assert.equal("r", t.properties.runId)
  end)

  it("has the request and update profiles", function()
    local r = decode_ok(full)
    local req = cjson.decode(r:encode({ profile = "request" }))
    local p = req.properties or req
    assert.equal("r1", p.runId)
    assert.equal("Failed", p.status)
    assert.is_nil(p.runErrorMessage)
    assert.is_nil(p.logArtifact)
    assert.is_nil(p.future)
    assert.is_nil(req.id)
    assert.is_nil(req.systemData)
    assert.is_nil(req.resourceGroup)
    assert.equal('{"isArchiveEnabled":true}', r:encode({ profile = "update" }))
    assert.equal('{"isArchiveEnabled":true}', acr.encode(r, { profile = "update" }))
    local f = cjson.decode(r:encode({ profile = "full" }))
    assert.equal("boom", f.properties.runErrorMessage)
    assert.equal(1, f.properties.future)
    assert.equal("rg", f.resourceGroup)
    assert.equal("user", f.systemData.createdByType) -- as received
    assert.equal("User", r.systemData.createdByType)
  end)

  it("applies profiles to lists", function()
    local l = acr.list({ decode_ok(full), acr.new({ runId = "b", isArchiveEnabled = false }) })
    assert.equal('{"value":[{"isArchiveEnabled":true},{"isArchiveEnabled":false}]}',
                 l:encode({ profile = "update" }))
  end)

  it("pretty-prints with two spaces or a given indent", function()
    local r = acr.from_table({ runId = "r", platform = { os = "Linux" }, customRegistries = { "a", "b" } })
    local two = r:encode({ pretty = true })
    assert.truthy(two:find('\n  "runId"', 1, true), two)
    assert.truthy(two:find('\n    "os"', 1, true), two)
    local tab = r:encode({ pretty = "\t" })
    assert.truthy(tab:find('\n\t"runId"', 1, true), tab)
    assert.truthy(tab:find('\n\t\t"os"', 1, true), tab)
    assert_same(cjson.decode(r:encode()), cjson.decode(two))
    assert_same(cjson.decode(r:encode()), cjson.decode(tab))
    assert.equal(r:encode(), r:encode({ pretty = false }))
    -- unknown fields are re-indented too, and stay the same value
    local u = decode_ok('{"runId":"x","extra":{"a":[1,{"b":2}],"c":{}}}')
    local pu = u:encode({ pretty = true })
    assert_same(cjson.decode(u:encode()), cjson.decode(pu))
    assert.is_true(u == decode_ok(pu))
    -- an empty list
    local e = acr.list()
    assert_same({ value = {} }, cjson.decode(e:encode({ pretty = true })))
  end)

  it("writes integers as integers and strings minimally escaped", function()
    local r = acr.from_table({ runId = "a\"b\\c\1\31\127\226\130\172/", agentConfiguration = { cpu = 4 } })
    local out = r:encode()
    assert.equal('{"runId":"a\\"b\\\\c\\u0001\\u001f\127\226\130\172/","agentConfiguration":{"cpu":4}}', out)
  end)

  it("raises for values that are not a Run or a RunList, and for bad options", function()
    assert.has_error(function() acr.encode({}) end)
    assert.has_error(function() acr.encode("x") end)
    assert.has_error(function() acr.encode(nil) end)
    local r = acr.new({ runId = "r" })
    local ok, err = pcall(acr.encode, r, { profile = "minimal" })
    assert.is_false(ok)
    assert.truthy(tostring(err):find("full, request, update", 1, true), err)
    assert.has_error(function() r:encode({ pretty = "xx" }) end)
    assert.has_error(function() r:encode({ pretty = 2 }) end)
    assert.has_error(function() r:encode({ indent = 2 }) end)
    assert.has_error(function() r:encode("pretty") end)
    assert.has_error(function() acr.list():encode({ profile = 1 }) end)
  end)
end)

-- Strings are checked once, when made, for whether JSON needs an escape in
-- them; the writer copies the ones that need none whole.  Whatever path
-- made a string, one that needs escaping is escaped.
describe("acr.encode escapes strings from every path that makes them", function()
  local BAD = 'q"b\\s\n\1'
  local ESC = [["q\"b\\s\n\u0001"]]

  -- The writer's rule for one byte (the reader reads it back).
  local SHORT = { [8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f", [13] = "\\r" }
  local function esc(c)
    if c == 34 then return '\\"' end
    if c == 92 then return "\\\\" end
    if c < 32 then return SHORT[c] or string.format("\\u%04x", c) end
    return string.char(c)
  end

  local function count(hay, needle)
    local n, i = 0, 1
    while true do
      local j = hay:find(needle, i, true)
      if not j then return n end
      n, i = n + 1, j + #needle
    end
  end

  it("every ASCII byte, set from Lua and read back from JSON", function()
    for c = 0, 127 do
      local s = "a" .. string.char(c) .. "b"
      local want = '{"runId":"a' .. esc(c) .. 'b"}'
      local r = acr.new({ runId = "x" })
      r.runId = s
      assert.equal(want, r:encode())
      assert.equal(want, decode_ok(want):encode())
      assert.equal(want, acr.from_table({ runId = s }):encode())
    end
    local u = "\226\130\172\240\159\152\128\127"
    assert.equal('{"runId":"' .. u .. '"}', acr.new({ runId = u }):encode())
  end)

  it("decoded strings: escapes undone, written escaped again when needed", function()
    local r = decode_ok('{"runId":"q\\"b\\\\s\\n\\u0001","task":"a\\u0041\\/",'
      .. '"status":"Q\\"x","customRegistries":["\\"",""],"k\\"ey":{"a\\n":"\\u0001"}}')
    assert.equal('{"runId":' .. ESC .. ',"status":"Q\\"x","task":"aA/",'
      .. '"customRegistries":["\\"",""],"k\\"ey":{"a\\n":"\\u0001"}}', r:encode())
    local l = decode_ok('{"value":[],"nextLink":"n\\u0022","k\\"ey":1}')
    assert.equal('{"value":[],"nextLink":"n\\"","k\\"ey":1}', l:encode())
  end)

  it("setters, views, string lists, from_table and copies", function()
    local r = acr.new({ runId = "r" })
    r.runId = BAD
    r.outputImages = { { registry = BAD } }
    r.outputImages[1].tag = BAD
    r.customRegistries = { BAD }
    r.customRegistries:append(BAD)
    r.customRegistries[#r.customRegistries + 1] = BAD
    r.sourceTrigger = { id = BAD, eventType = "commit", commitId = "c",
      repositoryUrl = "u", branchName = "b", providerType = "Github" }
    r.sourceTrigger.branchName = BAD
    local out = r:encode()
    assert.equal(8, count(out, ESC), out)
    assert.equal(0, count(out, BAD), out)
    assert.equal(out, r:clone():encode())
    assert.equal(out, acr.from_table(r:to_table()):encode())
    local t = acr.from_table({ runId = BAD, status = 'Q"x',
      platform = { os = "Linux", variant = 'V"9' }, customRegistries = { BAD } })
    assert.equal('{"runId":' .. ESC .. ',"status":"Q\\"x",'
      .. '"platform":{"os":"Linux","variant":"V\\"9"},"customRegistries":[' .. ESC .. ']}',
      t:encode())
    local l = acr.list({ r })
    l.nextLink = BAD
    local lo = l:encode()
    assert.equal(9, count(lo, ESC), lo)
    local other = acr.list()
    other:extend(l)
    assert.equal(out, other[1]:encode())
    assert.same(cjson.decode(lo), cjson.decode(l:encode({ pretty = true })))
    local got = cjson.decode(lo)
    assert.equal(BAD, got.value[1].runId)
    assert.equal(BAD, got.nextLink)
  end)

  it("gives the same text whatever was encoded before (the kept buffer)", function()
    local runs = {}
    for i = 1, 1500 do
      runs[i] = acr.from_table({ runId = "r" .. i, task = BAD, status = "Queued",
        createTime = "2020-01-01T00:00:00.5+01:00", customRegistries = { "a", "b" } })
    end
    local big = acr.list(runs)
    local small = acr.new({ runId = "s" })
    local b1 = big:encode()
    assert.is_true(#b1 > 64 * 1024)
    assert.equal('{"runId":"s"}', small:encode())
    assert.equal(b1, acr.encode(big))
    assert.has_error(function() small:encode({ shape = "taskrun" }) end)
    assert.equal(b1, big:encode())
    assert.equal('{"runId":"s"}', acr.encode(small))
    assert.equal(big:encode({ pretty = true }), acr.encode(big, { pretty = true }))
    local back = assert(acr.decode(b1))
    assert.equal(1500, #back)
    assert.equal(BAD, back[1500].task)
  end)

  it("encode_to writes the bytes of encode, over several pieces, with the buffer encode keeps", function()
    -- Decoded runs (each one block) and runs changed afterwards (their
    -- strings in further chunks): the writer reads ahead of the run it
    -- writes, and what it writes must not depend on it.
    local n = helpers.gc_stress and 40 or 9000
    local parts = {}
    for i = 1, n do
      parts[i] = ('{"id":"/subscriptions/0000/resourceGroups/rg/providers/'
        .. 'Microsoft.ContainerRegistry/registries/reg/runs/r%d","name":"r%d",'
        .. '"properties":{"runId":"r%d","status":"Succeeded","task":"t\\\\%d",'
        .. '"createTime":"2023-11-14T22:14:19.%03d+05:30","outputImages":['
        .. '{"registry":"reg.azurecr.io","repository":"platform/services/web-%d",'
        .. '"tag":"v%d","digest":"sha256:%064d"}],"isArchiveEnabled":false}}')
        :format(i, i, i, i, i % 1000, i % 50, i, i)
    end
    local text = '{"value":[' .. table.concat(parts, ",") .. '],"nextLink":"https://n"}'
    local list = decode_ok(text)
    for i = 3, n, 7 do list[i].task = BAD .. i end
    list[n].agentPoolName = BAD
    local path = os.tmpname()
    local function to_file(l, opts)
      local fh = assert(io.open(path, "wb"))
      assert.is_true(l:encode_to(fh, opts))
      fh:close()
      fh = assert(io.open(path, "rb"))
      local got = fh:read("*a")
      fh:close()
      return got
    end
    local whole = list:encode()
    if not helpers.gc_stress then assert.is_true(#whole > 2.5 * 1024 * 1024) end
    assert.equal(whole, to_file(list))
    local small = acr.list({ acr.new({ runId = "s" }) })
    assert.equal('{"value":[{"runId":"s"}]}', to_file(small))
    assert.equal('{"value":[{"runId":"s"}]}', small:encode())
    assert.equal(whole, to_file(list))
    assert.equal(whole, list:encode())
    local pretty = list:encode({ pretty = "\t" })
    assert.equal(pretty, to_file(list, { pretty = "\t" }))
    assert.equal(list:encode({ profile = "request" }), to_file(list, { profile = "request" }))
    local back = decode_ok(whole)
    assert.equal(n, #back)
    assert.is_true(back == list)
    assert.equal(BAD, back[n].agentPoolName)
    os.remove(path)
  end)

  it("a finaliser that encodes while encode makes its string does not touch that text", function()
    -- Lua 5.1, 5.2 and LuaJIT may collect inside lua_pushlstring before
    -- they copy: an encode run by a finaliser there must not write into,
    -- grow or give back the buffer whose text is being copied.  Where the
    -- collector steps is up to Lua: most runs here have a finaliser run
    -- inside the copy (LuaJIT crashed or gave a wrong text before the fix).
    local runs = {}
    for i = 1, 1500 do
      runs[i] = acr.from_table({ runId = "r" .. i, task = BAD, status = "Queued" })
    end
    local big = acr.list(runs)
    local small = acr.list({ acr.new({ runId = "s" }) })
    local want, want_small = big:encode(), small:encode()
    local state = { on = true }
    local function arm()
      local function hook()
        if not state.on then return end
        assert(small:encode() == want_small)
        arm()
      end
      if newproxy then
        getmetatable(newproxy(true)).__gc = hook
      else
        setmetatable({}, { __gc = hook })
      end
    end
    for _ = 1, 20 do arm() end
    collectgarbage("setpause", 0)
    collectgarbage("setstepmul", 400)
    local ok, err = pcall(function()
      -- the Luas that collect before they copy get the most tries
      local copy_late = jit or _VERSION == "Lua 5.1" or _VERSION == "Lua 5.2"
      for i = 1, helpers.gc_stress and 5 or copy_late and 300 or 30 do
        for j = 1, 50 do state[j] = { j } end -- garbage: the collector keeps on
        local got = big:encode()
        if got ~= want then error("encode " .. i .. " differs", 0) end
      end
    end)
    state.on = false
    collectgarbage("setpause", 200)
    collectgarbage("setstepmul", 200)
    collectgarbage()
    assert(ok, err)
  end)

  it("request fields", function()
    local q = acr.request({ type = "TaskRunRequest", taskName = BAD,
      values = { { name = BAD, value = BAD } } })
    assert.equal('{"type":"TaskRunRequest","taskName":' .. ESC .. ',"values":[{"name":'
      .. ESC .. ',"value":' .. ESC .. '}]}', q:encode())
  end)
end)

-- ---- property test -----------------------------------------------------------------

-- Park-Miller minimal standard generator: exact in doubles on every Lua,
-- so the same seed gives the same runs everywhere.
local function rng(seed)
  local s = seed % 2147483647
  if s <= 0 then s = s + 2147483646 end
  return function(a, b)
    s = (s * 16807) % 2147483647
    if a == nil then return s / 2147483647 end
    return a + s % (b - a + 1)
  end
end

local function gen_string(r, maxlen)
  local parts = {}
  for i = 1, r(0, maxlen or 12) do
    local k = r(1, 20)
    if k <= 10 then
      parts[i] = string.char(r(32, 126))
    elseif k == 11 then
      parts[i] = ({ '"', "\\", "/", "'" })[r(1, 4)]
    elseif k == 12 then
      parts[i] = string.char(r(0, 31))
    elseif k == 13 then
      parts[i] = string.char(127)
    elseif k <= 15 then -- 2 bytes
      local cp = r(0x80, 0x7FF)
      parts[i] = string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64)
    elseif k <= 18 then -- 3 bytes, no surrogates
      local cp = r(0x800, 0xFFFD)
      if cp >= 0xD800 and cp <= 0xDFFF then cp = 0x20AC end
      parts[i] = string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
    else -- 4 bytes
      local cp = r(0x10000, 0x10FFFF)
      parts[i] = string.char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
                             0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
    end
  end
  return table.concat(parts)
end

local function is_leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local MDAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function gen_datetime(r)
  local y = r(1, 9998)
  local m = r(1, 12)
  local dmax = MDAYS[m] + ((m == 2 and is_leap(y)) and 1 or 0)
  local d = r(1, dmax)
  local s = string.format("%04d-%02d-%02d%s%02d:%02d:%02d", y, m, d,
                          r(1, 10) == 1 and "t" or "T", r(0, 23), r(0, 59), r(0, 59))
  local digits = r(0, 9)
  if digits > 0 then
    local f = {}
    for i = 1, digits do f[i] = tostring(r(0, 9)) end
    s = s .. "." .. table.concat(f)
  end
  local o = r(1, 6)
  if o == 1 then s = s .. "Z"
  elseif o == 2 then s = s .. "z"
  elseif o == 3 then s = s .. "-00:00"
  else
    s = s .. string.format("%s%02d:%02d", r(0, 1) == 0 and "+" or "-", r(0, 23), r(0, 59))
  end
  return s
end

local function pick(r, t) return t[r(1, #t)] end

local function enum_value(r, name)
  local v = pick(r, acr.enums[name])
  local k = r(1, 4)
  if k == 1 then return v:lower() end
  if k == 2 then return v:upper() end
  return v
end

local function gen_image(r)
  local img = {}
  if r(0, 1) == 1 then img.registry = gen_string(r) end
  if r(0, 1) == 1 then img.repository = gen_string(r) end
  if r(0, 1) == 1 then img.tag = gen_string(r) end
  if r(0, 1) == 1 then img.digest = "sha256:" .. gen_string(r, 64) end
  return img
end

local function maybe(r) return r(1, 3) > 1 end

local function gen_run(r)
  local t = {}
  local props = {}
  if maybe(r) then props.runId = gen_string(r) end
  if maybe(r) then props.status = enum_value(r, "RunStatus") end
  if maybe(r) then props.lastUpdatedTime = gen_datetime(r) end
  if maybe(r) then props.runType = enum_value(r, "RunType") end
  if maybe(r) then props.agentPoolName = gen_string(r) end
  if maybe(r) then props.createTime = gen_datetime(r) end
  if maybe(r) then props.startTime = gen_datetime(r) end
  if maybe(r) then props.finishTime = gen_datetime(r) end
  if maybe(r) then
    props.outputImages = {}
    for i = 1, r(0, 3) do props.outputImages[i] = gen_image(r) end
  end
  if maybe(r) then props.task = gen_string(r) end
  if maybe(r) then
    local iu = {}
    if maybe(r) then iu.id = gen_string(r) end
    if maybe(r) then iu.timestamp = gen_datetime(r) end
    if maybe(r) then
      iu.images = {}
      for i = 1, r(0, 2) do iu.images[i] = gen_image(r) end
    end
    props.imageUpdateTrigger = iu
  end
  if maybe(r) then
    local st = {}
    for _, k in ipairs({ "id", "eventType", "commitId", "pullRequestId", "repositoryUrl",
                         "branchName", "providerType" }) do
      if maybe(r) then st[k] = gen_string(r) end
    end
    props.sourceTrigger = st
  end
  if maybe(r) then
    props.timerTrigger = { timerTriggerName = gen_string(r), scheduleOccurrence = gen_string(r) }
  end
  if maybe(r) then
    local p = { os = enum_value(r, "OS") }
    if maybe(r) then p.architecture = enum_value(r, "Architecture") end
    if maybe(r) then p.variant = enum_value(r, "Variant") end
    props.platform = p
  end
  if maybe(r) then
    props.agentConfiguration = {}
    if maybe(r) then props.agentConfiguration.cpu = r(0, 2147483646) - (r(0, 1) == 1 and 2147483647 or 0) end
  end
  if maybe(r) then props.sourceRegistryAuth = gen_string(r) end
  if maybe(r) then
    props.customRegistries = {}
    for i = 1, r(0, 3) do props.customRegistries[i] = gen_string(r) end
  end
  if maybe(r) then props.runErrorMessage = gen_string(r, 40) end
  if maybe(r) then props.updateTriggerToken = gen_string(r) end
  if maybe(r) then props.logArtifact = gen_image(r) end
  if maybe(r) then props.provisioningState = enum_value(r, "ProvisioningState") end
  if maybe(r) then props.isArchiveEnabled = r(0, 1) == 1 end
  local shape = r(1, 3)
  if shape == 1 then return props end
  if maybe(r) then t.id = gen_string(r) end
  if maybe(r) then t.name = gen_string(r) end
  if maybe(r) then t.type = gen_string(r) end
  if maybe(r) then
    t.systemData = {
      createdBy = gen_string(r), createdByType = enum_value(r, "CreatedByType"),
      createdAt = gen_datetime(r), lastModifiedBy = gen_string(r),
      lastModifiedByType = enum_value(r, "CreatedByType"), lastModifiedAt = gen_datetime(r),
    }
  end
  if t.id == nil then t.id = "/runs/" .. gen_string(r) end
  if shape == 2 then
    t.properties = props
  else
    for k, v in pairs(props) do t[k] = v end
  end
  return t
end

describe("property: random runs round-trip", function()
  it("encode -> decode -> encode is lossless for thousands of runs", function()
    local r = rng(20240601)
    -- fewer under ACR_GC_STRESS, where every allocation runs a collection
    local n = helpers.gc_stress and 40 or 3000
    for i = 1, n do
      local t = gen_run(r)
      local run = acr.from_table(t)
      local text = run:encode()
      local back, msg, err = acr.decode(text)
      if not back then
        error(("run %d: %s (%s)\n%s"):format(i, tostring(msg), tostring(err and err.path), text))
      end
      if run ~= back then error(("run %d differs after decode\n%s"):format(i, text)) end
      local again = back:encode()
      if again ~= text then error(("run %d: encode differs\n%s\n%s"):format(i, text, again)) end
      assert_same(cjson.decode(text), run:to_table(), "run " .. i)
      if i % 10 == 0 then
        local pretty = run:encode({ pretty = true })
        local pb = acr.decode(pretty)
        if pb ~= run then error(("run %d: pretty differs\n%s"):format(i, pretty)) end
      end
      -- every date-time text comes back exactly
      for _, s in ipairs(datetime_strings(t)) do
        if not text:find('"' .. s .. '"', 1, true) then
          error(("run %d: date-time %s not kept\n%s"):format(i, s, text))
        end
      end
    end
  end)

  it("lists of random runs round-trip", function()
    local r = rng(7)
    for _ = 1, helpers.gc_stress and 5 or 50 do
      local runs = {}
      for i = 1, r(0, 20) do runs[i] = gen_run(r) end
      local l = acr.list(runs)
      if r(0, 1) == 1 then l.nextLink = gen_string(r) end
      local text = l:encode()
      local back = decode_ok(text)
      assert.is_true(l == back)
      assert.equal(text, back:encode())
      assert_same(cjson.decode(text), l:to_table())
    end
  end)
end)

describe("acr.decode_next", function()
  it("reads documents one after another, concatenated or one per line", function()
    local text = '\239\187\191{"runId": "a"}{"value": [{"runId": "b"}]}\n  [{"runId": "c"}]\n\n'
    local v, nxt = acr.decode_next(text)
    assert.equal("a", v.runId)
    assert.equal(18, nxt) -- after the BOM (3 bytes) and the 14-byte run
    local l
    l, nxt = acr.decode_next(text, nxt)
    assert.equal("b", l[1].runId)
    assert.equal(#'\239\187\191{"runId": "a"}{"value": [{"runId": "b"}]}\n  ' + 1, nxt)
    l, nxt = acr.decode_next(text, nxt)
    assert.equal("c", l[1].runId)
    assert.equal(#text + 1, nxt)
    -- only whitespace left: a plain nil, no message
    assert.equal(0, select("#", acr.decode_next(text, nxt)) - 1)
    assert.is_nil((acr.decode_next(text, nxt)))
    assert.is_nil(select(2, acr.decode_next(" \n\t")))
    assert.is_nil(select(2, acr.decode_next("")))
  end)

  it("reports bad data with positions counted from the start of text", function()
    local v, msg, err = acr.decode_next('{"runId": "a"}\n{"runId": 5}', 15)
    assert.is_nil(v)
    assert.is_string(msg)
    assert.equal("schema", err.kind)
    assert.equal(2, err.line)
    assert.equal(11, err.column)
    assert.equal(25, err.offset)
    assert.equal("runId", err.path)
  end)

  it("takes decode's options and refuses a bad position", function()
    assert.is_nil((acr.decode_next('{"runId": "a", "x": 1}', 1, { strict = true })))
    assert.is_not_nil((acr.decode_next('{"runId": "a", "x": 1}', 1)))
    assert.has_error(function() acr.decode_next("{}", 0) end)
    assert.has_error(function() acr.decode_next("{}", 4) end)
    assert.has_error(function() acr.decode_next("{}", 1.5) end)
    assert.has_error(function() acr.decode_next({}) end)
  end)

  it("drops a byte-order mark only at the very start", function()
    assert.equal("a", assert(acr.decode('\239\187\191{"runId": "a"}')).runId)
    assert.is_nil((acr.decode(' \239\187\191{"runId": "a"}')))
    assert.is_nil((acr.decode_next('{}\239\187\191{}', 3)))
  end)
end)

describe("kept unknown values as Lua values (the core's lexer)", function()
  it("gives strings, escapes, numbers, literals and nesting as cjson.decode does", function()
    local run = assert(acr.decode([==[{"runId": "a", "x": {"s": "a\"b\\c\u00e9\ud83d\ude00\n",
      "i": -12, "f": 1.5, "e": 2e3, "big": 123456789012345678901234567890,
      "t": true, "n": null, "a": [1, [2, []], {}], "k\u0000y": 1}}]==]))
    local x = run:to_table().x
    assert.equal('a"b\\c\195\169\240\159\152\128\n', x.s)
    assert.equal(-12, x.i)
    assert.equal(1.5, x.f)
    assert.equal(2000, x.e)
    assert.is_true(x.big > 1e29)
    assert.is_true(x.t)
    assert.equal("userdata", type(x.n)) -- null: cjson.null, a NULL light userdata
    assert.same({ 1, { 2, {} }, {} }, (function(a)
      return { a[1], { a[2][1], {} }, {} } end)(x.a))
    assert.equal(1, x["k\0y"])
  end)

  it("reads a number of any length at its value (a long text is not cut)", function()
    local long = "1" .. string.rep("0", 300)
    local frac = "0." .. string.rep("0", 200) .. "25e201"
    local run = assert(acr.decode('{"runId": "a", "x": [' .. long .. ', ' .. frac .. ']}'))
    local x = run:to_table().x
    assert.equal(1e300, x[1])
    assert.equal(2.5, x[2])
  end)

  it("turns Lua tables up to the library's depth limit into unknown values, deeper is an error", function()
    local function nest(n)
      local t = {}
      local cur = t
      for _ = 2, n do cur.a = {} cur = cur.a end
      return t
    end
    local ok = acr.from_table { runId = "r", deep = nest(acr.MAX_DEPTH - 8) }
    local back = assert(acr.decode(acr.list { ok }:encode()))
    assert.equal(1, #back)
    assert.has_error(function() acr.from_table { runId = "r", deep = nest(acr.MAX_DEPTH) } end)
    local cyc = {}
    cyc.self = cyc
    assert.has_error(function() acr.from_table { runId = "r", c = cyc } end)
  end)
end)

describe("task runs and shapes from Lua (issue 11)", function()
  local text = helpers.read_file(helpers.fixture("spec-examples",
                                                 "2019-06-01-preview_TaskRuns_Get.json"))

  it("run:taskrun() gives the task run's own fields, nil for other runs", function()
    local run = assert(acr.decode(text))
    assert.equal("yd1", run.runId)
    local tr = run:taskrun()
    assert.equal("myRun", tr.name)
    assert.equal("Microsoft.ContainerRegistry/registries/TaskRuns", tr.type)
    assert.equal("EncodedTaskRunRequest", tr.runRequest.type)
    assert.equal("Succeeded", tr.properties.provisioningState)
    assert.is_nil(tr.runResult)
    assert.is_nil(acr.new { runId = "x" }:taskrun())
    assert.is_nil(assert(acr.decode('{"runId": "x"}')):taskrun())
  end)

  it("to_table and encode write the shape read, or the one asked for", function()
    local run = assert(acr.decode(text))
    local t = run:to_table()
    assert.equal("myRun", t.name)
    assert.equal("yd1", t.runResult.properties.runId)
    assert.equal("yd1", run:to_table { shape = "bare" }.runId)
    assert.is_nil(run:to_table { shape = "bare" }.properties)
    assert.equal("yd1", run:to_table { shape = "envelope" }.properties.runId)
    local cli = run:to_table { shape = "cli" }
    assert.equal("yd1", cli.runId)
    assert.equal("yd1", cli.name)
    assert.equal("myRun", run:to_table { shape = "taskrun" }.name)
    if helpers.cjson then
      for _, shape in ipairs { "bare", "envelope", "cli", "taskrun" } do
        assert.same(helpers.cjson.decode(run:encode { shape = shape }),
                    run:to_table { shape = shape })
      end
    end
    local plain = acr.new { runId = "p" }
    assert.has_error(function() plain:to_table { shape = "taskrun" } end)
    assert.has_error(function() plain:to_table { shape = "round" } end)
    assert.has_error(function() plain:to_table { shap = "bare" } end)
    assert.equal("p", plain:to_table { shape = "envelope" }.properties.runId)
  end)

  it("decode of an ARM error body: nil, 'Code: message', err as data", function()
    local body = '{"error": {"code": "AuthorizationFailed", "message": "no access",'
      .. ' "target": "runId", "details": [{"code": "Inner", "message": "m"}],'
      .. ' "additionalInfo": [{"type": "t", "info": {"a": 1}}]}}'
    local v, msg, err = acr.decode(body)
    assert.is_nil(v)
    assert.equal("AuthorizationFailed: no access", msg)
    assert.equal("service", err.kind)
    assert.equal("AuthorizationFailed", err.code)
    assert.equal("no access", err.message)
    assert.equal("runId", err.target)
    assert.equal("Inner", err.details[1].code)
    assert.equal(1, err.additional_info[1].info.a)
  end)
end)
