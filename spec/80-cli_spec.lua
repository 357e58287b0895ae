-- bin/acr-runs: run as a child process with the interpreter running this
-- spec and the module search paths of this process; stdout, stderr and the
-- exit status checked.

local helpers = require("spec.helpers")
local acr = require("acr.run")

-- The interpreter running this spec: the lowest index of arg is what the
-- shell started (busted is a script), so the child loads the same build of
-- the module.
local function interpreter()
  if type(arg) == "table" then
    local i = -1
    while arg[i - 1] ~= nil do i = i - 1 end
    if arg[i] ~= nil then return arg[i] end
  end
  return os.getenv("LUA") or (rawget(_G, "jit") and "luajit")
         or ("lua" .. _VERSION:match("%d+%.%d+"))
end

local function q(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Environment for the child: this process's paths (which found acr.run),
-- with the repository's lua/ first, under every name the child may read.
local ENV
do
  local lpath = helpers.root .. "/lua/?.lua;" .. package.path
  local cpath = package.cpath
  local v = _VERSION:match("%d+%.%d+"):gsub("%.", "_")
  ENV = "LUA_PATH=" .. q(lpath) .. " LUA_CPATH=" .. q(cpath) .. " "
  if not rawget(_G, "jit") and v ~= "5_1" then
    ENV = ENV .. "LUA_PATH_" .. v .. "=" .. q(lpath) .. " LUA_CPATH_" .. v ..
          "=" .. q(cpath) .. " "
  end
  ENV = ENV .. "LUA_INIT= "
  if not rawget(_G, "jit") and v ~= "5_1" then
    ENV = ENV .. "LUA_INIT_" .. v .. "= "
  end
end
-- The same, with a Lua path where no module is: acr.cli cannot load.
local ENV_NO_PATH = ENV:gsub("(LUA_PATH[_%d]*=)'[^']*'", "%1'/nonexistent/?.lua'")
local LUA = interpreter()
local SCRIPT = helpers.root .. "/bin/acr-runs"
local SAMPLE = helpers.root .. "/examples/sample-runs.json"

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function spit(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local tmpfiles = {}
local function tmp(text)
  local name = os.tmpname()
  tmpfiles[#tmpfiles + 1] = name
  if text then spit(name, text) end
  return name
end

-- Runs the Lua script SCRIPT with ARGS (already shell-quoted), stdin from
-- the given text (or /dev/null); returns stdout, stderr, exit status.
local function run_lua(script, args, stdin)
  local out, err = tmp(), tmp()
  local input = stdin and tmp(stdin) or "/dev/null"
  local cmd = ENV .. q(LUA) .. " " .. q(script) .. " " .. args .. " >" ..
              q(out) .. " 2>" .. q(err) .. " <" .. q(input)
  local p = assert(io.popen("sh -c " .. q(cmd .. '; echo "EXIT:$?"')))
  local res = p:read("*a")
  p:close()
  return slurp(out), slurp(err), tonumber(res:match("EXIT:(%d+)"))
end

local function cli(args, stdin)
  return run_lua(SCRIPT, args, stdin)
end

-- Runs acr-runs with ARGS and standard output redirected by REDIRECT (shell
-- text, e.g. ">/dev/full"), after the shell command PRE, standard input
-- from the file STDIN (default /dev/null); returns stderr and the exit
-- status.
local function cli_sh(pre, args, redirect, env, stdin)
  local err = tmp()
  local cmd = pre .. "; " .. (env or ENV) .. q(LUA) .. " " .. q(SCRIPT) .. " " ..
              args .. " " .. redirect .. " 2>" .. q(err) .. " <" ..
              (stdin or "/dev/null")
  local p = assert(io.popen("sh -c " .. q(cmd .. '; echo "EXIT:$?"')))
  local res = p:read("*a")
  p:close()
  return slurp(err), tonumber(res:match("EXIT:(%d+)"))
end

local function lines(s)
  local t = {}
  for line in s:gmatch("([^\n]*)\n") do t[#t + 1] = line end
  return t
end

-- The one-line error contract: status 2, nothing on stdout, exactly one
-- line on stderr starting "acr-runs: ", no traceback.
local function assert_error(out, err, code)
  assert.equal(2, code)
  assert.equal("", out)
  assert.equal(1, #lines(err), "expected one line, got: " .. err)
  assert.truthy(err:find("^acr%-runs: "), err)
  assert.falsy(err:find("traceback"), err)
  assert.falsy(err:find("%.lua:%d+:"), err)
end

local HEADER = "RUN ID    TASK           PLATFORM    STATUS     TRIGGER       " ..
               "STARTED               DURATION"

describe("acr-runs", function()
  teardown(function()
    for _, name in ipairs(tmpfiles) do os.remove(name) end
  end)

  describe("output", function()
    it("prints the sample as a table by default", function()
      local out, err, code = cli(q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      local l = lines(out)
      assert.equal(34, #l)
      assert.equal(HEADER, l[1])
      assert.truthy(l[2]:find("^%-%-%-%-%-%-%-%-  %-"))
      -- newest first, as the service lists them: two queued runs
      assert.truthy(l[3]:find("^cf1w%s+Linux%s+Queued%s+Manual$"), l[3])
    end)

    it("converts -08:00 start times to UTC", function()
      -- cf1t: win-agent, started 2019-08-30T07:50:22.0849564-08:00
      local out = cli(q(SAMPLE))
      assert.truthy(out:find(
        "\ncf1t%s+win%-agent%s+Windows%s+Running%s+Commit%s+" ..
        "2019%-08%-30T15:50:22Z\n"), out)
    end)

    it("writes markdown", function()
      local out, err, code = cli("--output markdown " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      local l = lines(out)
      assert.equal(34, #l)
      assert.truthy(l[1]:find("^| RUN ID | TASK +| PLATFORM | STATUS +|"))
      assert.truthy(l[2]:find("^| %-%-%-%-%-%- | "))
    end)

    it("writes tsv: no header, seven fields a line", function()
      local out, err, code = cli("-o tsv " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      local l = lines(out)
      assert.equal(32, #l)
      for _, line in ipairs(l) do
        local _, tabs = line:gsub("\t", "")
        assert.equal(6, tabs)
      end
      assert.equal("cf1w\t\tLinux\tQueued\tManual\t\t", l[1])
    end)

    it("writes a pretty RunListResult that reads back the same", function()
      local out, err, code = cli("--output=json " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      assert.truthy(out:find('^{\n +"value": %['))
      local back = assert(acr.decode(out))
      local orig = assert(acr.decode(slurp(SAMPLE)))
      assert.equal(#orig, #back)
      for i = 1, #orig do
        assert.is_true(orig[i] == back[i], "run " .. i .. " differs")
      end
      -- and the JSON output is a fixed point
      local again, err2, code2 = cli("-o json", out)
      assert.equal(0, code2)
      assert.equal("", err2)
      assert.equal(out, again)
    end)

    it("writes a summary", function()
      local out, err, code = cli("--output summary " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal("32 runs: 2 Queued, 2 Running, 20 Succeeded, 5 Failed, " ..
                   "1 Canceled, 1 Error, 1 Timeout", lines(out)[1])
      assert.truthy(out:find("\nbuild%-web +10 +2 +20%.0%% +"), out)
      assert.truthy(out:find("\nRuns per day %(UTC, by creation time%):\n" ..
                             "2019%-08%-26  "), out)
      assert.truthy(out:find("\n2019%-08%-30  [SFRQ]+ +8\n"), out)
      assert.truthy(out:find("\nLegend: S Succeeded, F Failed"), out)
    end)
  end)

  describe("queries", function()
    it("filters with --filter", function()
      local out, err, code =
        cli("--filter " .. q("status eq 'Failed'") .. " " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      local l = lines(out)
      assert.equal(2 + 5, #l)
      for i = 3, #l do assert.truthy(l[i]:find(" Failed "), l[i]) end
    end)

    it("prints only the header when nothing matches", function()
      local out, err, code =
        cli("--filter " .. q("taskName eq 'nope'") .. " " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal(2, #lines(out))
      out, err, code = cli("--filter " .. q("taskName eq 'nope'") ..
                           " -o summary " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal("no runs\n", out)
    end)

    it("keeps the newest runs with --top", function()
      local out, err, code = cli("--top 3 " .. q(SAMPLE))
      assert.equal(0, code)
      assert.equal("", err)
      local l = lines(out)
      assert.equal(5, #l)
      assert.truthy(l[3]:find("^cf1w "))
      assert.truthy(l[4]:find("^cf1v "))
      assert.truthy(l[5]:find("^cf1u "))
      out = cli("--top 0 " .. q(SAMPLE))
      assert.equal(2, #lines(out))
    end)

    it("sorts with --sort FIELD[:desc], absent values last", function()
      local out, _, code = cli("--sort startTime:desc -o tsv " .. q(SAMPLE))
      assert.equal(0, code)
      local l = lines(out)
      assert.truthy(l[1]:find("^cf1u\t"))
      assert.truthy(l[2]:find("^cf1t\t"))
      assert.truthy(l[31]:find("\tQueued\t"))
      assert.truthy(l[32]:find("\tQueued\t"))
      out = cli("--sort startTime -o tsv " .. q(SAMPLE))
      l = lines(out)
      assert.truthy(l[1]:find("^cf11\t"))
      assert.truthy(l[32]:find("\tQueued\t"))
    end)

    it("applies join, filter, sort, top in that order", function()
      local out, _, code = cli("--filter " .. q("taskName eq 'build-web'") ..
                               " --sort runId --top 2 -o tsv " .. q(SAMPLE))
      assert.equal(0, code)
      local l = lines(out)
      assert.equal(2, #l)
      assert.truthy(l[1]:find("^cf11\tbuild%-web\t"))
      assert.truthy(l[2]:find("^cf12\tbuild%-web\t"))
    end)
  end)

  describe("input", function()
    it("reads standard input with no FILE and with -", function()
      local text = slurp(SAMPLE)
      local a, err, code = cli("", text)
      assert.equal(0, code)
      assert.equal("", err)
      local b, err2 = cli("-", text)
      assert.equal("", err2)
      assert.equal(cli(q(SAMPLE)), a)
      assert.equal(a, b)
    end)

    it("joins several pages and single runs, in order", function()
      local all = assert(acr.decode(slurp(SAMPLE)))
      local p1, p2 = acr.list(), acr.list()
      for i = 1, 20 do p1:append(all[i]) end
      for i = 21, 31 do p2:append(all[i]) end
      local f1 = tmp(p1:encode())
      local f3 = tmp(all[32]:encode())
      local out, err, code = cli(q(f1) .. " - " .. q(f3) .. " -o tsv",
                                 p2:encode())
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal(cli("-o tsv " .. q(SAMPLE)), out)
    end)

    it("reads several documents from one input, as jq does", function()
      local all = assert(acr.decode(slurp(SAMPLE)))
      local p1, p2 = acr.list(), acr.list()
      for i = 1, 20 do p1:append(all[i]) end
      for i = 21, 31 do p2:append(all[i]) end
      local want = cli("-o tsv " .. q(SAMPLE))
      -- concatenated pages and a single run, as `cat page1 page2 run`
      local cat = p1:encode() .. p2:encode() .. all[32]:encode()
      local out, err, code = cli("-o tsv", cat)
      assert.equal("", err)
      assert.equal(0, code)
      assert.equal(want, out)
      -- one per line, pretty-printed, blank lines between, in a file
      out, err, code = cli("-o tsv " .. q(tmp(p1:encode() .. "\n" ..
                           p2:encode { pretty = true } .. "\n\n" ..
                           all[32]:encode() .. "\n")))
      assert.equal("", err)
      assert.equal(0, code)
      assert.equal(want, out)
    end)

    it("accepts a UTF-8 byte-order mark at the start", function()
      local out, err, code = cli("-o tsv", "\239\187\191" .. slurp(SAMPLE))
      assert.equal("", err)
      assert.equal(0, code)
      assert.equal(cli("-o tsv " .. q(SAMPLE)), out)
    end)

    it("names the line of an error in a later document", function()
      local out, err, code = cli("", '{"runId": "a"}\n{"runId": "b"}\n{"runId": 7}\n')
      assert_error(out, err, code)
      assert.equal("acr-runs: <stdin>: runId: expected a string, found a number " ..
                   "at line 3, column 11\n", err)
      out, err, code = cli("", '{"runId": "a"}\n{"runId": "b"\n')
      assert_error(out, err, code)
      assert.truthy(err:find("^acr%-runs: <stdin>: .* at line 3, column 1\n$"), err)
    end)

    it("reads the spec fixtures' shapes", function()
      local out, err, code = cli(
        q(helpers.fixture("spec-examples", "2019-04-01_Runs_List.json")) ..
        " " ..
        q(helpers.fixture("spec-examples", "2019-06-01-preview_TaskRuns_Get.json")) ..
        " -o tsv")
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal(
        "0accec26-d6de-4757-8e74-d080f38eaaab\tmyTask\tLinux\tSucceeded\t" ..
        "Image Update\t2018-01-25T05:50:51Z\t00:23:00\n" ..
        "yd1\t\tLinux\tSucceeded\tManual\t2019-08-28T20:20:53Z\t00:00:07\n",
        out)
    end)
  end)

  describe("errors", function()
    it("names the file, line and column of bad JSON", function()
      local bad = tmp('{\n  "value": [\n    {"runId": "a",,}\n  ]\n}\n')
      local out, err, code = cli(q(SAMPLE) .. " " .. q(bad))
      assert_error(out, err, code)
      -- the library's display text of the error, as it is
      assert.equal("acr-runs: " .. bad .. ": value[1]: expected '\"' (a member " ..
                   "name) after ',', found ',' at line 3, column 19\n", err)
    end)

    it("prints an ARM error body's code and message", function()
      local body = '{"error": {"code": "AuthorizationFailed", "message": ' ..
                   '"The client \'x\' has no access.", "target": null, ' ..
                   '"details": [], "additionalInfo": []}}'
      local out, err, code = cli("", body)
      assert_error(out, err, code)
      assert.equal("acr-runs: <stdin>: AuthorizationFailed: The client 'x' " ..
                   "has no access.\n", err)
      -- also as a later page of a file, after runs that did decode
      local f = tmp('{"value": [{"runId": "a"}]}\n' .. body .. "\n")
      out, err, code = cli("-o tsv " .. q(f))
      assert_error(out, err, code)
      assert.equal("acr-runs: " .. f .. ": AuthorizationFailed: The client 'x' " ..
                   "has no access.\n", err)
    end)

    it("refuses unknown enum values under --strict only", function()
      local f = tmp('{"runId": "x1", "status": "Finished"}')
      local out, err, code = cli(q(f))
      assert.equal(0, code)
      assert.equal("", err)
      assert.truthy(out:find("\nx1 +Finished +Manual\n"), out)
      out, err, code = cli("--strict " .. q(f))
      assert_error(out, err, code)
      assert.truthy(err:find(f, 1, true), err)
      assert.truthy(err:find("status", 1, true), err)
      assert.truthy(err:find("line 1, column %d+"), err)
    end)

    it("reports a missing file", function()
      local out, err, code = cli("no-such-file.json")
      assert_error(out, err, code)
      assert.equal("acr-runs: no-such-file.json: No such file or directory\n",
                   err)
    end)

    it("reports a directory given as a file", function()
      assert_error(cli(q(helpers.root .. "/spec")))
    end)

    it("reports empty standard input", function()
      local out, err, code = cli("")
      assert_error(out, err, code)
      assert.equal("acr-runs: <stdin>: no JSON document (the input is empty)\n",
                   err)
      assert_error(cli("", " \n\t\n"))
      assert_error(cli("", "\239\187\191"))
      assert_error(cli(q(tmp(""))))
    end)

    it("reports a bad filter with its column", function()
      local out, err, code = cli("--filter " .. q("status eq") .. " " ..
                                 q(SAMPLE))
      assert_error(out, err, code)
      assert.truthy(err:find("^acr%-runs: %-%-filter: column 10: "), err)
      out, err, code = cli("--filter " .. q("not (status eq 'Failed')") ..
                           " " .. q(SAMPLE))
      assert_error(out, err, code)
      assert.truthy(err:find("column 1: "), err)
    end)

    it("reports bad options", function()
      local out, err, code = cli("--frobnicate " .. q(SAMPLE))
      assert_error(out, err, code)
      assert.equal("acr-runs: unknown option '--frobnicate' (try --help)\n", err)
      assert_error(cli("--top many " .. q(SAMPLE)))
      assert_error(cli("--top -1 " .. q(SAMPLE)))
      assert_error(cli("--output html " .. q(SAMPLE)))
      assert_error(cli(q(SAMPLE) .. " --top"))
      assert_error(cli("--sort startTime:sideways " .. q(SAMPLE)))
      out, err, code = cli("--sort nosuchfield " .. q(SAMPLE))
      assert_error(out, err, code)
      assert.truthy(err:find("^acr%-runs: %-%-sort: "), err)
      assert.truthy(err:find("nosuchfield", 1, true), err)
    end)
  end)

  describe("failing cleanly", function()
    -- one line, status 2, whatever failed
    local function assert_one_line(err, code, want)
      assert.equal(2, code)
      assert.equal(1, #lines(err), "expected one line, got: " .. err)
      assert.equal("acr-runs: " .. want .. "\n", err)
    end

    it("reports out of memory in one line", function()
      -- ASan reserves terabytes of address space: no ulimit -v under it
      if (os.getenv("LD_PRELOAD") or ""):find("asan") then return end
      local err, code = cli_sh("ulimit -v 300000", "/dev/zero", ">/dev/null")
      assert_one_line(err, code, "/dev/zero: not enough memory")
      err, code = cli_sh("ulimit -v 300000", "-", ">/dev/null", nil, "/dev/zero")
      assert_one_line(err, code, "<stdin>: not enough memory")
    end)

    it("reports a full disk", function()
      local err, code = cli_sh(":", q(SAMPLE), ">/dev/full")
      assert_one_line(err, code,
                      "standard output: No space left on device")
      err, code = cli_sh(":", "--help", ">/dev/full")
      assert_one_line(err, code,
                      "standard output: No space left on device")
    end)

    it("reports a closed standard output", function()
      local err, code = cli_sh(":", q(SAMPLE), ">&-")
      assert_one_line(err, code, "standard output: Bad file descriptor")
      err, code = cli_sh(":", "--version", ">&-")
      assert_one_line(err, code, "standard output: Bad file descriptor")
    end)

    it("reports a module that cannot be loaded", function()
      local err, code = cli_sh(":", "--version", ">/dev/null", ENV_NO_PATH)
      assert.equal(2, code)
      assert.equal(1, #lines(err), err)
      assert.truthy(err:find("^acr%-runs: cannot load the module acr%.cli: "), err)
    end)
  end)

  describe("help and version", function()
    it("prints help on --help and -h", function()
      local out, err, code = cli("--help")
      assert.equal(0, code)
      assert.equal("", err)
      assert.truthy(out:find("^Usage: acr%-runs %[options%] %[FILE%.%.%.%]\n"))
      for _, opt in ipairs { "--filter", "--top", "--sort", "--output",
                             "--strict", "--version" } do
        assert.truthy(out:find(opt, 1, true), opt)
      end
      assert.equal(out, (cli("-h")))
    end)

    it("prints the version", function()
      local out, err, code = cli("--version")
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal("acr-runs " .. acr._VERSION .. "\n", out)
    end)
  end)

  describe("examples", function()
    it("quickstart.lua runs", function()
      local out, err, code = run_lua(helpers.root .. "/examples/quickstart.lua",
                                     "")
      assert.equal("", err)
      assert.equal(0, code)
      assert.truthy(out:find("2 failed build-web runs\n", 1, true), out)
      assert.truthy(out:find("\nRUN ID    TASK ", 1, true), out)
    end)

    it("sample-runs.json is what gen-sample-runs.lua writes", function()
      local out, err, code =
        run_lua(helpers.root .. "/examples/gen-sample-runs.lua", "")
      assert.equal("", err)
      assert.equal(0, code)
      assert.equal(slurp(SAMPLE), out)
    end)
  end)
end)
