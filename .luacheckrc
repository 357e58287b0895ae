-- luacheck configuration (`make lint`).
std = "max"
exclude_files = { "build/", "tests/fixtures/", "lua_modules/", ".luarocks/" }
files["spec/"] = { std = "+busted" }
