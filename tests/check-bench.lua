-- tests/check-bench.lua (make check-bench): bench/report.lua and
-- bench/compare.lua on rows written here, so that a change to the report
-- code cannot clobber the hand-written text of docs/performance.md or
-- call a row worse that is not.  Prints "check-bench: N passed, M failed".
-- Usage: lua tests/check-bench.lua   (from the repository root)
local LUA = arg and arg[-1] or "lua"
local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir))

local passed, failed = 0, 0
local function check(ok, what)
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
    print("FAIL: " .. what)
  end
end

local function write(path, text)
  local fh = assert(io.open(path, "wb"))
  fh:write(text)
  fh:close()
end

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local s = fh:read("*a")
  fh:close()
  return s
end

-- bench.lua's row format: name, ours, base, ratio, target, better, met,
-- group.
local function tsv(path, engine, rows)
  local out = { string.format("#engine\t%s\t1000\t5", engine) }
  for _, r in ipairs(rows) do
    local ratio = r.better == "lower" and r.ours / r.base or r.base / r.ours
    out[#out + 1] = table.concat({ r.name, r.ours, r.base,
      string.format("%.4f", ratio), r.target or 5, r.better or "higher",
      "yes", r.group or "decode" }, "\t")
  end
  write(path, table.concat(out, "\n") .. "\n")
end

local function run(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok == true or ok == 0
end

local env = "LUA_PATH='bench/?.lua;;' "

-- compare.lua ----------------------------------------------------------
-- Two rounds per module.  "fast" is better now in every round, "slow"
-- worse in every round, "mixed" overlaps; "memory" counts bytes (lower is
-- better) and is better now; "status (C API)" is 122ba40's unlabelled
-- "status"; "column" is new.
for round = 1, 2 do
  local d = round * 0.01
  tsv(string.format("%s/base-5.4-%d.tsv", dir, round), "Lua 5.4", {
    { name = "fast", ours = 1.0 + d, base = 4.0 },
    { name = "slow", ours = 1.0 + d, base = 8.0 },
    { name = "mixed", ours = round == 1 and 1.0 or 1.4, base = 5.0 },
    { name = "memory", ours = 50, base = 100, better = "lower" },
    { name = "status", ours = 0.3, base = 0.1, better = "lower" },
  })
  tsv(string.format("%s/head-5.4-%d.tsv", dir, round), "Lua 5.4", {
    { name = "fast", ours = 0.5 + d, base = 4.0 },
    { name = "slow", ours = 2.0 + d, base = 8.0 },
    { name = "mixed", ours = round == 1 and 1.2 or 1.1, base = 5.0 },
    { name = "memory", ours = 40, base = 100, better = "lower" },
    { name = "status (C API)", ours = 0.2, base = 0.1, better = "lower" },
    { name = "column", ours = 0.1, base = 1.0 },
  })
end
write(dir .. "/base.rev", "122ba408be80529fc08a97476bcfb65d79ae2bff\n")
write(dir .. "/head.rev", "abcdef1\n")
local doc = dir .. "/performance.md"
write(doc, "# title\n\nhand text before\n\n"
  .. "<!-- compare:begin (written by make bench-compare) -->\nOLD TABLE\n"
  .. "<!-- compare:end -->\n\nhand text after\n")
check(run(env .. LUA .. " bench/compare.lua " .. dir .. " " .. doc),
  "compare.lua runs")
local text = read(doc) or ""
local function row(name)
  return text:match("\n| " .. name:gsub("%p", "%%%0") .. " |[^\n]*") or ""
end
check(text:find("hand text before", 1, true) and
      text:find("hand text after", 1, true), "compare keeps the hand text")
check(not text:find("OLD TABLE", 1, true), "compare replaces its section")
check(row("fast"):find("| better |", 1, true), "fast: better")
check(row("slow"):find("**worse**", 1, true), "slow: worse")
check(row("mixed"):find("| level |", 1, true), "mixed: level")
check(row("memory"):find("| better |", 1, true), "memory (lower): better")
check(row("status (C API)"):find("| better |", 1, true),
  "a C API row is compared with the unlabelled row before")
check(row("column"):find("| new |", 1, true), "a row new in head")
check(row("slow"):find("| 0.50x |", 1, true),
  "acr-run's own time before over now (1 s then, 2 s now: 0.50x)")
check(text:find("Rows worse than before: 1.", 1, true), "one row worse")
check(text:find("122ba40 (before)", 1, true) and
      text:find("abcdef1 (now)", 1, true), "the two revisions are named")

-- report.lua -----------------------------------------------------------
tsv(dir .. "/x-results-5.4.tsv", "Lua 5.4", {
  { name = "decode A (s) vs cjson.decode", ours = 0.1, base = 0.6 },
  { name = "memory A (bytes) vs plain tables", ours = 4e7, base = 1e8,
    better = "lower", target = 0.4, group = "memory" },
})
local doc2 = dir .. "/perf2.md"
write(doc2, "intro\n\n<!-- bench:begin (written by make bench) -->\nOLD\n"
  .. "<!-- bench:end -->\n\noutro\n")
check(run(env .. "ACR_BENCH_CACHE=" .. dir .. "/x " .. LUA
  .. " bench/report.lua " .. doc2), "report.lua runs")
local t2 = read(doc2) or ""
check(t2:find("^intro") and t2:find("outro\n$"), "report keeps the hand text")
check(not t2:find("\nOLD\n", 1, true), "report replaces its section")
check(t2:find("| decode A (s) vs cjson.decode | 0.1000 | 0.6000 | 6.00x | >= 5x | yes |",
  1, true), "report's decode row")
check(t2:find("| 40.0 MB | 100.0 MB | 0.40x | <= 0.4x |", 1, true),
  "report's memory row")
check((read(dir .. "/perf2.svg") or ""):find("<svg", 1, true),
  "report writes the chart beside the document")

os.execute("rm -rf " .. dir)
print(string.format("check-bench: %d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
