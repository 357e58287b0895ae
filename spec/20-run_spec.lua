-- Runs: acr.new, acr.from_table, field access and validation, run methods
-- (csrc/lacr_run.c).
local acr = require("acr.run")
local helpers = require("spec.helpers")

local function full_run()
  return acr.new({
    runId = "ca12",
    status = "Succeeded",
    lastUpdatedTime = "2019-08-28T20:21:00+00:00",
    runType = "QuickRun",
    agentPoolName = "pool",
    createTime = "2019-08-28T20:20:52.8021125+00:00",
    startTime = "2019-08-28T20:20:53.1311701+00:00",
    finishTime = "2019-08-28T20:21:00.4763937+00:00",
    outputImages = {
      { registry = "myregistry.azurecr.io", repository = "myimage", tag = "v1", digest = "sha256:aaa" },
      { registry = "myregistry.azurecr.io", repository = "myimage", tag = "latest" },
    },
    task = "mytask",
    imageUpdateTrigger = {
      id = "iut", timestamp = "2018-01-25T05:13:51.617Z",
      images = { { registry = "docker.io", repository = "library/alpine", tag = "3" } },
    },
    sourceTrigger = {
      id = "st", eventType = "commit", commitId = "abc", pullRequestId = "7",
      repositoryUrl = "https://github.com/x/y", branchName = "main", providerType = "GitHub",
    },
    timerTrigger = { timerTriggerName = "nightly", scheduleOccurrence = "6/4/2019 9:30 AM" },
    platform = { os = "Linux", architecture = "amd64", variant = "v8" },
    agentConfiguration = { cpu = 2 },
    sourceRegistryAuth = "Default",
    customRegistries = { "a.azurecr.io", "b.azurecr.io" },
    updateTriggerToken = "tok",
    provisioningState = "Succeeded",
    isArchiveEnabled = true,
  })
end

-- pcall f and return the error message (fails the test when f succeeds).
local function err_of(f)
  local ok, err = pcall(f)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

describe("acr.new", function()
  it("makes an empty run", function()
    local run = acr.new()
    assert.is_nil(run.runId)
    assert.is_nil(run.status)
    assert.is_nil(run.isArchiveEnabled)
    assert.are.equal("Run", tostring(run))
    assert.are.same({}, run:to_table())
    assert.are.equal(run, acr.new({}))
  end)

  it("reads every kind of field back", function()
    local run = full_run()
    assert.are.equal("ca12", run.runId)
    assert.are.equal("Succeeded", run.status)
    assert.are.equal("QuickRun", run.runType)
    assert.are.equal("pool", run.agentPoolName)
    assert.are.equal("2019-08-28T20:20:52.8021125+00:00", tostring(run.createTime))
    assert.are.equal(2019, run.createTime.year)
    assert.are.equal("mytask", run.task)
    assert.are.equal("Linux", run.platform.os)
    assert.are.equal("amd64", run.platform.architecture)
    assert.are.equal("v8", run.platform.variant)
    assert.are.equal(2, run.agentConfiguration.cpu)
    assert.are.equal("commit", run.sourceTrigger.eventType)
    assert.are.equal("6/4/2019 9:30 AM", run.timerTrigger.scheduleOccurrence)
    assert.are.equal("2018-01-25T05:13:51.617Z", tostring(run.imageUpdateTrigger.timestamp))
    assert.are.equal("library/alpine", run.imageUpdateTrigger.images[1].repository)
    assert.are.equal(2, #run.outputImages)
    assert.are.equal("latest", run.outputImages[2].tag)
    assert.are.equal("b.azurecr.io", run.customRegistries[2])
    assert.are.equal("Succeeded", run.provisioningState)
    assert.is_true(run.isArchiveEnabled)
    assert.are.equal("tok", run.updateTriggerToken)
    assert.are.equal("Run ca12 Succeeded QuickRun", tostring(run))
  end)

  it("stores enum values canonically, matched case-insensitively", function()
    local run = acr.new({ status = "succeeded", runType = "QUICKRUN",
                          platform = { os = "linux", architecture = "AMD64", variant = "V7" },
                          provisioningState = "creating" })
    assert.are.equal("Succeeded", run.status)
    assert.are.equal("QuickRun", run.runType)
    assert.are.equal("Linux", run.platform.os)
    assert.are.equal("amd64", run.platform.architecture)
    assert.are.equal("v7", run.platform.variant)
    assert.are.equal("Creating", run.provisioningState)
    run.platform.architecture = "386"
    assert.are.equal("386", run.platform.architecture)
    run.platform.architecture = "ARM64"
    assert.are.equal("arm64", run.platform.architecture)
  end)

  it("accepts date-times as text, numbers and DateTime values", function()
    local run = acr.new({ createTime = 0, startTime = acr.datetime("2019-01-01T00:00:00+01:00"),
                          finishTime = "2019-01-01T00:00:01.5+01:00" })
    assert.are.equal("1970-01-01T00:00:00Z", tostring(run.createTime))
    assert.are.equal("2019-01-01T00:00:00+01:00", tostring(run.startTime))
    assert.are.equal(1.5, run:duration())
  end)

  describe("refuses bad values with a message naming the path", function()
    local cases = {
      { "read-only field", { runErrorMessage = "x" }, "run: field 'runErrorMessage' is read-only" },
      { "read-only envelope field", { id = "/x" }, "run: field 'id' is read-only" },
      { "read-only systemData", { systemData = {} }, "run: field 'systemData' is read-only" },
      { "read-only logArtifact", { logArtifact = {} }, "run: field 'logArtifact' is read-only" },
      { "unknown key with a suggestion", { stauts = "Queued" },
        "run: unknown field 'stauts' (did you mean 'status'?)" },
      { "unknown key in a record", { platform = { oss = "Linux" } },
        "run.platform: unknown field 'oss' (did you mean 'os'?)" },
      { "unknown key without a suggestion", { zzzzzzzzzz = 1 }, "run: unknown field 'zzzzzzzzzz'" },
      { "the envelope shape", { properties = {} }, "run: unknown field 'properties'" },
      { "a non-string key", { [1] = "x" }, "run: field names are strings, got a number key" },
      { "a string field given a number", { runId = 5 }, "run.runId: expected a string, got number" },
      { "an enum given a boolean", { status = true }, "run.status: expected a string, got boolean" },
      { "a boolean given a string", { isArchiveEnabled = "yes" },
        "run.isArchiveEnabled: expected a boolean, got string" },
      { "a record given a string", { platform = "Linux" },
        "run.platform: expected a table (PlatformProperties), got string" },
      { "a list given a string", { customRegistries = "a" },
        "run.customRegistries: expected an array of strings, got string" },
      { "a list with a bad element", { customRegistries = { "a", 5 } },
        "run.customRegistries[2]: expected a string, got number" },
      { "a list with a key", { outputImages = { x = {} } },
        "run.outputImages: expected an array, found key 'x'" },
      { "a list with holes", { customRegistries = { "a", nil, "c" } }, "run.customRegistries: expected an array" },
      { "an int32 out of range", { agentConfiguration = { cpu = 3000000000 } },
        "run.agentConfiguration.cpu: 3000000000 is out of the int32 range -2147483648..2147483647" },
      { "a negative int32 out of range", { agentConfiguration = { cpu = -2147483649 } },
        "is out of the int32 range" },
      { "a fractional cpu", { agentConfiguration = { cpu = 2.5 } },
        "run.agentConfiguration.cpu: expected an integer, got 2.5" },
      { "cpu as a string", { agentConfiguration = { cpu = "2" } },
        "run.agentConfiguration.cpu: expected an integer, got string" },
      { "an invalid enum value", { platform = { os = "Solaris" } },
        'run.platform.os: invalid value "Solaris" for OS (expected one of Windows, Linux)' },
      { "an invalid status", { status = "Done" },
        "expected one of Queued, Started, Running, Succeeded, Failed, Canceled, Error, Timeout" },
      { "an invalid architecture", { platform = { os = "Linux", architecture = "mips" } },
        "(expected one of amd64, x86, 386, arm, arm64)" },
      { "month 13", { createTime = "2019-13-01T00:00:00Z" }, "run.createTime: invalid date-time" },
      { "31 April", { createTime = "2019-04-31T00:00:00Z" }, "day 31" },
      { "29 February 2019", { createTime = "2019-02-29T00:00:00Z" }, "day 29" },
      { "hour 24", { createTime = "2019-01-01T24:00:00Z" }, "hour" },
      { "offset +24:00", { createTime = "2019-01-01T00:00:00+24:00" }, "offset" },
      { "a date-time of the wrong type", { createTime = true },
        "run.createTime: expected a date-time (RFC 3339 string, number or DateTime), got boolean" },
      { "an out-of-range epoch", { createTime = 1e15 }, "run.createTime: invalid date-time" },
      { "an image list element", { imageUpdateTrigger = { images = { {}, { tag = false } } } },
        "run.imageUpdateTrigger.images[2].tag: expected a string, got boolean" },
    }
    for _, c in ipairs(cases) do
      it(c[1], function()
        local msg = err_of(function() acr.new(c[2]) end)
        assert.is_truthy(msg:find(c[3], 1, true), ("%q not in %q"):format(c[3], msg))
      end)
    end
  end)

  it("refuses an argument that is not a table", function()
    assert.has_error(function() acr.new("x") end)
    assert.has_error(function() acr.new(5) end)
  end)
end)

describe("run.<field> = v", function()
  it("validates and sets, nil clears", function()
    local run = acr.new()
    run.status = "running"
    assert.are.equal("Running", run.status)
    run.agentConfiguration = { cpu = 4 }
    run.agentConfiguration.cpu = -2147483648
    assert.are.equal(-2147483648, run.agentConfiguration.cpu)
    run.agentConfiguration.cpu = 2147483647
    assert.are.equal(2147483647, run.agentConfiguration.cpu)
    run.agentConfiguration.cpu = 2.0
    assert.are.equal(2, run.agentConfiguration.cpu)
    run.status = nil
    assert.is_nil(run.status)
    run.isArchiveEnabled = false
    assert.is_false(run.isArchiveEnabled)
    run.platform = {}
    assert.is_not_nil(run.platform)
    assert.is_nil(run.platform.os)
    run.customRegistries = {}
    assert.are.equal(0, #run.customRegistries)
  end)

  it("refuses with the same messages as acr.new", function()
    local run = full_run()
    assert.matches("run: field 'runErrorMessage' is read%-only", err_of(function() run.runErrorMessage = "x" end))
    assert.matches("run: field 'id' is read%-only", err_of(function() run.id = "x" end))
    assert.matches("did you mean 'status'", err_of(function() run.stauts = "Queued" end))
    assert.matches("did you mean 'status'", err_of(function() return run.stauts end))
    assert.matches("run.platform.os: invalid value \"Solaris\" for OS %(expected one of Windows, Linux%)",
                   err_of(function() run.platform.os = "Solaris" end))
    assert.matches("run.agentConfiguration.cpu: expected an integer, got 2.5",
                   err_of(function() run.agentConfiguration.cpu = 2.5 end))
    assert.matches("out of the int32 range", err_of(function() run.agentConfiguration.cpu = 2 ^ 31 end))
    assert.matches("cannot assign to method 'clone'", err_of(function() run.clone = 1 end))
    -- nothing changed
    assert.are.equal(full_run(), run)
  end)

  it("clears read-only fields of a server run only through from_table", function()
    local run = acr.from_table({ runErrorMessage = "boom" })
    assert.are.equal("boom", run.runErrorMessage)
    assert.has_error(function() run.runErrorMessage = nil end)
  end)

  describe("is atomic", function()
    it("when an element of a replacement list is bad", function()
      local run = full_run()
      local before = run:to_table()
      local msg = err_of(function()
        run.outputImages = { { tag = "new" }, { tag = "ok" }, { tag = 5 } }
      end)
      assert.matches("run.outputImages%[3%].tag: expected a string, got number", msg)
      assert.are.same(before, run:to_table())
      assert.are.equal("v1", run.outputImages[1].tag)
    end)

    it("when a field of a replacement record is bad", function()
      local run = full_run()
      local before = run:to_table()
      err_of(function() run.platform = { os = "Windows", architecture = "bogus" } end)
      err_of(function() run.sourceTrigger = { id = "new", commitId = {} } end)
      err_of(function() run.imageUpdateTrigger = { id = "new", images = { { tag = "x" }, "bad" } } end)
      assert.are.same(before, run:to_table())
      assert.are.equal("Linux", run.platform.os)
    end)

    it("when a value with __tostring is set to a text field (refused, never called)", function()
      local run = full_run()
      local before = run:to_table()
      local called = false
      local obj = setmetatable({}, { __tostring = function() called = true return "x" end })
      local msg = err_of(function() run.sourceTrigger = { id = "new", branchName = obj } end)
      assert.matches("run.sourceTrigger.branchName: expected a string, got table", msg, 1, true)
      err_of(function() run.task = obj end)
      assert.matches("run.task: expected a string, got userdata",
                     err_of(function() run.task = acr.new() end), 1, true)
      assert.matches("expected a string", err_of(function() acr.new { runId = acr.new() } end))
      assert.is_false(called)
      assert.are.same(before, run:to_table())
    end)
  end)

  it("copies records and lists assigned from views, even of another run", function()
    local a, b = full_run(), acr.new()
    b.platform = a.platform
    b.outputImages = a.outputImages
    b.customRegistries = a.customRegistries
    a.platform.os = "Windows"
    a.outputImages[1].tag = "changed"
    assert.are.equal("Linux", b.platform.os)
    assert.are.equal("v1", b.outputImages[1].tag)
    assert.are.equal(2, #b.customRegistries)
    b.outputImages = b.outputImages -- onto itself
    assert.are.equal(2, #b.outputImages)
    assert.has_error(function() b.platform = a.agentConfiguration end)
  end)
end)

describe("acr.from_table", function()
  it("accepts the envelope shape", function()
    local run = acr.from_table({
      id = "/subscriptions/x/runs/yd1", name = "yd1", type = "Microsoft.ContainerRegistry/registries/runs",
      systemData = { createdBy = "me", createdByType = "user", createdAt = "2020-10-08T00:00:00Z" },
      properties = { runId = "yd1", status = "Succeeded", runErrorMessage = "none" },
    })
    assert.are.equal("yd1", run.name)
    assert.are.equal("yd1", run.runId)
    assert.are.equal("User", run.systemData.createdByType)
    assert.are.equal("none", run.runErrorMessage)
    local t = run:to_table()
    assert.are.equal("yd1", t.properties.runId)
    assert.are.equal("yd1", t.name)
    assert.are.equal("me", t.systemData.createdBy)
  end)

  it("accepts the Azure CLI flat shape and keeps its extra keys", function()
    local run = acr.from_table({
      id = "/subscriptions/x/runs/cf2", name = "cf2", type = "runs", resourceGroup = "rg",
      runId = "cf2", status = "Running", platform = { os = "linux" },
    })
    assert.are.equal("cf2", run.runId)
    assert.are.equal("Linux", run.platform.os)
    assert.are.same({ resourceGroup = '"rg"' }, run:unknown())
    -- written back in the shape it came in (issue 11)
    local t = run:to_table()
    assert.are.equal("rg", t.resourceGroup)
    assert.are.equal("cf2", t.runId)
    assert.is_nil(t.properties)
  end)

  it("takes the run of a task run (runResult beside or inside properties)", function()
    local inner = { properties = { runId = "yd1" }, name = "yd1" }
    assert.are.equal("yd1", acr.from_table({ type = "TaskRuns", runResult = inner }).runId)
    assert.are.equal("yd1", acr.from_table({ properties = { runResult = inner } }).runId)
  end)

  it("treats nil and cjson.null as absent", function()
    local null = helpers.cjson and helpers.cjson.null or nil
    if not null then return end
    local run = acr.from_table({ runId = "x", status = null, platform = null, properties = null })
    assert.are.equal("x", run.runId)
    assert.is_nil(run.status)
    assert.is_nil(run.platform)
  end)

  it("keeps unknown keys at every level as JSON text", function()
    local run = acr.from_table({
      runId = "x", extra = { a = 1, b = { true, false }, c = "s\"q" }, n = 2.5,
      platform = { osType = "Linux", Architecture = "amd64" },
    })
    local u = run:unknown()
    assert.are.equal('{"a":1,"b":[true,false],"c":"s\\"q"}', u.extra)
    assert.are.equal("2.5", u.n)
    assert.are.same({ osType = '"Linux"', Architecture = '"amd64"' }, run.platform:unknown())
    local t = run:to_table()
    assert.are.same({ a = 1, b = { true, false }, c = 's"q' }, t.extra)
    assert.are.equal("Linux", t.platform.osType)
  end)

  it("writes integers exactly and refuses what JSON cannot hold", function()
    -- 2^53 + 1 is an integer on 5.3+ (exact), 2^53 a float elsewhere
    local big = math.type and (loadstring or load)("return 9007199254740993")() or 2 ^ 53
    local run = acr.from_table({ big = big, small = -12, float = 0.1 })
    assert.are.equal(math.type and "9007199254740993" or "9007199254740992", run:unknown().big)
    assert.are.equal("-12", run:unknown().small)
    assert.are.equal("0.1", run:unknown().float)
    assert.matches("cannot represent a function as JSON at extra",
                   err_of(function() acr.from_table({ extra = print }) end))
    assert.matches("cannot represent a function as JSON at extra%.a%[2%]",
                   err_of(function() acr.from_table({ extra = { a = { 1, print } } }) end))
    assert.matches("cannot represent NaN", err_of(function() acr.from_table({ x = 0 / 0 }) end))
    assert.matches("cannot represent an infinite number", err_of(function() acr.from_table({ x = math.huge }) end))
    local cyclic = {}
    cyclic.self = cyclic
    assert.matches("nested this deeply", err_of(function() acr.from_table({ x = cyclic }) end))
  end)

  it("keeps enum values outside the known set and reports them", function()
    local run = acr.from_table({ status = "Paused", platform = { os = "Solaris" } })
    assert.are.equal("Paused", run.status)
    assert.are.equal("Solaris", run.platform.os)
    local p = run:problems()
    assert.are.equal(2, #p)
    assert.matches("^status: unknown RunStatus value \"Paused\"", p[1])
    assert.matches("^platform%.os: unknown OS value \"Solaris\"", p[2])
  end)

  it("with strict = true refuses what acr.new refuses, but not read-only fields", function()
    local run = acr.from_table({ runErrorMessage = "x", id = "/x" }, { strict = true })
    assert.are.equal("x", run.runErrorMessage)
    assert.matches("unknown field 'extra'", err_of(function() acr.from_table({ extra = 1 }, { strict = true }) end))
    assert.matches('^status: invalid value "Paused" for RunStatus',
                   err_of(function() acr.from_table({ status = "Paused" }, { strict = true }) end))
    assert.matches("^properties%.platform%.os: invalid value",
                   err_of(function()
                     acr.from_table({ properties = { platform = { os = "x" } } }, { strict = true })
                   end))
  end)

  it("still refuses wrong types, naming the path from the table root", function()
    assert.matches("^properties%.agentConfiguration%.cpu: expected an integer, got 2%.5",
                   err_of(function() acr.from_table({ properties = { agentConfiguration = { cpu = 2.5 } } }) end))
    assert.matches("^runId: expected a string, got number", err_of(function() acr.from_table({ runId = 1 }) end))
    assert.matches("field names are strings", err_of(function() acr.from_table({ [true] = 1 }) end))
    assert.matches("^properties: expected a table", err_of(function() acr.from_table({ properties = "x" }) end))
  end)

  it("refuses bad arguments", function()
    assert.has_error(function() acr.from_table() end)
    assert.has_error(function() acr.from_table("x") end)
    assert.has_error(function() acr.from_table({}, { strcit = true }) end)
    assert.has_error(function() acr.from_table({}, { strict = "yes" }) end)
  end)
end)

describe("run methods", function()
  it("to_table and from_table round trip", function()
    local run = full_run()
    local t = run:to_table()
    assert.are.equal("2019-08-28T20:20:52.8021125+00:00", t.createTime)
    assert.are.equal("Linux", t.platform.os)
    assert.are.equal("latest", t.outputImages[2].tag)
    assert.are.equal(run, acr.from_table(t))
    assert.are.equal(run, acr.new(t))
    local env = acr.from_table({ id = "/x", name = "n", properties = { runId = "r", extra = { 1, 2 } }, more = "m" })
    assert.are.equal(env, acr.from_table(env:to_table()))
    assert.are.same(env:to_table(), acr.from_table(env:to_table()):to_table())
  end)

  it("to_table equals cjson.decode(run:encode()) in every shape", function()
    local cjson = helpers.cjson
    if not cjson then return end
    local null = cjson.null
    for _, run in ipairs({
      full_run(),
      acr.new({ runId = "x", customRegistries = {}, platform = {} }),
      acr.from_table({ id = "/x", properties = {} }),
      acr.from_table({ id = "/x", name = "n", runId = "r", resourceGroup = "rg" }),
      acr.from_table({ properties = { runId = "r" }, extra = 1 }),
      acr.from_table({ properties = { runId = "r" } }),
      acr.from_table({ runId = "r", extra = { a = { 1, 2.5, "s" }, b = null, c = {} } }),
    }) do
      assert.are.same(cjson.decode(run:encode()), run:to_table())
      assert.are.equal(run, acr.decode(run:encode()))
    end
  end)

  it("to_table marks arrays with cjson.array_mt when lua-cjson has one", function()
    local cjson = helpers.cjson
    if not cjson then return end
    local t = acr.new({ customRegistries = {} }):to_table()
    if cjson.array_mt then
      assert.are.equal(cjson.array_mt, getmetatable(t.customRegistries))
      assert.are.equal('{"customRegistries":[]}', cjson.encode(t))
    else
      assert.is_nil(getmetatable(t.customRegistries))
    end
  end)

  it("clone is deep and independent", function()
    local a = full_run()
    local b = a:clone()
    assert.are.equal(a, b)
    b.platform.os = "Windows"
    b.outputImages[1].tag = "x"
    assert.are.equal("Linux", a.platform.os)
    assert.are.equal("v1", a.outputImages[1].tag)
    assert.are_not.equal(a, b)
  end)

  it("== is deep equality", function()
    assert.are.equal(full_run(), full_run())
    local a, b = full_run(), full_run()
    b.customRegistries[2] = "c.azurecr.io"
    assert.is_false(a == b)
    assert.is_false(acr.new() == acr.new({ runId = "x" }))
  end)

  it("tostring leaves out what is missing", function()
    assert.are.equal("Run ca12", tostring(acr.new({ runId = "ca12" })))
    assert.are.equal("Run Queued", tostring(acr.new({ status = "queued" })))
    assert.are.equal("Run x Paused", tostring(acr.from_table({ runId = "x", status = "Paused" })))
  end)

  it("fields() iterates over set fields in spec order", function()
    local run = acr.from_table({ isArchiveEnabled = false, runId = "a", id = "/x", platform = { os = "Linux" },
                                 status = "Queued", createTime = "2019-01-01T00:00:00Z" })
    local names, values = {}, {}
    for name, value in run:fields() do
      names[#names + 1] = name
      values[name] = value
    end
    assert.are.same({ "id", "runId", "status", "createTime", "platform", "isArchiveEnabled" }, names)
    assert.are.equal("Linux", values.platform.os)
    assert.are.equal("2019-01-01T00:00:00Z", tostring(values.createTime))
    assert.is_false(values.isArchiveEnabled)
    local n = 0
    for _ in acr.new():fields() do n = n + 1 end
    assert.are.equal(0, n)
  end)

  it("pairs(run) iterates the same way on 5.2+", function()
    if _VERSION == "Lua 5.1" then return end
    local run = acr.new({ runId = "a", task = "t", status = "Failed" })
    local names = {}
    for name in pairs(run) do names[#names + 1] = name end
    assert.are.same({ "runId", "status", "task" }, names)
  end)

  it("problems lists what makes a received run unfit to send", function()
    assert.are.same({}, full_run():problems())
    local run = acr.from_table({ platform = { architecture = "amd64" }, startTime = "2019-01-01T00:00:10Z",
                                 finishTime = "2019-01-01T00:00:00Z", createTime = "2019-01-01T00:00:20Z" })
    local p = run:problems()
    assert.are.equal(3, #p)
    assert.are.equal("platform.os: platform is set without the required os", p[1])
    assert.are.equal("startTime: startTime is after finishTime", p[2])
    assert.are.equal("finishTime: finishTime is before createTime", p[3])
  end)

  it("is_terminal", function()
    for _, s in ipairs(acr.enums.RunStatus) do
      local terminal = s ~= "Queued" and s ~= "Started" and s ~= "Running"
      assert.are.equal(terminal, acr.new({ status = s }):is_terminal())
    end
    assert.is_false(acr.new():is_terminal())
  end)

  it("duration([now])", function()
    local run = full_run()
    assert.is_true(math.abs(run:duration() - 7.3452236) < 1e-9)
    local running = acr.new({ status = "Running", startTime = "2019-01-01T00:00:00Z" })
    assert.is_nil(running:duration())
    assert.are.equal(90, running:duration("2019-01-01T00:01:30Z"))
    assert.are.equal(90, running:duration(acr.datetime("2019-01-01T01:01:30+01:00")))
    assert.are.equal(90, running:duration(acr.datetime("2019-01-01T00:00:00Z"):epoch() + 90))
    assert.is_true(math.abs(run:duration("2030-01-01T00:00:00Z") - 7.3452236) < 1e-9)
    assert.is_nil(acr.new({ status = "Queued" }):duration("2019-01-01T00:01:30Z"))
    assert.has_error(function() running:duration("yesterday") end)
    assert.has_error(function() running:duration({}) end)
  end)

  it("trigger follows the Azure CLI's order", function()
    assert.are.equal("commit", full_run():trigger())
    assert.are.equal("Timer", acr.new({ timerTrigger = { timerTriggerName = "t" },
                                        imageUpdateTrigger = {} }):trigger())
    assert.are.equal("Image Update", acr.new({ imageUpdateTrigger = { id = "x" } }):trigger())
    assert.are.equal("Manual", acr.new({ runId = "x" }):trigger())
    assert.are.equal("Timer", acr.new({ sourceTrigger = { id = "no event" }, timerTrigger = {} }):trigger())
  end)

  it("diff lists what changed between two polls", function()
    local a = full_run()
    assert.are.same({}, a:diff(a:clone()))
    local b = a:clone()
    b.status = "Failed"
    b.platform.os = "Windows"
    b.outputImages[2].tag = "v2"
    b.outputImages[3] = { tag = "v3" }
    b.customRegistries = { "a.azurecr.io" }
    b.finishTime = nil
    b.agentConfiguration = nil
    local d = a:diff(b)
    assert.are.same({
      { path = "status", old = "Succeeded", new = "Failed" },
      { path = "finishTime", old = "2019-08-28T20:21:00.4763937+00:00" },
      { path = "outputImages[2].tag", old = "latest", new = "v2" },
      { path = "outputImages[3]", new = { tag = "v3" } },
      { path = "platform.os", old = "Linux", new = "Windows" },
      { path = "agentConfiguration", old = { cpu = 2 } },
      { path = "customRegistries[2]", old = "b.azurecr.io" },
    }, d)
  end)

  it("diff includes unknown fields, decoded", function()
    local a = acr.from_table({ runId = "x", extra = { n = 1 }, gone = true })
    local b = acr.from_table({ runId = "x", extra = { n = 2 }, new = "y" })
    local d = a:diff(b)
    table.sort(d, function(p, q) return p.path < q.path end)
    assert.are.same({
      { path = "extra", old = { n = 1 }, new = { n = 2 } },
      { path = "gone", old = true },
      { path = "new", new = "y" },
    }, d)
  end)

  it("run methods raise on a value that is not a run", function()
    local run = acr.new()
    assert.has_error(function() run.to_table({}) end)
    assert.has_error(function() run.diff(run, {}) end)
    -- the metatable is hidden from Lua code, so its metamethods cannot be
    -- called with other values
    assert.are.equal("acr.run.Run", getmetatable(run))
    assert.has_error(function() debug.getmetatable(run).__newindex(acr.datetime(0), "status", "x") end)
    assert.has_error(function() debug.getmetatable(run).__index(nil, "status") end)
  end)

  it("__close (5.4) closes the run; views keep theirs", function()
    if _VERSION ~= "Lua 5.4" then return end
    local run = full_run()
    local platform = run.platform
    debug.getmetatable(run).__close(run)
    assert.has_error(function() return run.status end)
    assert.are.equal("Run (closed)", tostring(run))
    debug.getmetatable(run).__close(run) -- idempotent
    assert.are.equal("Linux", platform.os)
  end)
end)

describe("acr.enums and acr._VERSION", function()
  it("lists canonical values in spec order", function()
    assert.are.same({ "Queued", "Started", "Running", "Succeeded", "Failed", "Canceled", "Error", "Timeout" },
                    acr.enums.RunStatus)
    assert.are.same({ "QuickBuild", "QuickRun", "AutoBuild", "AutoRun" }, acr.enums.RunType)
    assert.are.same({ "Creating", "Updating", "Deleting", "Succeeded", "Failed", "Canceled" },
                    acr.enums.ProvisioningState)
    assert.are.same({ "Windows", "Linux" }, acr.enums.OS)
    assert.are.same({ "amd64", "x86", "386", "arm", "arm64" }, acr.enums.Architecture)
    assert.are.same({ "v6", "v7", "v8" }, acr.enums.Variant)
    assert.are.same({ "User", "Application", "ManagedIdentity", "Key" }, acr.enums.CreatedByType)
    assert.matches("^%d+%.%d+%.%d+", acr._VERSION)
  end)
end)

describe("acr.type", function()
  it("names every value of the library, and nothing else", function()
    local run = acr.new { runId = "a", platform = { os = "Linux" }, customRegistries = { "x" } }
    assert.equal("Run", acr.type(run))
    assert.equal("Record", acr.type(run.platform))
    assert.equal("FieldList", acr.type(run.customRegistries))
    assert.equal("DateTime", acr.type(acr.datetime(0)))
    assert.equal("RunList", acr.type(acr.list()))
    assert.equal("Filter", acr.type(acr.filter("status eq 'Failed'")))
    for _, v in ipairs { {}, "Run", 1, true, io.stdout, print } do
      assert.is_nil(acr.type(v))
    end
    assert.is_nil(acr.type(nil))
    assert.is_nil(acr.type())
  end)

  it("keeps naming a closed value", function()
    local run = acr.new()
    debug.getmetatable(run).__gc(run)
    assert.equal("Run", acr.type(run))
  end)
end)

describe("memsize", function()
  it("is an integer number of bytes on every Lua (run and list)", function()
    local run = acr.new { runId = "a", task = string.rep("t", 1000) }
    local l = acr.list { run, run }
    for _, n in ipairs { run:memsize(), l:memsize() } do
      assert.equal("number", type(n))
      assert.equal(n, math.floor(n))
      if math.type then assert.equal("integer", math.type(n)) end
    end
    assert.is_true(run:memsize() >= 1000)
    assert.is_true(l:memsize() >= run:memsize())
  end)
end)
