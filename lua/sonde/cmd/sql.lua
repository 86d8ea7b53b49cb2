-- sonde sql: ask the store anything, in SQL, with sonde's statistics as SQL functions.
local args = require "sonde.args"
local cli = require "sonde.cli"
local store = require "sonde.store"
local tabular = require "sonde.tabular"

local M = {}

M.spec = {
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "the store to read" },
    { name = "format", type = "string", default = "table", choices = { "table", "csv", "json" },
        help = "output format" },
}

M.help = [[
usage: sonde sql [--db FILE] [--format table|csv|json] "SELECT ..."

Runs one SQL statement against the store, read-only, and prints the result. Besides
SQLite's own functions there are sonde's statistics (aggregates; NULLs are skipped):
  percentile(x, p)   p in [0, 1], linear interpolation as numpy's default; exact up to a
                     million values per group, beyond that a sketch within 1% relative error
  median(x), stdev(x) (sample), cv(x), gini(x), hhi(x), topk_share(x, k)
The README documents the tables. Example:
  sonde sql "SELECT endpoint, count(*) n, percentile(ttft_ms, 0.9) p90 FROM requests
             WHERE class = 'ok' GROUP BY endpoint"

options:
]] .. args.help(M.spec)

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    if #pos ~= 1 then
        cli.usage_error("give one SQL statement (quoted)")
    end
    local db <close> = cli.try(store.open, opts.db, { readonly = true })
    local ok, cols, rows = pcall(db.query, db, pos[1])
    if not ok then
        error({ message = "sql: " .. tostring(cols) }, 0)
    end
    tabular.write(opts.format, cols, rows)
    return 0
end

return M
