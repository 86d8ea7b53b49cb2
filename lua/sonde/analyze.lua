-- sonde.analyze: the service-object analyses, on SQL and sonde.stats. Each returns a list
-- of tables to print ({ title, cols, rows, notes }).
--   concentration  demand over a request log (or any {name = amount} map): share of the
--                  largest family, top-k share, Gini, HHI, and whether older variants stay
--                  in use after newer ones appear
--   supply         how many providers list a model against the demand it gets
--   dispersion     across the providers of one model: coefficient of variation of listed
--                  price beside that of latency, throughput, context and feature support
--   taskmix        token-length regimes per task (quantiles of input and output tokens)
local catalog = require "sonde.catalog"
local cjson = require "cjson"
local stats = require "sonde.stats"

local M = {}

local null = cjson.null

local function v(x)
    if x == null then
        return nil
    end
    return x
end

-- A model's family: its canonical name's first word without trailing digits ("qwen3-32b"
-- -> "qwen", "deepseek-v3.2" -> "deepseek", "gpt-oss-120b" -> "gpt").
function M.family(model)
    local c = catalog.canonical(model)
    local word = c:match("^([%a]+)") or c
    return word
end

local function where_import(import)
    if not import then
        return "", {}
    end
    return " AND import_id IN (SELECT id FROM imports WHERE name = ? OR CAST(id AS TEXT) = ?)",
        { import, import }
end

local function pct(x)
    return x and string.format("%.1f%%", 100 * x) or "-"
end

-- demand: list of { name, amount, first, last } (first/last: when first and last seen)
local function demand_from_log(db, opts)
    local w, p = where_import(opts.import)
    local amount = opts.by == "requests" and "count(*)" or
        "sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))"
    local _, rows = db:query("SELECT model, " .. amount .. ", min(ts), max(ts) FROM " ..
        "log_requests WHERE model IS NOT NULL" .. w .. " GROUP BY model", table.unpack(p))
    local out = {}
    for _, r in ipairs(rows) do
        out[#out + 1] = { name = r[1], amount = r[2], first = v(r[3]), last = v(r[4]) }
    end
    return out
end

local function demand_from_file(path)
    local f = assert(io.open(path, "rb"))
    local doc = cjson.decode(f:read("a"))
    f:close()
    local out = {}
    for name, amount in pairs(doc) do
        if type(amount) == "number" then
            out[#out + 1] = { name = name, amount = amount }
        end
    end
    return out
end

function M.concentration(db, opts)
    local d = opts.file and demand_from_file(opts.file) or demand_from_log(db, opts)
    if #d == 0 then
        error("no demand to analyse: import a request log with a model column (sonde import " ..
            "log --map model=...), or give --file with a {model: amount} JSON map", 0)
    end
    local total, amounts, fam = 0, {}, {}
    for i, x in ipairs(d) do
        total = total + x.amount
        amounts[i] = x.amount
        local f = M.family(x.name)
        fam[f] = fam[f] or { name = f, amount = 0, models = {} }
        fam[f].amount = fam[f].amount + x.amount
        table.insert(fam[f].models, x)
    end
    local fams, famamounts = {}, {}
    for _, f in pairs(fam) do
        fams[#fams + 1] = f
    end
    table.sort(fams, function(a, b)
        return a.amount > b.amount
    end)
    local rows = {}
    for i, f in ipairs(fams) do
        famamounts[i] = f.amount
        if i <= (opts.top or 10) then
            rows[#rows + 1] = { f.name, #f.models, string.format("%.4g", f.amount),
                pct(f.amount / total) }
        end
    end
    local unit = opts.file and "amount" or (opts.by == "requests" and "requests" or "tokens")
    local out = { {
        title = string.format("demand by family (%d models in %d families; %s)", #d, #fams,
            unit),
        cols = { "family", "models", unit, "share" }, rows = rows,
    } }
    out[2] = {
        title = "concentration",
        cols = { "measure", "models", "families" },
        rows = {
            { "largest share", pct(stats.topk_share(amounts, 1)),
                pct(stats.topk_share(famamounts, 1)) },
            { "top-5 share", pct(stats.topk_share(amounts, 5)),
                pct(stats.topk_share(famamounts, 5)) },
            { "top-10 share", pct(stats.topk_share(amounts, 10)),
                pct(stats.topk_share(famamounts, 10)) },
            { "Gini", string.format("%.3f", stats.gini(amounts)),
                string.format("%.3f", stats.gini(famamounts)) },
            { "HHI", string.format("%.4f", stats.hhi(amounts)),
                string.format("%.4f", stats.hhi(famamounts)) },
        },
    }
    -- older variants after a newer one appears (needs times: a request log)
    local persist = {}
    for _, f in ipairs(fams) do
        local ms = f.models
        if #ms >= 2 and ms[1].first then
            table.sort(ms, function(a, b)
                return a.first < b.first
            end)
            local newest = ms[#ms]
            local w, p = where_import(opts.import)
            local function after(models)
                local args = { newest.first }
                for _, m in ipairs(models) do
                    args[#args + 1] = m.name
                end
                for _, x in ipairs(p) do
                    args[#args + 1] = x
                end
                local _, r = db:query("SELECT count(*) FROM log_requests WHERE ts >= ? AND " ..
                    "model IN (" .. string.rep("?, ", #models - 1) .. "?)" .. w,
                    table.unpack(args))
                return r[1][1]
            end
            local older = { table.unpack(ms, 1, #ms - 1) }
            local n_old, n_all = after(older), after(ms)
            persist[#persist + 1] = { f.name, newest.name, #older, n_old,
                n_all > 0 and pct(n_old / n_all) or "-" }
        end
    end
    if #persist > 0 then
        out[3] = {
            title = "older variants after the newest one appeared",
            cols = { "family", "newest", "older variants", "their requests after", "share" },
            rows = persist,
        }
    end
    return out
end

-- the latest listing with a price of every service object, by canonical model
local LATEST = [[
SELECT s.id, s.provider, s.model, s.variant, l.price_in, l.price_out, l.context,
       l.features, l.source
FROM service_objects s JOIN listings l ON l.id = (
    SELECT id FROM listings WHERE service_object_id = s.id ORDER BY seen_at DESC, id DESC
    LIMIT 1)]]

function M.supply(db, opts)
    local _, listed = db:query(LATEST .. " WHERE l.price_in IS NOT NULL")
    local providers = {}
    for _, r in ipairs(listed) do
        local m = r[3]
        providers[m] = providers[m] or {}
        providers[m][r[2]] = true
    end
    local d = opts.file and demand_from_file(opts.file) or
        demand_from_log(db, { import = opts.import, by = opts.by })
    local total = 0
    for _, x in ipairs(d) do
        total = total + x.amount
    end
    local merged = {}
    for _, x in ipairs(d) do
        local c = catalog.canonical(x.name)
        merged[c] = (merged[c] or 0) + x.amount
    end
    local rows = {}
    for m, ps in pairs(providers) do
        local n = 0
        for _ in pairs(ps) do
            n = n + 1
        end
        rows[#rows + 1] = { m, n, merged[m] or 0,
            total > 0 and pct((merged[m] or 0) / total) or "-" }
    end
    for m, amount in pairs(merged) do
        if not providers[m] then
            rows[#rows + 1] = { m, 0, amount, pct(amount / total) }
        end
    end
    table.sort(rows, function(a, b)
        if a[3] ~= b[3] then
            return a[3] > b[3]
        end
        if a[2] ~= b[2] then
            return a[2] > b[2]
        end
        return a[1] < b[1]
    end)
    local top = {}
    for i = 1, math.min(#rows, opts.top or 20) do
        top[i] = rows[i]
    end
    return { {
        title = string.format("supply (providers listing a price) against demand (%s)",
            opts.by == "requests" and "requests" or "tokens"),
        cols = { "model", "providers", "demand", "share" }, rows = top,
    } }
end

local function cv(xs)
    if #xs < 2 then
        return nil
    end
    return stats.cv(xs)
end

function M.dispersion(db, opts)
    if not opts.model then
        error("dispersion needs --model (a canonical name, e.g. qwen3-32b)", 0)
    end
    local _, sos = db:query(LATEST .. " WHERE s.model = ? ORDER BY s.provider", opts.model)
    local _, any = db:query("SELECT count(*) FROM endpoint_stats WHERE model = ?", opts.model)
    if #sos == 0 and any[1][1] == 0 then
        error("nothing is known of model '" .. opts.model .. "' (import a catalog or endpoint " ..
            "stats, or probe it)", 0)
    end
    local rows, cols = {}, { price = {}, latency = {}, tps = {}, context = {}, features = {} }
    for _, r in ipairs(sos) do
        local _, m = db:query("SELECT median(ttft_ms), median(decode_tps), count(*) FROM " ..
            "requests WHERE service_object_id = ? AND class IN ('ok', 'truncated')", r[1])
        local ttft, tps = v(m[1][1]), v(m[1][2])
        local from = ttft and "probes" or nil
        if not ttft then
            -- not probed here: what others published for this provider and model, if any
            local _, pub = db:query("SELECT latency_p50_ms, throughput_p50_tps, source FROM " ..
                "endpoint_stats WHERE provider = lower(?) AND model = ? ORDER BY id DESC " ..
                "LIMIT 1", r[2], r[3])
            if pub[1] then
                ttft, tps, from = v(pub[1][1]), v(pub[1][2]), pub[1][3]
            end
        end
        local pin, pout = v(r[5]), v(r[6])
        -- the price a 3:1 input:output mix pays, per million tokens
        local blended = pin and pout and (3 * pin + pout) / 4 or nil
        local nfeat, feats = 0, v(r[8]) and cjson.decode(r[8]) or {}
        for _, on in pairs(feats) do
            if on == true then
                nfeat = nfeat + 1
            end
        end
        rows[#rows + 1] = { r[2], r[4], blended and string.format("%.3f", blended) or "-",
            v(r[7]) or "-", ttft and string.format("%.0f", ttft) or "-",
            tps and string.format("%.1f", tps) or "-", nfeat, from or "-" }
        if blended then
            table.insert(cols.price, blended)
        end
        if ttft then
            table.insert(cols.latency, ttft)
        end
        if tps then
            table.insert(cols.tps, tps)
        end
        if v(r[7]) then
            table.insert(cols.context, r[7])
        end
        table.insert(cols.features, nfeat)
    end
    -- providers with published figures but no listing: their latency and throughput count
    local listed = {}
    for _, r in ipairs(sos) do
        listed[r[2]:lower()] = true
    end
    local _, pub = db:query("SELECT provider, variant, latency_p50_ms, throughput_p50_tps, " ..
        "source FROM endpoint_stats WHERE model = ? ORDER BY provider, id DESC", opts.model)
    local seen = {}
    for _, p in ipairs(pub) do
        if not listed[p[1]] and not seen[p[1]] then
            seen[p[1]] = true
            local ttft, tps = v(p[3]), v(p[4])
            rows[#rows + 1] = { p[1], p[2], "-", "-", ttft and string.format("%.0f", ttft) or "-",
                tps and string.format("%.1f", tps) or "-", "-", p[5] .. " (not listed)" }
            if ttft then
                table.insert(cols.latency, ttft)
            end
            if tps then
                table.insert(cols.tps, tps)
            end
        end
    end
    local function f(x)
        return x and string.format("%.2f", x) or "-"
    end
    rows[#rows + 1] = { "CV", string.format("(%d providers)", #rows), f(cv(cols.price)),
        f(cv(cols.context)), f(cv(cols.latency)), f(cv(cols.tps)), f(cv(cols.features)), "" }
    return { {
        title = string.format("dispersion across the providers of %s (price: USD per million " ..
            "tokens, 3 input : 1 output; latency: median TTFT ms and throughput: median " ..
            "decode tok/s, from the probes stored or else from imported endpoint stats)",
            opts.model),
        cols = { "provider", "variant", "price", "context", "ttft_ms", "decode_tps", "features",
            "latency from" },
        rows = rows,
        notes = { "CV = standard deviation / mean across providers: a price CV well below " ..
            "the latency and throughput CVs is the 'prices are anchored' finding" },
    } }
end

function M.taskmix(db, opts)
    local w, p = where_import(opts.import)
    local _, rows = db:query("SELECT coalesce(task, (SELECT name FROM imports i WHERE i.id = " ..
        "import_id)) t, count(*), percentile(input_tokens, 0.5), percentile(input_tokens, 0.9), " ..
        "percentile(input_tokens, 0.99), percentile(output_tokens, 0.5), " ..
        "percentile(output_tokens, 0.9), percentile(output_tokens, 0.99) FROM log_requests " ..
        "WHERE 1 = 1" .. w .. " GROUP BY t ORDER BY t", table.unpack(p))
    local out = {}
    for _, r in ipairs(rows) do
        local inp, outp = v(r[3]) or 0, v(r[6]) or 0
        local regime = (inp >= 4000 and "long input" or inp >= 1000 and "medium input" or
            "short input") .. ", " .. (outp >= 500 and "long output" or outp >= 100 and
            "medium output" or "short output")
        out[#out + 1] = { r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
            string.format("%.1f", outp > 0 and inp / outp or 0), regime }
    end
    return { {
        title = "task mix: token lengths per task (quantiles, linear interpolation)",
        cols = { "task", "n", "in p50", "in p90", "in p99", "out p50", "out p90", "out p99",
            "in/out", "regime" },
        rows = out,
        notes = { "regimes: input short < 1,000 <= medium < 4,000 <= long tokens; output " ..
            "short < 100 <= medium < 500 <= long (p50s)" },
    } }
end

return M
