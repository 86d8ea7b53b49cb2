-- luacheck configuration: Lua 5.4, no globals anywhere.
std = "lua54"
max_line_length = 100
codes = true
files["**/*_spec.lua"] = { std = "+busted" }
exclude_files = { "build/**" }
-- Sandboxed scripts get a read-only `json` (see lua/sonde/script.lua) and nothing else extra.
files["providers"] = { read_globals = { "json" } }
files["lua/sonde/protocol"] = { read_globals = { "json" } }
