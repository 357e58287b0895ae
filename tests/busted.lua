-- Runs busted under whichever interpreter runs this file (`lua5.1
-- tests/busted.lua`, `luajit tests/busted.lua`, ...): the same as Debian's
-- /usr/bin/busted, without depending on where a busted script is installed
-- or which `lua` its #! line names.
--
-- Line-buffered stdout: under `make sanitize` LeakSanitizer ends the
-- process with _exit() after its report, and a fully buffered pipe would
-- lose busted's summary line.
io.stdout:setvbuf("line")
require("busted.runner")({ standalone = false })
