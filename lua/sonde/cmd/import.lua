-- sonde import: bring request logs and price catalogs into the store.
local args = require "sonde.args"
local catalog = require "sonde.catalog"
local cli = require "sonde.cli"
local import = require "sonde.import"
local store = require "sonde.store"

local M = {}

M.spec = {
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "the store to import into" },
    { name = "format", type = "string", metavar = "F",
        help = "log: azure, mooncake, csv or jsonl; catalog: litellm or openrouter" },
    { name = "as-of", type = "string", metavar = "YYYY-MM-DD",
        help = "catalog: the date its prices held (default: a date in the file name, else today)" },
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
       sonde import catalog FILE --format litellm|openrouter [--as-of DATE]
       sonde import endpoints FILE

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

A catalog (LiteLLM's model_prices_and_context_window.json, or OpenRouter's /api/v1/models
listing) becomes dated listings of service objects (provider x model variant), USD per
million tokens; a listing is written only when it differs from the last one from the same
catalog. Entries with a missing, zero, negative, implausible (a unit slip: over 1,000 USD
per million tokens) or tiered price, or no context, are flagged by name in import_issues;
a flagged price is never stored as a price (a tiered one keeps its first tier, flagged).

Endpoint stats (a CSV with source, provider, model, uptime_last_30m, latency_ms_p50..p99,
throughput_tps_p50..p99, as OpenRouter publishes per endpoint) go into endpoint_stats;
sonde analyze dispersion uses them for providers sonde has not probed.

options:
]] .. args.help(M.spec)

local function run_catalog(opts, path)
    if not catalog.formats[opts.format or ""] then
        cli.usage_error("--format must be litellm or openrouter for a catalog")
    end
    if opts.as_of and not opts.as_of:match("^%d%d%d%d%-%d%d%-%d%d$") then
        cli.usage_error("--as-of must be a date, YYYY-MM-DD")
    end
    local st <close> = cli.try(store.open, opts.db)
    local res = cli.try(catalog.import, st, path, opts.format, opts.as_of)
    io.stdout:write(string.format("imported %d entries from %s (import %d): %d new listings, " ..
        "%d entries flagged (see import_issues)\n", res.entries, path, res.id, res.listed,
        res.flagged))
    return 0
end

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    if pos[1] == "catalog" and pos[2] and not pos[3] then
        return run_catalog(opts, pos[2])
    end
    if pos[1] == "endpoints" and pos[2] and not pos[3] then
        local st <close> = cli.try(store.open, opts.db)
        local res = cli.try(import.endpoint_stats, st, pos[2])
        io.stdout:write(string.format("imported %d endpoint stats from %s (import %d)\n",
            res.rows, pos[2], res.id))
        return 0
    end
    if pos[1] ~= "log" or not pos[2] or pos[3] then
        cli.usage_error("usage: sonde import log|catalog|endpoints FILE [--format F]")
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
    local st <close> = cli.try(store.open, opts.db)
    local res = cli.try(import.log, st, pos[2], { format = opts.format, map = map,
        name = opts.name, on_error = opts.on_error, model = opts.model,
        provider = opts.provider, task = opts.task })
    io.stdout:write(string.format("imported %d rows from %s (import %d)%s\n", res.rows, pos[2],
        res.id, res.skipped > 0 and string.format("; skipped %d malformed rows, listed in " ..
            "import_issues", res.skipped) or ""))
    return 0
end

return M
