-- luacheck: std +busted
-- sonde's probe engine against the built-in mock provider, over real HTTP on loopback: each
-- fault ends in its error class without disturbing other requests, timing matches the
-- profile, load shapes do what they say, and keys and scripts stay where they belong.
local endpoint = require "sonde.endpoint"
local json = require "cjson"
local mock = require "sonde.mock"
local profiles = require "sonde.mock.profiles"
local session = require "sonde.session"
local summary = require "sonde.summary"

local srv

local extra = {
    { name = "clock", model = "clock", ttft_ms = 100, itl_ms = 10, output_tokens = 20 },
    { name = "long", model = "long", ttft_ms = 5, itl_ms = 1, output_tokens = 64 },
    { name = "mixed", model = "mixed", ttft_ms = 5, itl_ms = 1, output_tokens = 12,
        fault_after_chunks = 2, faults = { rate_limit = 0.15, server_error = 0.1,
            stream_error = 0.1, disconnect = 0.1 } },
    { name = "slow", model = "slow", ttft_ms = 50, itl_ms = 15, output_tokens = 10 },
    -- all due at once and more than the socket holds: most of it waits in the server's buffer
    { name = "bulk", model = "bulk", ttft_ms = 5, itl_ms = 0, output_tokens = 100000 },
}

setup(function()
    local list = profiles.faults
    for _, p in ipairs(extra) do
        list[#list + 1] = p
    end
    srv = mock.start { profiles = list, port = 0, seed = 7 }
end)

teardown(function()
    srv.stop()
end)

local function ep(profile, adapter)
    return endpoint.new { adapter = adapter or "openai_compat", base_url = srv.url(profile),
        model_entry = { id = profile }, label = profile }
end

local function run(profile, opts)
    opts = opts or {}
    opts.endpoints = opts.endpoints or { ep(profile) }
    opts.n = opts.n or 4
    opts.concurrency = opts.concurrency or 2
    opts.timeouts = opts.timeouts or { connect = 2000, first = 5000, idle = 1000, total = 20000 }
    return session.run(opts)
end

local function classes(records)
    local c = {}
    for _, r in ipairs(records) do
        c[r.class] = (c[r.class] or 0) + 1
    end
    return c
end

describe("each fault profile", function()
    local want = {
        ok = "ok", ["rate-limit"] = "rate_limited", ["rate-limit-bare"] = "rate_limited",
        ["server-error"] = "server_error", overloaded = "overloaded",
        ["stream-error"] = "stream_error", ["event-error"] = "stream_error",
        malformed = "protocol_violation", stall = "timeout_idle",
        disconnect = "protocol_violation", ["slow-headers"] = "ok", keepalive = "ok",
        ["no-usage"] = "ok", ["every-usage"] = "ok", ["small-context"] = "context_overflow",
        reasoning = "ok",
    }
    for name, class in pairs(want) do
        it(name .. " ends as " .. class, function()
            local recs = run(name, { prompt_tokens = 200 })
            assert.are.equal(4, #recs)
            assert.are.same({ [class] = 4 }, classes(recs))
        end)
    end

    it("429 keeps Retry-After when present and not when absent", function()
        local r = run("rate-limit", { n = 1 })[1]
        assert.are.equal(429, r.http_status)
        assert.are.equal(7, r.retry_after_s)
        assert.is_nil(run("rate-limit-bare", { n = 1 })[1].retry_after_s)
    end)

    it("a malformed event is reported with its byte offset", function()
        local r = run("malformed", { n = 1 })[1]
        assert.truthy(r.message:find("event ending at byte %d+"), r.message)
    end)

    it("keep-alive comments are kept in the timeline but are not output", function()
        local r = run("keepalive", { n = 1 })[1]
        assert.are.equal("c", r.events:kinds():sub(1, 1))
        assert.is_true(r.ttft_ms >= 60)
    end)
end)

describe("the C fast path", function()
    it("measures a stream exactly as the scripts do", function()
        for _, profile in ipairs { "reasoning", "every-usage", "clock", "long" } do
            local fast = run(profile, { n = 1, max_tokens = 30 })[1]
            local slow = run(profile, { n = 1, max_tokens = 30, keep_text = true })[1]
            for _, k in ipairs { "class", "answer_chars", "reasoning_chars", "n_out_events",
                "finish_reason", "output_tokens", "tokens_source", "nev", "saw_done" } do
                assert.are.equal(slow[k], fast[k], profile .. " " .. k)
            end
            assert.are.equal(slow.events:kinds(), fast.events:kinds(), profile)
            assert.are.equal(#slow.text, slow.answer_chars)
        end
    end)
end)

describe("the mock's writes", function()
    -- curl's own client reads at a capped rate, so the socket fills and the mock must queue
    -- the rest; curl checks the chunked framing, the spec checks every event
    local function fetch(http)
        local body = '{"model":"bulk","stream":true,"messages":[{"role":"user","content":"hi"}]}'
        local cmd = string.format("curl -sS --max-time 30 --noproxy '*' %s --limit-rate 16M -H " ..
            "'Content-Type: application/json' -d '%s' %s/chat/completions 2>&1",
            http, body, srv.url("bulk"))
        local f = assert(io.popen(cmd))
        local out = f:read("a")
        return out, f:close()
    end
    for _, http in ipairs { "--http1.1", "--http1.0" } do
        it("reach a slow reader whole and in order (" .. http .. ")", function()
            local out, ok = fetch(http)
            assert.is_true(ok, out:sub(1, 300))
            local n, last, text = 0, nil, {}
            for data in out:gmatch("data: ([^\n]*)\n") do
                last = data
                if data ~= "[DONE]" then
                    local ev = json.decode(data)
                    local d = ev.choices[1] and ev.choices[1].delta
                    if d and d.content then
                        n = n + 1
                        text[#text + 1] = d.content
                    end
                end
            end
            assert.are.equal(100000, n)
            assert.are.equal("[DONE]", last)
            -- the mock's words cycle with a period of 26: a lost or repeated piece shows
            for i = 27, n do
                if text[i] ~= text[i - 26] then
                    error(string.format("token %d is %q, token %d was %q", i, text[i], i - 26,
                        text[i - 26]))
                end
            end
        end)
    end
end)

describe("faults at random", function()
    it("leave the other requests whole", function()
        local recs = run("mixed", { n = 80, concurrency = 8 })
        assert.are.equal(80, #recs)
        local c = classes(recs)
        local allowed = { ok = true, rate_limited = true, server_error = true,
            stream_error = true, protocol_violation = true }
        for class in pairs(c) do
            assert.is_true(allowed[class], class)
        end
        assert.is_true((c.ok or 0) >= 30)
        assert.is_true((c.rate_limited or 0) >= 2)
        for _, r in ipairs(recs) do
            if r.class == "ok" then
                assert.are.equal(12, r.output_tokens)
                assert.are.equal("usage", r.tokens_source)
                assert.are.equal(12, r.n_out_events)
            end
        end
    end)
end)

describe("timing", function()
    it("matches a fixed profile (TTFT 100 ms, 10 ms a token, 20 tokens)", function()
        local recs = run("clock", { n = 6, concurrency = 3 })
        local s = summary.by_endpoint(recs)[1]
        assert.are.equal(6, s.ok)
        assert.is_true(s.ttft_ms.p50 >= 100 and s.ttft_ms.p50 < 110, s.ttft_ms.p50)
        assert.is_true(math.abs(s.itl_ms.p50 - 10) < 1, s.itl_ms.p50)
        assert.is_true(math.abs(s.tpot_ms.p50 - 10) < 1, s.tpot_ms.p50)
        assert.is_true(math.abs(s.decode_tps.p50 - 100) < 8, s.decode_tps.p50)
        assert.are.equal(20, s.output_tokens.p50)
        assert.are.equal("usage", s.tokens_source)
        for _, r in ipairs(recs) do
            assert.are.equal(19, #r.itl_ms)
            assert.is_true(r.e2e_ms >= 290, r.e2e_ms)
        end
    end)

    it("honours max_tokens and flags truncation", function()
        local r = run("long", { n = 1, max_tokens = 10 })[1]
        assert.are.equal("truncated", r.class)
        assert.are.equal("length", r.finish_reason)
        assert.are.equal(10, r.output_tokens)
    end)

    it("estimates tokens when usage is missing, and says so", function()
        local r = run("no-usage", { n = 1 })[1]
        assert.are.equal("estimate", r.tokens_source)
        assert.are.equal((r.out_chars + 3) // 4, r.output_tokens)
    end)

    it("measures a whole (non-streaming) response", function()
        local r = run("clock", { n = 1, stream = false })[1]
        assert.are.equal("ok", r.class)
        assert.are.equal(20, r.output_tokens)
        assert.is_true(r.ttft_ms >= 290 and math.abs(r.ttft_ms - r.e2e_ms) < 1, r.ttft_ms)
    end)

    it("times out the first token and the idle gap separately", function()
        local r = run("clock", { n = 1, timeouts = { first = 50, idle = 0, total = 5000 } })[1]
        assert.are.equal("timeout_first_token", r.class)
        local s = run("stall", { n = 1, timeouts = { first = 5000, idle = 200, total = 9000 } })[1]
        assert.are.equal("timeout_idle", s.class)
        assert.is_true(s.e2e_ms < 1000, s.e2e_ms)
    end)

    it("caps the response size", function()
        local r = run("long", { n = 1, max_response = 500 })[1]
        assert.are.equal("protocol_violation", r.class)
        assert.truthy(r.message:find("exceeds the cap", 1, true))
    end)
end)

describe("load shapes", function()
    local function max_overlap(recs)
        local ev = {}
        for _, r in ipairs(recs) do
            ev[#ev + 1] = { r.t_send, 1 }
            ev[#ev + 1] = { r.t_end, -1 }
        end
        table.sort(ev, function(a, b)
            return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
        end)
        local n, most = 0, 0
        for _, e in ipairs(ev) do
            n = n + e[2]
            most = math.max(most, n)
        end
        return most
    end

    it("closed loop keeps exactly -c requests in flight", function()
        local recs = run("slow", { n = 20, concurrency = 5 })
        assert.are.equal(20, #recs)
        assert.are.equal(5, max_overlap(recs))
    end)

    it("open loop sends at the intended times", function()
        local recs = run("ok", { n = 20, rate = 50, arrival = "constant" })
        table.sort(recs, function(a, b) return a.t_intended < b.t_intended end)
        for i = 2, #recs do
            local gap = (recs[i].t_intended - recs[i - 1].t_intended) / 1e6
            assert.is_true(math.abs(gap - 20) < 0.01, gap)
        end
        for _, r in ipairs(recs) do
            assert.is_true(r.queue_ms >= 0 and r.queue_ms < 5, r.queue_ms)
        end
    end)

    it("Poisson and gamma arrivals have the asked-for mean gap", function()
        local arrival = require "sonde.arrival"
        for _, kind in ipairs { "poisson", "gamma" } do
            local t = arrival.schedule(kind, 100, 4001, 2, 3)
            local mean = (t[#t] - t[1]) / (#t - 1) / 1e6
            assert.is_true(math.abs(mean - 10) < 1, kind .. " " .. mean)
        end
        -- burstier gamma: the gaps spread more than Poisson's
        local function cv(ts)
            local g, s, s2 = {}, 0, 0
            for i = 2, #ts do
                g[#g + 1] = ts[i] - ts[i - 1]
            end
            for _, x in ipairs(g) do
                s, s2 = s + x, s2 + x * x
            end
            local m = s / #g
            return math.sqrt(s2 / #g - m * m) / m
        end
        local p = cv(arrival.schedule("poisson", 100, 4001, 1, 3))
        local b = cv(arrival.schedule("gamma", 100, 4001, 3, 3))
        assert.is_true(math.abs(p - 1) < 0.1, p)
        assert.is_true(math.abs(b - 3) < 0.6, b)
    end)
end)

describe("scripts and keys", function()
    it("a failing adapter hook fails only the requests that used it", function()
        local dir = os.tmpname()
        os.remove(dir)
        os.execute("mkdir -p " .. dir)
        local path = dir .. "/broken.lua"
        local f = assert(io.open(path, "w"))
        f:write([[
local n = 0
return {
    api = 1, name = "broken", base_url = "http://127.0.0.1:1/v1", protocol = "openai-chat",
    models = { m = { id = "ok" } },
    hooks = {
        parse_event = function(st, name, data, base)
            st.seen = (st.seen or 0) + 1
            if st.seen == 3 then
                error("cannot read this event")
            end
            return base(st, name, data)
        end,
    },
}
]])
        f:close()
        local bad = endpoint.new { adapter = path, model = "m", base_url = srv.url("ok") }
        local good = ep("ok")
        local recs = run(nil, { endpoints = { bad, good }, n = 5, concurrency = 2 })
        local by = {}
        for _, r in ipairs(recs) do
            by[r.endpoint] = by[r.endpoint] or {}
            by[r.endpoint][r.class] = (by[r.endpoint][r.class] or 0) + 1
            if r.class == "script_error" then
                assert.truthy(r.message:find(path .. ":9: cannot read this event", 1, true),
                    r.message)
            end
        end
        assert.are.same({ script_error = 5 }, by["broken/m"] or by[bad.label])
        assert.are.same({ ok = 5 }, by.ok)
        os.execute("rm -rf " .. dir)
    end)

    it("the CLI never prints or stores the API key", function()
        local bin = os.getenv("SONDE_BIN")
        local out, db = os.tmpname(), os.tmpname()
        os.remove(db)
        local cmd = string.format("SONDE_TEST_KEY=sk-very-secret-123 %s probe --base-url %s " ..
            "--model ok --api-key-env SONDE_TEST_KEY -n 3 --format json --out %s --db %s 2>&1",
            bin, srv.url("ok"), out, db)
        local p = io.popen(cmd)
        local text = p:read("a")
        assert.is_true(p:close())
        local function slurp(path)
            local f = io.open(path, "rb")
            local t = f and f:read("a") or ""
            if f then
                f:close()
            end
            os.remove(path)
            return t
        end
        local records = slurp(out)
        -- the store, with its write-ahead log, holds every request but not the key
        local stored = slurp(db) .. slurp(db .. "-wal") .. slurp(db .. "-shm")
        assert.truthy(#stored > 0)
        assert.falsy(text:find("very-secret", 1, true))
        assert.falsy(records:find("very-secret", 1, true))
        assert.falsy(stored:find("very-secret", 1, true))
        local cjson = require "cjson"
        local s = cjson.decode(text).endpoints[1]
        assert.are.equal(3, s.n)
        assert.are.equal(3, s.ok)
        for _, k in ipairs { "ttft_ms", "ttfa_ms", "tpot_ms", "itl_ms", "e2e_ms", "decode_tps",
            "output_tokens" } do
            assert.is_table(s[k], k)
            for _, q in ipairs { "p50", "p90", "p99", "mean" } do
                assert.is_number(s[k][q], k .. "." .. q)
            end
        end
        assert.are.equal("usage", s.tokens_source)
        assert.is_table(s.errors)
        local n = 0
        for line in records:gmatch("[^\n]+") do
            local r = cjson.decode(line)
            assert.is_table(r.events.t_ms)
            n = n + 1
        end
        assert.are.equal(3, n)
    end)

    it("a missing key variable is a clear runtime error that names it", function()
        local bin = os.getenv("SONDE_BIN")
        local p = io.popen(string.format("%s probe --base-url %s --model ok " ..
            "--api-key-env SONDE_NO_SUCH_VAR -n 1 --no-db 2>&1; echo rc=$?", bin, srv.url("ok")))
        local text = p:read("a")
        p:close()
        assert.truthy(text:find("SONDE_NO_SUCH_VAR is not set", 1, true), text)
        assert.truthy(text:find("rc=1", 1, true), text)
    end)
end)

describe("the command line", function()
    local bin = os.getenv("SONDE_BIN")
    local function sh(args)
        -- run where a default sonde.db would land in a scratch directory, not the tree
        local p = io.popen("cd /tmp && " .. bin .. " " .. args .. " --no-db 2>&1; echo rc=$?")
        local t = p:read("a")
        p:close()
        return t, tonumber(t:match("rc=(%d+)%s*$"))
    end

    it("exits 2 on usage errors and 0 on help", function()
        local _, rc = sh("probe")
        assert.are.equal(2, rc)
        local t, rc2 = sh("probe --bogus")
        assert.are.equal(2, rc2)
        assert.truthy(t:find("unknown option --bogus", 1, true))
        assert.are.equal(0, select(2, sh("--help")))
        assert.are.equal(0, select(2, sh("help probe")))
        assert.truthy(sh("--version"):find("^sonde %d"))
    end)

    it("exits 1 on a runtime failure", function()
        local t, rc = sh("probe nosuchprovider/m")
        assert.are.equal(1, rc)
        assert.truthy(t:find("no provider adapter 'nosuchprovider'", 1, true))
    end)

    it("says so when the open-files limit caps the concurrency, and still completes", function()
        local p = io.popen(string.format("ulimit -S -n 256; ulimit -H -n 256; %s probe " ..
            "--base-url %s --model ok -n 300 -c 300 --format json --no-db 2>&1; echo rc=$?", bin,
            srv.url("ok")))
        local t = p:read("a")
        p:close()
        local rc = tonumber(t:match("rc=(%d+)%s*$"))
        assert.are.equal(0, rc, t)
        assert.truthy(t:find("300 concurrent streams need an open-files limit", 1, true), t)
        assert.truthy(t:find('"ok":300', 1, true), t)
    end)

    it("stops cleanly on SIGINT: cancels what is in flight, still reports and writes", function()
        local out = os.tmpname()
        local p = io.popen(string.format("%s probe --base-url %s --model clock -n 50 -c 2 " ..
            "--format json --out %s --db %s.db > %s.json 2>%s.err & pid=$!; sleep 1; " ..
            "kill -INT $pid; wait $pid; echo rc=$?", bin, srv.url("clock"), out, out, out, out))
        local t = p:read("a")
        p:close()
        assert.truthy(t:find("rc=130", 1, true), t)
        local f = io.open(out .. ".json")
        local s = require("cjson").decode(f:read("a")).endpoints[1]
        f:close()
        assert.is_true(s.n < 50 and s.ok >= 2, s.n .. " requests, " .. s.ok .. " ok")
        assert.are.equal(s.n - s.ok, s.errors.cancelled)
        local lines = 0
        for _ in io.lines(out) do
            lines = lines + 1
        end
        assert.are.equal(s.n, lines)
        -- the store has them all too, and the run says it was stopped
        local db = require("sonde.store").open(out .. ".db", { readonly = true })
        local _, rows = db:query("SELECT count(*), sum(class = 'cancelled'), " ..
            "(SELECT stopped FROM runs) FROM requests")
        db:close()
        assert.are.same({ s.n, s.errors.cancelled, 1 }, rows[1])
        for _, x in ipairs { "", ".json", ".err", ".db", ".db-wal", ".db-shm" } do
            os.remove(out .. x)
        end
    end)

    it("reports a connection refused as connect_error", function()
        local t, rc = sh("probe --base-url http://127.0.0.1:1/v1 --model m -n 2 --format json")
        assert.are.equal(0, rc)
        assert.truthy(t:find('"connect_error":2', 1, true), t)
    end)
end)
