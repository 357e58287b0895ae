-- bench/compare.lua: the table of bench/compare.sh, from the rows that
-- bench.lua wrote for each module and round (DIR/base-<lua>-<round>.tsv,
-- DIR/head-<lua>-<round>.tsv).
-- Usage: lua bench/compare.lua DIR [docs/performance.md]
-- For every row and Lua: how many times better than its baseline each
-- module was (the median over the rounds, with the lowest and highest),
-- and a verdict: "worse" only when every round of the head is below every
-- round of the base, "better" when every round is above, else "level"
-- (within what the rounds of one module differ among themselves).  The
-- last column is acr-run's own time (or bytes) before over now, so that a
-- ratio moved by its baseline (the plain-Lua loops run at a speed that
-- depends on where their tables landed) is told from one moved by the
-- library.  The table goes between the "compare:" marks of the document.
local rows = require("rows")

local DIR = assert(arg[1], "usage: lua bench/compare.lua DIR [DOC]")
local DOC = arg[2] or "docs/performance.md"
local BEGIN = "<!-- compare:begin (written by make bench-compare) -->"
local END = "<!-- compare:end -->"

local function read_line(path)
  local fh = io.open(path, "rb")
  if not fh then return "?" end
  local s = fh:read("*l") or "?"
  fh:close()
  return s
end

-- The rows of every round of one side and Lua: name -> { adv = list of
-- the advantages, ours = list of acr-run's own measures }, in the order
-- the head measured them.
local function collect(side, tag)
  local by, order, engine, n = {}, {}, nil, nil
  for round = 1, math.huge do
    local t = rows.read(string.format("%s/%s-%s-%d.tsv", DIR, side, tag,
      round))
    if not t then break end
    engine, n = t.engine, t.n
    for _, r in ipairs(t.rows) do
      if not by[r.name] then
        by[r.name] = { adv = {}, ours = {} }
        order[#order + 1] = r.name
      end
      local e = by[r.name]
      e.adv[#e.adv + 1] = rows.advantage(r)
      e.ours[#e.ours + 1] = r.ours
    end
  end
  return by, order, engine, n
end

local function median(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  local k = #s
  if k % 2 == 1 then return s[(k + 1) / 2] end
  return (s[k / 2] + s[k / 2 + 1]) / 2
end

local function span(t)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(t) do
    lo, hi = math.min(lo, v), math.max(hi, v)
  end
  return lo, hi
end

local function cell(t)
  if not t or #t == 0 then return "—" end
  local lo, hi = span(t)
  if #t == 1 then return string.format("%.2fx", t[1]) end
  return string.format("%.2fx (%.2f–%.2f)", median(t), lo, hi)
end

local base_rev = read_line(DIR .. "/base.rev"):sub(1, 7)
local head_rev = read_line(DIR .. "/head.rev")
local out, worse = {}, 0
local function add(s) out[#out + 1] = s end
add(rows.machine())
add("")
for _, tag in ipairs({ "5.4", "jit" }) do
  local head, order, engine, n = collect("head", tag)
  local base = collect("base", tag)
  if #order > 0 then
    local rounds = #head[order[1]].adv
    add(string.format("**%s** (%d runs in document A; %d rounds of each "
      .. "module, alternately; times better than the baseline, median "
      .. "(lowest–highest))", engine, n, rounds))
    add("")
    add(string.format("| measure | %s (before) | %s (now) | now / before "
      .. "| verdict | acr-run's own measure, before / now |", base_rev,
      head_rev))
    add("|---|---:|---:|---:|:-:|---:|")
    for _, name in ipairs(order) do
      local h = head[name]
      -- 122ba40 read through the C API only, and did not say so.
      local b = base[name] or base[(name:gsub(" %(C API%)", ""))]
      local change, verdict, own = "—", "new", "—"
      if b then
        change = string.format("%.2fx", median(h.adv) / median(b.adv))
        local hlo, hhi = span(h.adv)
        local blo, bhi = span(b.adv)
        if hhi < blo then
          verdict = "**worse**"
          worse = worse + 1
        elseif hlo > bhi then
          verdict = "better"
        else
          verdict = "level"
        end
        -- time and bytes alike: > 1 is less now
        own = string.format("%.2fx", median(b.ours) / median(h.ours))
      end
      add(string.format("| %s | %s | %s | %s | %s | %s |", name,
        cell(b and b.adv), cell(h.adv), change, verdict, own))
    end
    add("")
  end
end
add(string.format("Rows worse than before: %d.", worse))
rows.splice(DOC, BEGIN, END, table.concat(out, "\n"))
print(table.concat(out, "\n"))
print("compare: wrote " .. DOC)
