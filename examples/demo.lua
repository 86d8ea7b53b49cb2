-- The demo behind `make demo`: no API key, no network. It starts two mock providers of
-- Qwen3-32B with different personalities on loopback, probes both the same way, and prints
-- what a user would read: one block per endpoint, then the comparison. Every request is kept
-- in the store (arg[1], default demo.db), which is then asked in SQL, and the two TTFT
-- samples are compared with a Mann-Whitney test. Last, two real request traces (samples of
-- the Azure code trace and the Mooncake conversation trace, in tests/fixtures/traces) are
-- imported and their task mix shown.
local endpoint = require "sonde.endpoint"
local mock = require "sonde.mock"
local profiles = require "sonde.mock.profiles"
local report = require "sonde.report"
local session = require "sonde.session"
local analyze = require "sonde.analyze"
local import = require "sonde.import"
local stats = require "sonde.stats"
local store = require "sonde.store"
local summary = require "sonde.summary"
local tabular = require "sonde.tabular"

local dbpath = arg[1] or "demo.db"
for _, ext in ipairs { "", "-wal", "-shm" } do
    os.remove(dbpath .. ext)
end
local db = store.open(dbpath)
local run = db:start_run("demo", "{}", "demo")

local srv = mock.start { profiles = profiles.demo, port = 0, seed = 42 }

local eps = {}
for _, p in ipairs(profiles.demo) do
    io.stdout:write(string.format("mock provider %-8s %s  %s\n", p.name, srv.url(p.name), p.doc))
    eps[#eps + 1] = endpoint.new { adapter = "openai_compat", base_url = srv.url(p.name),
        model_entry = { id = p.model, canonical = p.model }, provider = p.name,
        label = p.name .. "/" .. p.model }
end
io.stdout:write("\nprobing each with 32 streaming requests, 16 at a time, 128-token prompts, " ..
    "max_tokens 256 ...\n\n")

local so = {}
for _, ep in ipairs(eps) do
    so[ep.label] = store.note_endpoint(db, ep)
end
local records = session.run { endpoints = eps, n = 32, concurrency = 16, max_tokens = 256,
    prompt_tokens = 128, tick = function() db:tick() end,
    on_record = function(r) db:request(run, so[r.endpoint], r) end }
srv.stop()
db:end_run(run, false)

io.stdout:write(report.table(summary.by_endpoint(records), summary.metrics))

local sql = "SELECT endpoint, count(*) AS n, round(percentile(ttft_ms, 0.5), 1) AS ttft_p50, " ..
    "round(percentile(ttft_ms, 0.9), 1) AS ttft_p90, round(percentile(decode_tps, 0.5), 1) " ..
    "AS tps_p50, sum(class = 'rate_limited') AS rate_limited FROM requests GROUP BY endpoint"
io.stdout:write("\nKept in ", dbpath, "; asked in SQL (sonde sql --db ", dbpath,
    " \"...\"):\n  ", sql, "\n\n")
tabular.write("table", db:query(sql))
local ttft = {}
for _, r in ipairs(records) do
    if r.ttft_ms then
        ttft[r.endpoint] = ttft[r.endpoint] or {}
        table.insert(ttft[r.endpoint], r.ttft_ms)
    end
end
local a, b = eps[1].label, eps[2].label
if ttft[a] and ttft[b] then
    local t = stats.mann_whitney(ttft[a], ttft[b])
    io.stdout:write(string.format("\nIs %s's TTFT lower than %s's? Mann-Whitney U = %.0f, " ..
        "two-sided p = %.2g, Cliff's delta = %.2f (-1: every %s request was faster)\n", a, b,
        t.u, t.p, t.cliffs_delta, a))
end
local here = (arg[0] or ""):match("^(.*)/examples/") or "."
import.log(db, here .. "/tests/fixtures/traces/azure_code_head300.csv",
    { format = "azure", task = "code (Azure 2023)" })
import.log(db, here .. "/tests/fixtures/traces/mooncake_conversation_head200.jsonl",
    { format = "mooncake", task = "chat (Mooncake)" })
local mix = analyze.taskmix(db.db, {})[1]
io.stdout:write("\nTwo real request traces imported (sonde import log ...); " ..
    "sonde analyze taskmix:\n")
tabular.write("table", mix.cols, mix.rows)
db:close()
io.stdout:write("\nThe same command against a real provider:\n" ..
    "  GROQ_API_KEY=... sonde probe groq/qwen3-32b -n 40 -c 8\n" ..
    "  sonde probe --base-url URL --model ID --api-key-env VAR\n")
