-- The generic adapter: any OpenAI-compatible endpoint, used by
--   sonde probe --base-url URL --model ID [--api-key-env VAR]
-- It lists no models and sends no key unless --api-key-env names one.
return {
    api = 1,
    name = "openai-compat",
    doc = "any OpenAI-compatible /chat/completions endpoint",
    base_url = "http://127.0.0.1:8089/v1",
    protocol = "openai-chat",
    models = {},
}
