-- acr.client.request: a scheduleRun body (RunRequest, api-version
-- 2019-04-01, run-requests.md sections 2-4) from a plain Lua table.
--
-- build(t) -> JSON text.  Raises (a programmer's mistake, like acr.new)
-- naming the field path for an unknown kind or key, a wrong type, a
-- missing required field, a timeout outside 300..28800, a cpu that is not
-- an int32, or an enum value outside its set (matched case-insensitively,
-- sent canonical).  Messages never quote a string value, so secrets
-- (argument values, SecretObject values) cannot leak through them.
-- Keys are written in the spec's order.

local json = require("acr.client.json")

local M = {}

local function enum(name, values)
  return { kind = "enum", name = name, values = values }
end
local STRING = { kind = "string" }
local BOOLEAN = { kind = "boolean" }

local ARGUMENT = { kind = "record", name = "Argument",
  order = { "name", "value", "isSecret" }, required = { name = true, value = true },
  fields = { name = STRING, value = STRING, isSecret = BOOLEAN } }
local SETVALUE = { kind = "record", name = "SetValue",
  order = ARGUMENT.order, required = ARGUMENT.required, fields = ARGUMENT.fields }
local PLATFORM = { kind = "record", name = "PlatformProperties",
  order = { "os", "architecture", "variant" }, required = { os = true },
  fields = {
    os = enum("OS", { "Windows", "Linux" }),
    architecture = enum("Architecture", { "amd64", "x86", "arm", "arm64" }),
    variant = enum("Variant", { "v6", "v7", "v8" }),
  } }
local AGENT = { kind = "record", name = "AgentProperties", order = { "cpu" },
  required = {}, fields = { cpu = { kind = "int", min = -2 ^ 31, max = 2 ^ 31 - 1 } } }
local SECRET = { kind = "record", name = "SecretObject", order = { "value", "type" },
  required = {}, fields = { value = STRING,
    type = enum("SecretObjectType", { "Opaque", "Vaultsecret" }) } }
local CUSTOM = { kind = "record", name = "CustomRegistryCredentials",
  order = { "userName", "password", "identity" }, required = {},
  fields = { userName = SECRET, password = SECRET, identity = STRING } }
local CREDENTIALS = { kind = "record", name = "Credentials",
  order = { "sourceRegistry", "customRegistries" }, required = {},
  fields = {
    sourceRegistry = { kind = "record", name = "SourceRegistryCredentials",
      order = { "loginMode" }, required = {},
      fields = { loginMode = enum("SourceRegistryLoginMode", { "None", "Default" }) } },
    customRegistries = { kind = "map", of = CUSTOM },
  } }

local COMMON = {
  type = STRING, isArchiveEnabled = BOOLEAN,
  imageNames = { kind = "array", of = STRING }, isPushEnabled = BOOLEAN,
  noCache = BOOLEAN, dockerFilePath = STRING, target = STRING,
  arguments = { kind = "array", of = ARGUMENT },
  taskFilePath = STRING, valuesFilePath = STRING, taskName = STRING,
  encodedTaskContent = STRING, encodedValuesContent = STRING,
  values = { kind = "array", of = SETVALUE },
  timeout = { kind = "int", min = 300, max = 28800 },
  platform = PLATFORM, agentConfiguration = AGENT, sourceLocation = STRING,
  credentials = CREDENTIALS,
}
local TAIL = { "timeout", "platform", "agentConfiguration", "sourceLocation", "credentials" }
local function kind(name, head, required)
  local order = { "type", "isArchiveEnabled" }
  for _, k in ipairs(head) do order[#order + 1] = k end
  if name ~= "TaskRunRequest" then
    for _, k in ipairs(TAIL) do order[#order + 1] = k end
  end
  local fields, req = {}, { type = true }
  for _, k in ipairs(order) do fields[k] = COMMON[k] end
  for _, k in ipairs(required) do req[k] = true end
  return { kind = "record", name = name, order = order, required = req, fields = fields }
end

M.kinds = {
  DockerBuildRequest = kind("DockerBuildRequest",
    { "imageNames", "isPushEnabled", "noCache", "dockerFilePath", "target", "arguments" },
    { "dockerFilePath", "platform" }),
  FileTaskRunRequest = kind("FileTaskRunRequest",
    { "taskFilePath", "valuesFilePath", "values" }, { "taskFilePath", "platform" }),
  TaskRunRequest = kind("TaskRunRequest", { "taskName", "values" }, { "taskName" }),
  EncodedTaskRunRequest = kind("EncodedTaskRunRequest",
    { "encodedTaskContent", "encodedValuesContent", "values" },
    { "encodedTaskContent", "platform" }),
}
local KIND_NAMES = { "DockerBuildRequest", "FileTaskRunRequest", "TaskRunRequest",
                     "EncodedTaskRunRequest" }

local function fail(path, msg)
  error((path ~= "" and path .. ": " or "") .. msg, 0)
end

local function join(path, k)
  return path == "" and k or path .. "." .. k
end

local convert

local function record(def, v, path)
  if type(v) ~= "table" then fail(path, "expected a table for " .. def.name .. ", got " .. type(v)) end
  for k in pairs(v) do
    if type(k) ~= "string" or not def.fields[k] then
      fail(path, "unknown field '" .. tostring(k) .. "' in " .. def.name)
    end
  end
  local out = setmetatable({}, { __order = def.order })
  for _, k in ipairs(def.order) do
    if v[k] ~= nil then
      out[k] = convert(def.fields[k], v[k], join(path, k))
    elseif def.required[k] then
      fail(join(path, k), "required field is missing")
    end
  end
  return out
end

function convert(def, v, path)
  local k = def.kind
  if k == "string" then
    if type(v) ~= "string" then fail(path, "expected a string, got " .. type(v)) end
    return v
  elseif k == "boolean" then
    if type(v) ~= "boolean" then fail(path, "expected a boolean, got " .. type(v)) end
    return v
  elseif k == "int" then
    if type(v) ~= "number" or v ~= math.floor(v) then
      fail(path, "expected an integer, got " .. (type(v) == "number" and "a fraction" or type(v)))
    end
    if v < def.min or v > def.max then
      fail(path, string.format("%d is out of range (%d to %d)", v, def.min, def.max))
    end
    return v
  elseif k == "enum" then
    if type(v) == "string" then
      for _, name in ipairs(def.values) do
        if name:lower() == v:lower() then return name end
      end
    end
    fail(path, "invalid value for " .. def.name .. " (expected one of "
      .. table.concat(def.values, ", ") .. ")")
  elseif k == "array" then
    if type(v) ~= "table" then fail(path, "expected an array, got " .. type(v)) end
    local out, n = json.array(), 0
    for key in pairs(v) do
      if type(key) ~= "number" then fail(path, "expected an array, got a table with key '" .. tostring(key) .. "'") end
      n = n + 1
    end
    for i = 1, n do
      if v[i] == nil then fail(path, "expected an array, got holes") end
      out[i] = convert(def.of, v[i], path .. "[" .. i .. "]")
    end
    return out
  elseif k == "map" then
    if type(v) ~= "table" then fail(path, "expected a table, got " .. type(v)) end
    local keys = {}
    for key in pairs(v) do
      if type(key) ~= "string" then fail(path, "map keys must be strings") end
      keys[#keys + 1] = key
    end
    table.sort(keys)
    local out = setmetatable({}, { __order = keys })
    for _, key in ipairs(keys) do out[key] = convert(def.of, v[key], path .. "[" .. string.format("%q", key) .. "]") end
    return out
  end
  return record(def, v, path)
end

-- The RunRequest kind of table t, or raises.
function M.kind(t)
  if type(t) ~= "table" then fail("", "expected a RunRequest table, got " .. type(t)) end
  local def = M.kinds[t.type]
  if not def then
    fail("type", "expected one of " .. table.concat(KIND_NAMES, ", "))
  end
  return def
end

function M.build(t)
  return json.encode(record(M.kind(t), t, ""))
end

return M
