-- bench/bench.lua: acr-run against lua-cjson with plain tables and a
-- plain-Lua equivalent, measured in the same process on the same data.
-- Usage: lua bench/bench.lua [N] [REPS]   (from the repository root, with
-- LUA_CPATH/LUA_PATH finding acr.run and bench/gen.lua; make bench does it)
-- Every ratio compares two measurements made in this process on the same
-- data (medians of REPS >= 5), so a busy machine shifts both sides.  The
-- rows also go to $ACR_BENCH_CACHE-results-<lua>.tsv for bench/report.lua
-- (or to $ACR_BENCH_RESULTS: bench/compare.sh).
-- ACR_BENCH_SCALING=0 skips the 10k/100k/1M scaling rows.
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

-- The median CPU seconds of REPS calls of each function given, called in
-- turn (f, g, h, f, g, h, ...) so that a change in the machine's load
-- (other jobs on a shared machine) bills every side of a ratio alike; a
-- full GC before each call, outside the timed part, so one measurement's
-- garbage does not bill the next.  Returns the medians in the same order.
local function measure(...)
  local fs, times = { ... }, {}
  for k = 1, #fs do times[k] = {} end
  for i = 1, REPS do
    for k, f in ipairs(fs) do
      collectgarbage()
      collectgarbage()
      local t0 = clock()
      f()
      times[k][i] = clock() - t0
    end
  end
  local medians = {}
  for k = 1, #fs do medians[k] = median(times[k]) end
  return (table.unpack or unpack)(medians, 1, #fs)
end

-- The text cached at path, or make()'s, written there for the next run.
local function cached(path, make)
  local fh = io.open(path, "rb")
  if fh then
    local text = fh:read("*a")
    fh:close()
    return text
  end
  local text = make()
  os.execute("mkdir -p " .. CACHE:match("^(.*)/"))
  fh = io.open(path, "wb")
  if fh then
    fh:write(text)
    fh:close()
  end
  return text
end

local function document(n)
  return cached(string.format("%s-%d.json", CACHE, n), function()
    if n > 100000 and n % 100000 == 0 then
      -- Repeat the 100,000-run page: generating a million runs in Lua
      -- would dominate the benchmark's time and measures nothing of ours.
      local body = document(100000):match('^{"value":%[(.*)%]}$')
      local parts = {}
      for i = 1, n / 100000 do parts[i] = body end
      return '{"value":[' .. table.concat(parts, ",") .. "]}"
    end
    return gen.document(n)
  end)
end

-- The path of document(n) in the cache, written there if missing.
local function document_path(n)
  local path = string.format("%s-%d.json", CACHE, n)
  local fh = io.open(path, "rb")
  if fh then
    fh:close()
  else
    document(n)
  end
  return path
end

-- The second shape (gen.document_arm).
local function document_arm(n)
  return cached(string.format("%s-arm-%d.json", CACHE, n),
    function() return gen.document_arm(n) end)
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

local function row(name, ours, base, target, better, group)
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
                            met = met, group = group }
end

local function fmt_num(x)
  if x >= 100 then return string.format("%.0f", x) end
  if x >= 1 then return string.format("%.2f", x) end
  return string.format("%.4f", x)
end

local ENGINE = jit and jit.version or _VERSION
local function report()
  local engine = ENGINE
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

-- Writes the rows for bench/report.lua: one line per row, tab-separated.
local function write_tsv()
  local tag = jit and "jit" or _VERSION:match("%d+%.%d+")
  local fh = io.open(os.getenv("ACR_BENCH_RESULTS")
    or string.format("%s-results-%s.tsv", CACHE, tag), "wb")
  if not fh then return end
  fh:write(string.format("#engine\t%s\t%d\t%d\n", ENGINE, N, REPS))
  for _, r in ipairs(results) do
    fh:write(table.concat({ r.name, string.format("%.6g", r.ours),
      string.format("%.6g", r.base), string.format("%.4f", r.ratio),
      string.format("%.4g", r.target), r.better or "higher",
      r.met and "yes" or "NO", r.group or "" }, "\t"), "\n")
  end
  fh:close()
end

-- Resident memory of a fresh child process that decodes one document with
-- acr-run or with cjson (everything either allocates, allocator overhead
-- included), minus the same process before decoding.
local LUA_BIN = arg and arg[-1] or "lua"
local function rss_of(kind, path)
  local cmd = string.format("%s bench/mem.lua %s %s", LUA_BIN, kind, path)
  local p = io.popen(cmd)
  if not p then return nil end
  local out = p:read("*a")
  p:close()
  return tonumber(out:match("(%d+)"))
end

local OUT = CACHE .. "-out.json"

-- 1. decode --------------------------------------------------------------
-- The single run first, before any large document has been decoded and
-- freed: after a list of 100,000 runs is freed, glibc's free lists make
-- the next small allocations slow or not depending on where the list's
-- blocks fell (seen on 122ba40 and on this code alike, 1.5x to 4.9x the
-- same cjson loop), which is the allocator's history, not the decoder.
local single = gen.single()
local SINGLE_N = 100000
local t_s_acr, t_s_cj = measure(function()
  for _ = 1, SINGLE_N do acr.decode(single) end
end, function()
  for _ = 1, SINGLE_N do cjson.decode(single) end
end)

local text = document(N)
local mb = #text / 1e6
print(string.format("document A: %d runs, %.1f MB", N, mb))

local t_acr, t_cj, t_cjv = measure(function() assert(acr.decode(text)) end,
  function() cjson.decode(text) end,
  function()
    local doc = cjson.decode(text)
    for _, run in ipairs(doc.value) do validate(run) end
  end)
print(string.format("decode MB/s: acr-run %.0f, cjson %.0f, cjson+validate %.0f",
  mb / t_acr, mb / t_cj, mb / t_cjv))
row("decode A (s) vs cjson.decode", t_acr, t_cj, 5, nil, "decode")
row("decode A (s) vs cjson.decode + Lua validation", t_acr, t_cjv, 8, nil,
  "decode")
row("single-run decode x100000 (s) vs cjson", t_s_acr, t_s_cj, 2.5, nil,
  "decode")


-- The second shape: ARM envelope, long ids, many output images.
local NB = math.max(1, math.floor(N / 5))
local text_b = document_arm(NB)
print(string.format("document B: %d runs, %.1f MB", NB, #text_b / 1e6))
local t_b_acr, t_b_cj = measure(function() assert(acr.decode(text_b)) end,
  function() cjson.decode(text_b) end)
row("decode B (s) vs cjson.decode", t_b_acr, t_b_cj, 5, nil, "decode")

-- 2. encode --------------------------------------------------------------
local function encode_rows(label, doc)
  local l = assert(acr.decode(doc))
  local p = cjson.decode(doc)
  local to = l.encode_to and function()
    local fh = assert(io.open(OUT, "wb"))
    assert(l:encode_to(fh))
    fh:close()
  end
  local t_enc, t_cjenc, t_to = measure(function() l:encode() end,
    function() cjson.encode(p) end, to)
  row("encode " .. label .. " (s) vs cjson.encode", t_enc, t_cjenc, 3, nil,
    "encode")
  if to then
    row("encode_to " .. label .. " file (s) vs cjson.encode", t_to, t_cjenc,
      4, nil, "encode")
  else
    print("encode_to: not in this build, row skipped")
  end
end
encode_rows("A", text)
encode_rows("B", text_b)
os.remove(OUT)

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
local function memory_rows(label, doc, n, path)
  local plain_bytes = held(function() return cjson.decode(doc) end)
  local acr_bytes = held(function() return acr.decode(doc) end)
  print(string.format("memory %s per run: acr-run %.0f bytes, plain tables %.0f bytes",
    label, acr_bytes / n, plain_bytes / n))
  row("memory " .. label .. " (bytes) vs plain tables", acr_bytes,
    plain_bytes, 0.4, "lower", "memory")
  local ra, rp = rss_of("acr", path), rss_of("cjson", path)
  if ra and rp and rp > 0 then
    row("memory " .. label .. " RSS (bytes) vs plain tables", ra, rp, 0.4,
      "lower", "memory")
  end
end
memory_rows("A", text, N, string.format("%s-%d.json", CACHE, N))
memory_rows("B", text_b, NB, string.format("%s-arm-%d.json", CACHE, NB))
text_b = nil -- luacheck: ignore

-- 4. query ---------------------------------------------------------------
local list = assert(acr.decode(text))
local plain = cjson.decode(text).value
local since = "2023-11-15T00:00:00Z"
local expr = "status eq 'Failed' and createTime ge " .. since
local since_dt = acr.datetime(since)
local nmatch = #list:filter(expr)
local t_f, t_fp, t_fl = measure(function() list:filter(expr) end, function()
  -- What a user writes over plain tables: the ISO text compared as is
  -- (exact only when the offsets agree, so this loop is faster than it
  -- is right).
  local out = {}
  for _, run in ipairs(plain) do
    local p = run.properties
    if p.status == "Failed" then
      local c = p.createTime
      if c and c >= since then out[#out + 1] = run end
    end
  end
  return out
end, function()
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
row("filter (s) vs plain-text Lua loop", t_f, t_fp, jit and 3 or 10, nil,
  "query")
row("filter (s) vs date-parsing Lua loop", t_f, t_fl, 10, nil, "query")
print(string.format("filter: %d of %d runs match %q", nmatch, #list, expr))

local t_sort, t_tsort = measure(function() list:sort("createTime") end,
function()
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
row("sort by createTime (s) vs table.sort", t_sort, t_tsort, 10, nil,
  "query")

if list.column then
  local t_col, t_colr = measure(function() list:column("status") end,
  function()
    local t = {}
    for i = 1, #list do t[i] = list[i].status end
    return t
  end)
  row("list:column('status') (s) vs loop of list[i].status", t_col, t_colr,
    5, nil, "query")
else
  print("list:column: not in this build, row skipped")
end

-- 5. field reads ---------------------------------------------------------
-- Baselines are flat tables (the properties of each run), the fastest a
-- plain-table user could have.
local props = {}
for i, r in ipairs(plain) do props[i] = r.properties end
local READS = 10000000
local function read_rows(label)
  local run = list[1]
  local tab = props[1]
  local t_read, t_tread = measure(function()
    local s
    for _ = 1, READS do s = run.status end
    return s
  end, function()
    local s
    for _ = 1, READS do s = tab.status end
    return s
  end)
  row("run.status x10M" .. label .. " (s) vs plain table read", t_read,
    t_tread, 3, "lower", "reads")
  local t_loop, t_tloop = measure(function()
    local c = 0
    for i = 1, #list do
      if list[i].status == "Failed" then c = c + 1 end
    end
    return c
  end, function()
    local c = 0
    for i = 1, #props do
      if props[i].status == "Failed" then c = c + 1 end
    end
    return c
  end)
  row("loop of list[i].status" .. label .. " (s) vs plain tables", t_loop,
    t_tloop, 3, "lower", "reads")
end
local ok_ffi, acr_ffi = false, nil
if jit then ok_ffi, acr_ffi = pcall(require, "acr.ffi") end
if ok_ffi and type(acr_ffi) == "table" and acr_ffi.enable then
  acr_ffi.disable()
  read_rows(" (C API)")
  acr_ffi.enable()
  read_rows(" (FFI)")
else
  read_rows("")
end

-- 6. scaling -------------------------------------------------------------
-- Each size in fresh processes (bench/scale.lua says why), the sizes in
-- turn (10k, 100k, 1M, 10k, ...) so that a change in the machine's load
-- bills every size alike: the decode is the median of REPS processes'
-- first decodes (3 at a million runs), the filter the median within each,
-- then over the processes.
local function scaled_once(path)
  local p = io.popen(string.format("%s bench/scale.lua %s %q %d", LUA_BIN,
    path, expr, REPS))
  local out = p and p:read("*a") or ""
  if p then p:close() end
  local d, f = out:match("^(%S+) (%S+)")
  return assert(tonumber(d), "bench/scale.lua failed"), tonumber(f)
end
if os.getenv("ACR_BENCH_SCALING") ~= "0" then
  list, plain, props, text = nil, nil, nil, nil -- luacheck: ignore
  collectgarbage()
  local base_n = 10000
  local times = {}
  for k, n in ipairs({ base_n, base_n * 10, base_n * 100 }) do
    times[k] = { n = n, path = document_path(n), ds = {}, fs = {},
                 reps = n >= 1000000 and 3 or REPS }
  end
  for i = 1, REPS do
    for _, t in ipairs(times) do
      if i <= t.reps then t.ds[i], t.fs[i] = scaled_once(t.path) end
    end
  end
  for _, t in ipairs(times) do
    t.decode, t.filter = median(t.ds), median(t.fs)
    print(string.format("scaling: %8d runs: decode %.3f s, filter %.4f s",
      t.n, t.decode, t.filter))
  end
  for i = 2, #times do
    local a, b = times[i - 1], times[i]
    row(string.format("decode %d -> %d runs (time ratio)", a.n, b.n),
      b.decode, a.decode * 10, 1.1, "lower", "scaling")
    row(string.format("filter %d -> %d runs (time ratio)", a.n, b.n),
      b.filter, a.filter * 10, 1.1, "lower", "scaling")
  end
end

report()
write_tsv()
