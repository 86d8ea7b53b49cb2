-- Together AI (OpenAI-compatible). DeepSeek-R1 there streams its reasoning inline in content
-- between <think> and </think> (recorded in tests/fixtures/sse), so that model sets the
-- think_tags quirk. Prices: LiteLLM snapshot 2026-08-01 (keys together_ai/...).
local LITELLM = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"

return {
    api = 1,
    name = "together",
    base_url = "https://api.together.xyz/v1",
    protocol = "openai-chat",
    auth = { env = "TOGETHER_API_KEY" },
    models = {
        ["deepseek-v3.1"] = {
            id = "deepseek-ai/DeepSeek-V3.1", context = 128000, max_output = 16384,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.60, output = 1.70, date = "2026-08-01",
                source = "https://www.together.ai/models/deepseek-v3-1" },
        },
        ["deepseek-r1"] = {
            id = "deepseek-ai/DeepSeek-R1", quirks = { think_tags = true },
            features = { tools = false, json = true, reasoning = true },
        },
        ["gpt-oss-120b"] = {
            id = "openai/gpt-oss-120b", context = 131072, max_output = 131072,
            features = { tools = true, json = true, reasoning = true },
            price = { input = 0.15, output = 0.60, date = "2026-08-01",
                source = "https://www.together.ai/models/gpt-oss-120b" },
        },
        ["llama-3.3-70b"] = {
            id = "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            features = { tools = true, json = true, reasoning = false },
            price = { input = 0.88, output = 0.88, date = "2026-08-01",
                source = LITELLM },
        },
    },
}
