-- sonde lua FILE [args]: run a trusted script with the sonde modules on the path, as the
-- plain lua interpreter would (arg table, shebang line skipped). busted uses it as --lua.
local cli = require "sonde.cli"

local M = {}

M.help = [[
usage: sonde lua FILE [args...]

Runs FILE as a Lua 5.4 script with sonde's modules (sonde.probe, sonde.mock, sonde.sse,
sonde.stats ...) available through require. The global 'arg' holds the arguments as in the
standalone interpreter. Use it as busted's interpreter:
  busted --lua="sonde lua" spec.lua]]

function M.run(args)
    local file = args[1]
    if not file then
        cli.usage_error("sonde lua needs a FILE")
    end
    local chunk, err = loadfile(file, "t")
    if not chunk then
        error({ message = err }, 0)
    end
    local a = { [0] = file }
    for i = 2, #args do
        a[i - 1] = args[i]
    end
    _G.arg = a
    local res = chunk(table.unpack(a))
    return math.tointeger(res) or 0
end

return M
