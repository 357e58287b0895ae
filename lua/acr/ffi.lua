-- acr.ffi: the LuaJIT fast path for reading runs.
--
--   local acr = require("acr.run")
--   local fast = require("acr.ffi")   -- on LuaJIT: installs; elsewhere: a no-op
--   fast.enabled                      -- true when reads go through the FFI
--   fast.disable() / fast.enable()    -- switch at run time
--
-- On LuaJIT a C __index cannot be compiled into a trace, so every
-- run.status pays a call into C.  With this module loaded, reads of a
-- Run's string, enum and boolean fields, and #list, are made in Lua
-- through the FFI from a read-only view of the core's records, so the JIT
-- compiles them; everything else (date-times, records, lists, methods,
-- unknown names, every write) goes to the C metamethods as before.
--
-- Safety: nothing here keeps a pointer.  Each read starts again from the
-- userdata (whose acr_run never moves: compaction rewrites the arena
-- behind it, not the header), reads the presence bit and the slot, and
-- copies a string out with ffi.string before any other Lua code can run;
-- a closed Run goes to C, which raises.  The offsets come from the C
-- module (acr.run._layout, written by the compiler) and are checked
-- against this file's declarations: on any mismatch the module stays off.
--
-- Off (fast.enabled false) on PUC Lua, without the ffi module, when the
-- JIT is off (jit.status()), or after fast.disable().
local acr = require("acr.run")

local M = { enabled = false }

local function noop() return false end
M.enable, M.disable = noop, noop

local has_jit = type(jit) == "table" and type(jit.status) == "function"
local ok_ffi, ffi = false, nil
if has_jit then ok_ffi, ffi = pcall(require, "ffi") end
local L = acr._layout
if not (ok_ffi and L and debug and debug.getmetatable) then return M end

ffi.cdef([[
typedef struct acr_ffi_str { uint32_t len; uint8_t flags; char s[1]; } acr_ffi_str;
typedef struct acr_ffi_enumval { int32_t code; acr_ffi_str *raw; } acr_ffi_enumval;
]])
if ffi.offsetof("acr_ffi_str", "s") ~= L.str_s
   or ffi.offsetof("acr_ffi_str", "len") ~= L.str_len
   or ffi.offsetof("acr_ffi_enumval", "code") ~= L.enum_code
   or ffi.offsetof("acr_ffi_enumval", "raw") ~= L.enum_raw
   or ffi.sizeof("void *") ~= L.pointer or ffi.sizeof("size_t") ~= L.size_t
   or L.ud_run ~= 0 or L.ud_list ~= 0 then
  return M
end

local cast, fstring = ffi.cast, ffi.string
local bit = require("bit")
local band, lshift = bit.band, bit.lshift
local pp = ffi.typeof("char **")
local pu32 = ffi.typeof("uint32_t *")
local pstr = ffi.typeof("acr_ffi_str **")
local penum = ffi.typeof("acr_ffi_enumval *")
local pu8 = ffi.typeof("uint8_t *")
local psize = ffi.typeof("size_t *")
local REC, PRESENT, LIST_N = L.run_rec, L.rec_present, L.list_n
local K_STRING, K_ENUM, K_BOOL = 0, 1, 3

-- One reader per field: run (the acr_run *, not NULL) -> value.
local readers = {}
for name, f in pairs(L.run_fields) do
  local off, kind, mask = REC + f[1], f[2], lshift(1, f[3])
  local function has(r)
    return band(cast(pu32, r + REC + PRESENT)[0], mask) ~= 0
  end
  if kind == K_STRING then
    readers[name] = function(r)
      if not has(r) then return nil end
      local s = cast(pstr, r + off)[0]
      if s == nil then return nil end
      return fstring(s.s, s.len)
    end
  elseif kind == K_ENUM then
    local names = acr.enums[f[4]]
    readers[name] = function(r)
      if not has(r) then return nil end
      local v = cast(penum, r + off)
      local code = v.code
      if code >= 0 then return names[code + 1] end
      local raw = v.raw
      if raw == nil then return nil end
      return fstring(raw.s, raw.len)
    end
  elseif kind == K_BOOL then
    readers[name] = function(r)
      if not has(r) then return nil end
      return cast(pu8, r + off)[0] ~= 0
    end
  end
end

local probe_run = acr.new()
local run_mt = debug.getmetatable(probe_run)
local list_mt = debug.getmetatable(acr.list())
probe_run = nil -- luacheck: ignore
local c_index, c_len = run_mt.__index, list_mt.__len
if type(c_index) ~= "function" or type(c_len) ~= "function" then return M end

local function fast_index(u, k)
  local read = readers[k]
  if read then
    local r = cast(pp, u)[0]
    if r ~= nil then return read(r) end
  end
  return c_index(u, k)
end

local function fast_len(u)
  local l = cast(pp, u)[0]
  if l == nil then return c_len(u) end
  return tonumber(cast(psize, l + LIST_N)[0])
end

function M.enable()
  if not jit.status() then return false end
  run_mt.__index, list_mt.__len = fast_index, fast_len
  M.enabled = true
  return true
end

function M.disable()
  run_mt.__index, list_mt.__len = c_index, c_len
  M.enabled = false
  return true
end

M.enable()
return M
