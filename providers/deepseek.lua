-- DeepSeek's official API (OpenAI-compatible). No hooks: its context-overflow error arrives
-- as code "invalid_request_error" (not "context_length_exceeded"), which the openai-chat
-- protocol already recognises from the message ("maximum context length ...").
-- Prices: LiteLLM catalog snapshot of 2026-08-01, whose entries cite DeepSeek's pricing page.
return {
    api = 1,
    name = "deepseek",
    base_url = "https://api.deepseek.com/v1",
    protocol = "openai-chat",
    auth = { env = "DEEPSEEK_API_KEY" },
    models = {
        ["deepseek-v3.2"] = {
            id = "deepseek-chat", context = 131072, max_output = 8192,
            features = { tools = true, json = true, reasoning = false },
            price = { input = 0.28, output = 0.42, cache_read = 0.028, date = "2026-08-01",
                source = "https://api-docs.deepseek.com/quick_start/pricing" },
        },
        ["deepseek-v3.2-thinking"] = {
            id = "deepseek-reasoner", context = 131072, max_output = 65536,
            features = { tools = false, json = true, reasoning = true },
            price = { input = 0.28, output = 0.42, cache_read = 0.028, date = "2026-08-01",
                source = "https://api-docs.deepseek.com/quick_start/pricing" },
        },
    },
}
