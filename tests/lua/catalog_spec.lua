-- luacheck: std +busted
-- Price catalogs into dated listings: real LiteLLM and OpenRouter entries, their real
-- defects flagged by name and never stored as prices, and a price change that becomes a
-- new listing row rather than an overwrite.
local cjson = require "cjson"
local catalog = require "sonde.catalog"
local store = require "sonde.store"

local FIX = "tests/fixtures/catalogs/"
local dir

setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
end)

teardown(function()
    os.execute("rm -rf " .. dir)
end)

local function rows(st, sql, ...)
    local _, r = st:query(sql, ...)
    for _, row in ipairs(r) do
        for i, v in ipairs(row) do
            if v == store.null then
                row[i] = nil
            end
        end
    end
    return r
end

local function listing(st, variant)
    return rows(st, "SELECT l.price_in, l.price_out, l.context, l.flags, l.seen_at FROM " ..
        "listings l JOIN service_objects s ON s.id = l.service_object_id WHERE s.variant = ? " ..
        "ORDER BY l.id", variant)
end

local function issues(st, entry)
    local out = {}
    for _, r in ipairs(rows(st, "SELECT problem FROM import_issues WHERE entry = ? ORDER BY " ..
        "rowid", entry)) do
        out[#out + 1] = r[1]
    end
    return out
end

describe("a LiteLLM catalog", function()
    it("lists each chat model per million tokens, dated, and flags every defect by name",
        function()
            local st = store.open(dir .. "/litellm.db")
            local r = catalog.import(st, FIX .. "litellm_extract.2026-08-01.json", "litellm")
            assert.are.equal(8, r.entries) -- sample_spec is not a model
            assert.are.same({ { 0.29, 0.59, 131000, nil, "2026-08-01" } },
                listing(st, "groq/qwen/qwen3-32b"))
            local so = rows(st, "SELECT provider, model FROM service_objects WHERE variant = ?",
                "deepinfra/Qwen/Qwen3-32B")
            assert.are.same({ { "deepinfra", "qwen3-32b" } }, so)
            -- a unit slip of 10^5: flagged, not a price
            local w = listing(st, "wandb/deepseek-ai/DeepSeek-V3.1")[1]
            assert.is_nil(w[1])
            assert.is_nil(w[2])
            assert.are.same({
                "input price implausible: 55000 USD per million tokens (0.055 per token)",
                "output price implausible: 165000 USD per million tokens (0.165 per token)",
            }, issues(st, "wandb/deepseek-ai/DeepSeek-V3.1"))
            assert.are.same(issues(st, "wandb/deepseek-ai/DeepSeek-V3.1"),
                cjson.decode(w[4]))
            assert.are.same({ "input price zero", "output price zero" },
                issues(st, "ollama/llama3"))
            assert.is_nil(listing(st, "ollama/llama3")[1][1])
            assert.are.same({ "input price missing", "output price missing" },
                issues(st, "gradient_ai/alibaba-qwen3-32b"))
            assert.are.same({ "input price missing", "output price missing", "context missing" },
                issues(st, "together_ai/meta-llama/Llama-3.2-3B-Instruct-Turbo"))
            -- tiered: the first tier, and said so
            local d = listing(st, "dashscope/qwen3-max")[1]
            assert.are.same({ 1.2, 6 }, { d[1], d[2] })
            assert.are.same({ "tiered price: 3 tiers by input size; the first (0 to 32000 " ..
                "tokens) is stored" }, issues(st, "dashscope/qwen3-max"))
            -- float noise is rounded, not flagged
            assert.are.same({ 2.99999, 15.00002 }, { table.unpack(listing(st,
                "databricks/databricks-claude-3-7-sonnet")[1], 1, 2) })
            assert.are.same({}, issues(st, "databricks/databricks-claude-3-7-sonnet"))
            assert.are.same({ { 8, 5 } }, rows(st, "SELECT rows, flagged FROM imports"))
            st:close()
        end)

    it("keeps a history: the same catalog again adds nothing, a changed price a new row",
        function()
            local st = store.open(dir .. "/litellm.db")
            local again = catalog.import(st, FIX .. "litellm_extract.2026-08-01.json", "litellm")
            assert.are.equal(0, again.listed)
            local f = assert(io.open(FIX .. "litellm_extract.2026-08-01.json"))
            local doc = cjson.decode(f:read("a"))
            f:close()
            doc["groq/qwen/qwen3-32b"].output_cost_per_token = 6.9e-07
            local path = dir .. "/litellm.2026-09-01.json"
            f = assert(io.open(path, "w"))
            f:write(cjson.encode(doc))
            f:close()
            local later = catalog.import(st, path, "litellm")
            assert.are.equal(1, later.listed)
            assert.are.same({ { 0.29, 0.59, 131000, nil, "2026-08-01" },
                { 0.29, 0.69, 131000, nil, "2026-09-01" } }, listing(st, "groq/qwen/qwen3-32b"))
            st:close()
        end)
end)

describe("an OpenRouter listing", function()
    it("reads prices given as strings and flags the router's -1 and the free models' 0",
        function()
            local st = store.open(dir .. "/openrouter.db")
            local r = catalog.import(st, FIX .. "openrouter_extract.2026-08-01.json",
                "openrouter")
            assert.are.equal(3, r.entries)
            local q = listing(st, "qwen/qwen3-32b")[1]
            assert.are.same({ 0.08, 0.28, 131072 }, { q[1], q[2], q[3] })
            assert.are.same({ "input price negative (-1)", "output price negative (-1)" },
                issues(st, "openrouter/auto"))
            assert.are.same({ "input price zero", "output price zero" },
                issues(st, "inclusionai/ling-3.0-flash:free"))
            local so = rows(st, "SELECT model FROM service_objects WHERE variant = ?",
                "inclusionai/ling-3.0-flash:free")
            assert.are.same({ { "ling-3.0-flash" } }, so)
            st:close()
        end)

    it("that is not one is an error naming the file, and nothing is kept", function()
        local path = dir .. "/wrong.json"
        local f = assert(io.open(path, "w"))
        f:write('{"models": []}')
        f:close()
        local st = store.open(dir .. "/openrouter.db")
        local ok, err = pcall(catalog.import, st, path, "openrouter")
        assert.is_false(ok)
        assert.are.equal("wrong.json: not an OpenRouter /api/v1/models listing (no data array)",
            err)
        assert.are.same({ { 1 } }, rows(st, "SELECT count(*) FROM imports"))
        st:close()
    end)
end)
