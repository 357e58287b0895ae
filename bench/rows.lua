-- bench/rows.lua: what bench/report.lua and bench/compare.lua share: the
-- rows bench.lua writes (a .tsv file) and the marked section of a
-- document that a report rewrites.
local M = {}

-- The rows of one bench.lua run: { engine =, n =, reps =, rows = { {name,
-- ours, base, ratio, target, better, met, group}, ... } }, or nil when
-- path cannot be read.
function M.read(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local t = { rows = {} }
  for line in fh:lines() do
    local f = {}
    for x in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = x end
    if f[1] == "#engine" then
      t.engine, t.n, t.reps = f[2], tonumber(f[3]), tonumber(f[4])
    else
      t.rows[#t.rows + 1] = { name = f[1], ours = tonumber(f[2]),
        base = tonumber(f[3]), ratio = tonumber(f[4]),
        target = tonumber(f[5]), better = f[6], met = f[7] == "yes",
        group = f[8] }
    end
  end
  fh:close()
  return t
end

-- "How many times better than the baseline": > 1 is a win whichever
-- direction the measure counts (time or bytes); and the target likewise.
function M.advantage(r)
  if r.better == "lower" then return 1 / r.ratio, 1 / r.target end
  return r.ratio, r.target
end

-- Replaces the part of the file at path between the lines begin_mark and
-- end_mark (both kept) with section, or appends section when the marks
-- are missing; the rest of the file, written by hand, stays.
function M.splice(path, begin_mark, end_mark, section)
  local fh = io.open(path, "rb")
  local doc = fh and fh:read("*a") or "# acr-run performance\n\n"
  if fh then fh:close() end
  section = begin_mark .. "\n\n" .. section .. "\n\n" .. end_mark
  local a = doc:find(begin_mark, 1, true)
  local b = doc:find(end_mark, 1, true)
  if a and b and b > a then
    doc = doc:sub(1, a - 1) .. section .. doc:sub(b + #end_mark)
  else
    doc = doc:gsub("\n*$", "\n\n") .. section .. "\n"
  end
  fh = assert(io.open(path, "wb"))
  fh:write(doc)
  fh:close()
end

-- The output of a shell command, trailing white space removed ("" when
-- it cannot run).
function M.shell(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return "" end
  local s = p:read("*a") or ""
  p:close()
  return (s:gsub("%s+$", ""))
end

-- One line naming when and on what machine a report was measured.
function M.machine()
  local cpu = M.shell("sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -1")
  return string.format("Measured %s on %s (%s cores, %s), %s.",
    os.date("!%Y-%m-%d %H:%M UTC"), cpu ~= "" and cpu or "an unknown CPU",
    M.shell("nproc"), M.shell("uname -sr"), M.shell("gcc --version | head -1"))
end

return M
