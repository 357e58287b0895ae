-- bench/gen.lua: a deterministic RunListResult of N realistic runs, as JSON
-- text, written by hand so that the bytes do not depend on any JSON library.
-- Usage as a module: require("gen").document(n [, seed]) -> text
--                    require("gen").document_arm(n [, seed]) -> text
--                    require("gen").single([seed]) -> text of one run
local M = {}

-- Park-Miller minimal standard generator: same sequence on every Lua.
local function rng(seed)
  local state = seed % 2147483647
  if state <= 0 then state = state + 2147483646 end
  return function(n)
    state = (state * 16807) % 2147483647
    return state % n
  end
end

local STATUS = { "Queued", "Started", "Running", "Succeeded", "Failed",
                 "Canceled", "Error", "Timeout" }
local RUNTYPE = { "QuickBuild", "QuickRun", "AutoBuild", "AutoRun" }
local PROV = { "Creating", "Updating", "Deleting", "Succeeded", "Failed",
               "Canceled" }
local OS = { "Linux", "Windows", "linux" }
local ARCH = { "amd64", "x86", "386", "arm", "arm64" }
local VARIANT = { "v6", "v7", "v8" }
local TASKS = { "nightly", "build-web", "build-api", "test-e2e", "publish",
                "scan", "docs", "release" }
local REPOS = { "web", "api", "worker", "base/alpine", "tools/cli" }
local OFFSETS = { "Z", "+00:00", "-08:00", "+05:30", "+01:00" }
local FRACS = { 0, 3, 6, 7 }

local function two(n) return string.format("%02d", n) end

-- Civil date of days since the epoch: the C core's calendar.
local function days_to_civil(z)
  local dt = require("acr.run").datetime(z * 86400)
  return dt.year, dt.month, dt.day
end

-- RFC 3339 text for epoch seconds t written at an offset with some digits.
local function stamp(r, t)
  local off = OFFSETS[r(#OFFSETS) + 1]
  local mins = 0
  if off ~= "Z" then
    local sign = off:sub(1, 1) == "-" and -1 or 1
    mins = sign * (tonumber(off:sub(2, 3)) * 60 + tonumber(off:sub(5, 6)))
  end
  local lt = t + mins * 60
  local days = math.floor(lt / 86400)
  local s = lt - days * 86400
  local y, m, d = days_to_civil(days)
  local digits = FRACS[r(#FRACS) + 1]
  local frac = ""
  if digits > 0 then
    local f = ""
    for _ = 1, digits do f = f .. tostring(r(10)) end
    frac = "." .. f
  end
  return string.format("%04d-%s-%sT%s:%s:%s%s%s", y, two(m), two(d),
    two(math.floor(s / 3600)), two(math.floor(s / 60) % 60), two(s % 60),
    frac, off)
end

local function hex(r, n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", r(16)) end
  return table.concat(t)
end

local function image(r, registry)
  return string.format(
    '{"registry":"%s","repository":"%s","tag":"v%d","digest":"sha256:%s"}',
    registry, REPOS[r(#REPOS) + 1], r(100), hex(r, 64))
end

local function run(r, i)
  local id = string.format("cf%x", i)
  local created = 1700000000 + i * 37 + r(30)
  local status = STATUS[r(#STATUS) + 1]
  local parts = {}
  local function add(k, v) parts[#parts + 1] = '"' .. k .. '":' .. v end
  local function str(k, v) add(k, '"' .. v .. '"') end
  str("runId", id)
  str("status", status)
  str("lastUpdatedTime", stamp(r, created + 120))
  str("runType", RUNTYPE[r(#RUNTYPE) + 1])
  str("createTime", stamp(r, created))
  if status ~= "Queued" then str("startTime", stamp(r, created + 2)) end
  local finished = status ~= "Queued" and status ~= "Started"
    and status ~= "Running"
  if finished then str("finishTime", stamp(r, created + 30 + r(3000))) end
  local registry = "reg" .. r(5) .. ".azurecr.io"
  local nimg = r(4)
  if nimg > 0 then
    local imgs = {}
    for k = 1, nimg do imgs[k] = image(r, registry) end
    add("outputImages", "[" .. table.concat(imgs, ",") .. "]")
  end
  str("task", TASKS[r(#TASKS) + 1])
  local trig = r(4)
  if trig == 0 then
    add("sourceTrigger", string.format(
      '{"id":"%s","eventType":"%s","commitId":"%s","repositoryUrl":'
      .. '"https://github.com/contoso/app","branchName":"main",'
      .. '"providerType":"Github"}', hex(r, 8),
      r(2) == 0 and "commit" or "pullrequest", hex(r, 40)))
  elseif trig == 1 then
    add("timerTrigger", '{"timerTriggerName":"t1","scheduleOccurrence":'
      .. '"6/4/2019 9:30 AM"}')
  elseif trig == 2 then
    add("imageUpdateTrigger", string.format(
      '{"id":"%s","timestamp":"%s","images":[%s]}', hex(r, 12),
      stamp(r, created - 60), image(r, "registry.hub.docker.com")))
  end
  local plat = '{"os":"' .. OS[r(#OS) + 1] .. '","architecture":"'
    .. ARCH[r(#ARCH) + 1] .. '"'
  if r(4) == 0 then plat = plat .. ',"variant":"' .. VARIANT[r(3) + 1] .. '"' end
  add("platform", plat .. "}")
  add("agentConfiguration", '{"cpu":' .. (1 + r(8)) .. "}")
  if status == "Failed" or status == "Error" then
    str("runErrorMessage", "failed to run step ID: build: exit status "
      .. (1 + r(120)) .. "\\nsee log \\\"step-" .. r(9) .. "\\\"")
  end
  str("provisioningState", PROV[r(#PROV) + 1])
  add("isArchiveEnabled", r(2) == 0 and "false" or "true")
  local props = "{" .. table.concat(parts, ",") .. "}"
  return string.format(
    '{"type":"Microsoft.ContainerRegistry/registries/runs","properties":%s,'
    .. '"id":"/subscriptions/00000000-0000-0000-0000-000000000000/'
    .. 'resourceGroups/rg%d/providers/Microsoft.ContainerRegistry/registries/'
    .. 'reg%d/runs/%s","name":"%s"}', props, r(3), r(5), id, id)
end

function M.document(n, seed)
  local r = rng(seed or 42)
  local runs = {}
  for i = 1, n do runs[i] = run(r, i) end
  return '{"value":[' .. table.concat(runs, ",") .. ']}'
end

-- The second shape: every run in the ARM envelope with systemData, long
-- resource ids and many output images (6 to 14, long repository paths),
-- few other properties.  Strings are ASCII with nothing to escape.
local function arm_run(r, i)
  local group = "rg-contoso-production-westeurope-" .. r(40)
  local registry = "contosoregistry" .. r(7)
  local id = string.format("ca%05x", i)
  local created = 1700000000 + i * 41 + r(30)
  local status = STATUS[r(#STATUS) + 1]
  local imgs = {}
  for k = 1, 6 + r(9) do
    imgs[k] = string.format(
      '{"registry":"%s.azurecr.io","repository":"platform/services/%s-%d",'
      .. '"tag":"build-%d","digest":"sha256:%s"}', registry,
      REPOS[r(#REPOS) + 1], r(50), r(100000), hex(r, 64))
  end
  local props = {
    '"runId":"' .. id .. '"',
    '"status":"' .. status .. '"',
    '"createTime":"' .. stamp(r, created) .. '"',
    '"startTime":"' .. stamp(r, created + 3) .. '"',
    '"finishTime":"' .. stamp(r, created + 60 + r(900)) .. '"',
    '"runType":"' .. RUNTYPE[r(#RUNTYPE) + 1] .. '"',
    '"outputImages":[' .. table.concat(imgs, ",") .. "]",
    '"task":"' .. TASKS[r(#TASKS) + 1] .. '"',
    '"platform":{"os":"Linux","architecture":"amd64"}',
    '"provisioningState":"Succeeded"',
    '"isArchiveEnabled":' .. (r(2) == 0 and "false" or "true"),
  }
  return string.format(
    '{"id":"/subscriptions/%s/resourceGroups/%s/providers/'
    .. 'Microsoft.ContainerRegistry/registries/%s/runs/%s","name":"%s",'
    .. '"type":"Microsoft.ContainerRegistry/registries/runs",'
    .. '"systemData":{"createdBy":"pipeline-%d@contoso.example",'
    .. '"createdByType":"Application","createdAt":"%s",'
    .. '"lastModifiedBy":"pipeline-%d@contoso.example",'
    .. '"lastModifiedByType":"Application","lastModifiedAt":"%s"},'
    .. '"properties":{%s}}',
    "6f1c2a8e-3b4d-4e5f-9a0b-" .. hex(r, 12), group, registry, id, id,
    r(20), stamp(r, created), r(20), stamp(r, created + 120),
    table.concat(props, ","))
end

function M.document_arm(n, seed)
  local r = rng(seed or 1234)
  local runs = {}
  for i = 1, n do runs[i] = arm_run(r, i) end
  return '{"value":[' .. table.concat(runs, ",") .. ']}'
end

function M.single(seed)
  return run(rng(seed or 7), 1)
end

return M
