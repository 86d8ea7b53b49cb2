-- Anthropic's Messages API: its own protocol (anthropic-messages), key in x-api-key.
-- Retry-After can come on a 200 (recorded in tests/fixtures/sse); sonde reads it only on 429
-- and 503/529, so nothing here. Prices: LiteLLM snapshot 2026-08-01 (key claude-sonnet-4-5).
local LITELLM = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"

return {
    api = 1,
    name = "anthropic",
    base_url = "https://api.anthropic.com/v1",
    protocol = "anthropic-messages",
    auth = { env = "ANTHROPIC_API_KEY" },
    models = {
        ["claude-sonnet-4.5"] = {
            id = "claude-sonnet-4-5", context = 200000, max_output = 64000,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 3.00, output = 15.00, cache_read = 0.30, date = "2026-08-01",
                source = LITELLM },
        },
    },
}
