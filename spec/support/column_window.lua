-- Run by spec/50-list_spec.lua in a child process with a small heap, where
-- the collector runs all the time: list:column while finalisers grow the
-- list and replace runs with ones whose status is not a known value, so
-- that between column's allocations the list's length changes and values
-- that must be made (unknown enum texts, DateTimes) appear.  Prints
-- "ok <finaliser calls>", or the first bad value.
local acr = require("acr.run")
local runs = {}
for i = 1, 300 do
  runs[i] = { runId = "r" .. i, status = i % 2 == 0 and "Failed" or "Queued",
              createTime = 1700000000 + i }
end
local list = acr.list(runs)
local k, active = 0, true
local function stamp(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end
local function arm() -- a finaliser at every collection while active
  local function gc()
    if not active or k >= 200 then return end
    k = k + 1
    -- unknown enum values come only from decode
    local new = assert(acr.decode(('[{"runId":"x%d","status":"weird%d",'
      .. '"createTime":%q},{"status":"odd%d","createTime":%q}]'):format(
      k, k, stamp(1800000000 + k), k, stamp(1700000000 + 1 + k % 300))))
    if k % 2 == 0 then list:append(new[1]) end -- or only more to make
    list[1 + k % 300] = new[2]
    arm()
  end
  if newproxy then -- luacheck: ignore
    getmetatable(newproxy(true)).__gc = gc -- luacheck: ignore
  else
    setmetatable({}, { __gc = gc })
  end
end
collectgarbage("setpause", 0)
collectgarbage("setstepmul", 400)
for _ = 1, 20 do arm() end
local bad
for _ = 1, 40 do
  local t, n = list:column("status")
  local d = list:column("createTime")
  if n < 300 then bad = bad or ("n " .. n) end
  for i = 1, n do
    local s, e = t[i], d[i] and d[i]:epoch()
    local ok
    if i <= 300 then
      ok = (s == "Failed" or s == "Queued" or s:match("^odd%d+$"))
        and e == 1700000000 + i
    else
      ok = s:match("^weird%d+$") and e and e > 1800000000
    end
    if not ok then bad = bad or (i .. ": " .. tostring(s) .. " " .. tostring(e)) end
  end
end
active = false
if bad then print("bad " .. bad) else print("ok " .. k) end
