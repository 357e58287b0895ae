-- bench/bench.lua: acr-run against lua-cjson with plain tables and a
-- plain-Lua equivalent, measured in the same process on the same data.
-- Usage: lua bench/bench.lua [N] [REPS]   (from the repository root, with
-- LUA_CPATH/LUA_PATH finding acr.run and bench/gen.lua; make bench does it)
local acr = require("acr.run")
local cjson = require("cjson")
local gen = require("gen")

local N = tonumber(arg and arg[1]) or 100000
local REPS = math.max(5, tonumber(arg and arg[2]) or 5)
local CACHE = os.getenv("ACR_BENCH_CACHE") or "build/bench"

local clock = os.clock
local results = {}

local function median(t)
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

-- Median CPU seconds of REPS calls of f (a full GC before each, outside
-- the timed part, so one measurement's garbage does not bill the next).
local function measure(f, reps)
  local times = {}
  for i = 1, reps or REPS do
    collectgarbage()
    collectgarbage()
    local t0 = clock()
    f()
    times[i] = clock() - t0
  end
  return median(times)
end

local function document(n)
  local path = string.format("%s-%d.json", CACHE, n)
  local fh = io.open(path, "rb")
  if fh then
    local text = fh:read("*a")
    fh:close()
    return text
  end
  local text
  if n > 100000 and n % 100000 == 0 then
    -- Repeat the 100,000-run page: generating a million runs in Lua would
    -- dominate the benchmark's time and measures nothing of ours.
    local page = document(100000)
    local body = page:match('^{"value":%[(.*)%]}$')
    local parts = {}
    for i = 1, n / 100000 do parts[i] = body end
    text = '{"value":[' .. table.concat(parts, ",") .. "]}"
  else
    text = gen.document(n)
  end
  os.execute("mkdir -p " .. CACHE:match("^(.*)/") )
  fh = io.open(path, "wb")
  if fh then
    fh:write(text)
    fh:close()
  end
  return text
end

-- What a careful Lua user writes to validate what cjson gives back.
local ENUMS = {
  status = { "Queued", "Started", "Running", "Succeeded", "Failed",
             "Canceled", "Error", "Timeout" },
  runType = { "QuickBuild", "QuickRun", "AutoBuild", "AutoRun" },
  provisioningState = { "Creating", "Updating", "Deleting", "Succeeded",
                        "Failed", "Canceled" },
  os = { "Windows", "Linux" },
  architecture = { "amd64", "x86", "386", "arm", "arm64" },
  variant = { "v6", "v7", "v8" },
}
local LOWER = {}
for k, vals in pairs(ENUMS) do
  LOWER[k] = {}
  for _, v in ipairs(vals) do LOWER[k][v:lower()] = v end
end
local DAYS = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function check_enum(name, v)
  if v == nil or v == cjson.null then return end
  if type(v) ~= "string" then error(name .. ": expected a string") end
  if not LOWER[name][v:lower()] then error(name .. ": bad value " .. v) end
end

local function check_time(name, v)
  if v == nil or v == cjson.null then return end
  if type(v) ~= "string" then error(name .. ": expected a string") end
  local y, mo, d, h, mi, s, rest =
    v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then error(name .. ": bad date-time " .. v) end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 or d > DAYS[mo] or tonumber(h) > 23
     or tonumber(mi) > 59 or tonumber(s) > 60 then
    error(name .. ": out of range " .. v)
  end
  if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then
    error(name .. ": not a leap year " .. v)
  end
  if not (rest:match("^%.%d+[Zz]$") or rest:match("^[Zz]$")
          or rest:match("^%.?%d*[%+%-]%d%d:%d%d$")) then
    error(name .. ": bad offset " .. v)
  end
end

local function validate(run)
  local p = run.properties or run
  check_enum("status", p.status)
  check_enum("runType", p.runType)
  check_enum("provisioningState", p.provisioningState)
  for _, k in ipairs({ "lastUpdatedTime", "createTime", "startTime",
                       "finishTime" }) do
    check_time(k, p[k])
  end
  for _, k in ipairs({ "runId", "task", "runErrorMessage" }) do
    local v = p[k]
    if v ~= nil and v ~= cjson.null and type(v) ~= "string" then
      error(k .. ": expected a string")
    end
  end
  local pl = p.platform
  if type(pl) == "table" then
    check_enum("os", pl.os)
    check_enum("architecture", pl.architecture)
    check_enum("variant", pl.variant)
  end
  local ac = p.agentConfiguration
  if type(ac) == "table" and ac.cpu ~= nil then
    local c = ac.cpu
    if type(c) ~= "number" or c % 1 ~= 0 or c < -2^31 or c >= 2^31 then
      error("cpu: expected an int32")
    end
  end
  if type(p.outputImages) == "table" then
    for _, img in ipairs(p.outputImages) do
      for _, k in ipairs({ "registry", "repository", "tag", "digest" }) do
        if img[k] ~= nil and type(img[k]) ~= "string" then
          error(k .. ": expected a string")
        end
      end
    end
  end
end

local function row(name, ours, base, target, better)
  -- better == "lower": ours/base must be <= target; otherwise base/ours >=.
  local ratio, met
  if better == "lower" then
    ratio = ours / base
    met = ratio <= target
  else
    ratio = base / ours
    met = ratio >= target
  end
  results[#results + 1] = { name = name, ours = ours, base = base,
                            ratio = ratio, target = target, better = better,
                            met = met }
end

local function fmt_num(x)
  if x >= 100 then return string.format("%.0f", x) end
  if x >= 1 then return string.format("%.2f", x) end
  return string.format("%.4f", x)
end

local function report()
  local engine = jit and jit.version or _VERSION
  print(string.format("acr-run %s benchmark on %s, %d runs, median of %d",
    acr._VERSION, engine, N, REPS))
  print(string.format("%-46s %12s %12s %9s %10s %s", "measure", "acr-run",
    "baseline", "ratio", "target", "met"))
  for _, r in ipairs(results) do
    local t = string.format("%.3g", r.target)
    local tgt = r.better == "lower" and ("<= " .. t .. "x")
      or (">= " .. t .. "x")
    print(string.format("%-46s %12s %12s %8.2fx %10s %s", r.name,
      fmt_num(r.ours), fmt_num(r.base), r.ratio, tgt,
      r.met and "yes" or "NO"))
  end
end

-- 1. decode --------------------------------------------------------------
local text = document(N)
local mb = #text / 1e6
print(string.format("document: %d runs, %.1f MB", N, mb))

local t_acr = measure(function() assert(acr.decode(text)) end)
local t_cj = measure(function() cjson.decode(text) end)
local t_cjv = measure(function()
  local doc = cjson.decode(text)
  for _, run in ipairs(doc.value) do validate(run) end
end)
print(string.format("decode MB/s: acr-run %.0f, cjson %.0f, cjson+validate %.0f",
  mb / t_acr, mb / t_cj, mb / t_cjv))
row("decode (s) vs cjson.decode", t_acr, t_cj, 4)
row("decode (s) vs cjson.decode + Lua validation", t_acr, t_cjv, 8)

local single = gen.single()
local SINGLE_N = 100000
local t_s_acr = measure(function()
  for _ = 1, SINGLE_N do acr.decode(single) end
end)
local t_s_cj = measure(function()
  for _ = 1, SINGLE_N do cjson.decode(single) end
end)
row("single-run decode x100000 (s) vs cjson", t_s_acr, t_s_cj, 2)

-- 2. encode --------------------------------------------------------------
local list = assert(acr.decode(text))
local plain = cjson.decode(text)
local t_enc = measure(function() list:encode() end)
local t_cjenc = measure(function() cjson.encode(plain) end)
row("encode (s) vs cjson.encode", t_enc, t_cjenc, 3)

-- 3. memory --------------------------------------------------------------
local function held(make)
  collectgarbage()
  collectgarbage()
  local before = collectgarbage("count") * 1024
  local obj = make()
  collectgarbage()
  collectgarbage()
  local after = collectgarbage("count") * 1024
  local extra = 0
  if type(obj) == "userdata" and obj.memsize then extra = obj:memsize() end
  return after - before + extra, obj
end
plain = nil
list = nil
local plain_bytes = held(function() return cjson.decode(text) end)
local acr_bytes = held(function() return acr.decode(text) end)
print(string.format("memory per run: acr-run %.0f bytes, plain tables %.0f bytes",
  acr_bytes / N, plain_bytes / N))
row("memory (bytes) vs plain tables", acr_bytes, plain_bytes, 1 / 3, "lower")

-- 4. query ---------------------------------------------------------------
list = assert(acr.decode(text))
plain = cjson.decode(text).value
local since = "2023-11-15T00:00:00Z"
local expr = "status eq 'Failed' and createTime ge " .. since
local since_dt = acr.datetime(since)
local t_f = measure(function() list:filter(expr) end)
local t_fl = measure(function()
  -- A fair Lua loop: compares instants by parsing each date-time.
  local out = {}
  for _, run in ipairs(plain) do
    local p = run.properties
    if p.status and p.status:lower() == "failed" and p.createTime
       and acr.datetime(p.createTime) >= since_dt then
      out[#out + 1] = run
    end
  end
  return out
end)
row("filter (s) vs Lua loop", t_f, t_fl, 10)

local t_sort = measure(function() list:sort("createTime") end)
local t_tsort = measure(function()
  local copy = {}
  for i, run in ipairs(plain) do copy[i] = run end
  -- Precompute keys once, as a careful user would; stable by index.
  local key = {}
  for i, run in ipairs(copy) do
    key[run] = { acr.datetime(run.properties.createTime):epoch(), i }
  end
  table.sort(copy, function(a, b)
    local ka, kb = key[a], key[b]
    if ka[1] ~= kb[1] then return ka[1] < kb[1] end
    return ka[2] < kb[2]
  end)
end)
row("sort by createTime (s) vs table.sort", t_sort, t_tsort, 10)

-- 5. field reads ---------------------------------------------------------
local READS = 10000000
local run = list[1]
local tab = plain[1].properties
local t_read = measure(function()
  local s
  for _ = 1, READS do s = run.status end
  return s
end)
local t_tread = measure(function()
  local s
  for _ = 1, READS do s = tab.status end
  return s
end)
row("run.status x10M (s) vs plain table read", t_read, t_tread, 3, "lower")

-- 6. scaling -------------------------------------------------------------
if os.getenv("ACR_BENCH_SCALING") ~= "0" then
  local base_n = 10000
  local times = {}
  for _, n in ipairs({ base_n, base_n * 10, base_n * 100 }) do
    local doc = document(n)
    local reps = n >= 1000000 and 3 or REPS
    local d = measure(function() assert(acr.decode(doc)) end, reps)
    local l = assert(acr.decode(doc))
    local f = measure(function() l:filter(expr) end, reps)
    times[#times + 1] = { n = n, decode = d, filter = f }
    print(string.format("scaling: %8d runs: decode %.3f s, filter %.4f s",
      n, d, f))
    l = nil -- luacheck: ignore
    doc = nil -- luacheck: ignore
    collectgarbage()
  end
  for i = 2, #times do
    local a, b = times[i - 1], times[i]
    row(string.format("decode %d -> %d runs (time ratio)", a.n, b.n),
      b.decode, a.decode * 10, 1.1, "lower")
    row(string.format("filter %d -> %d runs (time ratio)", a.n, b.n),
      b.filter, a.filter * 10, 1.1, "lower")
  end
end

report()
