-- Invalid UTF-8 is refused where a string enters the library (issue 9 §3):
-- whatever is accepted encodes to JSON that decodes to an equal value.

require("spec.helpers")
local acr = require("acr.run")

-- Valid strings, some of them unusual.
local VALID = {
  "", "plain", "caf\195\169", "\226\130\172", "\240\159\152\128",
  "\244\143\191\191", "nul\0inside", "quote\"back\\slash\n", "\127",
  string.rep("long ascii ", 20),
}

-- Invalid ones: a stray byte, a cut sequence, overlong forms, encoded
-- surrogates, code points above U+10FFFF, lone continuation bytes.
local INVALID = {
  "\255", "ok\195", "\192\175", "\224\128\175", "\240\130\130\172",
  "a\237\160\128", "\237\191\191", "\244\144\128\128", "\245\128\128\128",
  "12345678\128", "\226\130x", "\254\255", string.rep("x", 40) .. "\200",
}

-- Ways a string s gets into a run.
local RUN_WAYS = {
  { "acr.new field", function(s) return acr.new({ runId = s }) end, "runId" },
  { "acr.new nested field", function(s)
      return acr.new({ sourceTrigger = { id = s } })
    end, "sourceTrigger.id" },
  { "acr.new string list", function(s)
      return acr.new({ customRegistries = { "a", s } })
    end, "customRegistries[2]" },
  { "acr.new record list", function(s)
      return acr.new({ outputImages = { { repository = s } } })
    end, "outputImages[1].repository" },
  { "from_table unknown enum", function(s)
      return acr.from_table({ platform = { os = s } })
    end, "platform.os" },
  { "from_table unknown field value", function(s)
      return acr.from_table({ extra = s })
    end, "extra" },
  { "from_table nested unknown value", function(s)
      return acr.from_table({ extra = { list = { 1, s } } })
    end, "extra" },
  { "from_table unknown field name", function(s)
      return acr.from_table({ [s] = 1 })
    end, nil },
  { "from_table nested unknown key", function(s)
      return acr.from_table({ sourceTrigger = { extra = { [s] = true } } })
    end, "sourceTrigger.extra" },
  { "assignment", function(s)
      local run = acr.new({ runId = "r" })
      run.task = s
      return run
    end, "task" },
  { "assignment through a view", function(s)
      local run = acr.new({ sourceTrigger = { id = "x" } })
      run.sourceTrigger.branchName = s
      return run
    end, "branchName" },
  { "assignment of a record", function(s)
      local run = acr.new({})
      run.timerTrigger = { timerTriggerName = s }
      return run
    end, "timerTrigger.timerTriggerName" },
  { "list element", function(s)
      local run = acr.new({ outputImages = { { tag = "a" } } })
      run.outputImages[1] = { tag = s }
      return run
    end, "tag" },
}

local LIST_WAYS = {
  { "acr.list nextLink", function(s)
      return acr.list({ value = {}, nextLink = s })
    end },
  { "list.nextLink assignment", function(s)
      local l = acr.list({})
      l.nextLink = s
      return l
    end },
  { "acr.list extra key", function(s)
      return acr.list({ value = {}, [s] = 1 })
    end },
  { "acr.list extra value", function(s)
      return acr.list({ value = {}, extra = { s } })
    end },
}

-- The property: decode(encode(v)) succeeds and equals v.
local function round_trips(v)
  local text = v:encode()
  local back, msg = acr.decode(text)
  assert(back, msg)
  assert.is_true(back == v, "decoded run differs: " .. text)
  assert.are.equal(text, back:encode())
end

describe("strings entering the library", function()
  for _, way in ipairs(RUN_WAYS) do
    it(way[1] .. " keeps valid UTF-8 and round-trips", function()
      for _, s in ipairs(VALID) do
        local ok, v = pcall(way[2], s)
        if ok then round_trips(v) end
      end
    end)
    it(way[1] .. " refuses invalid UTF-8 naming the field", function()
      for _, s in ipairs(INVALID) do
        local ok, err = pcall(way[2], s)
        assert.is_false(ok, ("accepted %q"):format(s))
        assert.matches("invalid UTF%-8", tostring(err))
        if way[3] then
          assert.is_truthy(tostring(err):find(way[3], 1, true),
                           tostring(err))
        end
      end
    end)
  end

  it("accepts the valid strings in plain fields", function()
    for _, s in ipairs(VALID) do
      local run = acr.new({ runId = s, customRegistries = { s } })
      assert.are.equal(s, run.runId)
      round_trips(run)
    end
  end)

  for _, way in ipairs(LIST_WAYS) do
    it(way[1] .. " keeps valid UTF-8 and round-trips", function()
      for _, s in ipairs(VALID) do
        local ok, l = pcall(way[2], s)
        if ok then
          local text = l:encode()
          local back, msg = acr.decode(text)
          assert(back, msg)
          assert.are.equal(text, back:encode())
        end
      end
    end)
    it(way[1] .. " refuses invalid UTF-8", function()
      for _, s in ipairs(INVALID) do
        local ok, err = pcall(way[2], s)
        assert.is_false(ok, ("accepted %q"):format(s))
        assert.matches("invalid UTF%-8", tostring(err))
      end
    end)
  end

  it("nextLink keeps a valid value when refusing an invalid one", function()
    local l = acr.list({ value = {}, nextLink = "https://next/1" })
    assert.is_false(pcall(function() l.nextLink = "https://next/\255" end))
    assert.are.equal("https://next/1", l.nextLink)
  end)

  it("a refused assignment leaves the run as it was", function()
    local run = acr.new({ runId = "r1", platform = { os = "Linux" } })
    assert.is_false(pcall(function() run.runId = "r\255" end))
    assert.is_false(pcall(function() run.platform.os = "\192\175" end))
    assert.are.equal("r1", run.runId)
    assert.are.equal("Linux", run.platform.os)
  end)
end)
