--- acr.format: text presentations of a RunList for people and for tools.
--
-- `list:format(kind, opts)` (C side) calls `format(list, kind, opts)` here.
-- Everything in this file reads runs through the public Lua API of
-- `acr.run` (`#list`, `list[i]`, `run.<field>`, `run:trigger()`,
-- `run:duration([now])`, `dt:utc()`, `list:summary()`), so it works on the
-- real userdata and on plain tables that mimic them.
--
-- Kinds:
--   "table"    (default) the columns of `az acr task list-runs -o table`:
--              RUN ID, TASK, PLATFORM, STATUS, TRIGGER, STARTED, DURATION.
--              Column width = the longer of the header plus two and the
--              widest value; columns are separated by two spaces; a line of
--              dashes under the header; trailing blanks are trimmed (that is
--              how the CLI's tabulate "simple" layout looks).
--              PLATFORM is `platform.os` (the CLI shows the OS only), in the
--              model's canonical spelling ("Linux", where the service often
--              sends "linux").  STARTED is the start time converted to UTC
--              and written YYYY-MM-DDTHH:MM:SSZ, fraction dropped (the CLI
--              only appends a "Z" to the local text; this converts).
--              DURATION is finishTime - startTime as HH:MM:SS, hours at
--              least two digits, seconds truncated ("00:01:18", "26:03:04"),
--              as the CLI writes it; empty for a run that has not finished
--              unless opts.now is given (then a started run shows its
--              elapsed time so far).  Control characters in values become
--              spaces so that a row stays one line.
--   "markdown" a GitHub-flavoured Markdown table with the same columns;
--              in cells "\" is written "\\", "|" is written "\|", line
--              breaks become "<br>" and other control characters spaces.
--   "tsv"      tab-separated values, one run per line, same columns, and no
--              header line (like `az ... -o tsv`) unless opts.header is true.
--              In values "\" is written "\\", tab "\t", line feed "\n" and
--              carriage return "\r", so every run is exactly one line of
--              exactly seven fields.
--   "summary"  the same text as format.summary(list).
-- An empty list gives the header only ("table", "markdown"), nothing
-- ("tsv" without header) or "no runs" ("summary").
local M = {}

local floor, ceil = math.floor, math.ceil
local concat, sort = table.concat, table.sort
local format = string.format

M.COLUMNS = { "RUN ID", "TASK", "PLATFORM", "STATUS", "TRIGGER", "STARTED",
              "DURATION" }
M.KINDS = { "table", "markdown", "tsv", "summary" }

-- RunStatus values in spec order (run-model.md section 1), for totals, and
-- the letter that stands for each in the per-day bars.
local STATUS_ORDER = { "Queued", "Started", "Running", "Succeeded", "Failed",
                       "Canceled", "Error", "Timeout" }
-- Bars put finished outcomes first, then the runs still in flight.
local BAR_ORDER = { "Succeeded", "Failed", "Error", "Timeout", "Canceled",
                    "Running", "Started", "Queued" }
local BAR_LETTER = { Succeeded = "S", Failed = "F", Error = "E",
                     Timeout = "T", Canceled = "C", Running = "R",
                     Started = "s", Queued = "Q" }
local OTHER_LETTER = "?"
local BAR_WIDTH = 60 -- letters in the longest bar before scaling
local DAY_GAP_MAX = 62 -- fill days without runs only for spans this short

-- Display width of UTF-8 text: its number of code points.
local function width(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

local function str(v)
  if v == nil then return "" end
  return tostring(v)
end

--- Seconds as H:MM:SS (hours without padding, seconds truncated
-- toward zero), "" for nil.  Negative values get a leading "-".
function M.duration(secs)
  if secs == nil then return "" end
  local sign = ""
  if secs < 0 then
    sign, secs = "-", -secs
  end
  secs = floor(secs)
  return format("%s%d:%02d:%02d", sign, floor(secs / 3600),
                floor(secs % 3600 / 60), secs % 60)
end

--- A DateTime as UTC text YYYY-MM-DDTHH:MM:SSZ (fraction dropped), ""
-- for nil.  A time within a day of 9999-12-31 or 0000-01-01 whose UTC
-- falls outside the years 0000..9999 (dt:utc() raises) is shown as
-- written, offset and all: data must not stop a listing.
function M.utc(dt)
  if dt == nil then return "" end
  local ok, u = pcall(dt.utc, dt)
  if not ok then return tostring(dt) end
  return format("%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day,
                u.hour, u.min, u.sec)
end

-- The seven column values of one run, as plain text.
local function run_row(run, now)
  local platform = run.platform
  local dur
  if now ~= nil then
    dur = run:duration(now)
  else
    dur = run:duration()
  end
  return {
    str(run.runId),
    str(run.task),
    str(platform and platform.os),
    str(run.status),
    str(run:trigger()),
    M.utc(run.startTime),
    M.duration(dur),
  }
end

local function rows_of(list, opts)
  local rows = {}
  for i = 1, #list do
    rows[i] = run_row(list[i], opts.now)
  end
  return rows
end

-- Lays out header + rows as the CLI's table: widths from content (at least
-- the header's width + min_pad; the CLI's tabulate pads headers by 2), two
-- spaces between columns, dashes under the header, trailing blanks
-- trimmed.  align[i] == "right" right-aligns column i.
local function layout(header, rows, min_pad, align)
  align = align or {}
  local widths = {}
  for c = 1, #header do
    widths[c] = width(header[c]) + min_pad
  end
  for r = 1, #rows do
    local row = rows[r]
    for c = 1, #header do
      local w = width(row[c])
      if w > widths[c] then widths[c] = w end
    end
  end
  local function line(cells)
    local out = {}
    for c = 1, #header do
      local pad = (" "):rep(widths[c] - width(cells[c]))
      if align[c] == "right" then
        out[c] = pad .. cells[c]
      else
        out[c] = cells[c] .. pad
      end
    end
    return (concat(out, "  "):gsub("%s+$", "")) .. "\n"
  end
  local dashes = {}
  for c = 1, #header do
    dashes[c] = ("-"):rep(widths[c])
  end
  local out = { line(header), concat(dashes, "  ") .. "\n" }
  for r = 1, #rows do
    out[#out + 1] = line(rows[r])
  end
  return concat(out)
end

local function render_table(list, opts)
  local rows = rows_of(list, opts)
  for r = 1, #rows do
    for c = 1, #rows[r] do
      rows[r][c] = rows[r][c]:gsub("%c", " ")
    end
  end
  return layout(M.COLUMNS, rows, 2)
end

local function md_escape(s)
  s = s:gsub("[\\|]", "\\%0")
  s = s:gsub("\r\n", "<br>"):gsub("[\r\n]", "<br>")
  return (s:gsub("%c", " "))
end

local function render_markdown(list, opts)
  local rows = rows_of(list, opts)
  local header = {}
  local widths = {}
  for c = 1, #M.COLUMNS do
    header[c] = md_escape(M.COLUMNS[c])
    widths[c] = math.max(3, width(header[c]))
  end
  for r = 1, #rows do
    for c = 1, #rows[r] do
      local v = md_escape(rows[r][c])
      rows[r][c] = v
      if width(v) > widths[c] then widths[c] = width(v) end
    end
  end
  local function line(cells)
    local out = {}
    for c = 1, #cells do
      out[c] = cells[c] .. (" "):rep(widths[c] - width(cells[c]))
    end
    return "| " .. concat(out, " | ") .. " |\n"
  end
  local dashes = {}
  for c = 1, #widths do
    dashes[c] = ("-"):rep(widths[c])
  end
  local out = { line(header), line(dashes) }
  for r = 1, #rows do
    out[#out + 1] = line(rows[r])
  end
  return concat(out)
end

local TSV_ESCAPES = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n",
                      ["\r"] = "\\r" }

local function tsv_escape(s)
  return (s:gsub("[\\\t\n\r]", TSV_ESCAPES))
end

local function render_tsv(list, opts)
  local out = {}
  if opts.header then
    out[1] = concat(M.COLUMNS, "\t") .. "\n"
  end
  local rows = rows_of(list, opts)
  for r = 1, #rows do
    local row = rows[r]
    for c = 1, #row do
      row[c] = tsv_escape(row[c])
    end
    out[#out + 1] = concat(row, "\t") .. "\n"
  end
  return concat(out)
end

-- A UTC day is counted in days since 1970-01-01; the calendar arithmetic
-- is the C core's, through DateTime values.
local function day_text(day)
  return tostring(require("acr.run").datetime(day * 86400)):sub(1, 10)
end

-- The UTC day a run belongs to: its createTime, or its startTime or
-- lastUpdatedTime when that is missing; nil if none.
local function run_day(run)
  local dt = run.createTime or run.startTime or run.lastUpdatedTime
  if dt == nil then return nil end
  return floor(dt:epoch() / 86400)
end

-- Status names in display order: spec order first, then any others
-- (unknown values kept from a server) alphabetically.
local function ordered_statuses(counts, order)
  local known, out = {}, {}
  for _, s in ipairs(order) do
    known[s] = true
    if counts[s] and counts[s] > 0 then out[#out + 1] = s end
  end
  local others = {}
  for s, n in pairs(counts) do
    if not known[s] and n > 0 then others[#others + 1] = s end
  end
  sort(others)
  for _, s in ipairs(others) do out[#out + 1] = s end
  return out
end

local function status_totals(s)
  local by = s.by_status or {}
  local names = ordered_statuses(by, STATUS_ORDER)
  local parts = {}
  for _, name in ipairs(names) do
    parts[#parts + 1] = format("%d %s", by[name], name)
  end
  local head = format("%d run%s", s.total, s.total == 1 and "" or "s")
  if #parts > 0 then head = head .. ": " .. concat(parts, ", ") end
  return head .. "\n"
end

local function task_table(s)
  local by = s.by_task or {}
  local names = {}
  for name in pairs(by) do names[#names + 1] = name end
  sort(names, function(a, b)
    -- runs without a task last
    if (a == "") ~= (b == "") then return b == "" end
    return a < b
  end)
  if #names == 0 then return "" end
  local rows = {}
  for i, name in ipairs(names) do
    local t = by[name]
    local rate = t.runs > 0 and format("%.1f%%", 100 * t.failed / t.runs)
                 or "-"
    local p50 = t.p50 and M.duration(t.p50) or "-"
    local p95 = t.p95 and M.duration(t.p95) or "-"
    rows[i] = { name == "" and "(no task)" or name:gsub("%c", " "),
                tostring(t.runs), tostring(t.failed), rate, p50, p95 }
  end
  return layout({ "TASK", "RUNS", "FAILED", "FAILED %", "P50", "P95" }, rows,
                0, { "left", "right", "right", "right", "right", "right" })
end

local function day_chart(list)
  local per_day, undated, all = {}, {}, {}
  local first, last, ndays = nil, nil, 0
  for i = 1, #list do
    local run = list[i]
    local status = str(run.status)
    if status == "" then status = "(none)" end
    local day = run_day(run)
    local bucket
    if day == nil then
      bucket = undated
    else
      bucket = per_day[day]
      if not bucket then
        bucket = {}
        per_day[day] = bucket
        ndays = ndays + 1
        if not first or day < first then first = day end
        if not last or day > last then last = day end
      end
    end
    bucket[status] = (bucket[status] or 0) + 1
    all[status] = (all[status] or 0) + 1
  end
  if ndays == 0 and next(undated) == nil then return "" end

  local days = {}
  if ndays > 0 and last - first < DAY_GAP_MAX then
    for d = first, last do days[#days + 1] = d end
  else
    for d in pairs(per_day) do days[#days + 1] = d end
    sort(days)
  end

  local function total(bucket)
    local n = 0
    for _, c in pairs(bucket) do n = n + c end
    return n
  end
  local max = total(undated)
  for _, d in ipairs(days) do
    local n = per_day[d] and total(per_day[d]) or 0
    if n > max then max = n end
  end
  local scale = math.max(1, ceil(max / BAR_WIDTH))
  local statuses = ordered_statuses(all, BAR_ORDER)

  local function bar(bucket)
    local parts = {}
    for _, st in ipairs(statuses) do
      local n = bucket[st]
      if n then
        parts[#parts + 1] = (BAR_LETTER[st] or OTHER_LETTER):rep(ceil(n / scale))
      end
    end
    return concat(parts)
  end

  local labels, bars, counts = {}, {}, {}
  for _, d in ipairs(days) do
    local bucket = per_day[d] or {}
    labels[#labels + 1] = day_text(d)
    bars[#bars + 1] = bar(bucket)
    counts[#counts + 1] = total(bucket)
  end
  if next(undated) then
    labels[#labels + 1] = "(no date)"
    bars[#bars + 1] = bar(undated)
    counts[#counts + 1] = total(undated)
  end
  local lw, bw, cw = 0, 0, #tostring(max)
  for i = 1, #labels do
    if #labels[i] > lw then lw = #labels[i] end
    if #bars[i] > bw then bw = #bars[i] end
  end

  local out = { "Runs per day (UTC, by creation time)" ..
                (scale > 1 and format(", one letter per %d runs", scale) or "")
                .. ":\n" }
  for i = 1, #labels do
    out[#out + 1] = format("%-" .. lw .. "s  %-" .. bw .. "s  %" .. cw ..
                           "d\n", labels[i], bars[i], counts[i])
      :gsub(" +\n$", "\n")
  end
  local legend = {}
  for _, st in ipairs(statuses) do
    legend[#legend + 1] = (BAR_LETTER[st] or OTHER_LETTER) .. " " .. st
  end
  out[#out + 1] = "Legend: " .. concat(legend, ", ") .. "\n"
  return concat(out)
end

--- Text report of a RunList: the total and the count of each status; per
-- task the runs, failures, failure rate, median (P50) and 95th percentile
-- (P95) duration of its finished runs; and a bar chart of runs per UTC day
-- by status.  Numbers come from list:summary(); the per-day counts from
-- the runs' createTime (startTime or lastUpdatedTime when it is missing).
function M.summary(list)
  local s = list:summary()
  if s.total == 0 then return "no runs\n" end
  local parts = { status_totals(s) }
  local tasks = task_table(s)
  if tasks ~= "" then parts[#parts + 1] = tasks end
  local chart = day_chart(list)
  if chart ~= "" then parts[#parts + 1] = chart end
  return concat(parts, "\n")
end

local RENDER = {
  table = render_table,
  markdown = render_markdown,
  tsv = render_tsv,
  summary = function(list) return M.summary(list) end,
}

--- format(list, [kind], [opts]) -> string.  kind defaults to "table";
-- opts.now (a DateTime, RFC 3339 text or epoch seconds, as run:duration
-- takes it) shows elapsed time for started, unfinished runs; opts.header
-- adds a header line to "tsv".  Raises for an unknown kind, naming the
-- valid ones.
function M.format(list, kind, opts)
  if kind == nil then kind = "table" end
  local render = RENDER[kind]
  if render == nil then
    error(format("unknown format kind '%s' (valid: %s)", tostring(kind),
                 concat(M.KINDS, ", ")), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #3 to 'format' (table expected, got " .. type(opts)
          .. ")", 2)
  end
  return render(list, opts or {})
end

return M
