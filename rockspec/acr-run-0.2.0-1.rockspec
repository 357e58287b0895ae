-- acr-run 0.2.0: the release rockspec, written by `make rockspec` from
-- acr-run-scm-1.rockspec (edit that one).  Its source is the tarball
-- `make dist` builds; `make rock` packs both into acr-run-0.2.0-1.src.rock,
-- which `luarocks install` builds offline.
rockspec_format = "3.0"
package = "acr-run"
version = "0.2.0-1"
source = {
  url = "acr-run-0.2.0.tar.gz",
  dir = "acr-run-0.2.0",
}
description = {
  summary = "Azure Container Registry runs: model, JSON, filters (C module)",
  detailed = [[
acr.run models Azure Container Registry runs (RunProperties and the ARM
envelope): decode and encode their JSON exactly, read and change fields with
validation, and filter and sort run lists with OData $filter expressions.
A Lua-free C core (csrc/acr.h) can also be used by C hosts.
]],
}
dependencies = {
  "lua >= 5.1, < 5.5",
}
build = {
  type = "builtin",
  modules = {
    ["acr.run"] = {
      sources = {
        "csrc/acr_buf.c",
        "csrc/acr_check.c",
        "csrc/acr_datetime.c",
        "csrc/acr_diff.c",
        "csrc/acr_fields.c",
        "csrc/acr_filter_match.c",
        "csrc/acr_filter_parse.c",
        "csrc/acr_json_decode.c",
        "csrc/acr_json_doc.c",
        "csrc/acr_json_equal.c",
        "csrc/acr_json_lex.c",
        "csrc/acr_json_read.c",
        "csrc/acr_json_write.c",
        "csrc/acr_model.c",
        "csrc/acr_request.c",
        "csrc/acr_runlist.c",
        "csrc/acr_runlist_cols.c",
        "csrc/acr_runlist_query.c",
        "csrc/acr_schema.c",
        "csrc/acr_strpool.c",
        "csrc/acr_util.c",
        "csrc/lacr_conv.c",
        "csrc/lacr_ctx.c",
        "csrc/lacr_datetime.c",
        "csrc/lacr_filter.c",
        "csrc/lacr_json.c",
        "csrc/lacr_jsonval.c",
        "csrc/lacr_list.c",
        "csrc/lacr_module.c",
        "csrc/lacr_path.c",
        "csrc/lacr_pin.c",
        "csrc/lacr_query.c",
        "csrc/lacr_request.c",
        "csrc/lacr_run.c",
        "csrc/lacr_util.c",
        "csrc/lacr_view.c",
      },
      incdirs = { "csrc" },
    },
    ["acr.format"] = "lua/acr/format.lua",
    ["acr.filter"] = "lua/acr/filter.lua",
    ["acr.ffi"] = "lua/acr/ffi.lua",
    ["acr.cli"] = "lua/acr/cli.lua",
    ["acr.cli_live"] = "lua/acr/cli_live.lua",
    ["acr.client"] = "lua/acr/client.lua",
    ["acr.client.http"] = "lua/acr/client/http.lua",
    ["acr.client.json"] = "lua/acr/client/json.lua",
  },
  install = {
    bin = {
      ["acr-runs"] = "bin/acr-runs",
    },
  },
}
-- `luarocks test`: the busted specs, with the interpreter LuaRocks runs,
-- against the installed modules (.busted's "installed" run; with a tree of
-- one's own, after `eval "$(luarocks --tree T path)"`).
test = {
  type = "command",
  script = "tests/busted.lua",
  flags = { "--run=installed" },
}
