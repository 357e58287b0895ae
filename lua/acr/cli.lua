--- acr.cli: the acr-runs command, as a Lua module over acr.run and
-- acr.format.  bin/acr-runs only calls main(arg) and exits with its result,
-- so the whole command can be extended and tested from Lua.
--
-- The command runs in stages, each a function of this module:
--   parse_args(argv) -> opts       options and operands (OPTIONS says how)
--   load(opts, acr)  -> RunList    the runs, from files or standard input
--   select(list, opts) -> RunList  filter, sort, top
--   render(list, opts) -> string   the output text
-- A new source of runs (a live registry, say) adds its options to OPTIONS
-- and replaces load; nothing else changes.
--
-- Errors: an expected failure (bad option, unreadable or bad input, write
-- error) is raised with fail(msg) and becomes one line "acr-runs: msg" on
-- standard error and exit status 2.  Anything else (a bug) becomes
-- "acr-runs: internal error: ..." and status 2 too; out of memory, for
-- which Lua calls no message handler, "acr-runs: not enough memory" and 2.
-- Never a traceback.

local M = {}

M.EXIT_OK = 0
M.EXIT_FAILURE = 2

M.USAGE = [[
Usage: acr-runs [options] [FILE...]

Reads Azure Container Registry runs as JSON from each FILE, or from
standard input when FILE is "-" or none is given, and prints them.
Accepted: a run (bare properties, ARM envelope, Azure CLI output, task
run), a RunListResult page {"value": [...]} or an array of runs.  An
input may hold several JSON documents, concatenated or one per line (as
jq reads them); every document of every FILE is joined into one list, in
order.

Options:
  --filter EXPR    keep the runs that match the OData $filter expression
                   EXPR, e.g. "status eq 'Failed' and taskName eq 'web'"
  --sort FIELD[:desc]
                   sort by a run field (createTime, status, task, ...),
                   ascending, or descending with ":desc"
  --top N          the N most recently created runs, newest first, as the
                   service's $top; after --sort, the first N in that order
  -o, --output KIND
                   table (default), markdown, tsv, json or summary
  --strict         refuse unknown fields, unknown enum values and
                   duplicate keys in the input
  -h, --help       print this help and exit
  --version        print the version and exit

The steps run in this order: join, filter, sort, top.
Output kinds: "table" has the columns of `az acr task list-runs -o table`
(STARTED in UTC, DURATION as HH:MM:SS); "tsv" has the same columns without
a header, with \, tab and line breaks escaped as \\, \t, \n, \r; "json" is
a RunListResult; "summary" counts runs by status, by task (failure rate,
median and 95th-percentile duration) and per day.

Exit status: 0 on success; 2 on any error, with one line on standard
error: a bad option, filter or sort key, an unreadable file, input that is
not runs, out of memory, or standard output that cannot be written.
]]

M.OUTPUTS = { "table", "markdown", "tsv", "json", "summary" }

-- Expected failures travel as a table so that main's handler can tell them
-- from bugs.
local Failure = {}

--- Raises an expected failure: main prints "acr-runs: msg" and exits 2.
function M.fail(msg)
  error(setmetatable({ msg = msg }, Failure), 0)
end

local fail = M.fail

local function first_line(s)
  return (tostring(s):match("^[^\r\n]*"))
end

local function set(key)
  return function(o, v) o[key] = v end
end

local function set_true(key)
  return function(o) o[key] = true end
end

--- The options: names, whether a value follows (as the next argument or
-- after "="), and how it goes into opts.  set raises with fail() for a
-- bad value.
M.OPTIONS = {
  { names = { "--filter" }, value = true, set = set("filter") },
  { names = { "--top" }, value = true, set = function(o, v)
      local t = tonumber(v)
      if not v:match("^%d+$") or not t then
        fail("--top: expected a whole number, got '" .. v .. "'")
      end
      o.top = t
    end },
  { names = { "--sort" }, value = true, set = function(o, v)
      local field, dir = v:match("^([^:]*):?(.*)$")
      if field == "" then fail("--sort: expected FIELD[:desc]") end
      if dir ~= "" and dir ~= "desc" and dir ~= "asc" then
        fail("--sort: expected FIELD, FIELD:asc or FIELD:desc, got '" ..
             v .. "'")
      end
      o.sort, o.desc = field, dir == "desc"
    end },
  { names = { "-o", "--output" }, value = true, set = function(o, v)
      for _, kind in ipairs(M.OUTPUTS) do
        if kind == v then
          o.output = v
          return
        end
      end
      fail("--output: unknown kind '" .. v .. "' (valid: " ..
           table.concat(M.OUTPUTS, ", ") .. ")")
    end },
  { names = { "--strict" }, set = set_true("strict") },
  { names = { "-h", "--help" }, set = set_true("help") },
  { names = { "--version" }, set = set_true("version") },
}

-- Live mode (lua/acr/cli_live.lua): its options, its help, and run() when
-- one of them was given.
local live = require("acr.cli_live")
for _, opt in ipairs(live.OPTIONS) do M.OPTIONS[#M.OPTIONS + 1] = opt end
M.USAGE = M.USAGE .. "\n" .. live.USAGE

--- argv (an array of strings) -> opts: { files = {...}, output = "table",
-- filter, top, sort, desc, strict, help, version }.  "-" is standard input;
-- "--" ends the options.  No operand means standard input.
function M.parse_args(argv)
  local by_name = {}
  for _, opt in ipairs(M.OPTIONS) do
    for _, name in ipairs(opt.names) do by_name[name] = opt end
  end
  local o = { files = {}, output = "table" }
  local i, n, only_files = 1, #argv, false
  while i <= n do
    local a = argv[i]
    if only_files or a == "-" or a:sub(1, 1) ~= "-" then
      o.files[#o.files + 1] = a
    elseif a == "--" then
      only_files = true
    else
      local name, inline = a:match("^(%-%-[^=]+)=(.*)$")
      name = name or a
      local opt = by_name[name]
      if not opt or (inline and not opt.value) then
        fail("unknown option '" .. a .. "' (try --help)")
      end
      local v
      if opt.value then
        if inline then
          v = inline
        else
          v = argv[i + 1]
          if v == nil then fail("option " .. name .. " needs a value") end
          i = i + 1
        end
      end
      opt.set(o, v)
    end
    i = i + 1
  end
  if #o.files == 0 then o.files[1] = "-" end
  return o
end

-- The whole content of the open file f.  An I/O error comes back from read
-- as nil, message; read raises only when it cannot allocate the text: as a
-- memory error (5.1, 5.2, 5.4, LuaJIT) or, on 5.3, as an ordinary error
-- from its buffer.  Either way the input does not fit in memory.
local function read_all(f, name)
  local ok, text, err = pcall(f.read, f, "*a")
  if not ok then
    text = nil
    collectgarbage()
    fail(name .. ": not enough memory")
  end
  if not text then fail(name .. ": " .. tostring(err)) end
  return text
end

local function read_input(file)
  if file == "-" then return read_all(io.stdin, "<stdin>"), "<stdin>" end
  local f, err = io.open(file, "rb")
  if not f then fail(first_line(err)) end
  local ok, text = pcall(read_all, f, file)
  f:close()
  if not ok then error(text, 0) end
  return text, file
end

--- Checks what can be checked before any input is read (the filter, the
-- sort key), so that a mistake fails before waiting on standard input.
-- Returns the compiled filter or nil.
function M.prepare(o, acr)
  local filter
  if o.filter then
    local f, msg = acr.filter(o.filter)
    if not f then fail("--filter: " .. first_line(msg)) end
    filter = f
  end
  if o.sort then
    local _, msg = acr.query_key(o.sort)
    if msg then fail("--sort: " .. msg) end
  end
  return filter
end

-- Adds the runs of v (a Run or a RunList) to list.
local function join(acr, list, v)
  if acr.type(v) == "RunList" then
    list:extend(v)
  else
    list:append(v)
  end
end

--- The runs of every operand in o.files, joined in order into one RunList.
-- An operand holds one or more JSON documents, concatenated or one per
-- line (as jq reads them), after an optional UTF-8 byte-order mark; one
-- with no document at all is an error (an empty reply is not "no runs").
function M.load(o, acr)
  local list = acr.list()
  local dopts = o.strict and { strict = true } or nil
  for _, file in ipairs(o.files) do
    local text, name = read_input(file)
    local pos, ndocs = 1, 0
    while true do
      local v, nxt = acr.decode_next(text, pos, dopts)
      if v == nil then
        -- nxt is then the message: the library's one display text of the
        -- error ("path: reason at line L, column C", or an ARM error
        -- body's "Code: message"), shown as it is.
        if nxt ~= nil then fail(name .. ": " .. first_line(nxt)) end
        break
      end
      join(acr, list, v)
      ndocs, pos = ndocs + 1, nxt
    end
    if ndocs == 0 then fail(name .. ": no JSON document (the input is empty)") end
  end
  return list
end

--- Filter (o.filter compiled by prepare), sort, top, in that order.
function M.select(list, o, acr, filter)
  if filter then list = list:filter(filter) end
  if o.sort then list:sort(o.sort, o.desc and "desc" or nil) end
  if o.top then
    if o.sort then
      local head = acr.list()
      for i = 1, math.min(o.top, #list) do head:append(list[i]) end
      list = head
    else
      list = list:top(math.min(o.top, #list))
    end
  end
  return list
end

--- The output text for o.output.
function M.render(list, o)
  if o.output == "json" then
    return list:encode { pretty = true } .. "\n"
  end
  local format = require("acr.format")
  if o.output == "summary" then return format.summary(list) end
  return format.format(list, o.output)
end

--- Writes text to the file handle out and flushes it; a write error (a
-- full disk, a closed descriptor) is a failure, not a silent exit 0.
function M.write(out, text)
  local ok, err = out:write(text)
  if ok then ok, err = out:flush() end
  if not ok then fail("standard output: " .. first_line(err)) end
end

local function load_module()
  local ok, acr = pcall(require, "acr.run")
  if not ok then
    -- A module found but not loadable: the loader's reason is on the
    -- lines after "error loading module ... from file '...':" (e.g.
    -- "undefined symbol: lua_newuserdatauv" for a module built for
    -- another Lua).  Not found at all: the first line says so.
    local msg = tostring(acr)
    if msg:find("^error loading module") then
      msg = msg:gsub("%s*\n%s*", " ")
    else
      msg = first_line(msg):gsub(":%s*$", "") .. " (see LUA_CPATH)"
    end
    fail("cannot load the module: " .. msg)
  end
  return acr
end

--- The command without its error handling: raises fail() for expected
-- failures; returns the exit status.
function M.run(argv)
  local o = M.parse_args(argv)
  if o.help then
    M.write(io.stdout, M.USAGE)
    return M.EXIT_OK
  end
  local acr = load_module()
  if o.version then
    M.write(io.stdout, "acr-runs " .. tostring(acr._VERSION) .. "\n")
    return M.EXIT_OK
  end
  local filter = M.prepare(o, acr)
  if o.live then return live.run(o, acr, M, filter) end
  local list = M.select(M.load(o, acr), o, acr, filter)
  M.write(io.stdout, M.render(list, o))
  return M.EXIT_OK
end

local function handler(e)
  if getmetatable(e) == Failure then return e end
  -- A bug or an unexpected error: one line, no traceback.
  return setmetatable({ msg = "internal error: " .. first_line(e) }, Failure)
end

--- Runs the command on argv (an array of strings) and returns the exit
-- status: 0, or 2 after writing one line to standard error.
function M.main(argv)
  local ok, res = xpcall(function() return M.run(argv) end, handler)
  if ok then return res end
  local msg
  if getmetatable(res) == Failure then
    msg = res.msg
  else
    -- Lua calls no message handler for a memory error (nor for an error in
    -- the handler): the value is the bare message.  The memory the failed
    -- step held is garbage now; collect it before writing.
    res = tostring(res)
    collectgarbage()
    msg = first_line(res)
  end
  pcall(function()
    io.stderr:write("acr-runs: ", msg, "\n")
    io.stderr:flush()
  end)
  return M.EXIT_FAILURE
end

return M
