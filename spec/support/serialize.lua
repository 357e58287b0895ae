-- spec/support/serialize.lua: a Lua table constructor for a value
-- (tables, strings, numbers, booleans), so that the replaying server and
-- the specs can hand each other scripts and reports as Lua source.
return function(v)
  local out = {}
  local function put(x)
    local t = type(x)
    if t == "table" then
      out[#out + 1] = "{"
      for k, y in pairs(x) do
        out[#out + 1] = "["
        put(k)
        out[#out + 1] = "]="
        put(y)
        out[#out + 1] = ","
      end
      out[#out + 1] = "}"
    elseif t == "string" then
      out[#out + 1] = string.format("%q", x)
    elseif t == "number" or t == "boolean" then
      out[#out + 1] = tostring(x)
    else
      error("cannot serialize a " .. t)
    end
  end
  put(v)
  return table.concat(out)
end
