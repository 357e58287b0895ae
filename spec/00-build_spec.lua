-- The module builds, loads, and says which version it is.
local helpers = require("spec.helpers")

describe("acr.run", function()
  it("loads from the build under test and has a version string", function()
    local acr = require("acr.run")
    assert.is_table(acr)
    assert.is_string(acr._VERSION)
    assert.is_true(#acr._VERSION > 0)
  end)

  it("finds the bundled fixtures", function()
    assert.is_true(#helpers.fixture_files("spec-examples") > 0)
  end)
end)
