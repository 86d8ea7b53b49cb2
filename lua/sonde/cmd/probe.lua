-- sonde probe: measure one endpoint (or several) and print the summary.
local args = require "sonde.args"
local cjson = require "cjson"
local cli = require "sonde.cli"
local config = require "sonde.config"
local endpoint = require "sonde.endpoint"
local report = require "sonde.report"
local session = require "sonde.session"
local store = require "sonde.store"
local summary = require "sonde.summary"
local sys = require "sonde.sys"

local M = {}

M.spec = {
    { name = "base-url", type = "string", metavar = "URL",
        help = "probe any OpenAI-compatible endpoint at URL (no adapter needed)" },
    { name = "model", type = "string", metavar = "ID", help = "model id, with --base-url" },
    { name = "api-key-env", type = "string", metavar = "VAR",
        help = "environment variable holding the API key" },
    { name = "protocol", type = "string", default = "openai-chat",
        help = "protocol, with --base-url" },
    { name = "requests", short = "n", type = "int", default = 10, help = "requests per endpoint" },
    { name = "concurrency", short = "c", type = "int", default = 1,
        help = "closed loop: requests in flight per endpoint" },
    { name = "rate", type = "number", help = "open loop: requests per second per endpoint" },
    { name = "arrival", type = "string", default = "constant",
        choices = { "constant", "poisson", "gamma" }, help = "open-loop arrivals" },
    { name = "burstiness", type = "number", default = 1,
        help = "gamma arrivals: coefficient of variation of the gaps" },
    { name = "seed", type = "int", default = 1, help = "seed for arrivals" },
    { name = "max-tokens", type = "int", default = 256, help = "max_tokens of each request" },
    { name = "prompt-tokens", type = "int", default = 64,
        help = "synthetic prompt size (unique nonce prefix)" },
    { name = "no-stream", type = "flag", help = "ask for whole responses instead of SSE" },
    { name = "timeout-connect", type = "int", default = 10000, metavar = "MS",
        help = "connect timeout" },
    { name = "timeout-first", type = "int", default = 60000, metavar = "MS",
        help = "time to the first output event" },
    { name = "timeout-idle", type = "int", default = 30000, metavar = "MS",
        help = "longest gap between received bytes" },
    { name = "timeout-total", type = "int", default = 300000, metavar = "MS",
        help = "whole request" },
    { name = "max-response", type = "int", metavar = "BYTES",
        help = "cap on one response's size (default 64 MiB)" },
    { name = "http", type = "string", choices = { "1.1", "2", "2-prior-knowledge" },
        help = "HTTP version (default: libcurl's choice, HTTP/2 over TLS when offered)" },
    { name = "insecure", type = "flag", help = "do not verify TLS certificates" },
    { name = "fresh-connection", type = "flag",
        help = "a new connection for every request (times DNS, connect and TLS each time)" },
    { name = "format", type = "string", default = "table", choices = { "table", "json" },
        help = "summary format" },
    { name = "out", type = "string", metavar = "FILE.jsonl",
        help = "write one JSON record per request, with its event timeline" },
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "SQLite store every request is kept in" },
    { name = "no-db", type = "flag", help = "keep nothing (no --db)" },
}

M.help = [[
usage: sonde probe PROVIDER/MODEL [options]
       sonde probe --base-url URL --model ID [--api-key-env VAR] [options]

Sends requests to an endpoint and prints, per endpoint: n, successes, errors by class, and
p50/p90/p99/mean of ttft_ms, ttfr_ms, ttfa_ms, tpot_ms, itl_ms, e2e_ms, decode_tps and
output_tokens, with where the token counts came from (usage or estimate).

PROVIDER is an adapter in providers/ (sonde providers lists them); MODEL is its canonical
model name or the provider's id. Several PROVIDER/MODEL arguments are probed side by side.

options:
]] .. args.help(M.spec)

local function endpoints(opts, pos)
    local eps = {}
    if opts.base_url then
        if not opts.model then
            cli.usage_error("--base-url needs --model")
        end
        local ad = endpoint.adapter("openai_compat")
        if opts.protocol ~= ad.protocol then
            ad = endpoint.with_protocol(ad, opts.protocol)
        end
        -- where it is served: host and path, without the scheme and the API version
        -- (http://127.0.0.1:8089/swift/v1 -> 127.0.0.1:8089/swift), so that two endpoints
        -- on one host stay two service objects
        local host = opts.base_url:gsub("^%a+://", ""):gsub("/+$", ""):gsub("/v%d+$", "")
        eps[1] = endpoint.new { adapter = ad, base_url = opts.base_url,
            model_entry = { id = opts.model, canonical = opts.model },
            auth_env = opts.api_key_env, provider = host,
            label = opts.model .. "@" .. host }
    end
    for _, p in ipairs(pos) do
        local prov, model = p:match("^([^/]+)/(.+)$")
        if not prov then
            cli.usage_error("'" .. p .. "' is not PROVIDER/MODEL")
        end
        eps[#eps + 1] = endpoint.new { adapter = prov, model = model,
            auth_env = opts.api_key_env }
    end
    if #eps == 0 then
        cli.usage_error("nothing to probe: give PROVIDER/MODEL or --base-url and --model")
    end
    return eps
end

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    if opts.requests < 1 or opts.concurrency < 1 then
        cli.usage_error("-n and -c must be at least 1")
    end
    local eps = endpoints(opts, pos)
    local out
    if opts.out then
        local err
        out, err = io.open(opts.out, "w")
        if not out then
            error({ message = "cannot write " .. opts.out .. ": " .. err }, 0)
        end
    end
    local db, run_id, so_of
    if not opts.no_db then
        db = cli.try(store.open, opts.db)
        run_id = db:start_run("probe", cjson.encode {
            requests = opts.requests, concurrency = opts.concurrency, rate = opts.rate,
            arrival = opts.arrival, burstiness = opts.burstiness, seed = opts.seed,
            max_tokens = opts.max_tokens, prompt_tokens = opts.prompt_tokens,
            stream = not opts.no_stream, http = opts.http,
            endpoints = (function()
                local l = {}
                for i, ep in ipairs(eps) do
                    l[i] = ep.label
                end
                return l
            end)(),
        }, config.version)
        so_of = {}
        for _, ep in ipairs(eps) do
            so_of[ep.label] = store.note_endpoint(db, ep)
        end
        db:flush()
    end
    -- Ctrl-C (or SIGTERM) ends the run cleanly: requests in flight are cancelled, and what
    -- was measured is still reported and written
    sys.block_signals()
    local signal
    local records, stopped = session.run {
        endpoints = eps, n = opts.requests, concurrency = opts.concurrency, rate = opts.rate,
        arrival = opts.arrival, burstiness = opts.burstiness, seed = opts.seed,
        max_tokens = opts.max_tokens, prompt_tokens = opts.prompt_tokens,
        stream = not opts.no_stream, http = opts.http, insecure = opts.insecure,
        fresh_connection = opts.fresh_connection,
        max_response = opts.max_response,
        timeouts = { connect = opts.timeout_connect, first = opts.timeout_first,
            idle = opts.timeout_idle, total = opts.timeout_total },
        on_record = (out or db) and function(r)
            if out then
                out:write(report.record_line(r), "\n")
            end
            if db then
                db:request(run_id, so_of[r.endpoint], r)
            end
        end,
        tick = db and function()
            db:tick()
        end,
        stop = function()
            signal = signal or sys.take_signal()
            return signal ~= nil
        end,
    }
    if out then
        out:close()
    end
    if db then
        db:end_run(run_id, stopped)
        db:close()
    end
    local sums = summary.by_endpoint(records)
    if opts.format == "json" then
        io.stdout:write(report.json(sums), "\n")
    else
        io.stdout:write(report.table(sums, summary.metrics))
    end
    if stopped then
        io.stderr:write("sonde: stopped by ", signal, "; requests in flight were cancelled\n")
        return 130
    end
    return 0
end

return M
