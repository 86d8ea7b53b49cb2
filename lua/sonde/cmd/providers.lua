-- sonde providers: list the provider adapters found on the script path, with their models.
local endpoint = require "sonde.endpoint"
local paths = require "sonde.paths"

local M = {}

M.help = [[
usage: sonde providers [NAME]

Lists every adapter in providers/ on the script path (SONDE_PATH, the source tree, the
installed data directory) with its base URL, protocol, key variable and models (canonical
name, provider id, context, listed price with its date). With NAME, only that adapter.
A broken adapter is reported with file:line and the others are still listed.]]

function M.run(argv)
    local names = argv[1] and { argv[1] } or paths.list("providers")
    local bad = 0
    for _, name in ipairs(names) do
        local ok, ad = pcall(endpoint.adapter, name)
        if not ok then
            bad = bad + 1
            io.stderr:write("sonde: ", type(ad) == "table" and ad.message or tostring(ad), "\n")
        else
            io.stdout:write(string.format("%s  %s  (%s, key in %s)\n", ad.name, ad.base_url,
                ad.protocol, ad.auth and ("$" .. ad.auth.env) or "none"))
            local models = {}
            for canon in pairs(ad.models) do
                models[#models + 1] = canon
            end
            table.sort(models)
            for _, canon in ipairs(models) do
                local m = ad.models[canon]
                local price = m.price and string.format("$%.3g/$%.3g per Mtok (%s)",
                    m.price.input, m.price.output, m.price.date) or "no price"
                io.stdout:write(string.format("  %-22s %-40s ctx %-7s %s\n", canon, m.id,
                    m.context and tostring(m.context) or "-", price))
            end
        end
    end
    return bad > 0 and 1 or 0
end

return M
