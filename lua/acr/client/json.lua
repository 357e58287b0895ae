-- acr.client.json: the small JSON reader the client needs for the bodies
-- that are not runs (ARM error bodies, long-running operation status,
-- RunGetLogResult).  Runs, run lists and run requests are always read and
-- written by the C module.
--
-- decode(text) -> value | nil, message.  Objects become tables, arrays
-- tables with n set (so an empty array is told from an empty object by
-- json.is_array), null becomes json.null.  Linear in the text; nesting is
-- limited to 200 levels.

local M = {}

M.null = setmetatable({}, { __tostring = function() return "null" end })

local array_mt = { __json_array = true }
local MAX_DEPTH = 200

function M.array(t)
  return setmetatable(t or {}, array_mt)
end

function M.is_array(t)
  return getmetatable(t) == array_mt
end

local escapes = {
  ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f",
  n = "\n", r = "\r", t = "\t",
}

local function utf8_char(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then
    return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40)
  end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000),
      0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000),
    0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

function M.decode(text)
  if type(text) ~= "string" then return nil, "not a string" end
  local pos = 1
  local function fail(what)
    error({ json = what .. " at offset " .. (pos - 1) }, 0)
  end
  local function ws()
    pos = text:find("[^ \t\r\n]", pos) or #text + 1
  end
  local value
  local function str()
    local parts, start = {}, pos + 1
    pos = start
    while true do
      local q = text:find('["\\%c]', pos)
      if not q then fail("unterminated string") end
      local c = text:sub(q, q)
      parts[#parts + 1] = text:sub(pos, q - 1)
      if c == '"' then pos = q + 1 break end
      if c ~= "\\" then pos = q fail("control character in string") end
      local e = text:sub(q + 1, q + 1)
      if e == "u" then
        local hex = text:match("^%x%x%x%x", q + 2)
        if not hex then pos = q fail("bad \\u escape") end
        local cp = tonumber(hex, 16)
        pos = q + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = text:match("^\\u(%x%x%x%x)", pos)
          lo = lo and tonumber(lo, 16)
          if not lo or lo < 0xDC00 or lo > 0xDFFF then fail("lone surrogate") end
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          pos = pos + 6
        elseif cp >= 0xDC00 and cp <= 0xDFFF then
          fail("lone surrogate")
        end
        parts[#parts + 1] = utf8_char(cp)
      elseif escapes[e] then
        parts[#parts + 1] = escapes[e]
        pos = q + 2
      else
        pos = q fail("bad escape")
      end
    end
    return table.concat(parts)
  end
  function value(depth)
    if depth > MAX_DEPTH then fail("nesting too deep") end
    ws()
    local c = text:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1 ws()
      if text:sub(pos, pos) == "}" then pos = pos + 1 return t end
      while true do
        ws()
        if text:sub(pos, pos) ~= '"' then fail("expected a key") end
        local k = str()
        ws()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value(depth + 1)
        ws()
        c = text:sub(pos, pos)
        pos = pos + 1
        if c == "}" then return t end
        if c ~= "," then pos = pos - 1 fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      local t, n = M.array(), 0
      pos = pos + 1 ws()
      if text:sub(pos, pos) == "]" then pos = pos + 1 return t end
      while true do
        n = n + 1
        t[n] = value(depth + 1)
        ws()
        c = text:sub(pos, pos)
        pos = pos + 1
        if c == "]" then return t end
        if c ~= "," then pos = pos - 1 fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return str()
    end
    local num = text:match("^-?%d+", pos)
    if num then
      if num:match("^-?0%d") then fail("bad number") end
      local e = pos + #num
      local frac = text:match("^%.%d+", e)
      if frac then num, e = num .. frac, e + #frac end
      local exp = text:match("^[eE][-+]?%d+", e)
      if exp then num = num .. exp end
      pos = pos + #num
      return tonumber(num)
    end
    for word, v in pairs({ ["true"] = true, ["false"] = false, null = M.null }) do
      if text:sub(pos, pos + #word - 1) == word then
        pos = pos + #word
        return v
      end
    end
    fail(c == "" and "unexpected end" or "unexpected character")
  end
  local ok, v = pcall(function()
    local r = value(1)
    ws()
    if pos <= #text then fail("trailing characters") end
    return r
  end)
  if ok then return v end
  if type(v) == "table" and v.json then return nil, v.json end
  error(v, 0)
end

return M
