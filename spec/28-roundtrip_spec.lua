-- What the service sends comes back exactly (issue 11), seen from Lua: for
-- every bundled real and example body, decode then encode gives the same
-- JSON value (nulls aside, which mean absent) with byte-identical
-- date-time and enum texts; through to_table and from_table as well.

local helpers = require("spec.helpers")
local acr = require("acr.run")
local cjson = helpers.cjson

-- Keys whose string values must come back byte for byte.
local EXACT = {
  "status", "runType", "provisioningState", "os", "architecture", "variant",
  "createdByType", "lastModifiedByType", "lastUpdatedTime", "createTime",
  "startTime", "finishTime", "timestamp", "createdAt", "lastModifiedAt",
}

-- Sorted list of every `"key": "text"` of the EXACT keys in a JSON text.
local function exact_texts(json)
  local out = {}
  for _, k in ipairs(EXACT) do
    for v in json:gmatch('"' .. k .. '"%s*:%s*"([^"]*)"') do
      out[#out + 1] = k .. "=" .. v
    end
  end
  table.sort(out)
  return out
end

-- A decoded JSON value without its nulls (absent, as the service means).
local function strip_nulls(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do
    if x ~= cjson.null then t[k] = strip_nulls(x) end
  end
  return t
end

local function bodies()
  local files = {}
  for _, kind in ipairs { "real-payloads", "spec-examples" } do
    for _, f in ipairs(helpers.fixture_files(kind)) do files[#files + 1] = f end
  end
  return files
end

describe("every bundled body comes back as it was sent", function()
  it("through decode and encode, and through to_table and from_table", function()
    local checked = 0
    for _, path in ipairs(bodies()) do
      local text = helpers.read_file(path)
      local v, msg = acr.decode(text)
      assert(v, path .. ": " .. tostring(msg))
      if acr.type(v) ~= "RunRequest" then
        local back = v:encode()
        assert.same(exact_texts(text), exact_texts(back), path)
        assert.same(exact_texts(text), exact_texts(v:encode { pretty = true }), path)
        if cjson then
          assert.same(strip_nulls(cjson.decode(text)),
                      strip_nulls(cjson.decode(back)), path)
        end
        local again = acr.decode(back)
        assert.is_true(again == v, path)
        if acr.type(v) == "Run" and not v:taskrun() then
          local t = acr.from_table(v:to_table())
          assert.same(exact_texts(text), exact_texts(t:encode()), path)
        end
        checked = checked + 1
      end
    end
    assert.is_true(checked >= 40, "only " .. checked .. " bodies checked")
  end)
end)
