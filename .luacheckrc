-- luacheck configuration: Lua 5.4, no globals anywhere.
std = "lua54"
max_line_length = 100
codes = true
files["tests/lua"] = { std = "+busted" }
exclude_files = { "build/**" }
