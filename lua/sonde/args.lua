-- sonde.args: a small command-line option parser driven by a spec, so every verb's options,
-- defaults and help text are one table. Bad options raise a usage error (exit status 2).
--
-- spec: list of { name = "max-tokens", short = "c", type = "int"|"number"|"string"|"flag",
--                 default = v, choices = { ... }, help = "..." }
local cli = require "sonde.cli"

local M = {}

local function convert(o, v)
    if o.type == "int" then
        local n = math.tointeger(tonumber(v))
        if not n then
            cli.usage_error(string.format("--%s needs a whole number, not '%s'", o.name, v))
        end
        return n
    elseif o.type == "number" then
        local n = tonumber(v)
        if not n then
            cli.usage_error(string.format("--%s needs a number, not '%s'", o.name, v))
        end
        return n
    end
    if o.choices then
        local ok = false
        for _, c in ipairs(o.choices) do
            ok = ok or c == v
        end
        if not ok then
            cli.usage_error(string.format("--%s must be one of %s, not '%s'", o.name,
                table.concat(o.choices, ", "), v))
        end
    end
    return v
end

-- Returns opts (keyed by name with '-' turned to '_') and the positional arguments.
function M.parse(spec, argv)
    local by_long, by_short, opts, pos = {}, {}, {}, {}
    for _, o in ipairs(spec) do
        by_long[o.name] = o
        if o.short then
            by_short[o.short] = o
        end
        opts[o.name:gsub("-", "_")] = o.default
    end
    local i = 1
    while i <= #argv do
        local a = argv[i]
        local o, v
        if a == "--" then
            table.move(argv, i + 1, #argv, #pos + 1, pos)
            break
        elseif a:sub(1, 2) == "--" then
            local name, eq = a:match("^%-%-([^=]+)=(.*)$")
            name = name or a:sub(3)
            o, v = by_long[name], eq
            if not o then
                cli.usage_error("unknown option --" .. name)
            end
        elseif a:sub(1, 1) == "-" and #a > 1 and not tonumber(a) then
            o = by_short[a:sub(2, 2)]
            if not o then
                cli.usage_error("unknown option " .. a)
            end
            if #a > 2 then
                v = a:sub(3)
            end
        else
            pos[#pos + 1] = a
        end
        if o then
            if o.type == "flag" then
                opts[o.name:gsub("-", "_")] = true
            else
                if v == nil then
                    i = i + 1
                    v = argv[i]
                    if v == nil then
                        cli.usage_error("--" .. o.name .. " needs a value")
                    end
                end
                opts[o.name:gsub("-", "_")] = convert(o, v)
            end
        end
        i = i + 1
    end
    return opts, pos
end

-- The options part of a verb's help text.
function M.help(spec)
    local lines = {}
    for _, o in ipairs(spec) do
        local flag = (o.short and ("-" .. o.short .. ", ") or "    ") .. "--" .. o.name
        if o.type ~= "flag" then
            flag = flag .. " " .. (o.metavar or o.type:upper())
        end
        local help = o.help
        if o.default ~= nil and o.type ~= "flag" then
            help = help .. " (default " .. tostring(o.default) .. ")"
        end
        lines[#lines + 1] = string.format("  %-28s %s", flag, help)
    end
    return table.concat(lines, "\n")
end

return M
