-- sonde.mock.profiles: the built-in mock provider profiles. Two personalities for the demo
-- (a fast, pricier endpoint and a slow, cheap, reasoning one that sometimes rate-limits),
-- and one profile per fault for tests and for trying an adapter's error handling.
-- Prices are illustrative, in USD per million tokens, shaped after the Qwen3-32B listings in
-- the LiteLLM catalog snapshot of 2026-08-01 (groq 0.29/0.59, deepinfra 0.10/0.28).
local M = {}

M.demo = {
    {
        name = "swift", model = "qwen3-32b",
        doc = "fast first token, quick steady decode, usage in the final chunk",
        ttft_ms = { dist = "lognormal", median = 180, sigma = 0.25 },
        itl_ms = { dist = "normal", mean = 8, sd = 1.5, lo = 1 },
        tokens_per_chunk = 2,
        output_tokens = { dist = "uniform", min = 80, max = 140 },
        usage = "final", context_limit = 131072,
        price = { input = 0.29, output = 0.59, date = "2026-08-01",
            source = "illustrative; after LiteLLM groq/qwen/qwen3-32b" },
        features = { tools = true, json = true, reasoning = false },
    },
    {
        name = "thrifty", model = "qwen3-32b",
        doc = "slow first token, reasoning phase, slower decode, usage on every chunk, 10% 429s",
        ttft_ms = { dist = "lognormal", median = 650, sigma = 0.4 },
        itl_ms = { dist = "normal", mean = 22, sd = 6, lo = 2 },
        tokens_per_chunk = 1,
        reasoning_tokens = 40,
        output_tokens = { dist = "uniform", min = 80, max = 140 },
        usage = "every", context_limit = 40960,
        faults = { rate_limit = 0.10 }, retry_after = 2,
        price = { input = 0.10, output = 0.28, date = "2026-08-01",
            source = "illustrative; after LiteLLM deepinfra/Qwen/Qwen3-32B" },
        features = { tools = true, json = true, reasoning = true },
    },
}

local function fault(name, faults, extra)
    local p = { name = name, model = "mock-" .. name, ttft_ms = 20, itl_ms = 2,
        output_tokens = 12, faults = faults, fault_after_chunks = 3 }
    for k, v in pairs(extra or {}) do
        p[k] = v
    end
    return p
end

M.faults = {
    fault("ok", {}),
    fault("rate-limit", { rate_limit = 1 }, { retry_after = 7 }),
    fault("rate-limit-bare", { rate_limit_no_retry_after = 1 }),
    fault("server-error", { server_error = 1 }),
    fault("overloaded", { overloaded = 1 }),
    fault("stream-error", { stream_error = 1 }),
    fault("event-error", { event_error = 1 }),
    fault("malformed", { malformed = 1 }),
    fault("stall", { stall = 1 }, { stall_ms = 5000 }),
    fault("disconnect", { disconnect = 1 }),
    fault("slow-headers", { slow_headers = 1 }, { slow_headers_ms = 300 }),
    fault("keepalive", {}, { keepalive_ms = 10, ttft_ms = 60 }),
    fault("no-usage", {}, { usage = "none" }),
    fault("every-usage", {}, { usage = "every" }),
    fault("small-context", {}, { context_limit = 100 }),
    fault("reasoning", {}, { reasoning_tokens = 5, reasoning_field = "reasoning" }),
}

function M.all()
    local out = {}
    for _, p in ipairs(M.demo) do
        out[#out + 1] = p
    end
    for _, p in ipairs(M.faults) do
        out[#out + 1] = p
    end
    return out
end

return M
