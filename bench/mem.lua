-- bench/mem.lua: resident memory that one decoded document holds, measured
-- in a fresh process so that nothing else of the benchmark is counted.
-- Usage: lua bench/mem.lua acr|cjson FILE   (prints bytes)
-- The text is read and the process's resident size taken; the document
-- is decoded (the text kept alive) and a full collection run; the
-- difference is what the decoded value holds, allocator overhead and the
-- library's C memory included.
local kind, path = arg[1], arg[2]

local function rss()
  local fh = io.open("/proc/self/statm", "r")
  if not fh then return nil end
  local pages = fh:read("*l"):match("^%d+%s+(%d+)")
  fh:close()
  return tonumber(pages) * 4096
end

local decode
if kind == "acr" then
  local acr = require("acr.run")
  decode = function(t) return assert(acr.decode(t)) end
else
  local cjson = require("cjson")
  decode = cjson.decode
end

local fh = assert(io.open(path, "rb"))
local text = fh:read("*a")
fh:close()
collectgarbage()
collectgarbage()
local before = rss()
local value = decode(text)
collectgarbage()
collectgarbage()
local after = rss()
if not before or not after or not value or #text == 0 then os.exit(1) end
io.write(string.format("%d\n", after - before))
