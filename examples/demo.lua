-- The demo behind `make demo`: no API key, no network. It starts two mock providers of
-- Qwen3-32B with different personalities on loopback, probes both the same way, and prints
-- what a user would read: one block per endpoint, then the comparison.
local endpoint = require "sonde.endpoint"
local mock = require "sonde.mock"
local profiles = require "sonde.mock.profiles"
local report = require "sonde.report"
local session = require "sonde.session"
local summary = require "sonde.summary"

local srv = mock.start { profiles = profiles.demo, port = 0, seed = 42 }

local eps = {}
for _, p in ipairs(profiles.demo) do
    io.stdout:write(string.format("mock provider %-8s %s  %s\n", p.name, srv.url(p.name), p.doc))
    eps[#eps + 1] = endpoint.new { adapter = "openai_compat", base_url = srv.url(p.name),
        model_entry = { id = p.model, canonical = p.model }, label = p.name .. "/" .. p.model }
end
io.stdout:write("\nprobing each with 32 streaming requests, 16 at a time, 128-token prompts, " ..
    "max_tokens 256 ...\n\n")

local records = session.run { endpoints = eps, n = 32, concurrency = 16, max_tokens = 256,
    prompt_tokens = 128 }
srv.stop()

io.stdout:write(report.table(summary.by_endpoint(records), summary.metrics))
io.stdout:write("\nThe same command against a real provider:\n" ..
    "  GROQ_API_KEY=... sonde probe groq/qwen3-32b -n 40 -c 8\n" ..
    "  sonde probe --base-url URL --model ID --api-key-env VAR\n")
