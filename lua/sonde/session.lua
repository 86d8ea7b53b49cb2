-- sonde.session: runs requests against endpoints and records each one. It owns the loop:
-- C sends, receives and stamps; between engine steps this file hands each event to the
-- endpoint's protocol, keeps the timeline, and classifies the outcome into one error class.
--
-- Load shapes: closed loop (concurrency requests in flight per endpoint) or open loop (rate
-- per second, with constant, Poisson or gamma inter-arrival gaps, scheduled in C at their
-- intended times so that lateness is measured, not hidden: DESIGN.md queue_ms).
local arrival = require "sonde.arrival"
local endpoint = require "sonde.endpoint"
local errors = require "sonde.errors"
local metrics = require "sonde.metrics"
local probe = require "sonde.probe"
local prompt = require "sonde.prompt"
local sys = require "sonde.sys"

local M = {}

M.defaults = {
    n = 10,
    concurrency = 1,
    max_tokens = 256,
    prompt_tokens = 64,
    stream = true,
    timeouts = { connect = 10000, first = 60000, idle = 30000, total = 300000 },
    seed = 1,
}

local OUTPUT = { answer = "a", reasoning = "r", tool_call = "t" }
local EMPTY = probe.timeline { t = {}, bytes = {}, kind = "" }
local parse_event = endpoint.parse_event
-- usage fields kept; server_* are a provider's own timings when it reports them
local USAGE_FIELDS = { "input", "output", "reasoning", "cached", "server_queue_ms",
    "server_ttft_ms", "server_decode_ms" }

local function new_record(ep, seq, index)
    return {
        endpoint = ep.label, endpoint_index = index, provider = ep.provider,
        model = ep.model.canonical or ep.model.id,
        model_id = ep.model.id, url = ep.base_url, seq = seq,
        events = EMPTY,
        out_chars = 0, answer_chars = 0, reasoning_chars = 0, n_out_events = 0, nev = 0,
    }
end

local function fail_script(r, err)
    if not r.script_error then
        r.script_error = err
    end
end

-- Apply one event's deltas to the record; returns whether it carried output, and the
-- event's kind letter for the timeline. On the per-event path: no allocation here.
local function apply(r, deltas, t)
    local kind, output = nil, false
    for i = 1, #deltas do
        local d = deltas[i]
        local ty = d.type
        local k = OUTPUT[ty]
        if k then
            local text = d.text or d.args or ""
            local len = #text + (d.name and #d.name or 0)
            if len > 0 or ty == "tool_call" then
                output = true
                kind = kind or k
                r.out_chars = r.out_chars + len
                if k == "a" then
                    r.answer_chars = r.answer_chars + len
                    if not r.t_first_answer then
                        r.t_first_answer = t
                    end
                    if r.keep_text then
                        r.text[#r.text + 1] = text
                    end
                elseif k == "r" then
                    r.reasoning_chars = r.reasoning_chars + len
                    if not r.t_first_reasoning then
                        r.t_first_reasoning = t
                    end
                elseif not r.t_first_tool then
                    r.t_first_tool = t
                end
            end
        elseif ty == "usage" then
            local u = r.usage or {}
            for _, f in ipairs(USAGE_FIELDS) do
                if d[f] then
                    u[f] = d[f]
                end
            end
            r.usage = u
            kind = kind or "u"
        elseif ty == "finish" then
            r.finish_reason = d.reason
            kind = kind or "f"
        elseif ty == "done" then
            r.saw_done = true
            kind = kind or "d"
        elseif ty == "error" then
            if d.class == "protocol_violation" then
                if not r.violation then
                    r.violation = d.message or "malformed event"
                    r.violation_seq = r.cur_seq
                end
            else
                r.stream_error = r.stream_error or d
            end
            kind = kind or "e"
        end
    end
    if output then
        r.n_out_events = r.n_out_events + 1
        if not r.t_first_out then
            r.t_first_out = t
        end
        r.t_last_out = t
    end
    return output, kind or "m"
end

-- Decide the one class of a finished request; sets r.class, r.message and friends.
local function classify(ep, r, res)
    r.http_status = res.http_status
    r.http_version = res.http_version
    local h = errors.parse_headers(res.headers or "")
    local received = tonumber(h["x-mock-received-ns"]) -- only sonde's own mock sends it
    if received then
        r.mock_delivery_ms = (math.tointeger(received) - r.t_send) / 1e6
    end
    if r.script_error then
        r.class, r.message = "script_error", r.script_error.message
        return
    end
    if res.code ~= "ok" then
        r.class, r.message = res.code, res.message
        return
    end
    local status = res.http_status
    if status < 200 or status >= 300 then
        local resp = { status = status, headers = h, body = res.body,
            status_class = errors.from_status(status) }
        local ok, class, msg = endpoint.classify(ep, resp)
        if not ok then
            r.class, r.message = "script_error", class.message
            return
        end
        r.class = errors.is_class[class] and class or resp.status_class
        r.message = msg
        r.error_body = res.body
        if status == 429 or status == 503 or status == 529 then
            r.retry_after_s = errors.retry_after_s(h["retry-after"])
        end
        return
    end
    if r.stream_error then
        r.class, r.message = "stream_error", r.stream_error.message
        r.error_code = r.stream_error.code
    elseif r.violation then
        r.class, r.message = "protocol_violation", r.violation
    elseif res.is_sse and not r.saw_done and not ep.quirks.no_done then
        r.class = "protocol_violation"
        r.message = res.unterminated and "stream ended inside an event"
            or "stream ended without its terminator"
    elseif r.n_out_events == 0 then
        r.class, r.message = "empty_output", "2xx response with no output"
    elseif r.finish_reason == "content_filter" then
        r.class = "content_filter"
    elseif r.finish_reason == "length" then
        r.class = "truncated"
    else
        r.class = "ok"
    end
end

local function earliest(a, b)
    if a and b then
        return math.min(a, b)
    end
    return a or b
end

-- Fold what the engine settled in C (the fast path) into the record.
local function merge_fast(ep, r, fs)
    if fs.events == 0 then
        return
    end
    r.answer_chars = r.answer_chars + fs.answer_bytes
    r.reasoning_chars = r.reasoning_chars + fs.reasoning_bytes
    r.out_chars = r.out_chars + fs.answer_bytes + fs.reasoning_bytes
    r.n_out_events = r.n_out_events + fs.out_events
    r.t_first_out = earliest(r.t_first_out, fs.t_first_out)
    r.t_first_answer = earliest(r.t_first_answer, fs.t_first_answer)
    r.t_first_reasoning = earliest(r.t_first_reasoning, fs.t_first_reasoning)
    if fs.t_last_out and (not r.t_last_out or fs.t_last_out > r.t_last_out) then
        r.t_last_out = fs.t_last_out
    end
    if fs.finish and (not r.finish_reason or fs.t_finish > (r.t_finish or 0)) then
        local map = ep.proto.fast.finish_map or {}
        r.finish_reason = map[fs.finish] or fs.finish
    end
    r.saw_done = r.saw_done or fs.saw_done
end

-- The timeline from C, with the kinds of the events the scripts handled filled in.
local function timeline(r, tl)
    for i, seq in ipairs(r.slow_seq or {}) do
        tl:set_kind(seq, r.slow_kind[i])
    end
    r.slow_seq, r.slow_kind = nil, nil
    r.events = tl
    r.nev = #tl
    if r.violation_seq then
        local off, bytes = 0, tl:bytes()
        for i = 1, r.violation_seq do
            off = off + bytes[i]
        end
        r.violation = string.format("%s (event ending at byte %d)", r.violation, off)
    end
end

local function finalize(ep, r, res)
    r.t_intended, r.t_send, r.t_end = res.t_intended, res.t_send, res.t_end
    r.dns_ms, r.connect_ms, r.tls_ms, r.ttfb_ms = res.dns_ms, res.connect_ms, res.tls_ms,
        res.ttfb_ms
    r.send_ms = res.send_ms
    r.bytes = res.bytes
    merge_fast(ep, r, res.fast)
    timeline(r, res.timeline)
    local success = res.code == "ok" and res.http_status >= 200 and res.http_status < 300
    if success and not r.script_error then
        if not res.is_sse then
            local ok, deltas = endpoint.parse_body(ep, r.st, res.body)
            if ok then
                local out, kind = apply(r, deltas or {}, res.t_end)
                r.events = probe.timeline { t = { res.t_end }, bytes = { #res.body },
                    kind = out and kind or "m" }
                r.nev = 1
                r.saw_done = true
            else
                fail_script(r, deltas)
            end
        else
            local ok, deltas = endpoint.end_stream(ep, r.st)
            if not ok then
                fail_script(r, deltas)
            elseif deltas then
                apply(r, deltas, r.t_last_out or res.t_end)
            end
        end
    end
    classify(ep, r, res)
    r.st = nil
    r.text = r.keep_text and table.concat(r.text) or nil
    metrics.compute(r)
    return r
end

-- Build and queue one request for ep; returns its record (already finished when it could
-- not be built or sent).
local function start(run, i, seq, at)
    local ep = run.opts.endpoints[i]
    local r = new_record(ep, seq, i)
    r.keep_text = run.opts.keep_text
    r.text = r.keep_text and {} or nil
    local req = {
        messages = prompt.messages(run.opts.prompt_tokens, seq, run.nonce),
        max_tokens = run.opts.max_tokens,
        stream = run.opts.stream,
        temperature = run.opts.temperature,
    }
    local ok, http = endpoint.request(ep, req)
    local ok2, st = false, nil
    if ok then
        ok2, st = endpoint.new_state(ep)
    end
    if not ok or not ok2 then
        local now = probe.now()
        r.t_intended, r.t_send, r.t_end = at or now, now, now
        r.class, r.message = "script_error", (ok and st or http).message
        metrics.compute(r)
        return r, true
    end
    r.st = st
    local t = run.opts.timeouts
    local id, err = run.eng:add {
        url = http.url, body = http.body, headers = http.headers,
        auth_env = ep.auth_env, auth_header = ep.auth_header, at = at,
        timeout_connect = t.connect, timeout_first = t.first, timeout_idle = t.idle,
        timeout_total = t.total, max_response = run.opts.max_response,
        http = run.opts.http, insecure = run.opts.insecure,
        fresh_connection = run.opts.fresh_connection,
        fast = not r.keep_text and ep.fast or nil,
    }
    if not id then
        error({ message = err }, 0)
    end
    run.inflight[id] = { r = r, ep = ep }
    return r, false, id
end

-- An event the engine did not settle: through the scripts, and its kind noted for the
-- timeline (seq is its place there).
local function on_event(run, id, t, name, data, seq)
    local f = run.inflight[id]
    local r, ep = f.r, f.ep
    if r.script_error then
        return
    end
    local ok, deltas = parse_event(ep, r.st, name, data)
    local k = "x"
    if not ok then
        fail_script(r, deltas)
        run.eng:cancel(id, "script_error")
    else
        local first = r.t_first_out == nil
        r.cur_seq = seq
        local out
        out, k = apply(r, deltas or {}, t)
        if out and first then
            run.eng:mark_output(id)
        end
    end
    local n = r.slow_seq and #r.slow_seq or 0
    if n == 0 then
        r.slow_seq, r.slow_kind = {}, {}
    end
    r.slow_seq[n + 1], r.slow_kind[n + 1] = seq, k
end

-- Check the open-files limit against the concurrency asked for; returns what can be had.
local function reachable(want)
    local need = want + 64
    local lim = sys.nofile(need)
    if lim >= need then
        return want
    end
    local can = math.max(1, lim - 64)
    io.stderr:write(string.format("sonde: %d concurrent streams need an open-files limit of " ..
        "about %d; the limit is %d and cannot be raised further (ulimit -Hn), so at most %d " ..
        "run at once\n", want, need, lim, can))
    return can
end

-- opts: see M.defaults, plus endpoints = { endpoint... }, rate, arrival, burstiness,
-- on_record(r), tick() (called between steps, at least every 100 ms), keep_text, and stop()
-- (asked between steps: when it returns true every request not yet done is cancelled and
-- recorded as such). Returns the list of records, in the order they finished, and whether
-- the run was stopped.
function M.run(opts)
    for k, v in pairs(M.defaults) do
        if opts[k] == nil then
            opts[k] = v
        end
    end
    local eng = assert(probe.new { max_event = opts.max_event })
    local run = { opts = opts, eng = eng, inflight = {}, records = {},
        nonce = string.format("%x%x", sys.wall_ms(), math.random(0, 0xffffff)) }
    local function record(r)
        run.records[#run.records + 1] = r
        if opts.on_record then
            opts.on_record(r)
        end
    end
    local eps = opts.endpoints
    local issued, seq = {}, 0
    for i = 1, #eps do
        issued[i] = 0
    end
    local function issue(i, at)
        seq = seq + 1
        issued[i] = issued[i] + 1
        local r, done, id = start(run, i, seq, at)
        if done then
            record(r)
        end
        return done, id
    end

    local open_loop = opts.rate and opts.rate > 0
    local conc = not open_loop and math.max(1, reachable(opts.concurrency * #eps) // #eps)
    local by_ep = {} -- in flight per endpoint
    for i = 1, #eps do
        by_ep[i] = 0
    end
    if open_loop then
        reachable(math.min(#eps * opts.n, math.ceil(opts.rate * 60)))
        local t0 = probe.now() + 5000000
        local gaps = arrival.schedule(opts.arrival or "constant", opts.rate, opts.n,
            opts.burstiness, opts.seed)
        for i = 1, #eps do
            for j = 1, opts.n do
                issue(i, t0 + gaps[j])
            end
        end
    end
    local ep_of = {}
    local stopped = false
    local function refill()
        if open_loop or stopped then
            return
        end
        for i = 1, #eps do
            while by_ep[i] < conc and issued[i] < opts.n do
                local done, id = issue(i)
                if not done then
                    by_ep[i] = by_ep[i] + 1
                    ep_of[id] = i
                end
            end
        end
    end
    refill()
    while next(run.inflight) do
        if not stopped and opts.stop and opts.stop() then
            stopped = true
            for id in pairs(run.inflight) do
                eng:cancel(id, "cancelled")
            end
        end
        eng:step(100)
        if opts.tick then
            opts.tick()
        end
        for id, kind, t, name, data, _, place in eng:events() do
            if kind == "done" then
                local f = run.inflight[id]
                run.inflight[id] = nil
                record(finalize(f.ep, f.r, eng:take(id)))
                local i = ep_of[id]
                if i then
                    by_ep[i] = by_ep[i] - 1
                    ep_of[id] = nil
                end
            else
                on_event(run, id, t, name, data, place)
            end
        end
        refill()
    end
    eng:close()
    return run.records, stopped
end

return M
