-- Live views of nested records and lists (csrc/lacr_run.c).
local acr = require("acr.run")

local function make()
  return acr.new({
    runId = "r1",
    platform = { os = "Linux", architecture = "amd64" },
    outputImages = {
      { repository = "a", tag = "1" },
      { repository = "b", tag = "2" },
    },
    imageUpdateTrigger = { id = "u", images = { { repository = "base", tag = "3" } } },
    customRegistries = { "x.azurecr.io", "y.azurecr.io" },
  })
end

local function err_of(f)
  local ok, err = pcall(f)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

local function full_gc()
  collectgarbage()
  collectgarbage()
end

describe("record views", function()
  it("read and write the run", function()
    local run = make()
    local p = run.platform
    assert.are.equal("Linux", p.os)
    p.os = "windows"
    assert.are.equal("Windows", run.platform.os)
    run.platform.variant = "v7"
    assert.are.equal("v7", p.variant)
    p.variant = nil
    assert.is_nil(run.platform.variant)
  end)

  it("validate with the full path in messages", function()
    local run = make()
    assert.are.equal("run.platform.os: invalid value \"Solaris\" for OS (expected one of Windows, Linux)",
                     err_of(function() run.platform.os = "Solaris" end))
    assert.are.equal("run.outputImages[2]: unknown field 'tga' (did you mean 'tag'?)",
                     err_of(function() run.outputImages[2].tga = "x" end))
    assert.are.equal("run.imageUpdateTrigger.images[1].tag: expected a string, got number",
                     err_of(function() run.imageUpdateTrigger.images[1].tag = 1 end))
    assert.matches("run.platform: unknown field 'oss' %(did you mean 'os'%?%)",
                   err_of(function() return run.platform.oss end))
  end)

  it("refuse writes below read-only fields", function()
    local run = acr.from_table({
      id = "/x", systemData = { createdBy = "me", createdByType = "User" },
      properties = { logArtifact = { registry = "r", tag = "t" } },
    })
    assert.are.equal("me", run.systemData.createdBy)
    assert.are.equal("t", run.logArtifact.tag)
    assert.matches("field 'systemData' is read%-only", err_of(function() run.systemData.createdBy = "you" end))
    assert.matches("field 'logArtifact' is read%-only", err_of(function() run.logArtifact.tag = "u" end))
    assert.are.equal("me", run.systemData.createdBy)
  end)

  it("have to_table, unknown, fields, ==, tostring", function()
    local run = acr.from_table({ platform = { os = "Linux", osType = "linux" } })
    local p = run.platform
    assert.are.same({ os = "Linux", osType = "linux" }, p:to_table())
    assert.are.same({ osType = '"linux"' }, p:unknown())
    local names = {}
    for name, value in p:fields() do names[#names + 1] = name .. "=" .. value end
    assert.are.same({ "os=Linux" }, names)
    assert.are.equal("PlatformProperties run.platform", tostring(p))
  end)

  it("compare deeply", function()
    assert.is_true(make().platform == make().platform)
    local one = acr.new({ outputImages = { { repository = "a", tag = "1" } } })
    assert.is_true(make().outputImages[1] == one.outputImages[1])
    assert.is_false(make().outputImages[1] == make().outputImages[2])
    local run = make()
    run.platform.os = "Windows"
    assert.is_false(run.platform == make().platform)
  end)

  it("support pairs on 5.2+", function()
    if _VERSION == "Lua 5.1" then return end
    local names = {}
    for name in pairs(make().platform) do names[#names + 1] = name end
    assert.are.same({ "os", "architecture" }, names)
  end)
end)

describe("list views", function()
  it("index, length, assign, append", function()
    local run = make()
    local l = run.outputImages
    assert.are.equal(2, #l)
    assert.are.equal("b", l[2].repository)
    assert.is_nil(l[3])
    assert.is_nil(l[0])
    assert.is_nil(l[1.5])
    l[1] = { repository = "c", tag = "9" }
    assert.are.equal("c", run.outputImages[1].repository)
    l[#l + 1] = { repository = "d" }
    assert.are.equal(3, #run.outputImages)
    l:append({ repository = "e" })
    assert.are.equal("e", run.outputImages[4].repository)
    l:append(make().outputImages[2]) -- a view of another run is copied
    assert.are.equal("b", run.outputImages[5].repository)
    local s = run.customRegistries
    s[3] = "z.azurecr.io"
    s:append("w.azurecr.io")
    s[1] = "first"
    assert.are.same({ "first", "y.azurecr.io", "z.azurecr.io", "w.azurecr.io" }, s:to_table())
  end)

  it("refuse bad indexes and values without changing anything", function()
    local run = make()
    local l = run.outputImages
    assert.are.equal("run.outputImages: index 4 is out of range (the list has 2 elements; use 3 to append)",
                     err_of(function() l[4] = {} end))
    assert.matches("out of range", err_of(function() l[0] = {} end))
    assert.matches("use list:remove", err_of(function() l[1] = nil end))
    assert.matches("indexed by integers", err_of(function() l.x = 1 end))
    assert.matches("indexed by integers", err_of(function() l[1.5] = {} end))
    assert.matches("run.outputImages%[1%].tag: expected a string, got number",
                   err_of(function() l[1] = { repository = "new", tag = 5 } end))
    assert.matches("run.outputImages%[3%]: unknown field 'bogus'", err_of(function() l:append({ bogus = 1 }) end))
    assert.matches("run.customRegistries%[3%]: expected a string, got table",
                   err_of(function() run.customRegistries:append({}) end))
    assert.matches("unknown list method 'push'", err_of(function() return l.push end))
    assert.are.equal(make(), run)
  end)

  it("remove returns the removed value as a plain value", function()
    local run = make()
    local removed = run.outputImages:remove(1)
    assert.are.same({ repository = "a", tag = "1" }, removed)
    assert.are.equal(1, #run.outputImages)
    assert.are.equal("b", run.outputImages[1].repository)
    assert.are.equal("y.azurecr.io", run.customRegistries:remove())
    assert.are.same({ "x.azurecr.io" }, run.customRegistries:to_table())
    assert.are.equal("x.azurecr.io", run.customRegistries:remove(1))
    assert.are.equal(0, #run.customRegistries)
    assert.is_nil(run.customRegistries:remove())
    assert.is_not_nil(run.customRegistries) -- present, empty
    assert.has_error(function() run.outputImages:remove(5) end)
    assert.has_error(function() run.outputImages:remove("1") end)
  end)

  it("iterate with iter() on every Lua", function()
    local run = make()
    local seen = {}
    for i, img in run.outputImages:iter() do seen[#seen + 1] = i .. ":" .. img.repository end
    assert.are.same({ "1:a", "2:b" }, seen)
    seen = {}
    for i, s in run.customRegistries:iter() do seen[i] = s end
    assert.are.same({ "x.azurecr.io", "y.azurecr.io" }, seen)
  end)

  it("iterate with ipairs where __index is honoured and pairs on 5.2+", function()
    local run = make()
    if _VERSION ~= "Lua 5.1" then
      local seen = {}
      for i, s in ipairs(run.customRegistries) do seen[i] = s end
      assert.are.same({ "x.azurecr.io", "y.azurecr.io" }, seen)
      seen = {}
      for i, img in pairs(run.outputImages) do seen[i] = img.tag end
      assert.are.same({ "1", "2" }, seen)
    end
  end)

  it("compare deeply and print", function()
    assert.is_true(make().outputImages == make().outputImages)
    assert.is_true(make().customRegistries == make().customRegistries)
    local run = make()
    run.outputImages[2].tag = "x"
    assert.is_false(run.outputImages == make().outputImages)
    assert.is_false(run.outputImages == run.customRegistries)
    assert.are.equal("list run.outputImages (2)", tostring(make().outputImages))
  end)
end)

describe("views stay safe", function()
  it("after the run is collected", function()
    local platform = make().platform
    local images = make().outputImages
    local second = make().outputImages[2]
    local regs = make().customRegistries
    local nested = make().imageUpdateTrigger.images
    full_gc()
    assert.are.equal("Linux", platform.os)
    platform.os = "Windows"
    assert.are.equal("Windows", platform.os)
    assert.are.equal(2, #images)
    assert.are.equal("b", images[2].repository)
    images:append({ repository = "c" })
    assert.are.equal(3, #images)
    assert.are.equal("2", second.tag)
    assert.are.equal("y.azurecr.io", regs[2])
    assert.are.equal("base", nested[1].repository)
    full_gc()
    assert.are.equal("c", images[3].repository)
  end)

  it("after the last reference to the run is dropped while a view lives", function()
    local run = make()
    local p = run.platform
    local weak = setmetatable({ run }, { __mode = "v" })
    run = nil -- luacheck: ignore
    full_gc()
    assert.is_nil(weak[1]) -- the Run userdata is gone
    assert.are.equal("Linux", p.os)
    assert.are.same({ os = "Linux", architecture = "amd64" }, p:to_table())
  end)

  it("after the field is replaced: they see the current value at their path", function()
    local run = make()
    local p, l, first = run.platform, run.outputImages, run.outputImages[1]
    run.platform = { os = "Windows" }
    run.outputImages = { { repository = "new" } }
    assert.are.equal("Windows", p.os)
    assert.is_nil(p.architecture)
    assert.are.equal(1, #l)
    assert.are.equal("new", first.repository)
  end)

  it("after the field is cleared or the element removed", function()
    local run = make()
    local p, l, second = run.platform, run.outputImages, run.outputImages[2]
    local nested = run.imageUpdateTrigger.images
    run.outputImages:remove(2)
    assert.is_nil(second.repository)
    assert.are.equal("run.outputImages[2]: record 'outputImages[2]' is no longer set",
                     err_of(function() second.tag = "x" end))
    assert.is_nil(second:to_table())
    assert.matches("no longer set", tostring(second))
    run.platform = nil
    run.outputImages = nil
    run.imageUpdateTrigger = nil
    assert.is_nil(p.os)
    assert.are.equal("run.platform: record 'platform' is no longer set",
                     err_of(function() p.os = "Linux" end))
    assert.are.equal(0, #l)
    assert.is_nil(l[1])
    assert.are.equal("run.outputImages: list 'outputImages' is no longer set",
                     err_of(function() l:append({}) end))
    assert.has_error(function() l:remove() end)
    assert.are.equal(0, #nested)
    local n = 0
    for _ in l:iter() do n = n + 1 end
    assert.are.equal(0, n)
    assert.are.same({}, p:unknown())
    assert.is_false(p == make().platform)
    -- set again: the views follow
    run.platform = { os = "Linux" }
    assert.are.equal("Linux", p.os)
  end)

  it("across many changes that compact the run's memory", function()
    local run = make()
    local p, l = run.platform, run.outputImages
    for i = 1, 2000 do
      run.task = ("task %d "):format(i):rep(10)
      l[1] = { repository = "r" .. i }
    end
    assert.are.equal("Linux", p.os)
    assert.are.equal("r2000", l[1].repository)
    assert.are.equal(2, #l)
  end)

  it("when many views are made and collected", function()
    local run = make()
    for _ = 1, 5000 do
      local v = run.outputImages[2]
      assert.are.equal("b", v.repository)
    end
    full_gc()
    assert.are.equal("b", run.outputImages[2].repository)
  end)
end)
