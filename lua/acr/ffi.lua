-- acr.ffi: the LuaJIT fast path for reading runs.
--
--   local acr = require("acr.run")
--   local fast = require("acr.ffi")   -- on LuaJIT: installs; elsewhere: a no-op
--   fast.enabled                      -- true when reads go through the FFI
--   fast.disable() / fast.enable()    -- switch at run time
--
-- On LuaJIT a C __index cannot be compiled into a trace, so every
-- run.status pays a call into C.  With this module loaded, reads of a
-- Run's scalar fields (strings, enums, booleans, integers, date-times),
-- #list and list[i] are made in Lua through the FFI from a read-only view
-- of the core's records (docs/embedding.md), so the JIT compiles them;
-- everything else (records, lists, methods, unknown names, every write)
-- goes to the C metamethods as before.  Values are the same either way.
--
-- Two things only C can make are kept, not made here: list[i]'s Run and a
-- date-time field's DateTime.  The first read makes them through C; later
-- reads give the same object back while it still shows what C would give:
-- a kept Run while it holds the run now at that index (it holds its own
-- reference, so equal pointers are the same run), a cached DateTime while
-- its bytes equal the slot's (a DateTime is an immutable value, as
-- acr.datetime(d) returning d already shows).  The list keeps its Runs
-- (in its uservalue, csrc/lacr_list.c), so a full collection does not
-- empty it; C drops an index's Run when the list lets go of its run
-- (list[i] = other, sort, a closed list).  A DateTime is kept weakly by
-- its Run (so as long as the Run lives).
--
-- Safety.  Nothing is kept between reads but those Lua objects: each read
-- starts again from the userdata on the stack (which keeps its run alive;
-- the acr_run header, where the records' slots are, never moves).  The
-- arena behind it (strings, the list's array) is freed by any change, and
-- in the interpreter every cdata LuaJIT makes is followed by a GC step
-- that may run finalisers, i.e. any Lua code, which may change the run.  So
-- an arena pointer is dereferenced only after a check made with no
-- allocation in between: the presence bit and the slot's words (read as
-- numbers, which allocate nothing) still what they were when the pointer
-- was loaded; ffi.string copies before its own GC step.  On a trace no
-- finaliser runs at all.  A closed Run goes to C, which raises.
--
-- The offsets come from the C module (acr.run._layout, written by the
-- compiler) and are checked against this file's declarations: on any
-- mismatch the module stays off.  Off (fast.enabled false) on PUC Lua,
-- without the ffi module, when the JIT is off (jit.status()), or after
-- fast.disable().
local acr = require("acr.run")

local M = { enabled = false }

local function noop() return false end
M.enable, M.disable = noop, noop

local has_jit = type(jit) == "table" and type(jit.status) == "function"
local ok_ffi, ffi = false, nil
if has_jit then ok_ffi, ffi = pcall(require, "ffi") end
if acr._ffi then return acr._ffi end
local L = acr._layout
if not (ok_ffi and L and debug and debug.getmetatable) then return M end

ffi.cdef([[
typedef struct acr_ffi_str { uint32_t len; uint8_t flags; char s[1]; } acr_ffi_str;
typedef struct acr_ffi_enumval { int32_t code; acr_ffi_str *raw; } acr_ffi_enumval;
typedef struct acr_ffi_datetime {
  int64_t sec; int32_t nsec; int16_t offset; uint8_t digits; uint8_t flags;
} acr_ffi_datetime;
]])
local PTR = L.pointer
if ffi.offsetof("acr_ffi_str", "s") ~= L.str_s
   or ffi.offsetof("acr_ffi_str", "len") ~= L.str_len
   or ffi.offsetof("acr_ffi_enumval", "code") ~= L.enum_code
   or ffi.offsetof("acr_ffi_enumval", "raw") ~= L.enum_raw
   or ffi.sizeof("acr_ffi_datetime") ~= L.dt_size
   or ffi.offsetof("acr_ffi_datetime", "sec") ~= L.dt_sec
   or ffi.offsetof("acr_ffi_datetime", "nsec") ~= L.dt_nsec
   or ffi.offsetof("acr_ffi_datetime", "offset") ~= L.dt_offset
   or ffi.offsetof("acr_ffi_datetime", "digits") ~= L.dt_digits
   or ffi.offsetof("acr_ffi_datetime", "flags") ~= L.dt_flags
   or ffi.sizeof("void *") ~= PTR or ffi.sizeof("size_t") ~= L.size_t
   or (PTR ~= 4 and PTR ~= 8) or L.size_t % 4 ~= 0
   or L.ud_run ~= 0 or L.ud_list ~= 0 or L.ud_datetime ~= 0
   or (L.run_rec + L.rec_present) % 4 ~= 0
   or L.list_n % 4 ~= 0 or L.list_runs % PTR ~= 0 then
  return M
end

local cast, fstring = ffi.cast, ffi.string
local bit = require("bit")
local band, lshift = bit.band, bit.lshift
local pp = ffi.typeof("char **")
local pu32 = ffi.typeof("uint32_t *")
local pstr = ffi.typeof("acr_ffi_str **")
local pi32 = ffi.typeof("int32_t *")
local pu8 = ffi.typeof("uint8_t *")
local REC = L.run_rec
local PRES_W = (REC + L.rec_present) / 4 -- word index of the presence bits
local PW = PTR / 4                        -- words in a pointer
local K_STRING, K_ENUM, K_DATETIME, K_BOOL, K_INT32 = 0, 1, 2, 3, 4

-- Second word of a pointer at word w (the same word on 32-bit: compared
-- twice, harmlessly).
local function w2(w) return w + PW - 1 end

-- What a reader returns when the run changed under it: the caller asks C.
local AGAIN = {}

-- The text an acr_str * slot holds, or nil: w and ps views of the acr_run,
-- mask its presence bit, sw the slot's word index, keep(w) an extra check
-- of what decides that the slot is read (enums: the code is unknown).  See
-- the safety rule at the top: load, allocate, then check with numbers
-- only; if the check fails, AGAIN.
local function read_text(w, ps, mask, sw, keep)
  if band(w[PRES_W], mask) == 0 or not keep(w) then return nil end
  local lo, hi = w[sw], w[w2(sw)]
  if lo == 0 and hi == 0 then return nil end
  local s = ps[sw / PW] -- may run finalisers (interpreter): checked below
  local bytes = s.s     -- likewise
  if band(w[PRES_W], mask) ~= 0 and keep(w) and w[sw] == lo
     and w[w2(sw)] == hi then
    return fstring(bytes, s.len) -- copies before its GC step
  end
  return AGAIN
end
local function always() return true end

-- One reader per scalar field: (acr_run, Run userdata, name) -> value or
-- AGAIN.  Views are made before any word is read.
local readers = {}
local dt_cache = setmetatable({}, { __mode = "k" }) -- Run -> {name = DateTime}
local c_index -- the C __index of Run, set below
for name, f in pairs(L.run_fields) do
  local off, kind, mask = REC + f[1], f[2], lshift(1, f[3])
  if kind == K_STRING and off % PTR == 0 then
    local sw = off / 4
    readers[name] = function(r)
      return read_text(cast(pu32, r), cast(pstr, r), mask, sw, always)
    end
  elseif kind == K_ENUM and (off + L.enum_raw) % PTR == 0
         and (off + L.enum_code) % 4 == 0 then
    local names = acr.enums[f[4]]
    local cw = (off + L.enum_code) / 4
    local rw = (off + L.enum_raw) / 4
    local function unknown(w) return w[cw] >= 0x80000000 end -- code < 0
    readers[name] = function(r)
      local w, ps = cast(pu32, r), cast(pstr, r)
      if band(w[PRES_W], mask) == 0 then return nil end
      local code = w[cw]
      if code < 0x80000000 then return names[code + 1] end
      return read_text(w, ps, mask, rw, unknown)
    end
  elseif kind == K_BOOL then
    readers[name] = function(r)
      local w, b = cast(pu32, r), cast(pu8, r)
      if band(w[PRES_W], mask) == 0 then return nil end
      return b[off] ~= 0
    end
  elseif kind == K_INT32 and off % 4 == 0 then
    local iw = off / 4
    readers[name] = function(r)
      local w, i = cast(pu32, r), cast(pi32, r)
      if band(w[PRES_W], mask) == 0 then return nil end
      return i[iw]
    end
  elseif kind == K_DATETIME and L.dt_size == 16 and off % 4 == 0 then
    local dw = off / 4
    readers[name] = function(r, u)
      local c = dt_cache[u]
      local d = c and c[name]
      local w = cast(pu32, r)
      if d ~= nil then
        local v = cast(pu32, d) -- the last allocation before the checks
        if band(w[PRES_W], mask) == 0 then return nil end
        if v[0] == w[dw] and v[1] == w[dw + 1] and v[2] == w[dw + 2]
           and v[3] == w[dw + 3] then
          return d
        end
      elseif band(w[PRES_W], mask) == 0 then
        return nil
      end
      d = c_index(u, name)
      if d ~= nil then
        if c == nil then c = {}; dt_cache[u] = c end
        c[name] = d
      end
      return d
    end
  end
end

local probe_run = acr.new()
local run_mt = debug.getmetatable(probe_run)
local list_mt = debug.getmetatable(acr.list())
probe_run = nil -- luacheck: ignore
local c_len, c_lindex = list_mt.__len, list_mt.__index
c_index = run_mt.__index
if type(c_index) ~= "function" or type(c_len) ~= "function"
   or type(c_lindex) ~= "function" or type(acr._list_runs) ~= "function" then
  return M
end

local function fast_index(u, k)
  local read = readers[k]
  if read then
    local r = cast(pp, u)[0]
    if r ~= nil then
      local v = read(r, u, k)
      if v ~= AGAIN then return v end
    end
  end
  return c_index(u, k)
end

-- #list: n (a size_t) of the acr_runlist, in the list's header.
local little = ffi.abi("le")
local N_LO = L.list_n / 4 + ((L.size_t == 8 and not little) and 1 or 0)
local N_HI = L.size_t == 8 and (L.list_n / 4 + (little and 1 or 0)) or nil
local function count(lw)
  local n = lw[N_LO]
  if N_HI then n = n + lw[N_HI] * 4294967296 end
  return n
end


-- list[i]: the Run made for index i is kept by the list (in its
-- uservalue; run_cache finds that table from the list in a trace) and
-- given again while it holds the run the list has there now, compared as
-- pointer words (numbers: nothing can run between the checks, and a Run
-- holds its own reference, so equal pointers are the same run); else C
-- makes new ones.  The index is checked against #list too.  C drops an
-- index's Run when the list no longer holds its run there, so a list
-- keeps alive only runs it has (lacr_list.c).
local run_cache = setmetatable({}, { __mode = "k" }) -- RunList -> {[i] = Run}
local list_runs = acr._list_runs
local BLOCK = 32
local RUNS_W = L.list_runs / 4
local RUNS_J = w2(RUNS_W)
local prunsp = ffi.typeof("uint32_t **")
local RUNS_I = L.list_runs / PTR

local function fast_len(u)
  local l = cast(pp, u)[0]
  if l == nil then return c_len(u) end
  return count(cast(pu32, l))
end

local function fast_lindex(u, k)
  if type(k) == "number" and k >= 1 and k <= 2 ^ 53 and k % 1 == 0 then
    local c = run_cache[u]
    local x = c and c[k]
    local l = cast(pp, u)[0]
    if x ~= nil and l ~= nil then
      local xw, lw, ra = cast(pu32, x), cast(pu32, l), cast(prunsp, l)
      local lo, hi = lw[RUNS_W], lw[RUNS_J]
      local a = ra[RUNS_I] -- the array; may run finalisers
      local e = (k - 1) * PW
      if lw[RUNS_W] == lo and lw[RUNS_J] == hi and count(lw) >= k
         and a[e] == xw[0] and a[e + PW - 1] == xw[PW - 1] then
        return x
      end
    end
    -- Made BLOCK at a time, in one call: a loop then mostly finds them
    -- (and its trace is the finding one), a single read makes few more.
    local n, kept = list_runs(u, k, k + BLOCK - 1)
    if n == 0 then return c_lindex(u, k) end -- out of range: as C says
    if c == nil then run_cache[u] = kept end
    x = kept[k]
    -- dropped meanwhile (a finaliser replaced the run at k while a later
    -- one was made): as C says now
    if x == nil then return c_lindex(u, k) end
    return x
  end
  return c_lindex(u, k)
end

-- wanted: the user's choice (enable/disable); installed only while the
-- JIT is on as well.  The JIT's own switch is wrapped: jit.off() (the
-- whole engine) puts the C metamethods back, since interpreted FFI code is
-- several times slower than C (docs/performance.md), and jit.on() puts the
-- fast ones back if wanted.
local wanted = true
local function install(on)
  if on then
    run_mt.__index, list_mt.__len, list_mt.__index = fast_index, fast_len,
      fast_lindex
  else
    run_mt.__index, list_mt.__len, list_mt.__index = c_index, c_len, c_lindex
  end
  M.enabled = on
  return on
end

function M.enable()
  wanted = true
  return install(jit.status() and true or false)
end

function M.disable()
  wanted = false
  install(false)
  return true
end

local jit_on, jit_off = jit.on, jit.off
function jit.off(...) -- luacheck: ignore 122 (wrapping the JIT's switch)
  jit_off(...)
  if select("#", ...) == 0 then install(false) end
end
function jit.on(...) -- luacheck: ignore 122
  jit_on(...)
  if select("#", ...) == 0 and wanted then install(jit.status() and true or false) end
end

M.enable()
acr._ffi = M -- one instance per state: a second load finds this one
return M
