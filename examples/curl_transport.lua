-- examples/curl_transport.lua: an acr.client transport that runs the curl
-- command through io.popen, for hosts without LuaSocket.
--
--   local client = require("acr.client")
--   local curl = dofile("examples/curl_transport.lua")
--   local c = client{ ..., transport = curl{ curl = "curl" } }
--
-- Nothing of the request is on curl's command line: the URL, the headers
-- (the bearer token among them) and the body go to curl as a config file
-- on its standard input (`curl --config -`), so `ps` shows only
-- `curl --config -`.  The answer comes back through two temporary files
-- (headers and body), removed before returning.

local function quote(s)
  -- curl config strings: double-quoted, backslash escapes
  return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", "\\n"):gsub("\r", "\\r")
    :gsub("\t", "\\t") .. '"'
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

return function(opts)
  opts = opts or {}
  local curl = opts.curl or "curl"
  return function(req)
    local head, body, errs = os.tmpname(), os.tmpname(), os.tmpname()
    local conf = {
      "url = " .. quote(req.url),
      "request = " .. quote(req.method),
      "dump-header = " .. quote(head),
      "output = " .. quote(body),
      "silent", "show-error",
      "max-time = " .. string.format("%d", math.ceil(req.timeout or 60)),
    }
    if opts.cacert then conf[#conf + 1] = "cacert = " .. quote(opts.cacert) end
    for name, value in pairs(req.headers) do
      conf[#conf + 1] = "header = " .. quote(name .. ": " .. value)
    end
    if req.body then conf[#conf + 1] = "data-binary = " .. quote(req.body) end
    -- curl's own name is the only thing on its command line.
    local p = io.popen(curl .. " --config - 2>" .. errs, "w")
    if not p then return nil, "cannot run " .. curl end
    p:write(table.concat(conf, "\n"), "\n")
    p:close()
    local h, b, e = slurp(head), slurp(body), slurp(errs)
    os.remove(head) os.remove(body) os.remove(errs)
    -- The last response block (curl may show a 100 Continue first).
    local status, headers
    for block in (h or ""):gmatch("HTTP/[%d.]+ %d%d%d[^\r\n]*\r?\n.-\r?\n\r?\n") do
      status = tonumber(block:match("^HTTP/[%d.]+ (%d%d%d)"))
      headers = {}
      for name, value in block:gmatch("\n([^:\r\n]+):%s*([^\r\n]*)") do
        headers[name:lower()] = value
      end
    end
    if not status then
      return nil, (e and e:match("^%s*(.-)%s*$") ~= "" and e:match("^%s*(.-)%s*$")) or "curl gave no answer"
    end
    return status, headers, b or ""
  end
end
