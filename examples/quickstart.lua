#!/usr/bin/env lua
-- A tour of acr-run: decode runs, read and change fields, filter, encode,
-- and print a table.  Run from the repository after building the module:
--
--   make run           (or)
--   LUA_CPATH='build/5.4/?.so;;' LUA_PATH='lua/?.lua;;' lua examples/quickstart.lua
--
-- Every assert below is a fact the tests rely on: the tests run this file.

local acr = require("acr.run")
require("acr.format") -- adds list:format: Lua modules build on the C one

-- 1. Decode a run as the service sends it: this is the runResult of the
--    spec example TaskRuns_Get (2019-06-01-preview), with its service-style
--    date-times (7 fraction digits, +00:00) and lower-case "linux".
local id = "/subscriptions/3647315e-0c5b-4ce4-8739-b071e144b2c9" ..
  "/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry" ..
  "/registries/myRegistry/runs/yd1"
local text = ([[
{
  "type": "Microsoft.ContainerRegistry/registries/runs",
  "properties": {
    "runId": "yd1",
    "status": "Succeeded",
    "lastUpdatedTime": "2019-08-28T20:21:00+00:00",
    "runType": "QuickRun",
    "createTime": "2019-08-28T20:20:52.8021125+00:00",
    "startTime": "2019-08-28T20:20:53.1311701+00:00",
    "finishTime": "2019-08-28T20:21:00.4763937+00:00",
    "platform": { "os": "linux", "architecture": "amd64" },
    "agentConfiguration": { "cpu": 2 },
    "provisioningState": "Succeeded",
    "isArchiveEnabled": false
  },
  "id": "ID",
  "name": "yd1"
}
]]):gsub('"ID"', '"' .. id .. '"')
local run = assert(acr.decode(text))

-- 2. Read fields.  Enum values are stored in canonical spelling; date-times
--    are DateTime values that give back their exact text.
print(tostring(run))                      -- one line: id, status, run type
assert(run.runId == "yd1")
assert(run.status == "Succeeded")
assert(run.platform.os == "Linux")        -- "linux" was read as Linux
assert(run.agentConfiguration.cpu == 2)
assert(tostring(run.startTime) == "2019-08-28T20:20:53.1311701+00:00")
print("started", run.startTime, "took", run:duration(), "s")
assert(run:trigger() == "Manual")         -- no source, timer or image trigger

-- 3. Change fields: validated as they are set.
run.isArchiveEnabled = true
run.platform.architecture = "ARM64"       -- stored canonical
assert(run.platform.architecture == "arm64")
local ok, err = pcall(function() run.status = "Done" end)
assert(not ok)
print("refused:", err)                    -- lists the valid RunStatus values

-- 4. Many runs: the bundled sample, a RunListResult page of 32 runs.
local dir = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."
local f = assert(io.open(dir .. "/sample-runs.json", "rb"))
local list = assert(acr.decode(f:read("*a")))
f:close()
print(#list .. " runs in the sample")
assert(#list == 32)

-- 5. Filter with the service's $filter language, evaluated locally.
local failed = list:filter("status eq 'Failed' and taskName eq 'build-web'")
print(#failed .. " failed build-web runs")
assert(#failed == 2)
for i = 1, #failed do
  print("", failed[i].runId, failed[i].runErrorMessage)
end

-- 6. Present: the Azure CLI's table, with STARTED in UTC.
io.write(list:top(5):format("table"))

-- 7. Encode back to JSON: the changed run, as a client may send it.
local json = run:encode { profile = "request" }
assert(json:find('"isArchiveEnabled":true', 1, true))
print(json)
