-- sonde.catalog: price catalogs into dated listings of service objects, with every defect
-- flagged. Formats: LiteLLM's model_prices_and_context_window.json and OpenRouter's
-- /api/v1/models listing. Prices become USD per million tokens. An entry whose price is
-- missing, zero, negative, implausible (over MAX_PER_MTOK) or tiered is flagged by name in
-- import_issues and its listing carries the flags; a flagged price is never stored as a
-- price (a tiered entry keeps its first tier, flagged as such).
local cjson = require "cjson"
local files = require "sonde.files"
local store = require "sonde.store"

local M = {}

-- Above this (USD per million tokens) a text price is taken for a unit slip: the dearest
-- real ones are a few hundred (LiteLLM's wandb entries are 10^5 to 10^6 too high).
M.MAX_PER_MTOK = 1000

-- The canonical model name of a provider's id: its last path segment, lowercased, without
-- an OpenRouter variant tag (":free", ":nitro"). "groq/qwen/qwen3-32b" -> "qwen3-32b".
function M.canonical(id)
    local last = tostring(id):match("([^/]+)$") or tostring(id)
    return (last:lower():gsub(":[%w%-]+$", ""))
end

local function num(v)
    if v == nil or v == cjson.null then
        return nil
    end
    return tonumber(v)
end

-- per-token price -> per-million, rounded to 9 significant digits (catalogs carry float
-- noise such as 1.5000300000000002e-06)
local function per_mtok(v)
    return tonumber(string.format("%.9g", v * 1e6))
end

-- Judge one price pair; returns price_in, price_out (per Mtok, or nil) and the flags.
local function judge(pin, pout, flags)
    local out, prices = {}, { pin, pout }
    for i = 1, 2 do -- (not ipairs: a missing price is a nil)
        local p = prices[i]
        local which = i == 1 and "input" or "output"
        if p == nil then
            flags[#flags + 1] = which .. " price missing"
        elseif p < 0 then
            flags[#flags + 1] = string.format("%s price negative (%g)", which, p)
        elseif p == 0 then
            flags[#flags + 1] = which .. " price zero"
        elseif per_mtok(p) > M.MAX_PER_MTOK then
            flags[#flags + 1] = string.format("%s price implausible: %g USD per million " ..
                "tokens (%g per token)", which, per_mtok(p), p)
        else
            out[i] = per_mtok(p)
        end
    end
    return out[1], out[2]
end


-- LiteLLM: one entry per key; chat models only.
local function litellm(doc)
    local list = {}
    for key, e in pairs(doc) do
        if key ~= "sample_spec" and type(e) == "table" and e.mode == "chat" then
            local flags = {}
            local pin, pout
            local tiers = e.tiered_pricing
            if type(tiers) == "table" and #tiers > 0 and num(e.input_cost_per_token) == nil then
                table.sort(tiers, function(a, b)
                    return (num(a.range and a.range[1]) or 0) < (num(b.range and b.range[1]) or 0)
                end)
                local t = tiers[1]
                pin, pout = judge(num(t.input_cost_per_token), num(t.output_cost_per_token),
                    flags)
                flags[#flags + 1] = string.format("tiered price: %d tiers by input size; the " ..
                    "first (%s to %s tokens) is stored", #tiers,
                    tostring(math.tointeger(num(t.range[1])) or t.range[1]),
                    tostring(math.tointeger(num(t.range[2])) or t.range[2]))
            else
                pin, pout = judge(num(e.input_cost_per_token), num(e.output_cost_per_token),
                    flags)
            end
            local context = num(e.max_input_tokens) or num(e.max_tokens)
            if not context then
                flags[#flags + 1] = "context missing"
            end
            list[#list + 1] = {
                entry = key, provider = tostring(e.litellm_provider or key:match("^([^/]+)/")
                    or "unknown"), variant = key, model = M.canonical(key),
                price_in = pin, price_out = pout, context = math.tointeger(context),
                max_output = math.tointeger(num(e.max_output_tokens)),
                price_url = type(e.source) == "string" and e.source or nil,
                features = store.features_json {
                    tools = e.supports_function_calling == true,
                    reasoning = e.supports_reasoning == true,
                    json = e.supports_response_schema == true,
                    vision = e.supports_vision == true,
                },
                flags = flags,
            }
        end
    end
    return list
end

-- OpenRouter: {data = [{id, pricing = {prompt, completion} (USD per token, as strings),
-- context_length, top_provider = {max_completion_tokens}, supported_parameters}]}
local function openrouter(doc)
    if type(doc) ~= "table" or type(doc.data) ~= "table" then
        error("not an OpenRouter /api/v1/models listing (no data array)", 0)
    end
    local list = {}
    for _, e in ipairs(doc.data) do
        local flags = {}
        local p = type(e.pricing) == "table" and e.pricing or {}
        local pin, pout = judge(num(p.prompt), num(p.completion), flags)
        local context = num(e.context_length)
        if not context then
            flags[#flags + 1] = "context missing"
        end
        local params = {}
        for _, s in ipairs(type(e.supported_parameters) == "table" and e.supported_parameters
            or {}) do
            params[s] = true
        end
        local top = type(e.top_provider) == "table" and e.top_provider or {}
        list[#list + 1] = {
            entry = tostring(e.id), provider = "openrouter", variant = tostring(e.id),
            model = M.canonical(e.id), price_in = pin, price_out = pout,
            context = math.tointeger(context), max_output = math.tointeger(
                num(top.max_completion_tokens)),
            features = store.features_json {
                tools = params.tools == true, reasoning = params.reasoning == true,
                json = params.response_format == true or params.structured_outputs == true,
            },
            flags = flags,
        }
    end
    return list
end

M.formats = { litellm = litellm, openrouter = openrouter }

-- Import the catalog at path (format "litellm" or "openrouter") into st, as listings dated
-- as_of (YYYY-MM-DD; default: a date in the file name, else today). All or nothing.
-- Returns { id, entries, listed (new listing rows), flagged }.
function M.import(st, path, format, as_of)
    local parse = M.formats[format]
    if not parse then
        error(string.format("unknown catalog format '%s' (litellm, openrouter)",
            tostring(format)), 0)
    end
    local text, name = files.read(path)
    local ok, doc = pcall(cjson.decode, text)
    if not ok then
        error(string.format("%s: not JSON (%s)", name, tostring(doc)), 0)
    end
    local okp, list = pcall(parse, doc)
    if not okp then
        error(string.format("%s: %s", name, tostring(list)), 0)
    end
    table.sort(list, function(a, b)
        return a.entry < b.entry
    end)
    as_of = as_of or name:match("(%d%d%d%d%-%d%d%-%d%d)") or os.date("!%Y-%m-%d")
    return st:atomically(function()
        local import_id = st:new_import("catalog", format, path, name)
        local listed, flagged = 0, 0
        for _, e in ipairs(list) do
            local so = st:service_object(e.provider, e.model, e.variant)
            if #e.flags > 0 then
                flagged = flagged + 1
                for _, why in ipairs(e.flags) do
                    st:import_issue(import_id, nil, e.entry, why, "flagged")
                end
            end
            if st:listing(so, format, { seen_at = as_of, price_in = e.price_in,
                price_out = e.price_out, price_url = e.price_url,
                context = e.context, max_output = e.max_output, features = e.features,
                flags = #e.flags > 0 and cjson.encode(e.flags) or nil,
                import_id = import_id }) then
                listed = listed + 1
            end
        end
        st:finish_import(import_id, #list, 0, flagged)
        return { id = import_id, entries = #list, listed = listed, flagged = flagged }
    end)
end

return M
