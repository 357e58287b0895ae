#!/usr/bin/env lua
-- Writes examples/sample-runs.json: a RunListResult of 32 made-up runs in
-- the shapes of the spec fixtures and real service payloads (ARM envelope,
-- properties first; service-style date-times with 7 fraction digits and
-- +00:00 offsets, some re-serialised at -08:00 as the .NET recorder does;
-- lower-case "linux" as the service sends it).  Deterministic: the output
-- is committed and only regenerated when this script changes.
--
--   lua examples/gen-sample-runs.lua > examples/sample-runs.json

local floor = math.floor

-- A small deterministic generator (Park-Miller, exact in doubles and in
-- integers alike, so every Lua writes the same file).
local seed = 20190826
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local function hex(n)
  local t = {}
  for i = 1, n do
    local d = rand(16)
    t[i] = ("0123456789abcdef"):sub(d + 1, d + 1)
  end
  return table.concat(t)
end

local function guid()
  return hex(8) .. "-" .. hex(4) .. "-" .. hex(4) .. "-" .. hex(4) .. "-" ..
         hex(12)
end

-- Civil date of days since the epoch: the C core's calendar.
local function civil(z)
  local dt = require("acr.run").datetime(z * 86400)
  return dt.year, dt.month, dt.day
end

-- Time as RFC 3339 text: t in tenths of microseconds (.NET ticks) since the
-- epoch, offset in minutes, digits 0 or 7.
local function rfc3339(ticks, offset, digits)
  local secs = floor(ticks / 1e7)
  local frac = ticks - secs * 1e7
  local local_secs = secs + offset * 60
  local day = floor(local_secs / 86400)
  local sod = local_secs - day * 86400
  local y, m, d = civil(day)
  local s = string.format("%04d-%02d-%02dT%02d:%02d:%02d", y, m, d,
                          floor(sod / 3600), floor(sod % 3600 / 60), sod % 60)
  if digits == 7 then s = s .. string.format(".%07d", frac) end
  local sign = offset < 0 and "-" or "+"
  local a = math.abs(offset)
  return s .. string.format("%s%02d:%02d", sign, floor(a / 60), a % 60)
end

-- Ordered JSON: objects are arrays of {key, value} pairs.
local function obj(...) return { obj = { ... } } end
local function enc_str(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end
local function encode(v, ind)
  ind = ind or ""
  local t = type(v)
  if t == "string" then return enc_str(v) end
  if t == "number" then return string.format("%d", v) end
  if t == "boolean" then return tostring(v) end
  local inner = ind .. "  "
  local parts = {}
  if v.obj then
    for _, kv in ipairs(v.obj) do
      if kv[2] ~= nil then
        parts[#parts + 1] = inner .. enc_str(kv[1]) .. ": " .. encode(kv[2], inner)
      end
    end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. ind .. "}"
  end
  for i = 1, #v do parts[i] = inner .. encode(v[i], inner) end
  return "[\n" .. table.concat(parts, ",\n") .. "\n" .. ind .. "]"
end

local SUB = "/subscriptions/6b085460-5f21-477e-ba44-1035046e9101/resourceGroups/" ..
            "contoso-ci/providers/Microsoft.ContainerRegistry/registries/contosoacr/runs/"
local REGISTRY = "contosoacr.azurecr.io"

-- The tasks of the registry: how they are triggered and where they run.
local TASKS = {
  ["build-web"] = { trigger = "source", os = "linux", arch = "amd64",
                    repo = "web", url = "https://github.com/contoso/web.git",
                    base = 70, spread = 60 },
  ["build-api-arm"] = { trigger = "source", os = "linux", arch = "arm64",
                        variant = "v8", repo = "api",
                        url = "https://github.com/contoso/api.git",
                        base = 180, spread = 150 },
  ["nightly-scan"] = { trigger = "timer", os = "linux", arch = "amd64",
                       repo = "scanner", base = 3900, spread = 900 },
  ["base-refresh"] = { trigger = "image", os = "linux", arch = "amd64",
                       repo = "web", base = 95, spread = 40 },
  ["win-agent"] = { trigger = "source", os = "Windows", arch = "amd64",
                    repo = "agent", url = "https://github.com/contoso/agent.git",
                    base = 420, spread = 300, offset = -480 },
}

-- The runs, oldest first: day (0 = 2019-08-26), minute of the UTC day,
-- task (nil for a quick run), status, and extras.
local PLAN = {
  { 0, 8 * 60 + 5, "build-web", "Succeeded" },
  { 0, 9 * 60 + 41, "build-web", "Succeeded", pr = true },
  { 0, 11 * 60 + 2, "build-api-arm", "Succeeded" },
  { 0, 16 * 60 + 30, "win-agent", "Failed",
    err = "failed during run, err: exit status 1" },
  { 0, 18 * 60 + 12, nil, "Succeeded", quick = "QuickRun" },
  { 1, 2 * 60, "nightly-scan", "Succeeded" },
  { 1, 7 * 60 + 58, "base-refresh", "Succeeded" },
  { 1, 10 * 60 + 15, "build-web", "Failed",
    err = "failed during run, err: exit status 2" },
  { 1, 10 * 60 + 52, "build-web", "Succeeded" },
  { 1, 14 * 60 + 3, "build-api-arm", "Canceled" },
  { 1, 15 * 60 + 20, "win-agent", "Succeeded" },
  { 2, 2 * 60, "nightly-scan", "Timeout",
    err = "run timed out after 8h0m0s" },
  { 2, 9 * 60 + 9, "build-web", "Succeeded" },
  { 2, 9 * 60 + 47, "build-web", "Succeeded", pr = true },
  { 2, 12 * 60 + 30, nil, "Failed", quick = "QuickBuild",
    err = "failed to build image: the Dockerfile is missing" },
  { 2, 13 * 60 + 5, "build-api-arm", "Succeeded" },
  { 2, 17 * 60 + 44, "win-agent", "Succeeded" },
  { 3, 2 * 60, "nightly-scan", "Succeeded" },
  { 3, 8 * 60 + 31, "base-refresh", "Succeeded" },
  { 3, 9 * 60 + 12, "build-web", "Succeeded" },
  { 3, 11 * 60 + 40, "build-api-arm", "Failed",
    err = "failed during run, err: exit status 137" },
  { 3, 11 * 60 + 58, "build-api-arm", "Succeeded" },
  { 3, 15 * 60 + 25, "win-agent", "Error",
    err = "agent could not be allocated: no capacity for Windows" },
  { 3, 19 * 60 + 3, nil, "Succeeded", quick = "QuickRun" },
  { 4, 2 * 60, "nightly-scan", "Succeeded" },
  { 4, 9 * 60 + 2, "build-web", "Succeeded", pr = true },
  { 4, 10 * 60 + 14, "build-web", "Failed",
    err = "failed during run, err: exit status 1" },
  { 4, 13 * 60 + 36, "base-refresh", "Succeeded" },
  { 4, 15 * 60 + 50, "win-agent", "Running" },
  { 4, 16 * 60 + 1, "build-web", "Running" },
  { 4, 16 * 60 + 3, "build-api-arm", "Queued" },
  { 4, 16 * 60 + 4, nil, "Queued", quick = "QuickRun" },
}

local DAY0 = 18134 -- 2019-08-26, days since the epoch
local TERMINAL = { Succeeded = true, Failed = true, Canceled = true,
                   Error = true, Timeout = true }

local function b36(n)
  local digits = "0123456789abcdefghijklmnopqrstuvwxyz"
  local s = ""
  repeat
    local d = n % 36
    s = digits:sub(d + 1, d + 1) .. s
    n = floor(n / 36)
  until n == 0
  return s
end

local runs = {}
for i, p in ipairs(PLAN) do
  local day, minute, task, status = p[1], p[2], p[3], p[4]
  local spec = task and TASKS[task] or { os = "linux", arch = "amd64",
                                          repo = "hello", base = 25,
                                          spread = 40 }
  local offset = spec.offset or 0
  local runId = "cf" .. b36(36 + i)
  local create = ((DAY0 + day) * 86400 + minute * 60 + rand(60)) * 1e7 +
                 rand(10000000)
  local start, finish
  if status ~= "Queued" then
    start = create + (2 + rand(20)) * 1e6 + rand(1000000)
  end
  if TERMINAL[status] then
    local secs = spec.base + rand(spec.spread)
    if status == "Canceled" or status == "Error" then secs = floor(secs / 5) end
    if status == "Timeout" then secs = 8 * 3600 end
    finish = start + secs * 1e7 + rand(10000000)
  end
  local updated = floor((finish or start or create) / 1e7) * 1e7 + 1e7

  local source, timer, image
  if task and spec.trigger == "source" then
    source = obj(
      { "id", guid() },
      { "eventType", p.pr and "PullRequest" or "Commit" },
      { "commitId", hex(40) },
      { "pullRequestId", p.pr and tostring(100 + rand(300)) or nil },
      { "repositoryUrl", spec.url },
      { "branchName", p.pr and "feature/" .. hex(6) or "main" },
      { "providerType", "Github" })
  elseif task and spec.trigger == "timer" then
    timer = obj({ "timerTriggerName", "nightly" },
                { "scheduleOccurrence",
                  string.format("8/%d/2019 2:00 AM", 26 + day) })
  elseif task and spec.trigger == "image" then
    image = obj(
      { "id", guid() },
      { "timestamp", rfc3339(create - (30 + rand(600)) * 1e7, 0, 7) },
      { "images", { obj({ "registry", "registry.hub.docker.com" },
                        { "repository", "library/node" },
                        { "tag", "12-alpine" },
                        { "digest", "sha256:" .. hex(64) }) } })
  end

  local outputs
  if status == "Succeeded" and spec.trigger ~= "timer" then
    outputs = { obj({ "registry", REGISTRY }, { "repository", spec.repo },
                    { "tag", runId }, { "digest", "sha256:" .. hex(64) }) }
  end

  local runType = p.quick or (task and "AutoBuild")
  local function t(ticks, digits)
    return ticks and rfc3339(ticks, offset, digits) or nil
  end
  local props = obj(
    { "runId", runId },
    { "status", status },
    { "lastUpdatedTime", t(updated, 0) },
    { "runType", runType },
    { "createTime", t(create, 7) },
    { "startTime", t(start, 7) },
    { "finishTime", t(finish, 7) },
    { "outputImages", outputs },
    { "task", task },
    { "imageUpdateTrigger", image },
    { "sourceTrigger", source },
    { "timerTrigger", timer },
    { "platform", obj({ "os", spec.os }, { "architecture", spec.arch },
                      { "variant", spec.variant }) },
    { "agentConfiguration", obj({ "cpu", spec.os == "Windows" and 4 or 2 }) },
    { "runErrorMessage", p.err },
    { "provisioningState", "Succeeded" },
    { "isArchiveEnabled", status == "Failed" })
  runs[#runs + 1] = obj(
    { "type", "Microsoft.ContainerRegistry/registries/runs" },
    { "properties", props },
    { "id", SUB .. runId },
    { "name", runId })
end

-- The service lists runs newest first.
local value = {}
for i = #runs, 1, -1 do value[#value + 1] = runs[i] end
io.write(encode(obj({ "value", value })), "\n")
