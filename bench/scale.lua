-- bench/scale.lua: one scaling measurement in a fresh process, so that
-- every size is decoded into memory in the same state (pages the process
-- has not touched before).
-- Usage: lua bench/scale.lua FILE FILTER REPS   (prints "decode_s filter_s")
-- A process that decoded a big list before and freed it may or may not
-- have its pages back, depending on the C allocator (glibc gives a freed
-- 800 MB back to the kernel, keeps a freed 80 MB), so decoding the sizes
-- one after another in one process would measure the allocator's history
-- rather than the library.  The decode is timed once (the first in the
-- process); the filter, which allocates little, takes the median of REPS.
-- The text is read one byte a page before the decode is timed, so that
-- every size's input is resident in the same state: on the VM of
-- docs/performance.md a page last touched some time before (here by the
-- read of the file) is often slow at its next touch, about 5 us (0.12 s
-- for the 99 MB of 100,000 runs, 0.2 us a page for the 10 MB of 10,000),
-- which the row billed to the decode as a part that was not linear.
local acr = require("acr.run")
local path, expr = arg[1], arg[2]
local reps = tonumber(arg[3]) or 5

local fh = assert(io.open(path, "rb"))
local text = fh:read("*a")
fh:close()
collectgarbage()
collectgarbage()
local touched = 0
for i = 1, #text, 4096 do touched = touched + text:byte(i) end
assert(touched >= 0)
local t0 = os.clock()
local list = assert(acr.decode(text))
local decode = os.clock() - t0
local times = {}
for i = 1, reps do
  collectgarbage()
  t0 = os.clock()
  list:filter(expr)
  times[i] = os.clock() - t0
end
table.sort(times)
io.write(string.format("%.6f %.6f\n", decode, times[math.floor((reps + 1) / 2)]))
