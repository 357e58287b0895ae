-- spec/90-client_spec.lua: acr.client against a real HTTP(S) server on
-- 127.0.0.1 replaying recorded exchanges (spec/support/replay_server.lua),
-- with a fake sleep and clock so that retries and waiting take no time.

local helpers = require("spec.helpers")

local has_socket = pcall(require, "socket")
if not has_socket then
  describe("acr.client", function()
    pending("LuaSocket does not load on this Lua: client specs skipped")
  end)
  return
end

local acr = require("acr.run")
local client = require("acr.client")
local json = require("acr.client.json")
local json_encode = require("spec.support.json_encode")
local replay = require("spec.support.replay")

local SUB, RG, REG = "4385cf00-2d3a-425a-832f-f4285b1c9dce", "myResourceGroup", "myRegistry"
local B = "/subscriptions/" .. SUB .. "/resourceGroups/" .. RG
  .. "/providers/Microsoft.ContainerRegistry/registries/" .. REG
local Q = "api-version=2019-04-01"
local TOKEN = "eyJ0eXAi.secret-token.sig"

local function op_fixture(name)
  local text = helpers.read_file(helpers.fixture("spec-operations", "2019-04-01_" .. name .. ".json"))
  return assert(json.decode(text))
end

local function run_body(id, status, extra)
  return '{"id":"' .. B .. '/runs/' .. id .. '","name":"' .. id
    .. '","type":"Microsoft.ContainerRegistry/registries/runs","properties":{"runId":"'
    .. id .. '","status":"' .. status .. '"' .. (extra or "") .. '}}'
end

-- A fake clock advanced only by the fake sleep.
local function fake_time()
  local t = { now = 1000, slept = {} }
  function t.sleep(s) t.slept[#t.slept + 1] = s t.now = t.now + s end
  function t.clock() return t.now end
  return t
end

local servers = {}
local function serve(exchanges, opts)
  local srv = replay.start(exchanges, opts)
  servers[#servers + 1] = srv
  return srv
end

local function new_client(srv, o)
  o = o or {}
  local t = o.time or fake_time()
  local c = client{
    subscription = SUB, resource_group = RG, registry = REG,
    token = o.token or TOKEN, endpoint = srv.url,
    transport = o.transport or require("acr.client.http").transport{ cafile = srv.cafile },
    retries = o.retries, timeout = o.timeout or 5, sleep = t.sleep, clock = t.clock,
  }
  return c, t
end

-- Every exchange used, no request that did not match.
local function assert_replayed(srv)
  local r = srv:stop()
  assert.same({}, r.mismatches)
  assert.equal(r.expected, r.served)
  return r
end

local function get(path, query, status, body, headers)
  return { request = { method = "GET", path = path, query = query or Q,
                       headers = { Authorization = "Bearer " .. TOKEN, Accept = "application/json" } },
           response = { status = status or 200, body = body, headers = headers } }
end

local function msg_has_no_token(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "string" then assert.is_nil(v:find(TOKEN, 1, true)) end
    if type(v) == "table" then
      for _, x in pairs(v) do
        if type(x) == "string" then assert.is_nil(x:find(TOKEN, 1, true)) end
      end
    end
  end
end

describe("acr.client", function()
  after_each(function()
    for i = #servers, 1, -1 do servers[i]:stop() servers[i] = nil end
  end)
  teardown(function() replay.cleanup() end)

  describe("construction", function()
    it("is reachable as require('acr.client') and acr.client", function()
      assert.equal(client, acr.client)
      assert.equal(client, package.loaded["acr.client"])
    end)

    it("raises for missing or mistyped options", function()
      local base = { subscription = "s", resource_group = "g", registry = "r", token = "t" }
      for _, name in ipairs({ "subscription", "resource_group", "registry", "token" }) do
        local o = {}
        for k, v in pairs(base) do o[k] = v end
        o[name] = nil
        assert.has_error(function() client(o) end)
      end
      local o = { bogus = 1 }
      for k, v in pairs(base) do o[k] = v end
      assert.has_error(function() client(o) end, "unknown option 'bogus'")
      base.retries = -1
      assert.has_error(function() client(base) end)
      base.retries, base.token = nil, 42
      assert.has_error(function() client(base) end)
    end)

    it("never shows the token in tostring or in its fields", function()
      local c = client{ subscription = "s", resource_group = "g", registry = "r", token = TOKEN }
      assert.equal("acr.client r (https://management.azure.com)", tostring(c))
      for _, v in pairs(c) do
        if type(v) == "string" then assert.is_nil(v:find(TOKEN, 1, true)) end
      end
    end)
  end)

  describe("URLs", function()
    it("builds get_run's URL exactly, the run id percent-encoded", function()
      local srv = serve({
        get(B .. "/runs/ca1", nil, 200, run_body("ca1", "Succeeded")),
        get(B .. "/runs/a%20b%2Fc%27%2B", nil, 200, run_body("x", "Running")),
      })
      local c = new_client(srv)
      local run = assert(c:get_run("ca1"))
      assert.equal("ca1", run.runId)
      assert.equal("Succeeded", run.status)
      assert(c:get_run("a b/c'+"))
      local r = assert_replayed(srv)
      assert.matches("^acr%-run/", r.log[1].headers["user-agent"])
    end)

    it("percent-encodes names in the path and keeps a custom api-version", function()
      local srv = serve({
        get("/subscriptions/s%201/resourceGroups/g%28x%29/providers/Microsoft.ContainerRegistry/registries/r/runs/id",
            "api-version=2018-09-01", 200, run_body("id", "Queued")),
      })
      local c = client{ subscription = "s 1", resource_group = "g(x)", registry = "r", token = TOKEN,
                        endpoint = srv.url .. "/", api_version = "2018-09-01",
                        transport = require("acr.client.http").transport() }
      assert(c:get_run("id"))
      assert_replayed(srv)
    end)

    it("sends $filter (quotes, spaces, +00:00) and $top percent-encoded", function()
      local f = "status eq 'Failed' and createTime ge 2019-05-01T00:00:00+00:00"
      local srv = serve({
        get(B .. "/runs", Q .. "&$filter=status%20eq%20%27Failed%27%20and%20createTime%20ge%20"
          .. "2019-05-01T00%3A00%3A00%2B00%3A00&$top=10", 200, '{"value":[]}'),
      })
      local c = new_client(srv)
      local list = assert(c:list_runs{ filter = f, top = 10 })
      assert.equal(0, #list)
      assert_replayed(srv)
    end)

    it("takes a Filter value and sends its text", function()
      local filter = assert(acr.filter("taskName eq 'it''s'"))
      local srv = serve({
        get(B .. "/runs", Q .. "&$filter=" .. client.encode_component(tostring(filter)), 200, '{"value":[]}'),
      })
      assert(new_client(srv):list_runs{ filter = filter })
      assert_replayed(srv)
    end)

    it("raises for bad list options", function()
      local c = client{ subscription = "s", resource_group = "g", registry = "r", token = "t" }
      assert.has_error(function() c:list_runs{ top = 0 } end)
      assert.has_error(function() c:list_runs{ top = 1.5 } end)
      assert.has_error(function() c:list_runs{ filter = 3 } end)
      assert.has_error(function() c:list_runs{ skip = 3 } end)
      assert.has_error(function() c:get_run(nil) end)
    end)
  end)

  describe("paging", function()
    local function three_pages(srv_url)
      local function page(ids, link)
        local runs = {}
        for i, id in ipairs(ids) do runs[i] = run_body(id, "Succeeded") end
        return '{"value":[' .. table.concat(runs, ",") .. ']'
          .. (link and ',"nextLink":"' .. srv_url .. link .. '"' or "") .. "}"
      end
      return {
        get(B .. "/runs", Q, 200, page({ "a1", "a2" }, B .. "/runs?" .. Q .. "&$skipToken=p2")),
        get(B .. "/runs", Q .. "&$skipToken=p2", 200, page({ "a3", "a4" }, B .. "/runs?" .. Q .. "&$skipToken=p3")),
        get(B .. "/runs", Q .. "&$skipToken=p3", 200, page({ "a5" }, nil)),
      }
    end

    it("joins every page, following relative nextLinks against the endpoint", function()
      local srv = serve({
        get(B .. "/runs", Q, 200, '{"value":[' .. run_body("a1", "Queued")
          .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$skipToken=p2"}'),
        get(B .. "/runs", Q .. "&$skipToken=p2", 200,
          '{"value":[],"nextLink":"' .. B .. '/runs?' .. Q .. '&$skipToken=p3"}'),
        get(B .. "/runs", Q .. "&$skipToken=p3", 200, '{"value":[' .. run_body("a2", "Failed") .. ']}'),
      })
      local list = assert(new_client(srv):list_runs())
      assert.equal(2, #list)
      assert.equal("a1", list[1].runId)
      assert.equal("a2", list[2].runId)
      assert.is_nil(list.nextLink)
      assert_replayed(srv)
    end)

    it("follows absolute nextLinks over three pages, one page per step with pages()", function()
      -- {{BASE}} is the server's own scheme, host and port
      local srv = serve(three_pages("{{BASE}}"))
      local ids = {}
      for page in new_client(srv):pages() do
        local these = {}
        for _, run in page:iter() do these[#these + 1] = run.runId end
        ids[#ids + 1] = table.concat(these, ",")
      end
      assert.same({ "a1,a2", "a3,a4", "a5" }, ids)
      assert_replayed(srv)
      local srv2 = serve(three_pages("{{BASE}}"), { tls = replay.certificate() ~= nil })
      local list = assert(new_client(srv2):list_runs())
      assert.equal(5, #list)
      assert_replayed(srv2)
    end)

    it("stops paging once top runs came and trims the list to top", function()
      local srv = serve({
        get(B .. "/runs", Q .. "&$top=3", 200, '{"value":[' .. run_body("a1", "Queued") .. ","
          .. run_body("a2", "Queued") .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$top=3&$skipToken=p2"}'),
        get(B .. "/runs", Q .. "&$top=3&$skipToken=p2", 200, '{"value":[' .. run_body("a3", "Queued") .. ","
          .. run_body("a4", "Queued") .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$top=3&$skipToken=p3"}'),
      })
      local list = assert(new_client(srv):list_runs{ top = 3 })
      assert.equal(3, #list)
      assert.equal("a3", list[3].runId)
      assert_replayed(srv)
    end)

    it("fetches lazily: one request per page taken", function()
      local srv = serve({
        get(B .. "/runs", Q, 200, '{"value":[' .. run_body("a1", "Queued")
          .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$skipToken=p2"}'),
      })
      local next_page = new_client(srv):pages()
      local page = next_page()
      assert.equal(1, #page)
      assert_replayed(srv)
    end)

    it("gives false, message, err once when a page fails, then ends", function()
      local srv = serve({
        get(B .. "/runs", Q, 200, '{"value":[' .. run_body("a1", "Queued")
          .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$skipToken=p2"}'),
        get(B .. "/runs", Q .. "&$skipToken=p2", 404,
          '{"error":{"code":"ResourceNotFound","message":"gone"}}'),
      })
      local seen = {}
      for page, msg, err in new_client(srv):pages() do
        seen[#seen + 1] = page and #page or { msg, err.kind, err.status }
      end
      assert.same({ 1, { "ResourceNotFound: gone (HTTP 404)", "service", 404 } }, seen)
      assert_replayed(srv)
      local srv2 = serve({
        get(B .. "/runs", Q, 200, '{"value":[' .. run_body("a1", "Queued")
          .. '],"nextLink":"' .. B .. '/runs?' .. Q .. '&$skipToken=p2"}'),
        get(B .. "/runs", Q .. "&$skipToken=p2", 500, "oops"),
      })
      local list, msg, err = new_client(srv2, { retries = 0 }):list_runs()
      assert.is_nil(list)
      assert.equal("oops (HTTP 500)", msg)
      assert.equal("service", err.kind)
      assert_replayed(srv2)
    end)

    it("refuses an empty nextLink", function()
      local srv = serve({ get(B .. "/runs", Q, 200, '{"value":[],"nextLink":""}') })
      local list, msg, err = new_client(srv):list_runs()
      assert.is_nil(list)
      assert.matches("empty nextLink", msg)
      assert.equal("response", err.kind)
      assert_replayed(srv)
    end)
  end)

  describe("operations", function()
    it("update_run sends the RunUpdateParameters body", function()
      local fx = op_fixture("Runs_Update_request")
      local id = fx.parameters.runId
      local srv = serve({
        { request = { method = "PATCH", path = B .. "/runs/" .. id, query = Q,
            headers = { ["Content-Type"] = "application/json", Authorization = "Bearer " .. TOKEN },
            body = '{"isArchiveEnabled":true}', json = json_encode(fx.parameters.runUpdateParameters) },
          response = { status = 200,
            body = helpers.read_file(helpers.fixture("spec-examples", "2019-04-01_Runs_Update_200.json")) } },
      })
      local run = assert(new_client(srv):update_run(id, { isArchiveEnabled = true }))
      assert.is_true(run.isArchiveEnabled)
      assert_replayed(srv)
    end)

    it("update_run raises for fields that cannot be updated or wrong types", function()
      local c = client{ subscription = "s", resource_group = "g", registry = "r", token = "t" }
      assert.has_error(function() c:update_run("x", { status = "Failed" }) end)
      assert.has_error(function() c:update_run("x", { isArchiveEnabled = "yes" }) end)
      assert.has_error(function() c:update_run("x") end)
    end)

    it("update_run answered 201 polls the run until provisioningState ends", function()
      local t = fake_time()
      local srv = serve({
        { request = { method = "PATCH", path = B .. "/runs/u1", query = Q, body = '{"isArchiveEnabled":false}' },
          response = { status = 201, body = run_body("u1", "Running", ',"provisioningState":"Updating"') } },
        get(B .. "/runs/u1", nil, 200, run_body("u1", "Running", ',"provisioningState":"Updating"')),
        get(B .. "/runs/u1", nil, 200,
          run_body("u1", "Running", ',"provisioningState":"Succeeded","isArchiveEnabled":false')),
      })
      local run = assert(new_client(srv, { time = t }):update_run("u1", { isArchiveEnabled = false }))
      assert.equal("Succeeded", run.provisioningState)
      assert.same({ 30, 30 }, t.slept)
      assert_replayed(srv)
    end)

    it("cancel_run: 200 and 202 without links are done", function()
      local fx = op_fixture("Runs_Cancel")
      local id = fx.parameters.runId
      local srv = serve({
        { request = { method = "POST", path = B .. "/runs/" .. id .. "/cancel", query = Q },
          response = { status = 200 } },
        { request = { method = "POST", path = B .. "/runs/" .. id .. "/cancel", query = Q },
          response = { status = 202 } },
      })
      local c = new_client(srv)
      assert.is_true(c:cancel_run(id))
      assert.is_true(c:cancel_run(id))
      assert_replayed(srv)
    end)

    it("cancel_run follows Azure-AsyncOperation until Succeeded, waiting Retry-After", function()
      local t = fake_time()
      local op = "/subscriptions/" .. SUB
        .. "/providers/Microsoft.ContainerRegistry/locations/eastus/operationResults/op1"
      local srv = serve({
        { request = { method = "POST", path = B .. "/runs/c1/cancel", query = Q },
          response = { status = 202, headers = { ["Azure-AsyncOperation"] = op .. "?api-version=2019-04-01",
                                                 ["Retry-After"] = "5" } } },
        get(op, Q, 200, '{"status":"InProgress"}', { ["Retry-After"] = "2" }),
        get(op, Q, 200, '{"status":"Succeeded"}'),
      })
      assert.is_true(new_client(srv, { time = t }):cancel_run("c1"))
      assert.same({ 5, 2 }, t.slept)
      assert_replayed(srv)
    end)

    it("a failed long-running operation is an error of kind operation", function()
      local op = "/operations/op2"
      local srv = serve({
        { request = { method = "POST", path = B .. "/runs/c2/cancel", query = Q },
          response = { status = 202, headers = { ["Azure-AsyncOperation"] = op } } },
        get(op, "", 200, '{"status":"Failed","error":{"code":"CannotCancel","message":"run already ended"}}'),
      })
      local ok, msg, err = new_client(srv):cancel_run("c2")
      assert.is_nil(ok)
      assert.equal("CannotCancel: run already ended (operation Failed)", msg)
      assert.equal("operation", err.kind)
      assert.equal("CannotCancel", err.code)
      assert_replayed(srv)
    end)

    it("log_url returns the logLink", function()
      local fx = op_fixture("Runs_GetLogSasUrl")
      local id = fx.parameters.runId
      local srv = serve({
        { request = { method = "POST", path = B .. "/runs/" .. id .. "/listLogSasUrl", query = Q },
          response = { status = 200, body = json_encode(fx.responses["200"].body) } },
      })
      assert.equal(fx.responses["200"].body.logLink, new_client(srv):log_url(id))
      assert_replayed(srv)
    end)

    for _, name in ipairs({ "Registries_ScheduleRun", "Registries_ScheduleRun_EncodedTaskRun",
                            "Registries_ScheduleRun_FileTaskRun",
                            "Registries_ScheduleRun_FileTask_WithCustomCredentials",
                            "Registries_ScheduleRun_Task", "Registries_ScheduleRun_WithCustomCredentials" }) do
      it("schedule_run sends " .. name .. "'s runRequest", function()
        local fx = op_fixture(name)
        local p = fx.parameters
        local srv = serve({
          { request = { method = "POST",
              path = "/subscriptions/" .. p.subscriptionId .. "/resourceGroups/" .. p.resourceGroupName
                .. "/providers/Microsoft.ContainerRegistry/registries/" .. p.registryName .. "/scheduleRun",
              query = Q, headers = { ["Content-Type"] = "application/json" },
              json = json_encode(p.runRequest) },
            response = { status = 200, body = json_encode(fx.responses["200"].body) } },
        })
        local c = client{ subscription = p.subscriptionId, resource_group = p.resourceGroupName,
                          registry = p.registryName, token = TOKEN, endpoint = srv.url }
        local run = assert(c:schedule_run(p.runRequest))
        assert.equal(fx.responses["200"].body.properties.runId, run.runId)
        assert_replayed(srv)
      end)
    end

    it("schedule_run sends a RunRequest value as its encode() gives it", function()
      local req = acr.request{ dockerFilePath = "Dockerfile", type = "DockerBuildRequest",
        platform = { os = "linux" }, imageNames = { "a:1" }, timeout = 600 }
      local srv = serve({
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q,
            body = '{"type":"DockerBuildRequest","imageNames":["a:1"],"dockerFilePath":"Dockerfile",'
              .. '"timeout":600,"platform":{"os":"Linux"}}' },
          response = { status = 200, body = run_body("q0", "Queued") } },
      })
      assert.equal("q0", assert(new_client(srv):schedule_run(req)).runId)
      assert_replayed(srv)
    end)

    it("schedule_run raises for a bad request, never quoting a secret", function()
      local c = client{ subscription = "s", resource_group = "g", registry = "r", token = "t" }
      local function message(t)
        local ok, e = pcall(c.schedule_run, c, t)
        assert.is_false(ok)
        return e
      end
      assert.matches("^type: expected one of DockerBuildRequest", message({ type = "Nope" }))
      assert.equal("dockerFilePath: required field is missing",
        message({ type = "DockerBuildRequest", platform = { os = "Linux" } }))
      assert.equal("timeout: 299 is out of range 300..28800",
        message({ type = "FileTaskRunRequest", taskFilePath = "t", platform = { os = "Linux" }, timeout = 299 }))
      assert.matches("unknown field 'timeout' %(TaskRunRequest has no such field%)",
        message({ type = "TaskRunRequest", taskName = "t", timeout = 300 }))
      assert.matches("^platform.os: invalid value \"BeOS\" for OS",
        message({ type = "EncodedTaskRunRequest", encodedTaskContent = "x", platform = { os = "BeOS" } }))
      local e = message({ type = "FileTaskRunRequest", taskFilePath = "a", platform = { os = "Linux" },
        credentials = { customRegistries = {
          ["r.azurecr.io"] = { password = { value = "hunter2", type = "Plain" } } } } })
      assert.matches("SecretObjectType", e)
      assert.is_nil(e:find("hunter2", 1, true))
      e = message({ type = "TaskRunRequest", taskName = "t",
                    values = { { name = "n", value = "hunter2", isSecret = "yes" } } })
      assert.equal("values[1].isSecret: expected a boolean, got string", e)
      assert.has_error(function() c:schedule_run(42) end)
    end)

    it("schedule_run answered 202 follows Location to the queued run", function()
      local t = fake_time()
      local srv = serve({
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q },
          response = { status = 202, headers = { Location = "/operations/s1?" .. Q } } },
        get("/operations/s1", Q, 202, "", { ["Retry-After"] = "3" }),
        get("/operations/s1", Q, 200, run_body("q1", "Queued")),
      })
      local run = assert(new_client(srv, { time = t }):schedule_run{ type = "TaskRunRequest", taskName = "t" })
      assert.equal("q1", run.runId)
      assert.same({ 30, 3 }, t.slept)
      assert_replayed(srv)
    end)

    it("schedule_run answered 202 with both links reads the run from Location", function()
      local srv = serve({
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q },
          response = { status = 202, headers = { Location = "/operations/s2/result",
                                                 ["Azure-AsyncOperation"] = "/operations/s2" } } },
        get("/operations/s2", "", 200, '{"status":"succeeded"}'),
        get("/operations/s2/result", "", 200, run_body("q2", "Queued")),
      })
      local run = assert(new_client(srv):schedule_run{ type = "TaskRunRequest", taskName = "t" })
      assert.equal("q2", run.runId)
      assert_replayed(srv)
    end)

    it("schedule_run answered 202 without links is an error of kind operation", function()
      local srv = serve({
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q }, response = { status = 202 } },
      })
      local run, msg, err = new_client(srv):schedule_run{ type = "TaskRunRequest", taskName = "t" }
      assert.is_nil(run)
      assert.matches("without a status link", msg)
      assert.equal("operation", err.kind)
      assert_replayed(srv)
    end)

    it("wait polls through queued, running, succeeded with on_change per change", function()
      local t = fake_time()
      local srv = serve({
        get(B .. "/runs/w1", nil, 200, run_body("w1", "Queued")),
        get(B .. "/runs/w1", nil, 200, run_body("w1", "Running")),
        get(B .. "/runs/w1", nil, 200, run_body("w1", "Running")),
        get(B .. "/runs/w1", nil, 200, run_body("w1", "Succeeded")),
      })
      local seen, polls = {}, {}
      local run = assert(new_client(srv, { time = t }):wait("w1", { interval = 10,
        on_change = function(r) seen[#seen + 1] = r.status end,
        on_poll = function(r) polls[#polls + 1] = r.status end }))
      assert.equal("Succeeded", run.status)
      assert.same({ "Queued", "Running", "Succeeded" }, seen)
      assert.same({ "Queued", "Running", "Running", "Succeeded" }, polls)
      assert.same({ 10, 10, 10 }, t.slept)
      assert_replayed(srv)
    end)

    it("wait never sleeps past its timeout", function()
      local t = fake_time()
      local srv = serve({
        get(B .. "/runs/w2", nil, 200, run_body("w2", "Running")),
        get(B .. "/runs/w2", nil, 200, run_body("w2", "Running")),
        get(B .. "/runs/w2", nil, 200, run_body("w2", "Running")),
      })
      local run, msg, err = new_client(srv, { time = t }):wait("w2", { interval = 30, timeout = 45 })
      assert.is_nil(run)
      assert.equal("run w2 still Running after 45 s", msg)
      assert.equal("timeout", err.kind)
      assert.equal("Running", err.run.status)
      assert.same({ 30, 15 }, t.slept)
      assert_replayed(srv)
    end)
  end)

  describe("errors", function()
    it("an ARM error body gives code, message, target, details and the request id", function()
      local srv = serve({
        get(B .. "/runs/nope", nil, 404, '{"error":{"code":"ResourceNotFound","message":"The run nope was not found.",'
          .. '"target":"runId","details":[{"code":"Inner","message":"m"}],"additionalInfo":[{"type":"t","info":{}}]}}',
          { ["x-ms-request-id"] = "rid-1" }),
      })
      local run, msg, err = new_client(srv):get_run("nope")
      assert.is_nil(run)
      assert.equal("ResourceNotFound: The run nope was not found. (HTTP 404)", msg)
      assert.equal("service", err.kind)
      assert.equal(404, err.status)
      assert.equal("ResourceNotFound", err.code)
      assert.equal("The run nope was not found.", err.message)
      assert.equal("runId", err.target)
      assert.equal("rid-1", err.request_id)
      assert.same({ { code = "Inner", message = "m" } }, err.details)
      assert_replayed(srv)
    end)

    it("reads the flat v1 shape, a non-JSON body and an empty body", function()
      local srv = serve({
        get(B .. "/runs/a", nil, 400, '{"code":"InvalidParameter","message":"bad id"}'),
        get(B .. "/runs/b", nil, 403, "<html>Forbidden</html>"),
        get(B .. "/runs/c", nil, 401, ""),
      })
      local c = new_client(srv)
      local _, msg, err = c:get_run("a")
      assert.equal("InvalidParameter: bad id (HTTP 400)", msg)
      assert.equal("InvalidParameter", err.code)
      _, msg, err = c:get_run("b")
      assert.equal("<html>Forbidden</html> (HTTP 403)", msg)
      assert.is_nil(err.code)
      assert.equal(403, err.status)
      _, msg = c:get_run("c")
      assert.equal("no error body (HTTP 401)", msg)
      assert_replayed(srv)
    end)

    it("a 200 whose body is not what the operation returns is an error", function()
      local srv = serve({
        get(B .. "/runs/a", nil, 200, '{"error":{"code":"Odd","message":"error at 200"}}'),
        get(B .. "/runs/b", nil, 200, '{"value":[]}'),
        get(B .. "/runs/c", nil, 200, "not json"),
        get(B .. "/runs/d", nil, 200, ""),
        get(B .. "/runs", Q, 200, run_body("x", "Queued")),
        { request = { method = "POST", path = B .. "/runs/e/listLogSasUrl", query = Q },
          response = { status = 200, body = '{"link":"x"}' } },
      })
      local c = new_client(srv)
      local _, msg, err = c:get_run("a")
      assert.equal("Odd: error at 200 (HTTP 200)", msg)
      assert.equal("service", err.kind)
      for _, id in ipairs({ "b", "c", "d" }) do
        local run
        run, msg, err = c:get_run(id)
        assert.is_nil(run)
        assert.matches("^expected a run", msg)
        assert.equal("response", err.kind)
      end
      local list
      list, _, err = c:list_runs()
      assert.is_nil(list)
      assert.equal("response", err.kind)
      local link
      link, _, err = c:log_url("e")
      assert.is_nil(link)
      assert.equal("response", err.kind)
      assert_replayed(srv)
    end)

    it("retries 429 after Retry-After, then exponential backoff without it", function()
      local t = fake_time()
      local throttled = '{"error":{"code":"TooManyRequests","message":"slow down"}}'
      local srv = serve({
        get(B .. "/runs/r1", nil, 429, throttled, { ["Retry-After"] = "7" }),
        get(B .. "/runs/r1", nil, 429, throttled),
        get(B .. "/runs/r1", nil, 429, throttled),
        get(B .. "/runs/r1", nil, 200, run_body("r1", "Queued")),
      })
      assert(new_client(srv, { time = t }):get_run("r1"))
      assert.same({ 7, 2, 4 }, t.slept)
      assert_replayed(srv)
    end)

    it("gives up after `retries` retries with the last answer's error", function()
      local t = fake_time()
      local srv = serve({
        get(B .. "/runs/r2", nil, 503, "", { ["Retry-After"] = "1" }),
        get(B .. "/runs/r2", nil, 502, ""),
        get(B .. "/runs/r2", nil, 500, '{"error":{"code":"InternalServerError","message":"boom"}}'),
      })
      local run, msg, err = new_client(srv, { time = t, retries = 2 }):get_run("r2")
      assert.is_nil(run)
      assert.equal("InternalServerError: boom (HTTP 500)", msg)
      assert.equal(500, err.status)
      assert.same({ 1, 2 }, t.slept)
      assert_replayed(srv)
    end)

    it("retries 5xx then succeeds; never retries another 4xx", function()
      local t = fake_time()
      local srv = serve({
        get(B .. "/runs/r3", nil, 500, ""),
        get(B .. "/runs/r3", nil, 200, run_body("r3", "Queued")),
        get(B .. "/runs/r4", nil, 409, '{"error":{"code":"Conflict","message":"no"}}'),
      })
      local c = new_client(srv, { time = t })
      assert(c:get_run("r3"))
      local run, msg = c:get_run("r4")
      assert.is_nil(run)
      assert.equal("Conflict: no (HTTP 409)", msg)
      assert.same({ 1 }, t.slept)
      assert_replayed(srv)
    end)

    it("does not retry scheduleRun on a 500 (it may have queued a run), but on 429", function()
      local t = fake_time()
      local srv = serve({
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q },
          response = { status = 429, body = "" } },
        { request = { method = "POST", path = B .. "/scheduleRun", query = Q },
          response = { status = 500, body = "" } },
      })
      local run, msg = new_client(srv, { time = t }):schedule_run{ type = "TaskRunRequest", taskName = "t" }
      assert.is_nil(run)
      assert.equal("no error body (HTTP 500)", msg)
      assert.same({ 1 }, t.slept)
      assert_replayed(srv)
    end)

    it("a broken connection is an error of kind transport", function()
      local srv = serve({
        { request = { method = "GET", path = B .. "/runs/x", query = Q }, response = { close = true } },
      })
      local run, msg, err = new_client(srv):get_run("x")
      assert.is_nil(run)
      assert.matches("^transport: closed", msg)
      assert.equal("transport", err.kind)
      assert_replayed(srv)
    end)

    it("a slow server runs into the timeout", function()
      local srv = serve({
        { request = { method = "GET", path = B .. "/runs/x", query = Q },
          response = { delay = 1, status = 200, body = run_body("x", "Queued") } },
      })
      local run, msg, err = new_client(srv, { timeout = 0.3 }):get_run("x")
      assert.is_nil(run)
      assert.matches("timeout", msg)
      assert.equal("transport", err.kind)
      assert_replayed(srv)
    end)

    it("a refused connection is an error of kind transport", function()
      local srv = serve({})
      local port = srv.port
      srv:stop()
      local c = client{ subscription = SUB, resource_group = RG, registry = REG, token = TOKEN,
                        endpoint = "http://127.0.0.1:" .. port, timeout = 2 }
      local run, msg, err = c:get_run("x")
      assert.is_nil(run)
      assert.equal("transport", err.kind)
      assert.matches("refused", msg)
    end)
  end)

  describe("the token", function()
    it("is sent as a bearer token, called per request when a function", function()
      local calls = 0
      local srv = serve({
        get(B .. "/runs/t1", nil, 200, run_body("t1", "Queued")),
        get(B .. "/runs/t1", nil, 200, run_body("t1", "Queued")),
      })
      local c = new_client(srv, { token = function() calls = calls + 1 return TOKEN end })
      assert(c:get_run("t1"))
      assert(c:get_run("t1"))
      assert.equal(2, calls)
      assert_replayed(srv)
    end)

    it("never appears in error messages, even when a transport quotes it", function()
      local c = client{ subscription = "s", resource_group = "g", registry = "r", token = TOKEN,
        transport = function(req) return nil, "failed sending " .. req.headers.Authorization end }
      local run, msg, err = c:get_run("x")
      assert.is_nil(run)
      msg_has_no_token(msg, err)
      assert.matches("Bearer %*%*%*", msg)
      c = client{ subscription = "s", resource_group = "g", registry = "r", token = TOKEN,
        transport = function(req) error("crash with " .. req.headers.Authorization) end }
      run, msg, err = c:get_run("x")
      assert.is_nil(run)
      msg_has_no_token(msg, err)
      c = client{ subscription = "s", resource_group = "g", registry = "r",
        token = function() error("no token today " .. TOKEN) end }
      run, msg = c:get_run("x")
      assert.is_nil(run)
      assert.matches("the token function gave no token", msg)
    end)

    it("only travels in the Authorization header", function()
      local srv = serve({ get(B .. "/runs/t2", nil, 200, run_body("t2", "Queued")) })
      assert(new_client(srv):get_run("t2"))
      local r = assert_replayed(srv)
      for name, v in pairs(r.log[1].headers) do
        if name ~= "authorization" then assert.is_nil(v:find(TOKEN, 1, true)) end
      end
      assert.is_nil(r.log[1].target:find(TOKEN, 1, true))
    end)
  end)

  describe("HTTPS", function()
    local cert = replay.certificate()
    if not cert then
      pending("openssl could not make a certificate: HTTPS specs skipped")
      return
    end

    it("talks to a server whose certificate the CA file vouches for", function()
      local srv = serve({ get(B .. "/runs/s1", nil, 200, run_body("s1", "Running")) }, { tls = true })
      assert.matches("^https://localhost:", srv.url)
      local run = assert(new_client(srv):get_run("s1"))
      assert.equal("Running", run.status)
      assert_replayed(srv)
    end)

    it("refuses a certificate that no trusted CA signed", function()
      local srv = serve({}, { tls = true })
      local c = new_client(srv, { transport = require("acr.client.http").transport() })
      local run, msg, err = c:get_run("s1")
      assert.is_nil(run)
      assert.equal("transport", err.kind)
      assert.matches("TLS", msg)
      srv:stop()
    end)

    it("refuses a certificate that does not name the host", function()
      local srv = serve({}, { tls = true })
      local c = client{ subscription = SUB, resource_group = RG, registry = REG, token = TOKEN,
        endpoint = "https://127.0.0.2:" .. srv.port,
        transport = require("acr.client.http").transport{ cafile = srv.cafile }, timeout = 2 }
      local run, _, err = c:get_run("s1")
      assert.is_nil(run)
      assert.equal("transport", err.kind)
      srv:stop()
    end)
  end)

  describe("the curl transport of examples/curl_transport.lua", function()
    -- curl never runs with a sanitizer's LD_PRELOAD (`make sanitize`): it
    -- hangs under the ASan runtime.
    local has_curl = os.execute("env -u LD_PRELOAD curl --version >/dev/null 2>&1")
    if not (has_curl == true or has_curl == 0) then
      pending("curl is not installed: curl transport specs skipped")
      return
    end
    local curl = dofile(helpers.root .. "/examples/curl_transport.lua")

    -- A curl that writes its arguments down, then runs the real one.
    local function recording_curl()
      local dir = replay.tmpdir()
      local path = dir .. "/curl-wrapper"
      local f = assert(io.open(path, "w"))
      f:write("#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/curl-args\"\nunset LD_PRELOAD\nexec curl \"$@\"\n")
      f:close()
      os.execute("chmod +x " .. replay.shell_quote(path))
      os.remove(dir .. "/curl-args")
      return path, dir .. "/curl-args"
    end

    for _, tls in ipairs({ false, true }) do
      it("carries every operation's shape over " .. (tls and "HTTPS" or "HTTP")
         .. ", the token only on curl's standard input", function()
        if tls and not replay.certificate() then
          pending("openssl could not make a certificate")
          return
        end
        local srv = serve({
          { request = { method = "PATCH", path = B .. "/runs/k1", query = Q,
              headers = { Authorization = "Bearer " .. TOKEN, ["Content-Type"] = "application/json" },
              body = '{"isArchiveEnabled":true}' },
            response = { status = 200, body = run_body("k1", "Running") } },
          get(B .. "/runs/k2", nil, 404, '{"error":{"code":"NotFound","message":"no"}}',
              { ["x-ms-request-id"] = "rid-9" }),
          { request = { method = "GET", path = B .. "/runs/k3", query = Q }, response = { close = true } },
        }, { tls = tls })
        local wrapper, args = recording_curl()
        local c = new_client(srv, { transport = curl{ curl = wrapper, cacert = srv.cafile } })
        local run = assert(c:update_run("k1", { isArchiveEnabled = true }))
        assert.equal("Running", run.status)
        local _, msg, err = c:get_run("k2")
        assert.equal("NotFound: no (HTTP 404)", msg)
        assert.equal("rid-9", err.request_id)
        _, msg, err = c:get_run("k3")
        assert.equal("transport", err.kind)
        assert.matches("^transport: curl: ", msg)
        assert_replayed(srv)
        assert.equal("--config -\n--config -\n--config -\n", helpers.read_file(args))
      end)
    end
  end)

  describe("helpers", function()
    it("reads Retry-After as seconds, milliseconds or an HTTP date, clamped", function()
      local now = 784111777 -- Sun, 06 Nov 1994 08:49:37 GMT
      assert.equal(5, client._retry_after({ ["retry-after"] = "5" }, now))
      assert.equal(0.25, client._retry_after({ ["retry-after-ms"] = "250", ["retry-after"] = "9" }, now))
      assert.equal(10, client._retry_after({ ["retry-after"] = "Sun, 06 Nov 1994 08:49:47 GMT" }, now))
      assert.equal(0, client._retry_after({ ["retry-after"] = "Sun, 06 Nov 1994 08:49:00 GMT" }, now))
      assert.equal(600, client._retry_after({ ["retry-after"] = "100000" }, now))
      assert.is_nil(client._retry_after({ ["retry-after"] = "soon" }, now))
      assert.is_nil(client._retry_after({}, now))
    end)

    it("az_token reads the token from the Azure CLI's standard output", function()
      local dir = replay.tmpdir() .. "/bin"
      os.execute("mkdir -p " .. replay.shell_quote(dir))
      local f = assert(io.open(dir .. "/az", "w"))
      f:write("#!/bin/sh\necho \"$*\" > \"$(dirname \"$0\")/args\"\necho tok-from-az\n")
      f:close()
      os.execute("chmod +x " .. replay.shell_quote(dir .. "/az"))
      local p = assert(io.popen("PATH=" .. replay.shell_quote(dir) .. ":\"$PATH\" "
        .. replay.shell_quote(replay.interpreter()) .. " -e "
        .. replay.shell_quote("package.path=" .. string.format("%q", helpers.root .. "/lua/?.lua;") .. "..package.path;"
          .. "package.cpath=" .. string.format("%q", package.cpath) .. ";"
          .. "print(require('acr.client').az_token())")))
      local out = p:read("*a")
      p:close()
      assert.equal("tok-from-az\n", out)
      local args = helpers.read_file(dir .. "/args")
      assert.equal("account get-access-token --query accessToken --output tsv\n", args)
    end)

    it("json reads and writes what the client needs", function()
      local v = assert(json.decode(' {"a":[1,-2.5e1,true,false,null,"\\u00e9\\ud83d\\ude00\\n"],"b":{}} '))
      assert.equal(-25, v.a[2])
      assert.equal(json.null, v.a[5])
      assert.equal("é😀\n", v.a[6])
      assert.equal('{"a":[1,-25,true,false,null,"é😀\\n"],"b":{}}', json_encode(v))
      for _, bad in ipairs({ "", "{", '{"a":1,}', "01", '"\\q"', "[1] 2", '"\\ud800"', "nul" }) do
        assert.is_nil(json.decode(bad))
      end
      assert.is_nil(json.decode(string.rep("[", 300) .. string.rep("]", 300)))
    end)
  end)
end)
