-- sonde import: bring request logs (and, later, price catalogs) into the store.
local args = require "sonde.args"
local cli = require "sonde.cli"
local import = require "sonde.import"
local store = require "sonde.store"

local M = {}

M.spec = {
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "the store to import into" },
    { name = "format", type = "string", metavar = "F",
        help = "log: azure, mooncake, csv or jsonl" },
    { name = "map", type = "string", metavar = "FIELD=COL,...",
        help = "csv/jsonl: which column holds ts, model, provider, task, input_tokens, " ..
            "output_tokens, latency_ms, status" },
    { name = "name", type = "string", help = "a name for the import (default: the file name)" },
    { name = "model", type = "string", help = "model of every row, when the file has none" },
    { name = "provider", type = "string", help = "provider of every row, when the file has none" },
    { name = "task", type = "string", help = "task (or application) of every row" },
    { name = "on-error", type = "string", default = "skip", choices = { "skip", "stop" },
        help = "a malformed row is skipped (and noted) or stops the import (nothing is kept)" },
}

M.help = [[
usage: sonde import log FILE --format azure|mooncake|csv|jsonl [--map ...] [options]

Reads a request log into the store's log_requests table, all or nothing:
  azure     the Azure LLM inference trace CSV: TIMESTAMP,ContextTokens,GeneratedTokens
            (times without a zone are taken as UTC)
  mooncake  the Mooncake JSONL trace: timestamp (ms from the start), input_length,
            output_length, hash_ids (timestamps are kept as seconds from the start)
  csv       any CSV with a header, with --map ts=COL,model=COL,input_tokens=COL,...
  jsonl     one JSON object a line, with --map naming the keys
A malformed row is reported as FILE:ROW and the reason; with --on-error skip (the default)
it is left out and listed in import_issues, with --on-error stop the import ends and
nothing of it is kept.

options:
]] .. args.help(M.spec)

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    if pos[1] ~= "log" or not pos[2] or pos[3] then
        cli.usage_error("usage: sonde import log FILE --format F")
    end
    if not opts.format then
        cli.usage_error("--format is needed (azure, mooncake, csv, jsonl)")
    end
    if not import.formats[opts.format] then
        cli.usage_error("unknown format '" .. opts.format .. "' (azure, mooncake, csv, jsonl)")
    end
    local ok, map = pcall(function()
        return opts.map and import.parse_map(opts.map) or nil
    end)
    if not ok then
        cli.usage_error(tostring(map))
    end
    local okdb, st = pcall(store.open, opts.db)
    if not okdb then
        error({ message = tostring(st) }, 0)
    end
    local ok2, res = pcall(import.log, st, pos[2], { format = opts.format, map = map,
        name = opts.name, on_error = opts.on_error, model = opts.model,
        provider = opts.provider, task = opts.task })
    st:close()
    if not ok2 then
        error({ message = tostring(res) }, 0)
    end
    io.stdout:write(string.format("imported %d rows from %s (import %d)%s\n", res.rows, pos[2],
        res.id, res.skipped > 0 and string.format("; skipped %d malformed rows, listed in " ..
            "import_issues", res.skipped) or ""))
    return 0
end

return M
