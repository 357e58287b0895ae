-- spec/support/replay.lua: starts and stops spec/support/replay_server.lua
-- for the client specs.
--
--   local replay = require("spec.support.replay")
--   local srv = replay.start(exchanges [, {tls = true, deadline = 120}])
--   ... srv.url ("http://127.0.0.1:PORT" or "https://localhost:PORT"),
--       srv.cafile (the test certificate, with tls) ...
--   local report = srv:stop()   -- {served, expected, mismatches, log}
--
-- The server runs as a child process of the interpreter running the specs,
-- bound to 127.0.0.1 on a port the kernel picks, and ends by itself at its
-- deadline even if stop is never called.

local helpers = require("spec.helpers")
local socket = require("socket")

local M = {}

-- The interpreter running us: the lowest negative index of arg.
local function interpreter()
  local a = rawget(_G, "arg")
  if type(a) == "table" then
    local i = 0
    while a[i - 1] do i = i - 1 end
    if i < 0 and a[i] then return a[i] end
  end
  return helpers.lua_version == "jit" and "luajit" or "lua" .. helpers.lua_version
end
M.interpreter = interpreter

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

local serialize = require("spec.support.serialize")

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Shell text setting, for a child Lua, this process's module paths with
-- the repository's lua/ first, under every variable name the child reads.
function M.child_env()
  local lpath = helpers.root .. "/lua/?.lua;" .. package.path
  local cpath = package.cpath
  local v = _VERSION:match("%d+%.%d+"):gsub("%.", "_")
  local env = "LUA_PATH=" .. shell_quote(lpath) .. " LUA_CPATH=" .. shell_quote(cpath) .. " LUA_INIT= "
  if not rawget(_G, "jit") and v ~= "5_1" then
    env = env .. "LUA_PATH_" .. v .. "=" .. shell_quote(lpath) .. " LUA_CPATH_" .. v .. "="
      .. shell_quote(cpath) .. " LUA_INIT_" .. v .. "= "
  end
  return env
end

local tmpdir
-- A private temporary directory for this spec run (certificates, scripts).
function M.tmpdir()
  if not tmpdir then
    local p = os.tmpname()
    os.remove(p)
    assert(os.execute("mkdir -m 700 " .. shell_quote(p)))
    tmpdir = p
  end
  return tmpdir
end

function M.cleanup()
  if tmpdir then os.execute("rm -rf " .. shell_quote(tmpdir)) tmpdir = nil end
end

-- Whether openssl can make a certificate here.
local cert_cache
function M.certificate()
  if cert_cache ~= nil then return cert_cache or nil end
  local dir = M.tmpdir()
  local crt, key = dir .. "/server.crt", dir .. "/server.key"
  local cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    .. " -keyout " .. shell_quote(key) .. " -out " .. shell_quote(crt)
    .. " -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
    .. " >/dev/null 2>&1"
  local ok = os.execute(cmd)
  if ok == true or ok == 0 then
    cert_cache = { cert = crt, key = key }
  else
    cert_cache = false
  end
  return cert_cache or nil
end

local Server = {}
Server.__index = Server

local counter = 0
function M.start(exchanges, opts)
  opts = opts or {}
  counter = counter + 1
  local dir = M.tmpdir()
  local script = dir .. "/script" .. counter .. ".lua"
  write(script, "return " .. serialize({ exchanges = exchanges, deadline = opts.deadline or 120 }))
  local cmd = "exec " .. shell_quote(interpreter()) .. " "
    .. shell_quote(helpers.root .. "/spec/support/replay_server.lua") .. " "
    .. shell_quote(helpers.root) .. " " .. shell_quote(script)
  local cert
  if opts.tls then
    cert = assert(M.certificate(), "openssl could not make a certificate")
    cmd = cmd .. " " .. shell_quote(cert.cert) .. " " .. shell_quote(cert.key)
  end
  local errfile = dir .. "/server" .. counter .. ".err"
  local p = assert(io.popen(cmd .. " 2>" .. shell_quote(errfile), "r"))
  local line = p:read("*l")
  local port = line and tonumber(line:match("^PORT (%d+)$"))
  if not port then
    p:close()
    local f = io.open(errfile, "rb")
    local err = f and f:read("*a") or ""
    if f then f:close() end
    error("replay server did not start: " .. tostring(line) .. " " .. err)
  end
  local self = setmetatable({ pipe = p, port = port, tls = opts.tls,
    url = (opts.tls and "https://localhost:" or "http://127.0.0.1:") .. port,
    cafile = cert and cert.cert }, Server)
  return self
end

-- Ends the server and returns its report.  Idempotent.
function Server:stop()
  if self.report then return self.report end
  local c = socket.tcp()
  c:settimeout(60)
  local body
  if c:connect("127.0.0.1", self.port) then
    if self.tls then
      local ssl = require("ssl")
      c = ssl.wrap(c, { mode = "client", protocol = "any", verify = "none" })
      c:settimeout(60)
      c:dohandshake()
    end
    c:send("GET /__done HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    local resp = c:receive("*a")
    c:close()
    body = resp and resp:match("\r\n\r\n(.*)$")
  end
  self.pipe:close()
  local load_ = loadstring or load
  local f = body and load_(body)
  self.report = f and f() or { served = -1, expected = -1, mismatches = { "no report from the server" }, log = {} }
  return self.report
end

return M
