-- luacheck: std +busted
-- The service-object analyses on a log and catalog whose answers are known by construction.
local analyze = require "sonde.analyze"
local catalog = require "sonde.catalog"
local import = require "sonde.import"
local stats = require "sonde.stats"
local store = require "sonde.store"

local dir, st

-- A log of 100 requests: qwen3-32b 50 (its older variant qwen2.5-72b 10, of which 4 come
-- after qwen3-32b first appears), llama-3.3-70b 30, gpt-oss-120b 10; each 100 tokens.
local function log_csv()
    local lines = { "ts,model,task,in,out" }
    local function add(n, model, t0, task, inp, out)
        for i = 1, n do
            lines[#lines + 1] = string.format("%d,%s,%s,%d,%d", t0 + i, model, task, inp, out)
        end
    end
    add(6, "qwen2.5-72b", 0, "chat", 90, 10)
    add(50, "qwen3-32b", 100, "chat", 90, 10)
    add(4, "qwen2.5-72b", 200, "chat", 90, 10)
    add(30, "llama-3.3-70b", 300, "code", 95, 5)
    add(10, "gpt-oss-120b", 400, "agent", 60, 40)
    return table.concat(lines, "\n") .. "\n"
end

setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local path = dir .. "/log.csv"
    local f = assert(io.open(path, "w"))
    f:write(log_csv())
    f:close()
    st = store.open(dir .. "/a.db")
    import.log(st, path, { format = "csv", map = import.parse_map(
        "ts=ts,model=model,task=task,input_tokens=in,output_tokens=out") })
    catalog.import(st, "tests/fixtures/catalogs/litellm_extract.2026-08-01.json", "litellm")
    catalog.import(st, "tests/fixtures/catalogs/openrouter_extract.2026-08-01.json",
        "openrouter")
end)

teardown(function()
    st:close()
    os.execute("rm -rf " .. dir)
end)

local function row(t, first)
    for _, r in ipairs(t.rows) do
        if r[1] == first then
            return r
        end
    end
end

describe("concentration", function()
    it("gives family shares, top-k, Gini and the older variants' share", function()
        local out = analyze.concentration(st.db, {})
        assert.are.same({ "qwen", 2, "6000", "60.0%" }, row(out[1], "qwen"))
        assert.are.same({ "llama", 1, "3000", "30.0%" }, row(out[1], "llama"))
        local c = out[2]
        assert.are.same({ "largest share", "50.0%", "60.0%" }, row(c, "largest share"))
        -- Gini of the model amounts 5000, 3000, 1000, 1000 tokens
        assert.are.equal(string.format("%.3f", stats.gini { 5000, 3000, 1000, 1000 }),
            row(c, "Gini")[2])
        assert.are.same({ "qwen", "qwen3-32b", 1, 4, "7.4%" }, row(out[3], "qwen"))
    end)

    it("reads demand from a {model: amount} map as well", function()
        local path = dir .. "/rank.json"
        local f = assert(io.open(path, "w"))
        f:write('{"a-1": 30, "a-2": 10, "b": 60}')
        f:close()
        local out = analyze.concentration(st.db, { file = path })
        assert.are.same({ "b", 1, "60", "60.0%" }, out[1].rows[1])
        assert.are.same({ "a", 2, "40", "40.0%" }, out[1].rows[2])
    end)
end)

describe("task mix", function()
    it("gives token quantiles and the regime per task", function()
        local out = analyze.taskmix(st.db, {})[1]
        local code = row(out, "code")
        assert.are.same({ "code", 30, 95, 95, 95, 5, 5, 5 }, { table.unpack(code, 1, 8) })
        assert.are.equal("short input, short output", code[10])
        assert.are.equal(60, row(out, "chat")[2])
    end)
end)

describe("dispersion", function()
    it("lists each provider's blended price and the CV across them", function()
        local out = analyze.dispersion(st.db, { model = "qwen3-32b" })[1]
        -- groq 0.29/0.59, deepinfra 0.10/0.28, openrouter 0.08/0.28 (3:1 blend)
        local blends = { (3 * 0.29 + 0.59) / 4, (3 * 0.10 + 0.28) / 4, (3 * 0.08 + 0.28) / 4 }
        assert.are.equal(string.format("%.3f", blends[1]), row(out, "groq")[3])
        assert.are.equal(string.format("%.2f", stats.cv(blends)), row(out, "CV")[3])
        assert.are.equal("(3 providers)", row(out, "CV")[2])
    end)

    it("takes latency and throughput from imported endpoint stats where nothing was probed",
        function()
            import.endpoint_stats(st, "tests/fixtures/measurements/" ..
                "openrouter_endpoint_stats_2026-08.csv")
            local out = analyze.dispersion(st.db, { model = "qwen3-32b" })[1]
            local groq = row(out, "groq")
            assert.are.same({ "417", "245.0", "openrouter" }, { groq[5], groq[6], groq[8] })
            assert.are.equal("openrouter", row(out, "deepinfra")[8])
            local cvrow = row(out, "CV")
            assert.are.equal(string.format("%.2f", stats.cv { 442.5, 417 }), cvrow[5])
            assert.are.equal(string.format("%.2f", stats.cv { 28, 245 }), cvrow[6])
            -- deepseek-v3.2 is listed by no one here: all three rows come from the stats
            local ds = analyze.dispersion(st.db, { model = "deepseek-v3.2" })[1]
            assert.are.same({ "atlascloud", "baidu", "deepinfra", "CV" },
                { ds.rows[1][1], ds.rows[2][1], ds.rows[3][1], ds.rows[4][1] })
            assert.are.equal(string.format("%.2f", stats.cv { 1537, 1024, 4753 }), ds.rows[4][5])
            assert.has_error(function()
                analyze.dispersion(st.db, { model = "no-such-model" })
            end)
        end)
end)

describe("supply", function()
    it("counts the providers listing a price beside the demand", function()
        local out = analyze.supply(st.db, {})[1]
        assert.are.same({ "qwen3-32b", 3, 5000, "50.0%" }, row(out, "qwen3-32b"))
        assert.are.same({ "llama-3.3-70b", 0, 3000, "30.0%" }, row(out, "llama-3.3-70b"))
    end)
end)
