-- acr.cli_live: acr-runs' live mode, over acr.client.  acr.cli adds
-- OPTIONS to its own and hands over to run() when one of them was given:
--
--   acr-runs --subscription S --resource-group G --registry R [--filter F] [--top N]
--   acr-runs --subscription S --resource-group G --registry R --wait RUNID
--
-- Listing sends --filter and --top to the service as $filter and $top,
-- then prints as the file mode does (sort, output kinds).  --wait follows
-- one run: a status line rewritten in place on a terminal, one line per
-- status change otherwise; exit 0 when the run succeeded, 1 when it ended
-- otherwise, 2 on an error.  The token comes from AZURE_ACCESS_TOKEN or
-- the Azure CLI, never from the command line.

local M = {}

M.EXIT_RUN_FAILED = 1

M.USAGE = [[
Live mode: read the runs from the service instead of files.
  --subscription ID --resource-group NAME --registry NAME
                   list the registry's runs; --filter and --top are sent
                   to the service as $filter and $top
  --wait RUNID     follow one run until it ends: a status line kept up to
                   date on a terminal, one line per status change
                   otherwise; exit status 0 when the run succeeded, 1 when
                   it failed, was canceled, errored or timed out
  --interval S     seconds between polls with --wait (default 10)
  --timeout S      stop waiting after S seconds (default 3600; exit 2)
  --status-line    rewrite one status line even when standard output is
                   not a terminal
  --endpoint URL   the Azure Resource Manager endpoint (default
                   https://management.azure.com)
The bearer token is read from AZURE_ACCESS_TOKEN, else from the Azure CLI
(`az account get-access-token`).
]]

local function fail(msg)
  require("acr.cli").fail(msg)
end

local function set(key)
  return function(o, v)
    o.live = o.live or {}
    if v == "" then fail("--" .. key:gsub("_", "-") .. ": expected a value") end
    o.live[key] = v
  end
end

local function seconds(key)
  return function(o, v)
    local n = tonumber(v)
    if not n or n < 0 or n ~= n or n == math.huge then
      fail("--" .. key .. ": expected a number of seconds, got '" .. v .. "'")
    end
    o.live = o.live or {}
    o.live[key] = n
  end
end

M.OPTIONS = {
  { names = { "--subscription" }, value = true, set = set("subscription") },
  { names = { "--resource-group" }, value = true, set = set("resource_group") },
  { names = { "--registry" }, value = true, set = set("registry") },
  { names = { "--wait" }, value = true, set = set("wait") },
  { names = { "--endpoint" }, value = true, set = set("endpoint") },
  { names = { "--interval" }, value = true, set = seconds("interval") },
  { names = { "--timeout" }, value = true, set = seconds("timeout") },
  { names = { "--status-line" }, set = function(o)
      o.live = o.live or {}
      o.live.status_line = true
    end },
}

-- Elapsed time as the table's DURATION column shows it (HH:MM:SS), or
-- "-" for nil.
local function hms(secs)
  if not secs then return "-" end
  return require("acr.format").duration(secs)
end

local function status_text(run)
  local elapsed
  if run.startTime then elapsed = run:duration(os.time()) end
  return string.format("%s  %s  %s", tostring(run.runId or "?"),
                       tostring(run.status or "Unknown"), hms(elapsed))
end

local function is_terminal()
  local ok = os.execute("test -t 1")
  return ok == true or ok == 0
end

local function token()
  local t = os.getenv("AZURE_ACCESS_TOKEN")
  if t and t ~= "" then return t end
  local client = require("acr.client")
  local tok = client.az_token()
  if not tok then
    fail("no token: set AZURE_ACCESS_TOKEN or log in with the Azure CLI (az login)")
  end
  return tok
end

--- Live mode: o as parsed by acr.cli (o.live set), cli the acr.cli module,
-- filter compiled by cli.prepare.  Returns the exit status or raises
-- cli.fail.
function M.run(o, acr, cli, filter)
  local live = o.live
  for _, key in ipairs({ "subscription", "resource_group", "registry" }) do
    if not live[key] then
      fail("live mode needs --subscription, --resource-group and --registry (missing --"
           .. key:gsub("_", "-") .. ")")
    end
  end
  if #o.files > 1 or o.files[1] ~= "-" then
    fail("FILE operands cannot be used with --registry (the runs come from the service)")
  end
  local client = require("acr.client")
  local c = client{
    subscription = live.subscription, resource_group = live.resource_group,
    registry = live.registry, endpoint = live.endpoint, token = token(),
  }
  if live.wait then
    local line = live.status_line or is_terminal()
    local function show(run)
      if line then
        cli.write(io.stdout, "\r" .. status_text(run) .. "\27[K")
      end
    end
    local run, msg = c:wait(live.wait, {
      interval = live.interval or 10, timeout = live.timeout or 3600,
      on_change = function(run)
        if not line then cli.write(io.stdout, status_text(run) .. "\n") end
      end,
      on_poll = show,
    })
    if line then cli.write(io.stdout, "\n") end
    if not run then fail(msg) end
    return run.status == "Succeeded" and cli.EXIT_OK or M.EXIT_RUN_FAILED
  end
  local list, msg = c:list_runs{ filter = o.filter, top = o.top }
  if not list then fail(msg) end
  cli.write(io.stdout, cli.render(cli.select(list, o, acr, filter), o))
  return cli.EXIT_OK
end

return M
