-- sonde's side of the store benchmarks (run by bench/run.py under `sonde lua`).
--   ingest DB N [bare] write N request records through sonde.store (batched, prepared),
--                      each with a 20-event timeline (with bare: none, so one row each);
--                      prints N, seconds, rows written, commits
--   fill DB N GROUPS   N synthetic requests spread over GROUPS endpoints, made inside SQLite
--                      (for the query benchmarks); prints seconds
local store = require "sonde.store"
local probe = require "sonde.probe"

local what, path, n, groups = arg[1], arg[2], math.tointeger(tonumber(arg[3])), arg[4]
local bare = groups == "bare"
os.remove(path)
os.remove(path .. "-wal")
os.remove(path .. "-shm")
local st = store.open(path)
local run = st:start_run("bench", "{}", "bench")

if what == "ingest" then
    local t, b, k = {}, {}, {}
    for i = 1, 20 do
        t[i], b[i], k[i] = 1000000000 + i * 20000000, 120, "a"
    end
    local tl = probe.timeline { t = t, bytes = b, kind = table.concat(k) }
    local so = st:service_object("bench", "m", "m")
    local r = { endpoint = "bench/m", seq = 0, t_intended = 999000000, t_send = 1000000000,
        t_end = 1500000000, class = "ok", http_status = 200, queue_ms = 0.01, ttft_ms = 201.5,
        ttfa_ms = 201.5, e2e_ms = 500.25, tpot_ms = 19.9, decode_tps = 50.1, output_tokens = 20,
        input_tokens = 64, tokens_source = "usage", finish_reason = "stop", nev = 20,
        bytes = 2400, events = tl, itl_ms = { 20, 20, 20, 20 } }
    if bare then
        r.events = probe.timeline { t = {}, bytes = {}, kind = "" }
    end
    local t0 = probe.now()
    for i = 1, n do
        r.seq = i
        st:request(run, so, r)
    end
    st:flush()
    local dt = (probe.now() - t0) / 1e9
    local rows, commits = st.db:counts()
    print(string.format("%d %.3f %d %d", n, dt, rows, commits))
elseif what == "fill" then
    local t0 = probe.now()
    -- deterministic: ttft is lognormal-ish from a hash of the row number
    st.db:exec(string.format([[
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
INSERT INTO requests (run_id, endpoint, task, seq, started_at, class, ttft_ms, e2e_ms,
    tpot_ms, decode_tps, output_tokens, itl_p50_ms, queue_ms)
SELECT %d, 'endpoint-' || (i %% %d), 'chat', i, 1764800000 + i / 1000.0,
    CASE WHEN i %% 50 = 0 THEN 'rate_limited' ELSE 'ok' END,
    100 * exp(((abs(random()) %% 100000) / 100000.0 - 0.5) * 3),
    400 + (abs(random()) %% 100000) / 100.0, 20 + (abs(random()) %% 1000) / 100.0,
    40 + (abs(random()) %% 1000) / 10.0, 50 + abs(random()) %% 200,
    20 + (abs(random()) %% 1000) / 100.0, (abs(random()) %% 1000) / 1000.0
FROM seq;
COMMIT;]], n, run, math.tointeger(tonumber(groups))))
    print(string.format("%.3f", (probe.now() - t0) / 1e9))
end
st:close()
