-- spec/92-request_spec.lua: RunRequest, the scheduleRun body, modelled in
-- the C core (csrc/acr_request.c) and bound by csrc/lacr_request.c.

local helpers = require("spec.helpers")
local acr = require("acr.run")
local json = require("acr.client.json")
local json_encode = require("spec.support.json_encode")

local KINDS = {
  "Registries_ScheduleRun", "Registries_ScheduleRun_EncodedTaskRun",
  "Registries_ScheduleRun_FileTaskRun", "Registries_ScheduleRun_FileTask_WithCustomCredentials",
  "Registries_ScheduleRun_Task", "Registries_ScheduleRun_WithCustomCredentials",
}

local function example(name)
  local text = helpers.read_file(helpers.fixture("spec-operations", "2019-04-01_" .. name .. ".json"))
  return assert(json.decode(text)).parameters.runRequest
end

-- Deep equality of decoded JSON values.
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function message(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  return e
end

local function docker()
  return acr.request{
    type = "DockerBuildRequest", dockerFilePath = "Dockerfile", imageNames = { "app:1" },
    platform = { os = "Linux" },
    arguments = { { name = "plain", value = "visible" }, { name = "key", value = "s3cr3t-arg", isSecret = true } },
    credentials = { sourceRegistry = { loginMode = "Default" }, customRegistries = {
      ["b.azurecr.io"] = { userName = { value = "s3cr3t-user", type = "Opaque" },
                           password = { value = "s3cr3t-pass", type = "Opaque" } },
      ["a.azurecr.io"] = { identity = "system" } } },
  }
end

describe("RunRequest", function()
  describe("the spec's examples", function()
    for _, name in ipairs(KINDS) do
      it(name .. " round-trips through acr.decode and encode", function()
        local original = example(name)
        local text = json_encode(original)
        local req, msg = acr.decode(text)
        assert(req, msg)
        assert.equal("RunRequest " .. original.type, tostring(req))
        local out = req:encode()
        assert.is_true(same(original, assert(json.decode(out))), out)
        -- what was written reads back to the same request and the same text
        local again = assert(acr.decode(out))
        assert.equal(req, again)
        assert.equal(out, again:encode())
        -- and acr.request of the same table builds the same request
        assert.equal(req, acr.request(original))
        assert.is_true(same(original, req:to_table()))
      end)
    end
  end)

  describe("acr.request", function()
    it("reads fields, defaults for the unset ones with a default", function()
      local r = docker()
      assert.equal("DockerBuildRequest", r.type)
      assert.equal("Dockerfile", r.dockerFilePath)
      assert.is_true(r.isPushEnabled)
      assert.is_false(r.noCache)
      assert.is_false(r.isArchiveEnabled)
      assert.equal(3600, r.timeout)
      assert.is_nil(r.target)
      assert.equal("Linux", r.platform.os)
      assert.equal(2, #r.arguments)
      assert.is_false(r.arguments[1].isSecret)
      assert.equal("s3cr3t-arg", r.arguments[2].value)
      assert.equal("app:1", r.imageNames[1])
      assert.equal("Default", r.credentials.sourceRegistry.loginMode)
      assert.equal("s3cr3t-pass", r.credentials.customRegistries["b.azurecr.io"].password.value)
      assert.equal(2, #r.credentials.customRegistries)
      assert.is_nil(r.credentials.customRegistries["c.azurecr.io"])
      -- spec key order, map keys in byte order, defaults not written
      assert.equal('{"type":"DockerBuildRequest","imageNames":["app:1"],"dockerFilePath":"Dockerfile",'
        .. '"arguments":[{"name":"plain","value":"visible"},{"name":"key","value":"s3cr3t-arg","isSecret":true}],'
        .. '"platform":{"os":"Linux"},"credentials":{"sourceRegistry":{"loginMode":"Default"},'
        .. '"customRegistries":{"a.azurecr.io":{"identity":"system"},"b.azurecr.io":{"userName":'
        .. '{"value":"s3cr3t-user","type":"Opaque"},"password":{"value":"s3cr3t-pass","type":"Opaque"}}}}}',
        r:encode())
      assert.matches('^{\n  "type": "DockerBuildRequest",\n  "imageNames": %[\n    "app:1"\n  %]',
        r:encode{ pretty = true })
    end)

    it("stores enum values canonical", function()
      local r = acr.request{ type = "encodedtaskrunrequest", encodedTaskContent = "eA==",
                             platform = { os = "LINUX", architecture = "ARM64", variant = "V8" } }
      assert.equal("EncodedTaskRunRequest", r.type)
      assert.equal('{"type":"EncodedTaskRunRequest","encodedTaskContent":"eA==",'
        .. '"platform":{"os":"Linux","architecture":"arm64","variant":"v8"}}', r:encode())
    end)

    it("raises naming the field for every kind of mistake", function()
      local function e(t) return message(acr.request, t) end
      assert.matches("^type: expected one of DockerBuildRequest, FileTaskRunRequest", e{ type = "Build" })
      assert.matches("^type: expected one of", e{})
      assert.equal("dockerFilePath: required field is missing",
        e{ type = "DockerBuildRequest", platform = { os = "Linux" } })
      assert.equal("platform: required field is missing", e{ type = "FileTaskRunRequest", taskFilePath = "a" })
      assert.equal("platform.os: required field is missing",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = {} })
      assert.equal("values[1].value: required field is missing",
        e{ type = "TaskRunRequest", taskName = "t", values = { { name = "n" } } })
      assert.equal("unknown field 'taskFilePath' (DockerBuildRequest has no such field)",
        e{ type = "DockerBuildRequest", dockerFilePath = "D", platform = { os = "Linux" }, taskFilePath = "x" })
      assert.equal("unknown field 'dockerfilepath' (did you mean 'dockerFilePath'?)",
        e{ type = "DockerBuildRequest", dockerfilepath = "D", platform = { os = "Linux" } })
      assert.equal("taskName: expected a string, got number", e{ type = "TaskRunRequest", taskName = 1 })
      assert.equal("timeout: 28801 is out of range 300..28800",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" }, timeout = 28801 })
      assert.equal("timeout: expected an integer, got a fraction",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" }, timeout = 300.5 })
      assert.equal("agentConfiguration.cpu: out of the int32 range -2147483648..2147483647",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" },
           agentConfiguration = { cpu = 2 ^ 31 } })
      assert.matches("^platform.os: invalid value \"BeOS\" for OS %(expected one of Windows, Linux%)",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "BeOS" } })
      assert.equal("imageNames: expected an array without holes",
        e{ type = "DockerBuildRequest", dockerFilePath = "D", platform = { os = "Linux" },
           imageNames = { "a", nil, "c" } })
      assert.equal('credentials.customRegistries["r.io"].identity: expected a string, got boolean',
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" },
           credentials = { customRegistries = { ["r.io"] = { identity = true } } } })
      assert.equal('credentials.customRegistries["r.io"]: unknown field \'loginServer\' '
        .. "(CustomRegistryCredentials has no such field)",
        e{ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" },
           credentials = { customRegistries = { ["r.io"] = { loginServer = "x" } } } })
    end)
  end)

  describe("assignment", function()
    it("validates and sets, through views too", function()
      local r = docker()
      r.timeout = 600
      r.noCache = true
      r.platform.os = "windows"
      r.arguments[1].value = "changed"
      r.arguments[3] = { name = "third", value = "3" }
      r.imageNames[2] = "app:latest"
      r.credentials.customRegistries["c.azurecr.io"] = { identity = "abc" }
      r.credentials.customRegistries["a.azurecr.io"] = nil
      r.credentials.customRegistries["b.azurecr.io"].password.value = "new"
      assert.equal(600, r.timeout)
      assert.equal("Windows", r.platform.os)
      local t = r:to_table()
      assert.equal("changed", t.arguments[1].value)
      assert.equal("third", t.arguments[3].name)
      assert.same({ "app:1", "app:latest" }, t.imageNames)
      assert.same({ identity = "abc" }, t.credentials.customRegistries["c.azurecr.io"])
      assert.is_nil(t.credentials.customRegistries["a.azurecr.io"])
      assert.equal("new", t.credentials.customRegistries["b.azurecr.io"].password.value)
      r.arguments[1] = nil
      assert.equal(2, #r.arguments)
      assert.equal("key", r.arguments[1].name)
      r.timeout = nil
      assert.equal(3600, r.timeout)
      assert.is_nil(r:to_table().timeout)
    end)

    it("changes nothing when the value is refused", function()
      local r = docker()
      local before = r:encode()
      assert.equal("dockerFilePath: required field is missing",
        message(function() r.dockerFilePath = nil end))
      assert.equal("platform.os: required field is missing",
        message(function() r.platform = { architecture = "amd64" } end))
      assert.equal("platform.os: required field is missing",
        message(function() r.platform.os = nil end))
      assert.equal("arguments[3].value: required field is missing",
        message(function() r.arguments[3] = { name = "x" } end))
      assert.equal("timeout: 5 is out of range 300..28800", message(function() r.timeout = 5 end))
      assert.equal("type: read-only (a request's kind cannot change: make a new one)",
        message(function() r.type = "TaskRunRequest" end))
      assert.equal("arguments: index out of range 1..3",
        message(function() r.arguments[7] = { name = "a", value = "b" } end))
      assert.matches('^credentials.customRegistries%["b.azurecr.io"%].loginServer: read%-only',
        message(function() r.credentials.customRegistries["b.azurecr.io"].loginServer = "x" end))
      assert.equal(before, r:encode())
    end)

    it("copies a record view from another request", function()
      local a, b = docker(), docker()
      b.platform.os = "Windows"
      a.platform = b.platform
      assert.equal("Windows", a.platform.os)
      b.platform.os = "Linux"
      assert.equal("Windows", a.platform.os)
    end)
  end)

  describe("views", function()
    it("stay safe after the request is collected or the field replaced", function()
      local args = docker().arguments
      local entry = docker().credentials.customRegistries["b.azurecr.io"].password
      collectgarbage()
      collectgarbage()
      assert.equal(2, #args)
      assert.equal("plain", args[1].name)
      assert.equal("s3cr3t-pass", entry.value)
      local r = docker()
      local second = r.arguments[2]
      r.arguments = { { name = "only", value = "one" } }
      assert.is_nil(second.name)
      assert.matches("no longer set", message(function() second.name = "x" end))
    end)

    it("iterate lists and the map, every Lua", function()
      local r = docker()
      local names, servers = {}, {}
      for i, a in r.arguments:iter() do names[i] = a.name end
      for server, cred in r.credentials.customRegistries:iter() do
        servers[#servers + 1] = server .. "=" .. tostring(cred.identity)
      end
      assert.same({ "plain", "key" }, names)
      assert.same({ "a.azurecr.io=system", "b.azurecr.io=nil" }, servers)
    end)
  end)

  describe("secrets", function()
    it("are never shown by tostring or string.format", function()
      local r = docker()
      -- string.format("%s") calls __tostring on 5.2 and later (5.1 refuses a userdata)
      local ok, formatted = pcall(string.format, "%s", r)
      local shown = { tostring(r), ok and formatted or "", tostring(r.arguments), tostring(r.arguments[2]),
        tostring(r.credentials), tostring(r.credentials.customRegistries["b.azurecr.io"].password) }
      for _, s in ipairs(shown) do
        assert.is_nil(s:find("s3cr3t", 1, true), s)
      end
      assert.equal("RunRequest DockerBuildRequest", shown[1])
      assert.equal("RunRequest.arguments[2]", shown[4])
    end)

    it("are never quoted by error messages", function()
      local r = docker()
      local msgs = {
        message(function() r.arguments[2].value = "s3cr3t\255" end),
        message(function() r.credentials.customRegistries["b.azurecr.io"].password.value = "s3cr3t\192" end),
        message(acr.request, { type = "TaskRunRequest", taskName = "t",
          values = { { name = "n", value = "s3cr3t", isSecret = "s3cr3t" } } }),
        (select(2, acr.decode('{"type":"TaskRunRequest","taskName":"t","values":[{"value":"s3cr3t"}]}'))),
        (select(2, acr.decode('{"type":"TaskRunRequest","taskName":"t","values":[{"name":"n","value":"s3cr3t",'
          .. '"isSecret":"s3cr3t"}]}'))),
      }
      for _, m in ipairs(msgs) do
        assert.is_string(m)
        assert.is_nil(m:find("s3cr3t", 1, true), m)
      end
      assert.equal("arguments[2].value: invalid UTF-8 at byte 6", msgs[1])
    end)
  end)

  describe("acr.decode", function()
    it("reads a request when the top-level type is a kind, a run otherwise", function()
      local run = assert(acr.decode('{"id":"/x","type":"Microsoft.ContainerRegistry/registries/runs",'
        .. '"properties":{"runId":"r1"}}'))
      assert.equal("r1", run.runId)
      local list = assert(acr.decode('{"value":[{"type":"TaskRunRequest","runId":"r2"}]}'))
      assert.equal(1, #list)
      local req = assert(acr.decode(' {"taskName": "t", "type": "TaskRunRequest"} '))
      assert.equal("t", req.taskName)
    end)

    it("gives nil, message, err for a bad request", function()
      local req, msg, err = acr.decode('{"type":"TaskRunRequest","taskName":"t","timeout":300}')
      assert.is_nil(req)
      assert.equal("unknown field 'timeout' (TaskRunRequest has no such field)", msg)
      assert.equal("schema", err.kind)
      req, msg, err = acr.decode('{"type":"TaskRunRequest","taskName":"t","values":[{"name":"n","value":1}]}')
      assert.is_nil(req)
      assert.equal("values[1].value: expected a string, got a number", msg)
      assert.equal("values[1].value", err.path)
      req, msg, err = acr.decode('{"type":"TaskRunRequest","taskName":"t"', { max_depth = 4 })
      assert.is_nil(req)
      assert.is_string(msg)
      assert.equal("syntax", err.kind)
      assert.equal(1, err.line)
    end)
  end)
end)
