-- sonde stats: per endpoint x task (or any --by grouping) over a span of the store: n,
-- success rate, errors by class, and p50/p90/p99/mean of the metrics, each with its 95%
-- interval and a warning where n cannot support the figure.
local args = require "sonde.args"
local cjson = require "cjson"
local cli = require "sonde.cli"
local stats = require "sonde.stats"
local store = require "sonde.store"
local tabular = require "sonde.tabular"
local utc = require "sonde.utc"

local M = {}

M.spec = {
    { name = "db", type = "string", default = "sonde.db", metavar = "FILE",
        help = "the store to read" },
    { name = "by", type = "string", default = "endpoint,task", metavar = "KEYS",
        help = "group by these, comma-separated: endpoint, task, provider, model, variant, run" },
    { name = "since", type = "string", metavar = "WHEN",
        help = "only requests sent after WHEN: 2026-12-01, 2026-12-01T08:00:00Z, or 30m, " ..
            "6h, 7d (ago)" },
    { name = "window", type = "string", metavar = "SPAN",
        help = "split into consecutive windows of SPAN (30m, 1h, 1d)" },
    { name = "format", type = "string", default = "table", choices = { "table", "json", "csv" },
        help = "output format" },
}

M.help = [[
usage: sonde stats [--db FILE] [--by KEYS] [--since WHEN] [--window SPAN] [--format F]

For each group: n, successes and the success rate, error counts by class, and p50, p90, p99
and mean of ttft_ms, ttfr_ms, ttfa_ms, ttfc_ms, tpot_ms, itl_ms (every gap between output events,
pooled from the stored timelines), itl_p50_ms (each request's median gap),
e2e_ms, decode_tps, output_tokens and queue_ms over the successful requests (ok or
truncated), each with its 95% interval: a seeded bootstrap (1,000 resamples) up to 500
values, beyond that order statistics for quantiles and the normal interval for means.
A figure n cannot support is marked * and explained (a quantile p wants at least 5
observations beyond it, a mean at least 10).

options:
]] .. args.help(M.spec)

M.metrics = { "ttft_ms", "ttfr_ms", "ttfa_ms", "ttfc_ms", "tpot_ms", "itl_ms", "itl_p50_ms",
    "e2e_ms", "decode_tps", "output_tokens", "queue_ms" }

local KEYS = {
    endpoint = "r.endpoint", task = "coalesce(r.task, '')", provider = "s.provider",
    model = "s.model", variant = "s.variant", run = "r.run_id",
}

local UNITS = { m = 60, h = 3600, d = 86400, s = 1 }

local function span(text, what)
    local n, u = tostring(text):match("^(%d+%.?%d*)([smhd])$")
    if not n then
        cli.usage_error(string.format("%s '%s' is not a span like 30m, 6h or 7d", what, text))
    end
    return tonumber(n) * UNITS[u]
end

local function since_time(text)
    if text:match("^%d+%.?%d*[smhd]$") then
        return os.time() - span(text, "--since")
    end
    return utc.parse(text) or cli.usage_error("--since '" .. text .. "' is not a time " ..
        "(2026-12-01, 2026-12-01T08:00:00Z) or a span (7d)")
end

local function groups(opts)
    local keys, exprs = {}, {}
    for k in opts.by:gmatch("[^,%s]+") do
        if not KEYS[k] then
            cli.usage_error("--by: unknown key '" .. k .. "' (endpoint, task, provider, " ..
                "model, variant, run)")
        end
        keys[#keys + 1] = k
        exprs[#exprs + 1] = KEYS[k]
    end
    if opts.window then
        local w = span(opts.window, "--window")
        keys[#keys + 1] = "window"
        exprs[#exprs + 1] = string.format("strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', " ..
            "CAST(r.started_at / %d AS INTEGER) * %d, 'unixepoch')", w, w)
    end
    if #keys == 0 then
        cli.usage_error("--by needs at least one key")
    end
    return keys, exprs
end

local function query(db, opts)
    local keys, exprs = groups(opts)
    local where, params = "", {}
    if opts.since then
        where = "WHERE r.started_at >= ?"
        params[1] = since_time(opts.since)
    end
    local cols = {}
    for i, e in ipairs(exprs) do
        cols[i] = e .. " AS k" .. i
    end
    local good = "r.class IN ('ok', 'truncated')"
    local sel = { table.concat(cols, ", "), "count(*)", "sum(" .. good .. ")" }
    for _, m in ipairs(M.metrics) do
        if m == "itl_ms" then
            -- every gap between output events, pooled over the group's timelines
            sel[#sel + 1] = string.format("describe_gaps(CASE WHEN %s THEN t.events END, " ..
                "'art')", good)
        else
            sel[#sel + 1] = string.format("describe(CASE WHEN %s THEN r.%s END)", good, m)
        end
    end
    local from = " FROM requests r LEFT JOIN service_objects s ON s.id = r.service_object_id " ..
        "LEFT JOIN timelines t ON t.request_id = r.id "
    local group = {}
    for i = 1, #keys do
        group[i] = "k" .. i
    end
    local gsql = table.concat(group, ", ")
    local _, rows = db:query("SELECT " .. table.concat(sel, ", ") .. from .. where ..
        " GROUP BY " .. gsql .. " ORDER BY " .. gsql, table.unpack(params))
    local _, errs = db:query("SELECT " .. table.concat(cols, ", ") .. ", r.class, count(*)" ..
        from .. where .. " GROUP BY " .. gsql .. ", r.class", table.unpack(params))
    local by_group = {}
    for _, e in ipairs(errs) do
        local id = table.concat({ table.unpack(e, 1, #keys) }, "\0")
        local class = e[#keys + 1]
        by_group[id] = by_group[id] or {}
        by_group[id][class] = math.tointeger(e[#keys + 2])
    end
    local out = {}
    for _, row in ipairs(rows) do
        local g = { key = {}, metrics = {} }
        for i, k in ipairs(keys) do
            g.key[k] = row[i]
        end
        g.n, g.ok = math.tointeger(row[#keys + 1]), math.tointeger(row[#keys + 2])
        g.success_rate = g.n > 0 and g.ok / g.n or nil
        -- truncated is flagged, not failed (DESIGN.md): counted apart from the errors
        g.errors = by_group[table.concat({ table.unpack(row, 1, #keys) }, "\0")] or {}
        g.truncated = g.errors.truncated or 0
        g.errors.ok, g.errors.truncated = nil, nil
        for i, m in ipairs(M.metrics) do
            local d = row[#keys + 2 + i]
            if d ~= cjson.null then
                d = cjson.decode(d)
                d.n = math.tointeger(d.n)
                d.warnings = {}
                for _, q in ipairs { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 } } do
                    local ok, why = stats.enough(d.n, q[2])
                    if not ok then
                        d.warnings[q[1]] = why
                    end
                end
                local ok, why = stats.enough(d.n)
                if not ok then
                    d.warnings.mean = why
                end
                g.metrics[m] = d
            end
        end
        out[#out + 1] = g
    end
    return keys, out
end

local function fig(d, k)
    local v = d[k]
    if v == nil or v == cjson.null then
        return "-"
    end
    local lo, hi = d[k .. "_lo"], d[k .. "_hi"]
    local s = string.format("%.4g", v)
    if lo ~= nil and lo ~= cjson.null then
        s = s .. string.format(" [%.4g, %.4g]", lo, hi)
    end
    return s .. (d.warnings[k] and "*" or "")
end

local function as_table(keys, gs)
    local out = {}
    for _, g in ipairs(gs) do
        local head = {}
        for _, k in ipairs(keys) do
            head[#head + 1] = k .. "=" .. tostring(g.key[k] ~= "" and g.key[k] or "-")
        end
        local errs = {}
        for c, n in pairs(g.errors) do
            errs[#errs + 1] = c .. " " .. n
        end
        table.sort(errs)
        out[#out + 1] = string.format("%s\n  n %d, ok %d (%.1f%%, %d of them truncated)%s\n",
            table.concat(head, "  "), g.n, g.ok, 100 * (g.success_rate or 0), g.truncated,
            #errs > 0 and ", errors: " .. table.concat(errs, ", ") or "")
        local rows, notes = {}, {}
        for _, m in ipairs(M.metrics) do
            local d = g.metrics[m]
            if d and d.n > 0 then
                rows[#rows + 1] = { m, d.n, fig(d, "p50"), fig(d, "p90"), fig(d, "p99"),
                    fig(d, "mean") }
                for k, why in pairs(d.warnings) do
                    notes[k] = why
                end
            end
        end
        if #rows > 0 then
            local t = tabular.table({ "metric", "n", "p50 [95% CI]", "p90", "p99", "mean" }, rows)
            out[#out + 1] = (t:gsub("\n%(%d+ rows?%)\n$", "\n"):gsub("([^\n]+)", "  %1"))
        end
        local keys_ = {}
        for k in pairs(notes) do
            keys_[#keys_ + 1] = k
        end
        table.sort(keys_)
        for _, k in ipairs(keys_) do
            out[#out + 1] = string.format("  * %s: %s\n", k, notes[k])
        end
        out[#out + 1] = "\n"
    end
    if #gs == 0 then
        out[1] = "no requests in the store match\n"
    end
    return table.concat(out)
end

local function as_csv(keys, gs)
    local cols = { table.unpack(keys) }
    for _, c in ipairs { "n_requests", "ok", "success_rate", "metric", "n", "p50", "p50_lo",
        "p50_hi", "p90", "p90_lo", "p90_hi", "p99", "p99_lo", "p99_hi", "mean", "mean_lo",
        "mean_hi", "warnings" } do
        cols[#cols + 1] = c
    end
    local rows = {}
    for _, g in ipairs(gs) do
        for _, m in ipairs(M.metrics) do
            local d = g.metrics[m]
            if d and d.n > 0 then
                local row = {}
                for i, k in ipairs(keys) do
                    row[i] = g.key[k]
                end
                local w = {}
                for k, why in pairs(d.warnings) do
                    w[#w + 1] = k .. ": " .. why
                end
                table.sort(w)
                for _, v in ipairs { g.n, g.ok, g.success_rate, m, d.n, d.p50, d.p50_lo, d.p50_hi,
                    d.p90, d.p90_lo, d.p90_hi, d.p99, d.p99_lo, d.p99_hi, d.mean, d.mean_lo,
                    d.mean_hi, table.concat(w, "; ") } do
                    row[#row + 1] = v
                end
                rows[#rows + 1] = row
            end
        end
    end
    return tabular.csv(cols, rows)
end

function M.run(argv)
    local opts, pos = args.parse(M.spec, argv)
    if #pos > 0 then
        cli.usage_error("unexpected argument '" .. pos[1] .. "'")
    end
    local db <close> = cli.try(store.open, opts.db, { readonly = true })
    local keys, gs = cli.try(query, db, opts)
    if opts.format == "json" then
        local list = {}
        for i, g in ipairs(gs) do
            list[i] = { group = g.key, n = g.n, ok = g.ok, success_rate = g.success_rate,
                truncated = g.truncated, errors = g.errors, metrics = g.metrics }
        end
        io.stdout:write(cjson.encode({ groups = list }), "\n")
    elseif opts.format == "csv" then
        io.stdout:write(as_csv(keys, gs))
    else
        io.stdout:write(as_table(keys, gs))
    end
    return 0
end

return M
