-- luacheck: std +busted
-- sonde.stats against references nobody here wrote: llmperf's own summaries of its
-- per-request records, and values computed with Python's statistics module (fixtures).
local cjson = require "cjson"
local stats = require "sonde.stats"

local FIX = os.getenv("SONDE_FIXTURES") or "tests/fixtures"

local function load(path)
    local f = assert(io.open(FIX .. "/" .. path))
    local t = cjson.decode(f:read("a"))
    f:close()
    return t
end

local function close_to(want, got, rel, what)
    local tol = rel * math.max(math.abs(want), 1e-12)
    if not (math.abs(got - want) <= tol) then -- luacheck: ignore 581 (NaN must fail)
        error(string.format("%s: expected %.17g, got %.17g", what, want, got), 2)
    end
end

describe("llmperf leaderboard summaries", function()
    -- llmperf summarizes the requests without an error code, with pandas' default quantiles
    -- (linear interpolation) and sample standard deviation; its error rate is over all
    local metrics = { "ttft_s", "inter_token_latency_s", "end_to_end_latency_s",
        "request_output_throughput_token_per_s", "number_output_tokens" }
    for _, name in ipairs { "groq_70b", "lepton_70b", "bedrock_70b", "perplexity_70b",
        "fireworks_70b" } do
        it("are reproduced from the per-request records of " .. name, function()
            local rows = load("llmperf/" .. name .. ".individual.json")
            local sum = load("llmperf/" .. name .. ".summary.json")
            local ok = {}
            for _, r in ipairs(rows) do
                if r.error_code == nil or r.error_code == cjson.null then
                    ok[#ok + 1] = r
                end
            end
            assert.are.equal(sum.results_num_completed_requests, #ok)
            close_to(sum.results_error_rate, (#rows - #ok) / #rows, 1e-12, "error rate")
            for _, m in ipairs(metrics) do
                local xs = {}
                for i, r in ipairs(ok) do
                    xs[i] = r[m]
                end
                local key = "results_" .. m .. "_"
                for _, p in ipairs { 25, 50, 75, 90, 95, 99 } do
                    close_to(sum[key .. "quantiles_p" .. p], stats.quantile(xs, p / 100), 1e-12,
                        name .. " " .. m .. " p" .. p)
                end
                close_to(sum[key .. "mean"], stats.mean(xs), 1e-12, name .. " " .. m .. " mean")
                close_to(sum[key .. "stddev"], stats.stdev(xs), 1e-9, name .. " " .. m .. " sd")
                close_to(tonumber(sum[key .. "min"]), stats.quantile(xs, 0), 0, m .. " min")
                close_to(tonumber(sum[key .. "max"]), stats.quantile(xs, 1), 0, m .. " max")
            end
        end)
    end
end)

describe("against Python's statistics module", function()
    local ref = load("stats/reference.json")
    for name, xs in pairs(ref.samples) do
        it("describes " .. name, function()
            local d = ref.describe[name]
            close_to(d.mean, stats.mean(xs), 1e-12, "mean")
            close_to(d.stdev, stats.stdev(xs), 1e-10, "stdev")
            close_to(d.cv, stats.cv(xs), 1e-10, "cv")
            for p, want in pairs(d.quantiles) do
                close_to(want, stats.quantile(xs, tonumber(p)), 1e-12, "p" .. p)
            end
            close_to(d.min, stats.quantile(xs, 0), 0, "min")
            close_to(d.max, stats.quantile(xs, 1), 0, "max")
        end)
        it("measures the concentration of " .. name, function()
            local c = ref.concentration[name]
            if c.gini ~= cjson.null then
                close_to(c.gini, stats.gini(xs), 1e-10, "gini")
            end
            close_to(c.top1_share, stats.topk_share(xs, 1), 1e-12, "top-1 share")
            close_to(c.top10_share, stats.topk_share(xs, 10), 1e-12, "top-10 share")
            close_to(c.hhi, stats.hhi(xs), 1e-10, "hhi")
            local l = stats.lorenz(xs, 10)
            assert.are.equal(11, #l)
            for i = 1, 11 do
                close_to(c.lorenz10[i], l[i], 1e-10, "lorenz point " .. i)
            end
        end)
    end
    for name, want in pairs(ref.compare) do
        it("compares two samples: " .. name, function()
            local a, b
            if name == "groq_vs_fireworks" then
                a, b = ref.samples.groq_ttft, ref.samples.fireworks_ttft
            elseif name == "ties_vs_shifted" then
                a, b = {}, {}
                for i = 1, 100 do
                    a[i] = ref.samples.ties[i]
                    b[i] = ref.samples.ties[100 + i] + 1
                end
            else
                a = { table.unpack(ref.samples.ties, 1, 100) }
                b = { table.unpack(ref.samples.ties, 1, 100) }
            end
            local r = stats.mann_whitney(a, b)
            close_to(want.u, r.u, 1e-12, "U")
            close_to(want.z, r.z, 1e-9, "z")
            close_to(want.p, r.p, 1e-6, "p")
            close_to(want.cliffs_delta, r.cliffs_delta, 1e-12, "Cliff's delta")
        end)
    end
end)

describe("the sketch", function()
    local ref = load("stats/reference.json")
    it("keeps every quantile within 1% of the exact one", function()
        local xs = ref.samples.lognormal
        local s = stats.sketch()
        for _, v in ipairs(xs) do
            s:add(v)
        end
        assert.are.equal(#xs, s:count())
        for p = 0, 1, 0.01 do
            local exact = stats.quantile(xs, p)
            local got = s:quantile(p)
            assert(math.abs(got - exact) <= 0.01 * exact,
                string.format("p%.2f: exact %.6g, sketch %.6g", p, exact, got))
        end
    end)
    it("merges: two halves give what the whole gives", function()
        local xs = ref.samples.lognormal
        local whole, a, b = stats.sketch(), stats.sketch(), stats.sketch()
        for i, v in ipairs(xs) do
            whole:add(v);
            (i % 2 == 0 and a or b):add(v)
        end
        a:merge(b)
        for _, p in ipairs { 0.1, 0.5, 0.9, 0.99 } do
            assert.are.equal(whole:quantile(p), a:quantile(p))
        end
    end)
    it("stays bounded over values spanning 10^40, and keeps the high end exact to 1%", function()
        local s, xs = stats.sketch(), {}
        for i = -20, 20, 0.001 do
            xs[#xs + 1] = 10 ^ i
        end
        xs[#xs + 1] = 0
        xs[#xs + 1] = -5
        for _, v in ipairs(xs) do
            s:add(v)
        end
        assert(s:bytes() <= 2 * 4096 * 8 + 1024, "sketch grew to " .. s:bytes() .. " bytes")
        close_to(-5, s:quantile(0), 0.01, "the negative minimum")
        for _, p in ipairs { 0.5, 0.9, 0.99, 1 } do
            close_to(stats.quantile(xs, p), s:quantile(p), 0.01, "p" .. p)
        end
    end)
end)

describe("the bootstrap", function()
    local xs = load("stats/reference.json").samples.groq_ttft
    it("is reproducible from its seed and covers the estimate", function()
        local lo, hi = stats.bootstrap(xs, "mean", { seed = "18446744073709551557", b = 2000 })
        local lo2, hi2 = stats.bootstrap(xs, "mean", { seed = "18446744073709551557", b = 2000 })
        assert.are.equal(lo, lo2)
        assert.are.equal(hi, hi2)
        local m = stats.mean(xs)
        assert(lo < m and m < hi, string.format("%g not in [%g, %g]", m, lo, hi))
        -- the normal interval for a mean, 1.96 standard errors, is close for n = 150
        local se = stats.stdev(xs) / math.sqrt(#xs)
        close_to(m - 1.96 * se, lo, 0.03, "lower bound")
        close_to(m + 1.96 * se, hi, 0.03, "upper bound")
    end)
    it("takes its options as optional", function()
        local lo, hi = stats.bootstrap(xs, "mean")
        assert(lo < stats.mean(xs) and stats.mean(xs) < hi)
    end)
    it("takes any statistic as a function", function()
        local lo, hi = stats.bootstrap(xs, function(s) return stats.quantile(s, 0.9) end,
            { seed = 3, b = 300 })
        local lo2, hi2 = stats.bootstrap(xs, "quantile", { p = 0.9, seed = 3, b = 300 })
        assert.are.equal(lo2, lo)
        assert.are.equal(hi2, hi)
    end)
end)

describe("describe and slo", function()
    it("describe gives n, mean, quantiles with intervals, and warns on small n", function()
        local xs = {}
        for i = 1, 40 do
            xs[i] = i
        end
        local d = stats.describe(xs, { seed = 5 })
        assert.are.equal(40, d.n)
        assert.are.equal(20.5, d.mean)
        assert.are.equal(stats.quantile(xs, 0.9), d.quantiles[0.9])
        local lo, hi = table.unpack(d.quantile_ci[0.5])
        assert(lo <= d.quantiles[0.5] and d.quantiles[0.5] <= hi)
        assert.falsy(d.warnings[0.5])
        assert.truthy(d.warnings[0.99]) -- 40 requests leave 0.4 beyond p99
        assert.truthy(d.warnings[0.9]) -- and 4 beyond p90 (want 5)
    end)

    it("slo counts a request as met only when it succeeded within every limit", function()
        local recs = {
            { class = "ok", ttft_ms = 100, tpot_ms = 10 },
            { class = "truncated", ttft_ms = 200, tpot_ms = 20 },
            { class = "ok", ttft_ms = 600, tpot_ms = 10 },  -- too slow to start
            { class = "ok", ttft_ms = 100 },                 -- no tpot: not met
            { class = "rate_limited" },
        }
        local share, goodput = stats.slo(recs, { ttft_ms = 500, tpot_ms = 50 }, 10)
        assert.are.equal(2 / 5, share)
        assert.are.equal(0.2, goodput)
    end)
end)
