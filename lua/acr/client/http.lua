-- acr.client.http: the built-in transport, LuaSocket for HTTP and LuaSec
-- for HTTPS, loaded only when the client first sends without a transport
-- of the host's.
--
-- transport([opts]) -> function(req) -> status, headers, body | nil, message
--   opts.cafile  CA bundle (default the system's, /etc/ssl/certs/...)
--   opts.capath  CA directory (default /etc/ssl/certs)
--   opts.verify  false to skip certificate checks (default true)
-- req = {method, url, headers, body, timeout}; timeout (seconds) applies
-- to each connect, send and receive; none means 60 s.  HTTPS verifies the
-- peer's chain and that the certificate names the host (subjectAltName
-- DNS or IP entries, else the common name).  Redirects are never followed
-- (the Authorization header must not travel to another host).

local socket = require("socket")
local http = require("socket.http")
local ltn12 = require("ltn12")
local url_mod = require("socket.url")

local M = {}

local function first_existing(paths)
  for _, p in ipairs(paths) do
    local f = io.open(p, "rb")
    if f then f:close() return p end
  end
  return nil
end

local function name_matches(pattern, host)
  pattern, host = pattern:lower(), host:lower()
  if pattern == host then return true end
  -- one leading wildcard label: *.example.com matches a.example.com only
  local rest = pattern:match("^%*(%..+)$")
  if rest and host:sub(-#rest) == rest then
    local label = host:sub(1, #host - #rest)
    return label ~= "" and not label:find(".", 1, true)
  end
  return false
end

-- Whether the peer certificate names host.
local function cert_names_host(cert, host)
  local is_ip = host:match("^%d+%.%d+%.%d+%.%d+$") or host:find(":", 1, true)
  local ext = cert:extensions() or {}
  local san = ext["2.5.29.17"]
  if san then
    for _, name in ipairs(is_ip and (san.iPAddress or san.ipAddress or {}) or (san.dNSName or {})) do
      if (is_ip and name == host) or (not is_ip and name_matches(name, host)) then return true end
    end
    return false
  end
  if is_ip then return false end
  for _, entry in ipairs(cert:subject() or {}) do
    if entry.name == "commonName" or entry.oid == "2.5.4.3" then
      if name_matches(entry.value, host) then return true end
    end
  end
  return false
end

-- A socket for socket.http.request: the given timeout on every
-- operation (socket.http would set its module-wide TIMEOUT), TLS after
-- connect for https.
local function creator(timeout, tls, host)
  return function()
    local conn = {}
    local sock, err = socket.tcp()
    if not sock then return nil, err end
    conn.sock = sock
    local function forward(s)
      for name, method in pairs(getmetatable(s).__index) do
        if type(method) == "function" and name ~= "settimeout" and name ~= "connect" then
          conn[name] = function(self, ...) return method(self.sock, ...) end
        end
      end
    end
    forward(sock)
    function conn.settimeout(self)
      return self.sock:settimeout(timeout)
    end
    function conn.connect(self, h, port)
      self.sock:settimeout(timeout)
      local ok, cerr = self.sock:connect(h, port)
      if not ok then return nil, cerr end
      if tls then
        local ssl = require("ssl")
        local s, werr = ssl.wrap(self.sock, tls)
        if not s then self.sock:close() return nil, "TLS: " .. tostring(werr) end
        s:sni(host)
        s:settimeout(timeout)
        local hok, herr = s:dohandshake()
        if not hok then s:close() return nil, "TLS handshake: " .. tostring(herr) end
        if tls.verify ~= "none" then
          local cert = s:getpeercertificate()
          if not cert or not cert_names_host(cert, host) then
            s:close()
            return nil, "TLS: the certificate does not name " .. host
          end
        end
        self.sock = s
        forward(s)
      end
      return 1
    end
    return conn
  end
end

function M.transport(opts)
  opts = opts or {}
  local tls_params
  return function(req)
    local parsed = url_mod.parse(req.url)
    if not parsed or (parsed.scheme ~= "http" and parsed.scheme ~= "https") then
      return nil, "unsupported URL scheme in " .. tostring(req.url)
    end
    local tls
    if parsed.scheme == "https" then
      if not tls_params then
        local ok, ssl = pcall(require, "ssl")
        if not ok then return nil, "HTTPS needs LuaSec (module 'ssl'): " .. tostring(ssl) end
        tls_params = { mode = "client", protocol = "any",
                       options = { "all", "no_sslv2", "no_sslv3", "no_tlsv1" } }
        if opts.verify == false then
          tls_params.verify = "none"
        else
          tls_params.verify = { "peer", "fail_if_no_peer_cert" }
          tls_params.cafile = opts.cafile or first_existing({
            "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/cert.pem" })
          tls_params.capath = opts.capath or (not opts.cafile and "/etc/ssl/certs" or nil)
        end
      end
      tls = tls_params
    end
    local chunks = {}
    local ok, code, headers = http.request({
      url = req.url,
      method = req.method,
      headers = req.headers,
      source = req.body and ltn12.source.string(req.body) or nil,
      sink = ltn12.sink.table(chunks),
      redirect = false,
      create = creator(req.timeout or 60, tls, parsed.host),
    })
    if not ok then return nil, tostring(code) end
    if type(code) ~= "number" then return nil, "no status line: " .. tostring(code) end
    return code, headers or {}, table.concat(chunks)
  end
end

return M
