-- sonde.cli: the command-line front end. Each verb lives in its own module under
-- sonde.cmd; this file dispatches, prints help, and turns failures into exit codes
-- (0 ok, 1 runtime failure, 2 usage error).
local config = require "sonde.config"

local M = {}

M.verbs = {
    { name = "probe", summary = "measure an endpoint: latency, throughput, errors" },
    { name = "sql", summary = "query the store in SQL, with statistics functions" },
    { name = "stats", summary = "per-endpoint statistics with confidence intervals" },
    { name = "analyze", summary = "demand concentration, supply, price dispersion, task mix" },
    { name = "import", summary = "bring request logs and price catalogs into the store" },
    { name = "mock", summary = "run the built-in mock provider on loopback" },
    { name = "providers", summary = "list provider adapters and their models" },
    { name = "lua", summary = "run a Lua script with the sonde modules loaded" },
    { name = "help", summary = "show help for a verb" },
    { name = "version", summary = "print the version" },
}

local function usage_text()
    local lines = {
        "sonde " .. config.version .. ": a measurement engine for hosted LLM APIs",
        "",
        "usage: sonde VERB [options]",
        "",
        "verbs:",
    }
    for _, v in ipairs(M.verbs) do
        lines[#lines + 1] = string.format("  %-10s %s", v.name, v.summary)
    end
    lines[#lines + 1] = ""
    lines[#lines + 1] = "sonde help VERB shows the options of a verb."
    return table.concat(lines, "\n")
end

local function load_verb(name)
    for _, v in ipairs(M.verbs) do
        if v.name == name then
            return require("sonde.cmd." .. name)
        end
    end
    return nil
end

-- A usage error: raised as a table so main can tell it from a bug.
function M.usage_error(msg)
    error({ usage = true, message = msg }, 0)
end

-- Call f(...); a failure becomes a runtime error (exit 1) with its message and no
-- traceback: for the calls whose errors are about the user's input (a file, SQL, a script).
function M.try(f, ...)
    local res = table.pack(pcall(f, ...))
    if not res[1] then
        local e = res[2]
        error(type(e) == "table" and e or { message = tostring(e) }, 0)
    end
    return table.unpack(res, 2, res.n)
end

local function run(argv)
    local verb = argv[1]
    if verb == nil or verb == "--help" or verb == "-h" then
        io.stdout:write(usage_text(), "\n")
        return verb == nil and 2 or 0
    end
    if verb == "--version" or verb == "version" then
        io.stdout:write("sonde ", config.version, "\n")
        return 0
    end
    if verb == "help" then
        local target = argv[2]
        if not target then
            io.stdout:write(usage_text(), "\n")
            return 0
        end
        local mod = load_verb(target)
        if not mod then
            M.usage_error("no verb '" .. target .. "' (see sonde --help)")
        end
        io.stdout:write(mod.help, "\n")
        return 0
    end
    local mod = load_verb(verb)
    if not mod then
        M.usage_error("no verb '" .. verb .. "' (see sonde --help)")
    end
    local args = table.move(argv, 2, #argv, 1, {})
    if args[1] == "--help" or args[1] == "-h" then
        io.stdout:write(mod.help, "\n")
        return 0
    end
    return mod.run(args) or 0
end

function M.main(argv)
    local ok, res = xpcall(run, function(e)
        if type(e) == "table" then
            return e
        end
        return { message = debug.traceback(tostring(e), 2) }
    end, argv)
    if ok then
        return math.tointeger(res) or 0
    end
    if res.usage then
        io.stderr:write("sonde: ", res.message, "\n")
        return 2
    end
    io.stderr:write("sonde: ", res.message, "\n")
    return 1
end

return M
