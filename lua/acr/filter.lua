-- acr.filter: composing filters, a Lua module over the C one.
--
--   local acr = require("acr.run")
--   require("acr.filter")            -- adds acr.filter.build (returns acr.filter)
--   local expr = acr.filter.build{ status = {"Failed", "Error"}, taskName = "nightly" }
--   --> (status eq 'Failed' or status eq 'Error') and taskName eq 'nightly'
--
-- The C module compiles and matches filters (acr.filter(text)); what a
-- script composes from a table of wishes is written here, in Lua, from
-- what the C module exposes (acr.enums, acr.datetime).  C never requires
-- this module.
local acr = require("acr.run")

local M = acr.filter

-- Key of the build table -> RunFilter property, comparison, kind of value,
-- enum name; in the order the clauses are written.
local KEYS = {
  { "status", "status", "eq", "enum", "RunStatus" },
  { "runType", "runType", "eq", "enum", "RunType" },
  { "taskName", "taskName", "eq", "string" },
  { "runId", "runId", "eq", "string" },
  { "createdAfter", "createTime", "ge", "time" },
  { "createdBefore", "createTime", "lt", "time" },
  { "finishedAfter", "finishTime", "ge", "time" },
  { "finishedBefore", "finishTime", "lt", "time" },
  { "image", "outputImageManifests", nil, "contains" },
  { "isArchiveEnabled", "isArchiveEnabled", "eq", "bool" },
  { "agentPoolName", "agentPoolName", "eq", "string" },
}
local BY_KEY, NAMES = {}, {}
for i, k in ipairs(KEYS) do
  BY_KEY[k[1]] = k
  NAMES[i] = k[1]
end
local VALID = table.concat(NAMES, ", ")

local function fail(fmt, ...)
  error("bad argument #1 to 'build' (" .. string.format(fmt, ...) .. ")", 3)
end

local function quoted(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

-- The canonical spelling of an enum value, matched case-insensitively.
local function canonical(enum, s)
  local low = s:lower()
  for _, v in ipairs(acr.enums[enum]) do
    if v:lower() == low then return v end
  end
  return nil
end

local function clause(k, v)
  local key, prop, op, kind = k[1], k[2], k[3], k[4]
  if kind == "bool" then
    if type(v) ~= "boolean" then fail("%s: boolean expected, got %s", key, type(v)) end
    return prop .. " " .. op .. " " .. tostring(v)
  elseif kind == "time" then
    local dt, msg = acr.datetime(v)
    if not dt then fail("%s: %s", key, msg) end
    return prop .. " " .. op .. " " .. tostring(dt)
  end
  if type(v) ~= "string" then fail("%s: string expected, got %s", key, type(v)) end
  if kind == "enum" then
    local c = canonical(k[5], v)
    if not c then
      fail("%s: invalid %s '%s' (valid: %s)", key, k[5], v,
           table.concat(acr.enums[k[5]], ", "))
    end
    v = c
  end
  if kind == "contains" then return "contains(" .. prop .. ", " .. quoted(v) .. ")" end
  return prop .. " " .. op .. " " .. quoted(v)
end

--- acr.filter.build{key = value | {value, ...}, ...} -> expression string.
-- An array of values is the "or" of each (in parentheses); clauses are
-- joined with "and" in the order of KEYS; no keys gives "".  Raises for an
-- unknown key (listing the valid ones) and for a bad value.
function M.build(t)
  if type(t) ~= "table" then fail("table expected, got %s", type(t)) end
  for key in pairs(t) do
    if type(key) ~= "string" or not BY_KEY[key] then
      fail("unknown key '%s' (valid keys: %s)",
           type(key) == "string" and key or type(key), VALID)
    end
  end
  local clauses = {}
  for _, k in ipairs(KEYS) do
    local v = t[k[1]]
    if v ~= nil then
      if type(v) == "table" then
        local n = #v
        if n == 0 then fail("%s: empty list of values", k[1]) end
        local parts = {}
        for j = 1, n do parts[j] = clause(k, v[j]) end
        local c = table.concat(parts, " or ")
        clauses[#clauses + 1] = n > 1 and "(" .. c .. ")" or c
      else
        clauses[#clauses + 1] = clause(k, v)
      end
    end
  end
  return table.concat(clauses, " and ")
end

return M
