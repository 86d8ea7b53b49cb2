-- Groq (OpenAI-compatible). Quirk: the final chunk repeats usage under x_groq.usage with the
-- server's own queue, prompt and completion times; the hook keeps them beside the measured
-- times (server_queue_ms, server_ttft_ms, server_decode_ms) so the two can be compared.
-- Prices: LiteLLM catalog snapshot of 2026-08-01 (keys groq/...).
local LITELLM = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"

local function server_timing(st, name, data, base)
    local out, obj = base(st, name, data)
    if not obj and data:find('"x_groq"', 1, true) then
        obj = json.decode(data) -- the protocol's fast path did not decode this one
    end
    local xg = type(obj) == "table" and obj.x_groq
    local u = type(xg) == "table" and xg.usage
    if type(u) == "table" then
        local usage
        for _, d in ipairs(out) do
            if d.type == "usage" then
                usage = d
            end
        end
        if not usage then
            usage = { type = "usage", input = math.tointeger(u.prompt_tokens),
                output = math.tointeger(u.completion_tokens) }
            out[#out + 1] = usage
        end
        local function ms(x)
            return type(x) == "number" and x * 1000 or nil
        end
        usage.server_queue_ms = ms(u.queue_time)
        usage.server_ttft_ms = ms(u.prompt_time)
        usage.server_decode_ms = ms(u.completion_time)
    end
    return out, obj
end

return {
    api = 1,
    name = "groq",
    base_url = "https://api.groq.com/openai/v1",
    protocol = "openai-chat",
    auth = { env = "GROQ_API_KEY" },
    models = {
        ["qwen3-32b"] = {
            id = "qwen/qwen3-32b", context = 131000, max_output = 131000,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.29, output = 0.59, date = "2026-08-01",
                source = LITELLM },
        },
        ["llama-3.3-70b"] = {
            id = "llama-3.3-70b-versatile", context = 128000, max_output = 32768,
            features = { tools = true, json = true, reasoning = false },
            price = { input = 0.59, output = 0.79, date = "2026-08-01",
                source = LITELLM },
        },
        ["gpt-oss-120b"] = {
            id = "openai/gpt-oss-120b", context = 131072, max_output = 32766,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.15, output = 0.60, cache_read = 0.075, date = "2026-08-01",
                source = LITELLM },
        },
    },
    -- the hook needs the chunks that carry x_groq.usage; the rest may be settled in C
    fast = { bail = { { "x_groq", "usage" } } },
    hooks = { parse_event = server_timing },
}
