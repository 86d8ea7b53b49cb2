-- Alibaba Cloud Model Studio (DashScope), international, OpenAI-compatible mode. Reasoning
-- arrives in reasoning_content and usage in a separate final chunk with empty choices
-- (recorded in tests/fixtures/sse); the openai-chat protocol handles both, so no hooks.
-- Prices: LiteLLM snapshot 2026-08-01 (keys dashscope/...). qwen3-max is priced in tiers by
-- input length there; the first tier (up to 32K input tokens) is listed here.
return {
    api = 1,
    name = "dashscope",
    base_url = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    protocol = "openai-chat",
    auth = { env = "DASHSCOPE_API_KEY" },
    models = {
        ["qwen-plus"] = {
            id = "qwen-plus", context = 129024, max_output = 16384,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.40, output = 1.20, date = "2026-08-01",
                source = "https://www.alibabacloud.com/help/en/model-studio/models" },
        },
        ["qwen3-max"] = {
            id = "qwen3-max", context = 258048, max_output = 65536,
            doc = "tiered price; this is the 0-32K input tier",
            features = { tools = true, json = true, reasoning = true },
            price = { input = 1.20, output = 6.00, date = "2026-08-01",
                source = "https://www.alibabacloud.com/help/en/model-studio/models" },
        },
    },
}
