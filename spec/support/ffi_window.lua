-- Run by spec/55-ffi_spec.lua in a LuaJIT child process with a small heap,
-- where the collector runs a cycle every few reads: acr.ffi's reads in the
-- interpreter while finalisers change (and compact) the run being read, so
-- that a finaliser often runs between loading a string's pointer and
-- copying its bytes.  Prints "ok <finaliser calls>", or the bad value;
-- without the check acr.ffi makes there, this process reads freed memory
-- (and usually crashes).
local acr = require("acr.run")
local fast = require("acr.ffi")
assert(fast.enabled, "acr.ffi is not on")
local raw_jit_off = assert(select(2, debug.getupvalue(jit.off, 1)))
local LONG = string.rep("x", 3000)
local run = acr.from_table({ runId = "a", status = "Queued", task = "t" })
local list = acr.list({ run, { runId = "b" } })
local k, active = 0, true
local function arm()
  local p = newproxy(true)
  getmetatable(p).__gc = function()
    if active then
      k = k + 1
      run.task = "t" .. k             -- the text read below ...
      run.agentPoolName = LONG .. k   -- ... freed by the compaction this causes
      run.status = (k % 2 == 0) and "Failed" or "Running"
      if k % 10 == 0 then list[2] = acr.new({ runId = "b" .. k }) end
      if k % 100 == 0 then list:append(run) end -- reallocates
      arm()
    end
  end
end
for _ = 1, 20 do arm() end
raw_jit_off() -- the interpreter, as before a trace is compiled; acr.ffi stays on
collectgarbage("setpause", 0)
collectgarbage("setstepmul", 400)
collectgarbage()
local bad
for _ = 1, 5000 do
  local t, s, r = run.task, run.status, list[2]
  if not t:match("^t%d*$") then bad = t end
  if not (s == "Queued" or s == "Failed" or s == "Running") then bad = s end
  if not r.runId:match("^b%d*$") then bad = r.runId end
end
active = false
if bad then print("bad " .. tostring(bad)) else print("ok " .. k) end
