-- sonde.stats: the C statistics library (sonde.stats.core) and the summaries built on it.
-- Every function of the core is here too: quantile, quantiles, mean, stdev, cv, gini,
-- topk_share, hhi, lorenz, mann_whitney, bootstrap, sketch (see core/l_stats.c).
local core = require "sonde.stats.core"

local M = setmetatable({}, { __index = core })

-- A figure needs enough data behind it: a quantile p wants at least MIN_TAIL observations
-- beyond it (n * (1 - p) >= 5, so p99 wants 500 requests), a mean at least MIN_N.
M.MIN_TAIL, M.MIN_N = 5, 10

-- Is n enough for the statistic "mean" or quantile p? Returns ok, and the reason when not.
function M.enough(n, p)
    if p == nil then
        if n >= M.MIN_N then
            return true
        end
        return false, string.format("n=%d is below %d", n, M.MIN_N)
    end
    local tail = math.min(p, 1 - p) * n
    if tail >= M.MIN_TAIL then
        return true
    end
    return false, string.format("n=%d leaves %.1f observations beyond p%g (want %d)", n, tail,
        p * 100, M.MIN_TAIL)
end

-- n, mean and the given quantiles of xs, each with a seeded 95% bootstrap interval and a
-- warning when n cannot support it. opts: ps ({0.5, 0.9, 0.99}), b (1000), seed (1),
-- level (0.95).
function M.describe(xs, opts)
    opts = opts or {}
    local ps = opts.ps or { 0.5, 0.9, 0.99 }
    local boot = { b = opts.b or 1000, seed = opts.seed or 1, level = opts.level or 0.95 }
    local out = { n = #xs, warnings = {} }
    if #xs == 0 then
        return out
    end
    out.mean = core.mean(xs)
    out.mean_ci = { core.bootstrap(xs, "mean", boot) }
    local ok, why = M.enough(#xs)
    if not ok then
        out.warnings.mean = why
    end
    out.quantiles, out.quantile_ci = {}, {}
    local qs = core.quantiles(xs, ps)
    for i, p in ipairs(ps) do
        out.quantiles[p] = qs[i]
        boot.p = p
        out.quantile_ci[p] = { core.bootstrap(xs, "quantile", boot) }
        ok, why = M.enough(#xs, p)
        if not ok then
            out.warnings[p] = why
        end
    end
    return out
end

-- SLO attainment and goodput over request records: a request meets the SLO when it
-- succeeded and every limit holds (limits: field name to its maximum, e.g. { ttft_ms = 500,
-- tpot_ms = 50 }; a missing figure fails). Returns the share of all requests that met it,
-- and, given a duration in seconds, the goodput (requests meeting it per second).
function M.slo(records, limits, duration_s)
    local met = 0
    for _, r in ipairs(records) do
        local good = r.class == "ok" or r.class == "truncated"
        for k, lim in pairs(limits) do
            local v = r[k]
            if not (good and v and v <= lim) then
                good = false
                break
            end
        end
        if good then
            met = met + 1
        end
    end
    local share = #records > 0 and met / #records or 0 / 0
    return share, duration_s and duration_s > 0 and met / duration_s or nil
end

return M
