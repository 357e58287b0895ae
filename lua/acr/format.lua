--- acr.format: text presentations of a RunList for people and for tools.
--
-- Requiring this module adds `list:format(kind, opts)` to every RunList
-- (acr.methods.RunList.format = format): Lua on top of the C module.
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
local acr = require("acr.run")

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

-- Code point ranges (first, last, ...) that take no cell: combining marks
-- of the common blocks, zero-width spaces and joiners, variation
-- selectors.  A terminal draws them over the character before.
local ZERO_WIDTH = {
  0x0300, 0x036F, 0x0483, 0x0489, 0x0591, 0x05BD, 0x05BF, 0x05BF,
  0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7, 0x05C7, 0x0610, 0x061A,
  0x064B, 0x065F, 0x0670, 0x0670, 0x06D6, 0x06DC, 0x06DF, 0x06E4,
  0x06E7, 0x06E8, 0x06EA, 0x06ED, 0x0E31, 0x0E31, 0x0E34, 0x0E3A,
  0x0E47, 0x0E4E, 0x1AB0, 0x1AFF, 0x1DC0, 0x1DFF, 0x200B, 0x200F,
  0x202A, 0x202E, 0x2060, 0x2064, 0x20D0, 0x20FF, 0x302A, 0x302F,
  0x3099, 0x309A, 0xFE00, 0xFE0F, 0xFE20, 0xFE2F, 0xFEFF, 0xFEFF,
  0xE0100, 0xE01EF,
}

-- Code point ranges that take two cells: East Asian Wide and Fullwidth
-- (Hangul, CJK, kana, fullwidth forms, emoji blocks).
local DOUBLE_WIDTH = {
  0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC,
  0x23F0, 0x23F0, 0x23F3, 0x23F3, 0x25FD, 0x25FE, 0x2614, 0x2615,
  0x2648, 0x2653, 0x267F, 0x267F, 0x2693, 0x2693, 0x26A1, 0x26A1,
  0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE,
  0x26D4, 0x26D4, 0x26EA, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26F5,
  0x26FA, 0x26FA, 0x26FD, 0x26FD, 0x2705, 0x2705, 0x270A, 0x270B,
  0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755,
  0x2757, 0x2757, 0x2795, 0x2797, 0x27B0, 0x27B0, 0x27BF, 0x27BF,
  0x2B1B, 0x2B1C, 0x2B50, 0x2B50, 0x2B55, 0x2B55, 0x2E80, 0x3029,
  0x3030, 0x303E, 0x3041, 0x3098, 0x309B, 0x33FF, 0x3400, 0x4DBF,
  0x4E00, 0x9FFF, 0xA000, 0xA4CF, 0xA960, 0xA97F, 0xAC00, 0xD7A3,
  0xF900, 0xFAFF, 0xFE10, 0xFE19, 0xFE30, 0xFE6F, 0xFF00, 0xFF60,
  0xFFE0, 0xFFE6, 0x16FE0, 0x16FE4, 0x17000, 0x18CFF, 0x1B000, 0x1B2FF,
  0x1F004, 0x1F004, 0x1F0CF, 0x1F0CF, 0x1F18E, 0x1F18E, 0x1F191, 0x1F19A,
  0x1F200, 0x1F251, 0x1F300, 0x1F64F, 0x1F680, 0x1F6FF, 0x1F7E0, 0x1F7EB,
  0x1F90C, 0x1F9FF, 0x1FA70, 0x1FAFF, 0x20000, 0x2FFFD, 0x30000, 0x3FFFD,
}

-- Is cp in one of the sorted ranges of t?  Binary search over the pairs.
local function in_ranges(t, cp)
  local lo, hi = 1, #t / 2
  while lo <= hi do
    local mid = floor((lo + hi) / 2)
    if cp < t[2 * mid - 1] then
      hi = mid - 1
    elseif cp > t[2 * mid] then
      lo = mid + 1
    else
      return true
    end
  end
  return false
end

-- The code point of one UTF-8 sequence (the library refuses invalid
-- UTF-8, so the lead byte says the length).
local function codepoint(ch)
  local b1, b2, b3, b4 = ch:byte(1, 4)
  if b1 < 0x80 then return b1 end
  if b1 < 0xE0 then return (b1 - 0xC0) * 0x40 + (b2 or 0x80) - 0x80 end
  if b1 < 0xF0 then
    return ((b1 - 0xE0) * 0x40 + (b2 or 0x80) - 0x80) * 0x40 +
           (b3 or 0x80) - 0x80
  end
  return (((b1 - 0xF0) * 0x40 + (b2 or 0x80) - 0x80) * 0x40 +
          (b3 or 0x80) - 0x80) * 0x40 + (b4 or 0x80) - 0x80
end

-- Display width of UTF-8 text in terminal cells: East Asian wide and
-- fullwidth characters count two, combining marks and zero-width
-- characters none, everything else one.  ASCII text is counted at once.
local function width(s)
  if not s:find("[\128-\255]") then return #s end
  local n = 0
  for ch in s:gmatch("[^\128-\191][\128-\191]*") do
    if #ch == 1 then
      n = n + 1
    else
      local cp = codepoint(ch)
      if in_ranges(DOUBLE_WIDTH, cp) then
        n = n + 2
      elseif not in_ranges(ZERO_WIDTH, cp) then
        n = n + 1
      end
    end
  end
  return n
end
M.width = width

local function str(v)
  if v == nil then return "" end
  return tostring(v)
end

--- Seconds as HH:MM:SS, as the Azure CLI shows a duration: hours with at
-- least two digits ("00:02:35"; past 99 as they come, "100:00:00"),
-- seconds truncated toward zero; "" for nil.  A negative value (a finish
-- before its start in the data) gets a leading "-".
function M.duration(secs)
  if secs == nil then return "" end
  local sign = ""
  if secs < 0 then
    sign, secs = "-", -secs
  end
  secs = floor(secs)
  return format("%s%02d:%02d:%02d", sign, floor(secs / 3600),
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
  return tostring(acr.datetime(day * 86400)):sub(1, 10)
end

-- The UTC day a run belongs to: its createTime, or its startTime when that
-- is missing; nil if neither (lastUpdatedTime is when the record last
-- changed, not when the run happened).
local function run_day(run)
  local dt = run.createTime or run.startTime
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
-- the runs' createTime (startTime when it is missing, "(no date)" when
-- both are).
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

-- list:format(kind, opts): installed on the C module's RunList methods.
acr.methods.RunList.format = M.format

return M
