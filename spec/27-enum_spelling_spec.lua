-- Exact spelling of enum values (issue 11): a known value received in
-- another case is written back as received; reads give the canonical
-- value; comparisons, filters and sorts ignore the case; values assigned
-- from Lua are stored canonical.

local helpers = require("spec.helpers")
local acr = require("acr.run")

local TEXT = '{"runId":"r1","status":"succeeded","runType":"QUICKRUN",'
  .. '"platform":{"os":"linux","architecture":"AMD64","variant":"v7"},'
  .. '"provisioningState":"succeeded"}'

local decode = helpers.decode

describe("enum spelling", function()
  it("writes a received spelling back unchanged and reads canonical", function()
    local run = decode(TEXT)
    assert.are.equal(TEXT, run:encode())
    assert.are.equal("Succeeded", run.status)
    assert.are.equal("QuickRun", run.runType)
    assert.are.equal("Linux", run.platform.os)
    assert.are.equal("amd64", run.platform.architecture)
    assert.are.same({}, run:problems())
    assert.are.equal(TEXT, run:clone():encode())
    assert.are.equal(TEXT, acr.encode(decode(run:encode())))
  end)

  it("keeps it in to_table and through from_table", function()
    local run = decode(TEXT)
    local t = run:to_table()
    assert.are.equal("linux", t.platform.os)
    assert.are.equal("succeeded", t.status)
    local back = acr.from_table(t)
    assert.are.equal(TEXT, back:encode())
    assert.are.equal("Linux", back.platform.os)
    assert.are.equal(TEXT, acr.from_table(t, { strict = true }):encode())
  end)

  it("compares case-insensitively", function()
    local run = decode(TEXT)
    local canon = acr.new({ runId = "r1", status = "Succeeded", runType = "QuickRun",
      platform = { os = "Linux", architecture = "amd64", variant = "v7" },
      provisioningState = "Succeeded" })
    assert.is_true(run == canon)
    assert.are.same({}, run:diff(canon))
    local l = acr.list({ run, decode('{"runId":"r2","status":"Failed"}') })
    assert.are.equal(1, #l:filter("status eq 'Succeeded'"))
    assert.are.equal(1, #l:filter("status eq 'SUCCEEDED'"))
    assert.are.equal("r1", l:filter("runType eq 'QuickRun'")[1].runId)
    l:sort("status")
    assert.are.equal("r2", l[1].runId) -- Failed < Succeeded, not "succeeded"
  end)

  it("stores values assigned from Lua canonical", function()
    local run = decode(TEXT)
    run.platform.os = "LINUX"
    run.status = "succeeded"
    assert.are.equal("Linux", run.platform.os)
    local text = run:encode()
    assert.truthy(text:find('"os":"Linux"', 1, true))
    assert.truthy(text:find('"status":"Succeeded"', 1, true))
    assert.truthy(text:find('"architecture":"AMD64"', 1, true)) -- untouched
    assert.are.equal('{"platform":{"os":"Windows"}}',
      acr.new({ platform = { os = "windows" } }):encode())
  end)

  it("writes every bundled body's enum texts as received", function()
    local ENUMS = { os = true, architecture = true, variant = true, status = true,
      runType = true, provisioningState = true, createdByType = true,
      lastModifiedByType = true }
    local checked = 0
    for _, kind in ipairs({ "real-payloads", "spec-examples" }) do
      for _, path in ipairs(helpers.fixture_files(kind, "%.json$")) do
        local text = helpers.read_file(path)
        local v = acr.decode(text)
        if v then
          local seen = {}
          for pair in text:gsub('"%s*:%s*"', '":"'):gmatch('"%w+":"[^"]*"') do
            seen[pair] = true
          end
          -- every enum text written is one that was received, byte for byte
          for key, value in v:encode():gmatch('"(%w+)":"([^"]*)"') do
            if ENUMS[key] then
              local pair = ('"%s":"%s"'):format(key, value)
              assert.is_true(seen[pair], path .. ": " .. pair)
              checked = checked + 1
            end
          end
        end
      end
    end
    assert.is_true(checked > 50)
  end)
end)
