-- spec/support/replay_server.lua: an HTTP(S) server on 127.0.0.1 that
-- replays recorded exchanges, for spec/90-client_spec.lua.  Started and
-- stopped by spec/support/replay.lua; never run by hand for long.
--
--   <lua> replay_server.lua ROOT SCRIPT [CERT KEY]
--
-- SCRIPT is a Lua file returning {deadline = s, exchanges = {...}}; each
-- exchange is {request = {method, path, query, headers, body | json},
-- response = {status, headers, body, delay, close}}.  The server binds a
-- free port, prints "PORT n", then answers each request with the next
-- exchange after checking it: method, path and raw query exactly, the
-- listed headers (names case-insensitive, values exact; false = must be
-- absent), the body exactly (body) or as JSON (json: a JSON text compared
-- as values).  A request that does not match gets 418 with an ARM error
-- body (code ReplayMismatch) and is recorded.  GET /__done answers with the
-- report (a Lua table constructor) and ends the server; so does the
-- deadline (default 120 s), whatever happens.  {{BASE}} in a response
-- header or body is replaced by the server's own URL.

local root, script_path, cert, key = arg[1], arg[2], arg[3], arg[4]
package.path = root .. "/lua/?.lua;" .. root .. "/?.lua;" .. package.path
local socket = require("socket")
local serialize = require("spec.support.serialize")
local json_ok, cjson = pcall(require, "cjson")
local json = json_ok and cjson or require("acr.client.json")
local jnull = json_ok and cjson.null or json.null

local script = dofile(script_path)
local exchanges = script.exchanges
local deadline = socket.gettime() + (script.deadline or 120)
local CONN_TIMEOUT = 30

local tls
if cert then
  local ssl = require("ssl")
  tls = { ssl = ssl, params = { mode = "server", protocol = "any",
    certificate = cert, key = key, options = { "all" } } }
end

local server = assert(socket.bind("127.0.0.1", 0))
server:settimeout(0.1)
local _, port = server:getsockname()
-- {{BASE}} in a response stands for this server's own URL (nextLink,
-- Location and Azure-AsyncOperation need it).
local base = (cert and "https://localhost:" or "http://127.0.0.1:") .. port
local function subst(s) return (s:gsub("{{BASE}}", base)) end
io.stdout:write("PORT ", port, "\n")
io.stdout:flush()

local served, mismatches, log = 0, {}, {}

local function same(a, b)
  if a == jnull or b == jnull then return a == b end
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function check(exp, req)
  local problems = {}
  local function want(what, expected, got)
    if expected ~= got then
      problems[#problems + 1] = string.format("%s: expected %q, got %q", what,
        tostring(expected), tostring(got))
    end
  end
  want("method", exp.method, req.method)
  want("path", exp.path, req.path)
  want("query", exp.query or "", req.query or "")
  for name, v in pairs(exp.headers or {}) do
    local got = req.headers[name:lower()]
    if v == false then
      if got then problems[#problems + 1] = "header " .. name .. " must be absent" end
    else
      want("header " .. name, v, got)
    end
  end
  if exp.json then
    local a, b = json.decode(exp.json), (pcall(json.decode, req.body) and json.decode(req.body))
    if not b or not same(a, b) then
      problems[#problems + 1] = "body: expected JSON " .. exp.json .. ", got " .. tostring(req.body)
    end
  elseif exp.body ~= nil then
    want("body", exp.body, req.body)
  end
  return problems
end

local function read_request(c)
  local line, err = c:receive("*l")
  if not line then return nil, err end
  local method, target = line:match("^(%u+) (%S+) HTTP/1%.[01]$")
  if not method then return nil, "bad request line" end
  local headers = {}
  while true do
    local h = c:receive("*l")
    if not h then return nil, "headers cut" end
    if h == "" then break end
    local name, value = h:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local body = ""
  local n = tonumber(headers["content-length"] or "")
  if n and n > 0 then
    body = c:receive(n)
    if not body then return nil, "body cut" end
  end
  local path, query = target:match("^([^?]*)%??(.*)$")
  return { method = method, path = path, query = query, headers = headers,
           body = n and body or nil, target = target }
end

local REASONS = { [200] = "OK", [201] = "Created", [202] = "Accepted", [204] = "No Content",
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [409] = "Conflict", [418] = "Mismatch", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout" }

local function respond(c, status, headers, body)
  body = body or ""
  local out = { string.format("HTTP/1.1 %d %s\r\n", status, REASONS[status] or "Status") }
  for name, v in pairs(headers or {}) do
    out[#out + 1] = name .. ": " .. v .. "\r\n"
  end
  out[#out + 1] = "Content-Length: " .. #body .. "\r\nConnection: close\r\n\r\n" .. body
  c:send(table.concat(out))
end

local function handle(c)
  -- generous: under valgrind a client's TLS handshake takes seconds
  c:settimeout(CONN_TIMEOUT)
  if tls then
    local s = tls.ssl.wrap(c, tls.params)
    if not s then c:close() return end
    s:settimeout(CONN_TIMEOUT)
    if not s:dohandshake() then s:close() return end
    c = s
  end
  local req = read_request(c)
  if not req then c:close() return end
  if req.path == "/__done" then
    respond(c, 200, { ["Content-Type"] = "text/plain" },
      "return " .. serialize({ served = served, expected = #exchanges, mismatches = mismatches, log = log }))
    c:close()
    return "done"
  end
  log[#log + 1] = { method = req.method, target = req.target, headers = req.headers, body = req.body }
  local ex = exchanges[served + 1]
  local problems = ex and check(ex.request, req) or { "unexpected request " .. req.method .. " " .. req.target }
  if #problems > 0 then
    local msg = "exchange " .. (served + 1) .. ": " .. table.concat(problems, "; ")
    mismatches[#mismatches + 1] = msg
    respond(c, 418, { ["Content-Type"] = "application/json" },
      '{"error":{"code":"ReplayMismatch","message":"' .. msg:gsub('[%c"\\]', "'") .. '"}}')
    c:close()
    return
  end
  served = served + 1
  local r = ex.response
  if r.delay then socket.sleep(math.min(r.delay, deadline - socket.gettime())) end
  if r.close then c:close() return end
  local headers = {}
  for k, v in pairs(r.headers or {}) do headers[k] = subst(v) end
  respond(c, r.status, headers, r.body and subst(r.body))
  c:close()
end

while socket.gettime() < deadline do
  local c = server:accept()
  if c and handle(c) == "done" then break end
end
server:close()
