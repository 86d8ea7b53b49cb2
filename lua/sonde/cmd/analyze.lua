-- sonde analyze: the service-object analyses over the store (see sonde.analyze).
local analyze = require "sonde.analyze"
local args = require "sonde.args"
local cjson = require "cjson"
local cli = require "sonde.cli"
local store = require "sonde.store"
local tabular = require "sonde.tabular"

local M = {}

M.spec = {
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "the store to read" },
    { name = "import", type = "string", metavar = "NAME",
        help = "only the request log imported under NAME (or with this import id)" },
    { name = "by", type = "string", default = "tokens", choices = { "tokens", "requests" },
        help = "demand counted in tokens (input + output) or requests" },
    { name = "file", type = "string", metavar = "FILE.json",
        help = "concentration, supply: demand from a {model: amount} JSON map (e.g. " ..
            "OpenRouter's usage rankings) instead of the store's request logs" },
    { name = "model", type = "string", help = "dispersion: the canonical model name" },
    { name = "top", type = "int", default = 10, help = "rows to show" },
    { name = "format", type = "string", default = "table", choices = { "table", "json", "csv" },
        help = "output format" },
}

M.help = [[
usage: sonde analyze concentration|supply|dispersion|taskmix [options]

  concentration  demand over the imported request logs (or --file): share of the largest
                 family and model, top-k shares, Gini and HHI, and how much of each family's
                 traffic stays on older variants after the newest one appears
  supply         how many providers list a price for a model, against the demand it gets
  dispersion     --model M: each provider's listed price (3 input : 1 output), context,
                 probed median TTFT and decode rate and feature count, with the coefficient
                 of variation of each across providers
  taskmix        per task (or per imported log): quantiles of input and output tokens and
                 the regime they put it in

options:
]] .. args.help(M.spec)

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    local what = pos[1]
    if not what or not analyze[what] or what == "family" or pos[2] then
        cli.usage_error("say which: concentration, supply, dispersion or taskmix")
    end
    local db <close> = cli.try(store.open, opts.db, { readonly = true })
    local res = cli.try(analyze[what], db, opts)
    if opts.format == "json" then
        local list = {}
        for i, t in ipairs(res) do
            list[i] = { title = t.title, columns = t.cols, rows = t.rows, notes = t.notes }
        end
        io.stdout:write(cjson.encode(list), "\n")
        return 0
    end
    for i, t in ipairs(res) do
        if opts.format == "table" then
            io.stdout:write(i > 1 and "\n" or "", t.title, "\n")
        end
        tabular.write(opts.format, t.cols, t.rows)
        for _, n in ipairs(opts.format == "table" and t.notes or {}) do
            io.stdout:write("  ", n, "\n")
        end
    end
    return 0
end

return M
