-- bench/report.lua: the tables and the bar chart of docs/performance.md
-- from the rows bench.lua wrote ($ACR_BENCH_CACHE-results-<lua>.tsv).
-- Usage: lua bench/report.lua [docs/performance.md]
-- Only the part between the two "bench:" markers is replaced (it is
-- appended when the markers are missing), so the hand-written analysis
-- around it stays; the chart goes to docs/performance.svg beside it.
local rows = require("rows")

local CACHE = os.getenv("ACR_BENCH_CACHE") or "build/bench"
local DOC = arg[1] or "docs/performance.md"
local SVG = DOC:gsub("%.md$", ".svg")
local BEGIN = "<!-- bench:begin (written by make bench) -->"
local END = "<!-- bench:end -->"

local function read_rows(tag)
  return rows.read(string.format("%s-results-%s.tsv", CACHE, tag))
end

local function num(x)
  if x >= 1e6 then return string.format("%.1f MB", x / 1e6) end
  if x >= 100 then return string.format("%.0f", x) end
  if x >= 1 then return string.format("%.2f", x) end
  return string.format("%.4f", x)
end

local runs = {}
for _, tag in ipairs({ "5.4", "jit" }) do
  local t = read_rows(tag)
  if t then
    t.tag = tag
    runs[#runs + 1] = t
  end
end
if #runs == 0 then
  io.stderr:write("report: no results in " .. CACHE .. "-results-*.tsv\n")
  os.exit(1)
end

local out = {}
local function add(s) out[#out + 1] = s end
add(rows.machine())
add("")
for _, t in ipairs(runs) do
  add(string.format("**%s** (%d runs in document A, %d in B, median of %d)",
    t.engine, t.n, math.max(1, math.floor(t.n / 5)), t.reps))
  add("")
  add("| measure | acr-run | baseline | ratio | target | met |")
  add("|---|---:|---:|---:|---:|:-:|")
  for _, r in ipairs(t.rows) do
    local tgt = (r.better == "lower" and "<= " or ">= ")
      .. string.format("%.3g", r.target) .. "x"
    add(string.format("| %s | %s | %s | %.2fx | %s | %s |", r.name,
      num(r.ours), num(r.base), r.ratio, tgt, r.met and "yes" or "**no**"))
  end
  add("")
end
add("![Ratios per Lua: times better than the baseline, log scale; "
  .. "the tick is the target](performance.svg)")
local section = table.concat(out, "\n")

-- The chart: one group of bars per measure (scaling rows left out), one
-- bar per Lua, log scale, a tick at the target.
local names, byname = {}, {}
for _, t in ipairs(runs) do
  for _, r in ipairs(t.rows) do
    if r.group ~= "scaling" then
      if not byname[r.name] then
        byname[r.name] = {}
        names[#names + 1] = r.name
      end
      byname[r.name][t.tag] = r
    end
  end
end
local COLORS = { ["5.4"] = "#3b6ea5", jit = "#e08a2c" }
local LABEL_W, PLOT_W, BAR_H, GAP = 430, 420, 9, 8
local LOG_MIN, LOG_MAX = -2, 2 -- 0.01x .. 100x
local function xof(v)
  local l = math.log(math.max(v, 10 ^ LOG_MIN)) / math.log(10)
  l = math.min(math.max(l, LOG_MIN), LOG_MAX)
  return LABEL_W + (l - LOG_MIN) / (LOG_MAX - LOG_MIN) * PLOT_W
end
local group_h = #runs * BAR_H + GAP
local height = 50 + #names * group_h + 20
local width = LABEL_W + PLOT_W + 70
local svg = {}
local function s(x) svg[#svg + 1] = x end
local function esc(x)
  return (x:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end
s(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" '
  .. 'height="%d" font-family="sans-serif" font-size="11">', width, height))
s('<rect width="100%" height="100%" fill="white"/>')
s(string.format('<text x="%d" y="16" font-size="13">acr-run: times better '
  .. 'than the baseline (log scale; tick = target)</text>', 10))
for l = LOG_MIN, LOG_MAX do
  local x = xof(10 ^ l)
  s(string.format('<line x1="%.1f" y1="30" x2="%.1f" y2="%d" stroke="%s"/>',
    x, x, height - 20, l == 0 and "#000" or "#ccc"))
  s(string.format('<text x="%.1f" y="%d" text-anchor="middle">%sx</text>',
    x, height - 6, tostring(10 ^ l):gsub("%.0$", "")))
end
local lx = 10
for _, t in ipairs(runs) do
  s(string.format('<rect x="%d" y="24" width="10" height="10" fill="%s"/>'
    .. '<text x="%d" y="33">%s</text>', LABEL_W + lx, COLORS[t.tag],
    LABEL_W + lx + 14, esc(t.engine)))
  lx = lx + 150
end
for i, name in ipairs(names) do
  local y0 = 40 + (i - 1) * group_h
  s(string.format('<text x="%d" y="%.1f" text-anchor="end">%s</text>',
    LABEL_W - 6, y0 + #runs * BAR_H / 2 + 4, esc(name)))
  for k, t in ipairs(runs) do
    local r = byname[name][t.tag]
    if r then
      local adv, tgt = rows.advantage(r)
      local y = y0 + (k - 1) * BAR_H
      local x1, x0 = xof(adv), xof(1)
      s(string.format('<rect x="%.1f" y="%.1f" width="%.1f" height="%d" '
        .. 'fill="%s"/>', math.min(x0, x1), y, math.abs(x1 - x0),
        BAR_H - 1, COLORS[t.tag]))
      local tx = xof(tgt)
      s(string.format('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
        .. 'stroke="#c00" stroke-width="2"/>', tx, y, tx, y + BAR_H - 1))
      s(string.format('<text x="%.1f" y="%.1f" font-size="9">%.2fx</text>',
        math.max(x0, x1) + 3, y + BAR_H - 1, adv))
    end
  end
end
s("</svg>")

rows.splice(DOC, BEGIN, END, section)
local fh = assert(io.open(SVG, "wb"))
fh:write(table.concat(svg, "\n"), "\n")
fh:close()
print("report: wrote " .. DOC .. " and " .. SVG)
