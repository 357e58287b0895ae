-- spec/support/json_encode.lua: JSON text of a Lua value, for the specs
-- (fixtures turned back into request bodies).  Tables marked by
-- acr.client.json as arrays (or non-empty sequences) are arrays; object
-- keys are sorted; json.null is null.

local json = require("acr.client.json")
local MAX_DEPTH = 200

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    if c == "\r" then return "\\r" end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function number(n)
  if n ~= n or n == math.huge or n == -math.huge then
    error("cannot encode " .. tostring(n) .. " in JSON", 0)
  end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
    return string.format("%d", n)
  end
  return (string.format("%.17g", n):gsub(",", "."))
end

local function encode(v, out, depth)
  if depth > MAX_DEPTH then error("nesting too deep to encode", 0) end
  local t = type(v)
  if v == json.null then out[#out + 1] = "null"
  elseif t == "string" then out[#out + 1] = quote(v)
  elseif t == "number" then out[#out + 1] = number(v)
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "table" then
    if json.is_array(v) or v[1] ~= nil then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode(v[i], out, depth + 1)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = quote(k)
        out[#out + 1] = ":"
        encode(v[k], out, depth + 1)
      end
      out[#out + 1] = "}"
    end
  else
    error("cannot encode a " .. t .. " in JSON", 0)
  end
end

return function(v)
  local out = {}
  encode(v, out, 1)
  return table.concat(out)
end

