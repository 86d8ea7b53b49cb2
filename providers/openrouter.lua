-- OpenRouter, an aggregator (OpenAI-compatible). Quirk: errors raised by the upstream provider
-- come wrapped as {"error": {"code": 429, "message": "Provider returned error", "metadata":
-- {"provider_name": ..., "raw": ...}}} (recorded in tests/fixtures/sse); the hook names the
-- upstream provider and keeps its raw message, so a 429 is attributed to the right service.
-- Keep-alive comments (": OPENROUTER PROCESSING") need no hook. Prices and limits: OpenRouter's
-- own /api/v1/models listing fetched 2026-08-01 (context_length; top_provider limits).
local function upstream_error(resp, base)
    local class, msg = base(resp)
    local obj = json.decode(resp.body or "")
    local e = type(obj) == "table" and obj.error
    local meta = type(e) == "table" and e.metadata
    if type(meta) == "table" and type(meta.provider_name) == "string" then
        msg = string.format("%s (upstream %s: %s)", msg, meta.provider_name,
            tostring(meta.raw or ""):sub(1, 200))
    end
    return class, msg
end

return {
    api = 1,
    name = "openrouter",
    base_url = "https://openrouter.ai/api/v1",
    protocol = "openai-chat",
    auth = { env = "OPENROUTER_API_KEY" },
    models = {
        ["qwen3-32b"] = {
            id = "qwen/qwen3-32b", context = 131072, max_output = 16384,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.08, output = 0.28, date = "2026-08-01",
                source = "https://openrouter.ai/api/v1/models" },
        },
        ["deepseek-v3.2"] = {
            id = "deepseek/deepseek-v3.2", context = 163840, max_output = 65536,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.269, output = 0.40, date = "2026-08-01",
                source = "https://openrouter.ai/api/v1/models" },
        },
        ["gpt-oss-120b"] = {
            id = "openai/gpt-oss-120b", context = 131072, max_output = 131072,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.037, output = 0.17, date = "2026-08-01",
                source = "https://openrouter.ai/api/v1/models" },
        },
    },
    hooks = { classify = upstream_error },
}
