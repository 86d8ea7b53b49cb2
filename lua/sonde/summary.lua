-- sonde.summary: per-endpoint aggregates of request records: counts, error classes, and
-- p50/p90/p99/mean of each metric over the requests that succeeded.
--
-- Quantiles use linear interpolation between order statistics, the default of numpy
-- (method "linear") and pandas: h = (n - 1) p, then
-- x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
local errors = require "sonde.errors"

local M = {}

M.metrics = { "ttft_ms", "ttfr_ms", "ttfa_ms", "tpot_ms", "itl_ms", "e2e_ms", "decode_tps",
    "output_tokens", "tokens_per_chunk" }

function M.quantile(sorted, p)
    local n = #sorted
    if n == 0 then
        return nil
    end
    local h = (n - 1) * p
    local lo = math.floor(h)
    local x = sorted[lo + 1]
    if lo + 1 >= n then
        return x
    end
    return x + (h - lo) * (sorted[lo + 2] - x)
end

function M.describe(values)
    if #values == 0 then
        return nil
    end
    table.sort(values)
    local sum = 0
    for _, v in ipairs(values) do
        sum = sum + v
    end
    return {
        n = #values,
        p50 = M.quantile(values, 0.5),
        p90 = M.quantile(values, 0.9),
        p99 = M.quantile(values, 0.99),
        mean = sum / #values,
    }
end

-- records -> list of { endpoint, n, ok, errors = { class = count }, tokens_source,
--   <metric> = { n, p50, p90, p99, mean } }, in the order the endpoints were given (records
--   carry endpoint_index), else in the order they first appear.
function M.by_endpoint(records)
    local groups, order = {}, {}
    for _, r in ipairs(records) do
        local g = groups[r.endpoint]
        if not g then
            g = { endpoint = r.endpoint, url = r.url, model = r.model, records = {} }
            groups[r.endpoint] = g
            order[#order + 1] = g
        end
        g.records[#g.records + 1] = r
    end
    table.sort(order, function(a, b)
        return (a.records[1].endpoint_index or 0) < (b.records[1].endpoint_index or 0)
    end)
    local out = {}
    for _, g in ipairs(order) do
        local s = { endpoint = g.endpoint, url = g.url, model = g.model, n = #g.records, ok = 0,
            errors = {} }
        local vals = {}
        for _, m in ipairs(M.metrics) do
            vals[m] = {}
        end
        local sources = {}
        for _, r in ipairs(g.records) do
            if errors.success[r.class] then
                s.ok = s.ok + 1
                for _, m in ipairs(M.metrics) do
                    local v = r[m]
                    if type(v) == "table" then
                        table.move(v, 1, #v, #vals[m] + 1, vals[m])
                    elseif v then
                        vals[m][#vals[m] + 1] = v
                    end
                end
                sources[r.tokens_source] = true
            end
            if r.class ~= "ok" then
                s.errors[r.class] = (s.errors[r.class] or 0) + 1
            end
        end
        for _, m in ipairs(M.metrics) do
            s[m] = M.describe(vals[m])
        end
        s.tokens_source = (sources.usage and sources.estimate) and "mixed"
            or (sources.estimate and "estimate") or (sources.usage and "usage") or "none"
        out[#out + 1] = s
    end
    return out
end

return M
