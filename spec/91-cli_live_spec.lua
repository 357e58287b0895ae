-- spec/91-cli_live_spec.lua: acr-runs' live mode (lua/acr/cli_live.lua)
-- run as a child process against the replaying server of spec/support.

local helpers = require("spec.helpers")

if not pcall(require, "socket") then
  describe("acr-runs live mode", function()
    pending("LuaSocket does not load on this Lua: live mode specs skipped")
  end)
  return
end

local replay = require("spec.support.replay")
local q = replay.shell_quote

local SUB, RG, REG = "sub-1", "rg", "myRegistry"
local B = "/subscriptions/" .. SUB .. "/resourceGroups/" .. RG
  .. "/providers/Microsoft.ContainerRegistry/registries/" .. REG
local Q = "api-version=2019-04-01"
local TOKEN = "live-secret-token"

local ENV = replay.child_env()

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("*a")
  f:close()
  return s
end

-- Runs acr-runs with args (a list of strings) and env (shell text);
-- returns stdout, stderr, exit status.
local function acr_runs(args, env)
  local dir = replay.tmpdir()
  local out, err = dir .. "/live.out", dir .. "/live.err"
  local quoted = {}
  for i, a in ipairs(args) do quoted[i] = q(a) end
  local cmd = ENV .. (env or "") .. " " .. q(replay.interpreter()) .. " "
    .. q(helpers.root .. "/bin/acr-runs") .. " " .. table.concat(quoted, " ")
    .. " >" .. q(out) .. " 2>" .. q(err) .. " </dev/null"
  local p = assert(io.popen("sh -c " .. q(cmd .. '; echo "EXIT:$?"')))
  local res = p:read("*a")
  p:close()
  return slurp(out), slurp(err), tonumber(res:match("EXIT:(%d+)"))
end

local function run_body(id, status, extra)
  return '{"id":"' .. B .. '/runs/' .. id .. '","name":"' .. id
    .. '","properties":{"runId":"' .. id .. '","status":"' .. status .. '"' .. (extra or "") .. '}}'
end

local function get(path, query, status, body)
  return { request = { method = "GET", path = path, query = query or Q,
                       headers = { Authorization = "Bearer " .. TOKEN } },
           response = { status = status or 200, body = body } }
end

local function live_args(srv, more)
  local a = { "--subscription", SUB, "--resource-group", RG, "--registry", REG,
              "--endpoint", srv.url }
  for _, x in ipairs(more or {}) do a[#a + 1] = x end
  return a
end

local TOKEN_ENV = "AZURE_ACCESS_TOKEN=" .. q(TOKEN)

describe("acr-runs live mode", function()
  local servers = {}
  local function serve(exchanges)
    local srv = replay.start(exchanges)
    servers[#servers + 1] = srv
    return srv
  end
  local function assert_replayed(srv)
    local r = srv:stop()
    assert.same({}, r.mismatches)
    assert.equal(r.expected, r.served)
  end
  after_each(function()
    for i = #servers, 1, -1 do servers[i]:stop() servers[i] = nil end
  end)
  teardown(function() replay.cleanup() end)

  it("lists the registry's runs, --filter and --top sent as $filter and $top", function()
    local srv = serve({
      get(B .. "/runs", Q .. "&$filter=status%20eq%20%27Failed%27&$top=2", 200,
          '{"value":[' .. run_body("ca2", "Failed", ',"createTime":"2019-05-02T10:00:00Z"') .. ","
          .. run_body("ca1", "Failed", ',"createTime":"2019-05-01T10:00:00Z"') .. "]}"),
    })
    local out, err, code = acr_runs(live_args(srv, { "--filter", "status eq 'Failed'", "--top", "2",
                                                     "-o", "tsv" }), TOKEN_ENV)
    assert.equal("", err)
    assert.equal(0, code)
    assert.matches("^ca2\t", out)
    assert.matches("\nca1\t", out)
    assert_replayed(srv)
  end)

  it("waits: one line per status change, exit 0 when the run succeeded", function()
    local srv = serve({
      get(B .. "/runs/w1", nil, 200, run_body("w1", "Queued")),
      get(B .. "/runs/w1", nil, 200, run_body("w1", "Running")),
      get(B .. "/runs/w1", nil, 200, run_body("w1", "Running")),
      get(B .. "/runs/w1", nil, 200, run_body("w1", "Succeeded",
        ',"startTime":"2019-05-01T10:00:00Z","finishTime":"2019-05-01T10:01:05Z"')),
    })
    local out, err, code = acr_runs(live_args(srv, { "--wait", "w1", "--interval", "0.01" }), TOKEN_ENV)
    assert.equal("", err)
    assert.equal(0, code)
    assert.equal("w1  Queued  -\nw1  Running  -\nw1  Succeeded  00:01:05\n", out)
    assert_replayed(srv)
  end)

  it("waits with a status line rewritten in place; exit 1 when the run failed", function()
    local srv = serve({
      get(B .. "/runs/w2", nil, 200, run_body("w2", "Running")),
      get(B .. "/runs/w2", nil, 200, run_body("w2", "Failed")),
    })
    local out, err, code = acr_runs(live_args(srv, { "--wait", "w2", "--interval", "0", "--status-line" }),
                                    TOKEN_ENV)
    assert.equal("", err)
    assert.equal(1, code)
    assert.equal("\rw2  Running  -\27[K\rw2  Failed  -\27[K\n", out)
    assert_replayed(srv)
  end)

  it("exit 2 with one line for a service error, the token nowhere", function()
    local srv = serve({
      get(B .. "/runs/w3", nil, 404, '{"error":{"code":"ResourceNotFound","message":"no run w3"}}'),
    })
    local out, err, code = acr_runs(live_args(srv, { "--wait", "w3" }), TOKEN_ENV)
    assert.equal(2, code)
    assert.equal("", out)
    assert.equal("acr-runs: ResourceNotFound: no run w3 (HTTP 404)\n", err)
    assert_replayed(srv)
  end)

  it("exit 2 when --wait runs out of time, never polling past it", function()
    -- at most 1 + timeout / interval polls: the last sleep ends at the timeout
    local srv = serve({
      get(B .. "/runs/w4", nil, 200, run_body("w4", "Running")),
      get(B .. "/runs/w4", nil, 200, run_body("w4", "Running")),
      get(B .. "/runs/w4", nil, 200, run_body("w4", "Running")),
    })
    local out, err, code = acr_runs(live_args(srv, { "--wait", "w4", "--interval", "0.1", "--timeout", "0.2" }),
                                    TOKEN_ENV)
    assert.equal(2, code)
    assert.equal("w4  Running  -\n", out)
    assert.equal("acr-runs: run w4 still Running after 0.2 s\n", err)
    local r = srv:stop()
    assert.same({}, r.mismatches)
    assert.is_true(r.served >= 1)
  end)

  it("refuses an incomplete registry, file operands and a bad interval", function()
    local out, err, code = acr_runs({ "--registry", REG }, TOKEN_ENV)
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^acr%-runs: live mode needs %-%-subscription", err)
    out, err, code = acr_runs({ "--subscription", SUB, "--resource-group", RG, "--registry", REG,
                              "runs.json" }, TOKEN_ENV)
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("FILE operands", err)
    out, err, code = acr_runs({ "--wait", "x", "--interval", "soon" }, TOKEN_ENV)
    assert.equal(2, code)
    assert.equal("", out)
    assert.equal("acr-runs: --interval: expected a number of seconds, got 'soon'\n", err)
  end)

  it("without AZURE_ACCESS_TOKEN asks the Azure CLI, and says so when it is missing", function()
    local srv = serve({})
    local dir = replay.tmpdir() .. "/noaz"
    os.execute("mkdir -p " .. q(dir))
    -- a PATH with sh and test but no az
    local env = "AZURE_ACCESS_TOKEN= PATH=" .. q(dir .. ":/usr/bin:/bin")
    local f = assert(io.open(dir .. "/az", "w"))
    f:write("#!/bin/sh\nexit 1\n")
    f:close()
    os.execute("chmod +x " .. q(dir .. "/az"))
    local out, err, code = acr_runs(live_args(srv), env)
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^acr%-runs: no token: set AZURE_ACCESS_TOKEN", err)
    srv:stop()
  end)
end)
