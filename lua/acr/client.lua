-- acr.client: the run operations of Azure Container Registry (api-version
-- 2019-04-01, docs/spec/run-requests.md sections 7-9) over a
-- transport the host chooses.
--
--   local client = require("acr.client")      -- also sets acr.client
--   local c = client{ subscription = S, resource_group = G, registry = R,
--                     token = "..." or function() return "..." end }
--   local runs, msg, err = c:list_runs{ filter = "status eq 'Failed'", top = 20 }
--
-- Programmer mistakes (a missing option, a wrong argument type) raise;
-- anything the service or the network does returns nil, message, err with
-- err.kind one of "service" (an error status), "transport" (no answer),
-- "response" (an answer that is not what the operation returns),
-- "operation" (a long-running operation that failed or cannot be
-- followed) or "timeout" (wait ran out of time).
--
-- The bearer token lives in a table private to this module: it is never
-- a field of the client, never part of a message, and is scrubbed from
-- whatever a transport says when it fails.

local acr = require("acr.run")
local json = require("acr.client.json")

local M = {}

M.API_VERSION = "2019-04-01"
M.ENDPOINT = "https://management.azure.com"

local Client = {}
Client.__index = Client

-- Tokens by client, weak so that a dropped client frees its token.
local secrets = setmetatable({}, { __mode = "k" })

-- ---- values of the C module ---------------------------------------------

local RUN_MT = getmetatable(acr.new())
local LIST_MT = getmetatable(acr.list())

local function is_run(v) return type(v) == "userdata" and getmetatable(v) == RUN_MT end
local function is_list(v) return type(v) == "userdata" and getmetatable(v) == LIST_MT end

-- ---- URLs ---------------------------------------------------------------

-- RFC 3986 percent-encoding of everything but the unreserved characters:
-- right for a path segment and for a query value alike.
local function encode_component(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end
M.encode_component = encode_component

-- query: array of {name, value}; names are written as given ($filter).
local function with_query(url, query)
  local parts = {}
  for _, kv in ipairs(query) do
    parts[#parts + 1] = kv[1] .. "=" .. encode_component(kv[2])
  end
  if #parts == 0 then return url end
  return url .. (url:find("?", 1, true) and "&" or "?") .. table.concat(parts, "&")
end

function Client:_url(suffix, query)
  local q = { { "api-version", self.api_version } }
  for _, kv in ipairs(query or {}) do q[#q + 1] = kv end
  return with_query(self.base .. suffix, q)
end

-- A nextLink or polling URL is used as given; one without a scheme is
-- resolved against the endpoint.
function Client:_absolute(url)
  if url:match("^%a[%w+.-]*://") then return url end
  if url:sub(1, 1) ~= "/" then url = "/" .. url end
  return self.endpoint .. url
end

-- ---- errors -------------------------------------------------------------

local function scrub(self, s)
  s = tostring(s)
  local tok = secrets[self] and secrets[self].last
  if tok and tok ~= "" then
    local i = 1
    while true do
      local a, b = s:find(tok, i, true)
      if not a then break end
      s = s:sub(1, a - 1) .. "***" .. s:sub(b + 1)
      i = a + 3
    end
  end
  return s
end

local function header(headers, name)
  if type(headers) ~= "table" then return nil end
  local v = headers[name]
  if v ~= nil then return v end
  name = name:lower()
  for k, val in pairs(headers) do
    if type(k) == "string" and k:lower() == name then return val end
  end
  return nil
end

local function plain(v)
  if v == json.null then return nil end
  if type(v) == "table" then
    local t = {}
    for k, x in pairs(v) do t[k] = plain(x) end
    return t
  end
  return v
end

-- An error status: the ARM error body (v2/v3 {"error": {...}}), the flat
-- v1 shape, or anything else (then the status speaks for itself).
local function service_error(status, headers, body)
  local err = { kind = "service", status = status,
                request_id = header(headers, "x-ms-request-id") }
  local doc = type(body) == "string" and body ~= "" and json.decode(body) or nil
  local detail = type(doc) == "table" and (type(doc.error) == "table" and doc.error or doc) or nil
  if detail and type(detail.code) == "string" then
    err.code = detail.code
    err.message = type(detail.message) == "string" and detail.message or nil
    err.target = type(detail.target) == "string" and detail.target or nil
    err.details = type(detail.details) == "table" and plain(detail.details) or nil
    err.additional_info = type(detail.additionalInfo) == "table" and plain(detail.additionalInfo) or nil
  end
  local msg
  if err.code then
    msg = err.code .. ": " .. (err.message or "(no message)")
  else
    local text = type(body) == "string" and body:gsub("%s+", " "):match("^%s*(.-)%s*$") or ""
    if #text > 200 then text = text:sub(1, 200) .. "..." end
    msg = text ~= "" and text or "no error body"
  end
  return nil, msg .. " (HTTP " .. tostring(status) .. ")", err
end

local function response_error(what, status, headers)
  return nil, what .. " (HTTP " .. tostring(status) .. ")",
    { kind = "response", status = status, request_id = header(headers, "x-ms-request-id") }
end

-- ---- sending, with retries ----------------------------------------------

local function default_sleep(seconds)
  local ok, socket = pcall(require, "socket")
  if ok and socket.sleep then
    socket.sleep(seconds)
  elseif seconds > 0 then
    os.execute("sleep " .. string.format("%.3f", seconds))
  end
end

local function default_clock()
  local ok, socket = pcall(require, "socket")
  if ok and socket.gettime then return socket.gettime() end
  return os.time()
end

function Client:_token()
  local s = secrets[self]
  local tok = s.token
  if type(tok) == "function" then
    local ok, v = pcall(tok)
    if not ok or type(v) ~= "string" or v == "" then
      return nil, "the token function gave no token" ..
        (ok and "" or ": " .. scrub(self, v))
    end
    tok = v
  end
  s.last = tok
  return tok
end

-- The delay a throttled or failed answer asks for, in seconds, or nil:
-- retry-after-ms / x-ms-retry-after-ms, then Retry-After as seconds or an
-- HTTP date.  Clamped to 0..600.
local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
local function retry_after(headers, now)
  local d
  for _, name in ipairs({ "retry-after-ms", "x-ms-retry-after-ms" }) do
    local ms = tonumber(header(headers, name) or "")
    if ms then d = ms / 1000 break end
  end
  local ra = header(headers, "retry-after")
  if not d and ra then
    d = tonumber(ra)
    if not d then
      local day, mon, year, h, m, s = tostring(ra):match(
        "^%a+, (%d+) (%a+) (%d+) (%d+):(%d+):(%d+) GMT$")
      if day and MONTHS[mon] then
        -- days from civil (UTC), no os.time (local time zone)
        local y, mo = tonumber(year), MONTHS[mon]
        if mo <= 2 then y = y - 1 end
        local era = math.floor(y / 400)
        local yoe = y - era * 400
        local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + tonumber(day) - 1
        local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
        local days = era * 146097 + doe - 719468
        d = days * 86400 + tonumber(h) * 3600 + tonumber(m) * 60 + tonumber(s) - now
      end
    end
  end
  if not d then return nil end
  if d < 0 then d = 0 end
  if d > 600 then d = 600 end
  return d
end
M._retry_after = retry_after

local function retryable(status, method, headers)
  if status == 429 then return true end
  if status < 500 or status > 599 then return false end
  -- scheduleRun is not idempotent: a 5xx may have queued a run already,
  -- so only a server that asks for a retry (503 + Retry-After) gets one.
  if method == "POST_NEW" then
    return status == 503 and header(headers, "retry-after") ~= nil
  end
  return true
end

-- Sends one request; returns status, headers (names lowercase), body or
-- nil, message, err.  Retries 429 and 5xx at most self.retries times.
-- opts.once: POST that must not be repeated blindly (scheduleRun).
function Client:_send(method, url, body, opts)
  opts = opts or {}
  local attempt = 0
  while true do
    local tok, terr = self:_token()
    if not tok then return nil, terr, { kind = "transport" } end
    local headers = {
      ["Authorization"] = "Bearer " .. tok,
      ["Accept"] = "application/json",
      ["User-Agent"] = "acr-run/" .. tostring(acr._VERSION),
    }
    if body then
      headers["Content-Type"] = "application/json"
      headers["Content-Length"] = tostring(#body)
    end
    local req = { method = method, url = url, headers = headers, body = body,
                  timeout = self.timeout }
    local ok, status, rh, rbody = pcall(self.transport, req)
    if not ok or type(status) ~= "number" then
      local why = not ok and status or rh
      return nil, "transport: " .. scrub(self, why or "no answer") .. " (" .. method .. " " .. url .. ")",
        { kind = "transport", message = scrub(self, why or "no answer") }
    end
    local lower = {}
    if type(rh) == "table" then
      for k, v in pairs(rh) do
        if type(k) == "string" then lower[k:lower()] = tostring(v) end
      end
    end
    rbody = type(rbody) == "string" and rbody or nil
    if attempt < self.retries and retryable(status, opts.once and "POST_NEW" or method, lower) then
      attempt = attempt + 1
      local delay = retry_after(lower, os.time())
        or math.min(60, self.backoff * 2 ^ (attempt - 1))
      self.sleep(delay)
    else
      return status, lower, rbody
    end
  end
end

-- ---- bodies -------------------------------------------------------------

local function object_body(body)
  if type(body) ~= "string" then return nil end
  local doc = json.decode(body)
  if type(doc) == "table" and not json.is_array(doc) then return doc end
  return nil
end

-- A 2xx body read as a Run; anything else (an error body, a list, not
-- JSON, an object with nothing of a run) is an error of kind "response".
local function read_run(status, headers, body)
  local doc = object_body(body)
  if doc and type(doc.error) == "table" then return service_error(status, headers, body) end
  local v, msg = nil, "empty body"
  if body and body ~= "" then v, msg = acr.decode(body) end
  if not is_run(v) or not (v.runId or v.id) then
    return response_error("expected a run, got " .. (v and "something else" or msg), status, headers)
  end
  return v
end

local function read_list(status, headers, body)
  local doc = object_body(body)
  if doc and type(doc.error) == "table" then return service_error(status, headers, body) end
  if not doc or not json.is_array(doc.value) then
    return response_error("expected a RunListResult {value = [...]}", status, headers)
  end
  local v, msg = acr.decode(body)
  if not is_list(v) then
    return response_error("expected a RunListResult: " .. tostring(msg), status, headers)
  end
  return v
end

-- ---- long-running operations -----------------------------------------

local TERMINAL_LRO = { succeeded = true, failed = true, canceled = true }

-- GET url: status, headers, body of a 2xx answer, or nil, message, err.
function Client:_get_ok(url)
  local st, h, b = self:_send("GET", url)
  if not st then return nil, h, b end
  if st < 200 or st > 299 then return service_error(st, h, b) end
  return st, h, b
end

-- Follows a 201/202 answer as run-requests.md section 8 says.  Returns
-- status, headers, body of the final answer (body nil when there is none)
-- or nil, message, err.  opts.reread: a URL whose GET gives the final body
-- when the operation ends without one (Runs_Update).
function Client:_follow(status, headers, body, opts)
  local async = headers["azure-asyncoperation"]
  local location = headers["location"]
  local waited = 0
  local function pause(h)
    local d = retry_after(h, os.time()) or self.poll_interval
    if waited + d > self.lro_timeout then
      return nil, "long-running operation still running after " .. waited .. " s",
        { kind = "timeout" }
    end
    waited = waited + d
    self.sleep(d)
    return true
  end
  if async then
    local h = headers
    while true do
      local ok, m, e = pause(h)
      if not ok then return nil, m, e end
      local st, ph, pb = self:_get_ok(self:_absolute(async))
      if not st then return nil, ph, pb end
      local doc = object_body(pb)
      local s = doc and type(doc.status) == "string" and doc.status:lower()
      if not s then
        return response_error("expected an operation status {status = ...}", st, ph)
      end
      if TERMINAL_LRO[s] then
        if s ~= "succeeded" then
          local detail = type(doc.error) == "table" and doc.error or {}
          local err = { kind = "operation", status = st, operation_status = doc.status,
                        code = type(detail.code) == "string" and detail.code or nil,
                        message = type(detail.message) == "string" and detail.message or nil,
                        request_id = ph["x-ms-request-id"] }
          return nil, (err.code and err.code .. ": " .. (err.message or "") .. " " or "")
            .. "(operation " .. doc.status .. ")", err
        end
        break
      end
      h = ph
    end
    if location then return self:_get_ok(self:_absolute(location)) end
    if opts.reread then return self:_get_ok(opts.reread) end
    return 200, headers, nil
  elseif location then
    local h = headers
    while true do
      local ok, m, e = pause(h)
      if not ok then return nil, m, e end
      local st, lh, lb = self:_send("GET", self:_absolute(location))
      if not st then return nil, lh, lb end
      if st ~= 202 then
        if st < 200 or st > 299 then return service_error(st, lh, lb) end
        if (st == 204 or not lb or lb == "") and opts.reread then
          return self:_get_ok(opts.reread)
        end
        return st, lh, lb
      end
      h = lh
    end
  end
  return status, headers, body
end

-- ---- the operations -----------------------------------------------------

local function check_id(run_id)
  if type(run_id) ~= "string" or run_id == "" then
    error("bad argument #1 (run id expected, got " .. type(run_id) .. ")", 3)
  end
  return encode_component(run_id)
end

function Client:get_run(run_id)
  local url = self:_url("/runs/" .. check_id(run_id))
  local st, h, b = self:_send("GET", url)
  if not st then return nil, h, b end
  if st ~= 200 then return service_error(st, h, b) end
  return read_run(st, h, b)
end

local FILTER_MT = getmetatable(acr.filter("runId eq 'x'"))

local function list_query(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #1 (table of options expected, got " .. type(opts) .. ")", 3)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "filter" and k ~= "top" then
      error("unknown option '" .. tostring(k) .. "' (expected filter, top)", 3)
    end
  end
  local q = {}
  local f = opts.filter
  if f ~= nil then
    if getmetatable(f) == FILTER_MT then f = tostring(f)
    elseif type(f) ~= "string" then
      error("option 'filter' must be a string or a Filter, got " .. type(f), 3)
    end
    q[#q + 1] = { "$filter", f }
  end
  local top = opts.top
  if top ~= nil then
    if type(top) ~= "number" or top ~= math.floor(top) or top < 1 or top > 2 ^ 31 - 1 then
      error("option 'top' must be an integer from 1 to 2147483647", 3)
    end
    q[#q + 1] = { "$top", string.format("%d", top) }
  end
  return q, top
end

-- The pages of Runs_List as an iterator of RunLists, fetched one at a
-- time.  On failure the loop gets false, message, err once, then ends.
function Client:pages(opts)
  local q, top = list_query(opts)
  local url = self:_url("/runs", q)
  local count, done = 0, false
  return function()
    if done or not url then return nil end
    local st, h, b = self:_send("GET", url)
    local page, msg, err
    if not st then page, msg, err = nil, h, b
    elseif st ~= 200 then page, msg, err = service_error(st, h, b)
    else page, msg, err = read_list(st, h, b) end
    if not page then done = true return false, msg, err end
    count = count + #page
    local next_link = page.nextLink
    if next_link == "" then
      done = true
      local _, m, e = response_error("empty nextLink", st, h)
      return false, m, e
    end
    if not next_link or (top and count >= top) then done = true
    else url = self:_absolute(next_link) end
    return page
  end
end

function Client:list_runs(opts)
  local _, top = list_query(opts)
  local all = acr.list()
  for page, msg, err in self:pages(opts) do
    if not page then return nil, msg, err end
    all:extend(page)
  end
  if top and #all > top then
    local runs = {}
    for i = 1, top do runs[i] = all[i] end
    all = acr.list(runs)
  end
  all.nextLink = nil
  return all
end

function Client:update_run(run_id, changes)
  local id = check_id(run_id)
  if type(changes) ~= "table" then
    error("bad argument #2 (table expected, got " .. type(changes) .. ")", 2)
  end
  for k in pairs(changes) do
    if k ~= "isArchiveEnabled" then
      error("update_run: field '" .. tostring(k)
        .. "' cannot be updated (RunUpdateParameters has only isArchiveEnabled)", 2)
    end
  end
  -- Validated by the run model (a non-boolean raises), written in its
  -- update profile.
  local body = acr.new(changes):encode{ profile = "update" }
  local url = self:_url("/runs/" .. id)
  local st, h, b = self:_send("PATCH", url, body)
  if not st then return nil, h, b end
  if st == 200 and not h["azure-asyncoperation"] then return read_run(st, h, b) end
  if st ~= 200 and st ~= 201 and st ~= 202 then return service_error(st, h, b) end
  if st == 201 and not h["azure-asyncoperation"] and not h["location"] then
    -- The resource is being updated: read it until provisioningState ends.
    local run, msg, err = read_run(st, h, b)
    local waited = 0
    while run and run.provisioningState and
          not TERMINAL_LRO[tostring(run.provisioningState):lower()] do
      if waited + self.poll_interval > self.lro_timeout then
        return nil, "run update still " .. tostring(run.provisioningState) .. " after " .. waited .. " s",
          { kind = "timeout" }
      end
      waited = waited + self.poll_interval
      self.sleep(self.poll_interval)
      run, msg, err = self:get_run(run_id)
    end
    return run, msg, err
  end
  st, h, b = self:_follow(st, h, b, { reread = url })
  if not st then return nil, h, b end
  return read_run(st, h, b)
end

function Client:cancel_run(run_id)
  local url = self:_url("/runs/" .. check_id(run_id) .. "/cancel")
  local st, h, b = self:_send("POST", url)
  if not st then return nil, h, b end
  if st == 200 then return true end
  if st ~= 202 then return service_error(st, h, b) end
  st, h, b = self:_follow(st, h, b, {})
  if not st then return nil, h, b end
  return true
end

function Client:log_url(run_id)
  local url = self:_url("/runs/" .. check_id(run_id) .. "/listLogSasUrl")
  local st, h, b = self:_send("POST", url)
  if not st then return nil, h, b end
  if st ~= 200 then return service_error(st, h, b) end
  local doc = object_body(b)
  if not doc or type(doc.logLink) ~= "string" then
    return response_error("expected a RunGetLogResult {logLink = ...}", st, h)
  end
  return doc.logLink
end

-- request: a RunRequest (acr.request / acr.decode) or a table, which
-- acr.request checks (raising, naming the field, for anything invalid).
local REQUEST_MT = getmetatable(acr.request{ type = "TaskRunRequest", taskName = "t" })

function Client:schedule_run(req)
  if type(req) == "table" then
    req = acr.request(req)
  elseif getmetatable(req) ~= REQUEST_MT then
    error("bad argument #1 (RunRequest or table expected, got " .. type(req) .. ")", 2)
  end
  local body = req:encode()
  local url = self:_url("/scheduleRun")
  local st, h, b = self:_send("POST", url, body, { once = true })
  if not st then return nil, h, b end
  if st == 200 and not h["azure-asyncoperation"] then return read_run(st, h, b) end
  if st ~= 200 and st ~= 202 then return service_error(st, h, b) end
  if st == 202 and not h["azure-asyncoperation"] and not h["location"] then
    return nil, "scheduleRun accepted (HTTP 202) without a status link: "
      .. "the new run id is unknown; find it with list_runs",
      { kind = "operation", status = 202, request_id = h["x-ms-request-id"] }
  end
  st, h, b = self:_follow(st, h, b, {})
  if not st then return nil, h, b end
  if not b or b == "" then
    return nil, "scheduleRun finished without the run (no Location to read it from)",
      { kind = "operation", status = st, request_id = h["x-ms-request-id"] }
  end
  return read_run(st, h, b)
end

-- Polls Runs_Get until the run is terminal.  on_change(run) runs on the
-- first answer and whenever the status changes, on_poll(run) after every
-- answer (after on_change).  Never sleeps past the
-- timeout: the last sleep is shortened to end at it, one last poll
-- follows, then nil, message, {kind = "timeout", run = last run}.
function Client:wait(run_id, opts)
  check_id(run_id)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #2 (table expected)", 2) end
  local interval = opts.interval or 30
  local timeout = opts.timeout or 3600
  if type(interval) ~= "number" or interval < 0 then error("option 'interval' must be a number >= 0", 2) end
  if type(timeout) ~= "number" or timeout < 0 then error("option 'timeout' must be a number >= 0", 2) end
  for _, name in ipairs({ "on_change", "on_poll" }) do
    if opts[name] ~= nil and type(opts[name]) ~= "function" then
      error("option '" .. name .. "' must be a function", 2)
    end
  end
  local deadline = self.clock() + timeout
  local last
  while true do
    local run, msg, err = self:get_run(run_id)
    if not run then return nil, msg, err end
    if opts.on_change and (last == nil or run.status ~= last.status) then
      opts.on_change(run)
    end
    last = run
    if opts.on_poll then opts.on_poll(run) end
    if run:is_terminal() then return run end
    local remaining = deadline - self.clock()
    if remaining <= 0 then
      return nil, "run " .. run_id .. " still " .. tostring(run.status) .. " after " .. timeout .. " s",
        { kind = "timeout", run = run }
    end
    self.sleep(math.min(interval, remaining))
  end
end

function Client:__tostring()
  return "acr.client " .. self.registry .. " (" .. self.endpoint .. ")"
end

-- ---- construction ---------------------------------------------------------

local function opt(o, name, kinds, default)
  local v = o[name]
  if v == nil then return default end
  if not kinds[type(v)] then
    local want = {}
    for k in pairs(kinds) do want[#want + 1] = k end
    table.sort(want)
    error("option '" .. name .. "' must be a " .. table.concat(want, " or ") .. ", got " .. type(v), 3)
  end
  return v
end

local KNOWN = { subscription = 1, resource_group = 1, registry = 1, token = 1,
  api_version = 1, endpoint = 1, transport = 1, retries = 1, timeout = 1,
  sleep = 1, clock = 1, backoff = 1, poll_interval = 1, lro_timeout = 1 }

function M.new(o)
  if type(o) ~= "table" then error("bad argument #1 to 'client' (table expected, got " .. type(o) .. ")", 2) end
  for k in pairs(o) do
    if not KNOWN[k] then error("unknown option '" .. tostring(k) .. "'", 2) end
  end
  local S, STR, FN = { string = true }, { string = true, ["function"] = true }, { ["function"] = true }
  local N = { number = true }
  for _, name in ipairs({ "subscription", "resource_group", "registry" }) do
    if type(o[name]) ~= "string" or o[name] == "" then
      error("option '" .. name .. "' is required (a non-empty string)", 2)
    end
  end
  if o.token == nil then error("option 'token' is required (a string or a function)", 2) end
  opt(o, "token", STR)
  local self = setmetatable({
    subscription = o.subscription, resource_group = o.resource_group, registry = o.registry,
    api_version = opt(o, "api_version", S, M.API_VERSION),
    endpoint = opt(o, "endpoint", S, M.ENDPOINT):gsub("/+$", ""),
    transport = opt(o, "transport", FN),
    retries = opt(o, "retries", N, 3),
    timeout = opt(o, "timeout", N),
    sleep = opt(o, "sleep", FN, default_sleep),
    clock = opt(o, "clock", FN, default_clock),
    backoff = opt(o, "backoff", N, 1),
    poll_interval = opt(o, "poll_interval", N, 30),
    lro_timeout = opt(o, "lro_timeout", N, 3600),
  }, Client)
  if self.retries < 0 or self.retries ~= math.floor(self.retries) then
    error("option 'retries' must be an integer >= 0", 2)
  end
  if self.timeout and self.timeout <= 0 then error("option 'timeout' must be > 0", 2) end
  if not self.transport then
    local http
    self.transport = function(req)
      http = http or require("acr.client.http").transport()
      return http(req)
    end
  end
  self.base = self.endpoint .. "/subscriptions/" .. encode_component(o.subscription)
    .. "/resourceGroups/" .. encode_component(o.resource_group)
    .. "/providers/Microsoft.ContainerRegistry/registries/" .. encode_component(o.registry)
  secrets[self] = { token = o.token }
  return self
end

-- A token from the Azure CLI (`az account get-access-token`), read from
-- its standard output; nil, message when az is missing or fails.
function M.az_token(opts)
  opts = opts or {}
  local cmd = "az account get-access-token --query accessToken --output tsv"
  if opts.resource then
    if not tostring(opts.resource):match("^[%w:/%._-]+$") then
      error("option 'resource' has characters a URL of a resource does not have", 2)
    end
    cmd = cmd .. " --resource " .. opts.resource
  end
  local f = io.popen(cmd .. " 2>/dev/null", "r")
  if not f then return nil, "cannot run the Azure CLI (az)" end
  local out = f:read("*a") or ""
  f:close()
  local tok = out:match("^%s*(%S+)%s*$")
  if not tok then return nil, "the Azure CLI gave no token (is `az` installed and `az login` done?)" end
  return tok
end

M.Client = Client

setmetatable(M, { __call = function(_, o) return M.new(o) end })

-- acr.client too, once this module is loaded (the C module never
-- requires Lua).
if rawget(acr, "client") == nil then acr.client = M end

return M
