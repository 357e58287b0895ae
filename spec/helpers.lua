-- spec/helpers.lua: loaded by busted before every spec (see .busted) and
-- returned by require("spec.helpers") in the specs:
--
--   local helpers = require("spec.helpers")
--   local text = helpers.read_file(helpers.fixture("spec-examples", "2019-04-01_Runs_Get.json"))
--   for _, path in ipairs(helpers.fixture_files("jsontestsuite", "^y_")) do ... end
--
-- Finds the module and the fixtures from the repository root, whatever the
-- current directory; with ACR_GC_STRESS set, makes the collector run
-- without pause so that a missing reference in the binding shows up here.

local M = {}

local function dirname(p)
  return p:match("^(.*)/[^/]*$") or "."
end

-- The repository root: the parent of the directory this file is in.
local here = debug.getinfo(1, "S").source:match("^@(.*)$") or "spec/helpers.lua"
M.root = dirname(dirname(here))

-- "5.1" .. "5.4", or "jit" under LuaJIT: the name of the build directory.
M.lua_version = (type(jit) == "table") and "jit" or _VERSION:match("%d+%.%d+")

-- Lua modules from lua/ (busted's lpath in .busted adds the same relative
-- to the current directory).  The C module: make sets LUA_CPATH to the build
-- it tests (build/5.4, build/asan/5.4, ...); without it, use build/<ver>.
-- Either is left alone when its variable is set: make sets both to the
-- build under test, and `luarocks test` (busted --run=installed) runs with
-- a tree's `luarocks path`, to test what the tree has installed.
if not os.getenv("LUA_PATH") then
  package.path = M.root .. "/lua/?.lua;" .. M.root .. "/lua/?/init.lua;" .. package.path
end
if not os.getenv("LUA_CPATH") then
  package.cpath = M.root .. "/build/" .. M.lua_version .. "/?.so;" .. package.cpath
end

-- lua-cjson when installed (a reference decoder for comparisons), else nil.
local ok, cjson = pcall(require, "cjson")
M.cjson = ok and cjson or nil

-- Whole file as a string (binary mode: bytes as they are); raises on error.
function M.read_file(path)
  local f, err = io.open(path, "rb")
  if not f then error(err, 2) end
  local s = f:read("*a")
  f:close()
  return s
end

local function is_dir(path)
  local f = io.open(path .. "/.", "rb")
  if f then f:close() return true end
  return false
end

-- Fixtures: tests/fixtures, inside the repository (the suite reads nothing
-- outside it).
M.fixtures_dir = M.root .. "/tests/fixtures"
M.spec_examples_dir = M.fixtures_dir .. "/spec-examples"
M.real_payloads_dir = M.fixtures_dir .. "/real-payloads"
M.jsontestsuite_dir = M.fixtures_dir .. "/jsontestsuite"

-- Path of fixture NAME in set KIND ("spec-examples", "real-payloads",
-- "jsontestsuite").
function M.fixture(kind, name)
  return M.fixtures_dir .. "/" .. kind .. "/" .. name
end

-- Sorted paths of the .json files of set KIND whose names match PATTERN
-- (a Lua pattern; all when nil).  Raises if the set is missing or empty, so
-- a spec looping over it cannot pass by checking nothing.
function M.fixture_files(kind, pattern)
  local dir = M.fixtures_dir .. "/" .. kind
  local names = {}
  local has_lfs, lfs = pcall(require, "lfs")
  if has_lfs then
    if is_dir(dir) then
      for name in lfs.dir(dir) do names[#names + 1] = name end
    end
  else
    local p = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
    for name in p:lines() do names[#names + 1] = name end
    p:close()
  end
  local files = {}
  for _, name in ipairs(names) do
    if name:match("%.json$") and (not pattern or name:match(pattern)) then
      files[#files + 1] = dir .. "/" .. name
    end
  end
  table.sort(files)
  if #files == 0 then
    error("no fixtures " .. dir .. "/" .. (pattern or "*") .. ".json", 2)
  end
  return files
end

-- acr.decode(text, opts) that must succeed: the value (a failure raises
-- with the decoder's message, at the caller's line).
function M.decode(text, opts)
  local v, msg = require("acr.run").decode(text, opts)
  if v == nil then error(msg, 2) end
  return v
end

-- The output of spec/support/<name> run by this interpreter in a child
-- process (a small heap: its collector runs cycles often and cheaply),
-- with the module paths of this one; stderr joins stdout.
function M.run_support(name)
  local lua = arg and arg[-1]
  local i = -1
  while arg and arg[i - 1] ~= nil do i = i - 1; lua = arg[i] end
  local function q(x) return "'" .. x:gsub("'", "'\\''") .. "'" end
  local cmd = "LUA_PATH=" .. q(M.root .. "/lua/?.lua;" .. package.path)
    .. " LUA_CPATH=" .. q(package.cpath) .. " " .. q(lua or "lua") .. " "
    .. q(M.root .. "/spec/support/" .. name) .. " 2>&1"
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

-- GC stress: a full cycle after (almost) every allocation.
M.gc_stress = os.getenv("ACR_GC_STRESS") ~= nil and os.getenv("ACR_GC_STRESS") ~= ""
  and os.getenv("ACR_GC_STRESS") ~= "0"
if M.gc_stress then
  if M.lua_version == "5.4" then collectgarbage("incremental") end
  collectgarbage("setpause", 0)
  collectgarbage("setstepmul", tonumber(os.getenv("ACR_GC_STEPMUL")) or 1000)
  collectgarbage("restart")
end

package.loaded["spec.helpers"] = M
return M
