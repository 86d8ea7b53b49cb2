-- openai-chat: the OpenAI Chat Completions protocol, streaming and not, as most hosted
-- open-weight providers speak it. Loaded as a sandboxed script (no io, no globals).
--
-- Normalised deltas (what every protocol returns, one list per event):
--   { type = "answer", text }            { type = "reasoning", text }
--   { type = "tool_call", index, id, name, args }
--   { type = "usage", input, output, reasoning, cached }
--   { type = "finish", reason }           reason: stop | length | tool_calls | content_filter
--   { type = "error", class, message }    { type = "done" }
local val, int = json.value, json.integer

-- Text of a code that may be a number (cjson decodes 400 as 400.0).
local function code_text(x)
    x = val(x)
    if type(x) == "number" then
        return tostring(math.tointeger(x) or x)
    end
    return x and tostring(x) or nil
end

local FINISH = {
    stop = "stop", eos = "stop", end_turn = "stop", stop_sequence = "stop",
    length = "length", max_tokens = "length",
    tool_calls = "tool_calls", function_call = "tool_calls",
    content_filter = "content_filter",
}

-- Split text on <think>...</think> across chunk boundaries: a tag may arrive in pieces, so a
-- trailing prefix of the tag we are looking for is held back until the next chunk.
local function split_think(st, text, out)
    local s = st.carry .. text
    st.carry = ""
    while #s > 0 do
        local tag = st.in_think and "</think>" or "<think>"
        local i = s:find(tag, 1, true)
        if i then
            if i > 1 then
                out[#out + 1] = { type = st.in_think and "reasoning" or "answer",
                    text = s:sub(1, i - 1) }
            end
            st.in_think = not st.in_think
            s = s:sub(i + #tag)
        else
            local keep = 0
            for k = math.min(#tag - 1, #s), 1, -1 do
                if s:sub(-k) == tag:sub(1, k) then
                    keep = k
                    break
                end
            end
            local emit = s:sub(1, #s - keep)
            if #emit > 0 then
                out[#out + 1] = { type = st.in_think and "reasoning" or "answer", text = emit }
            end
            st.carry = s:sub(#s - keep + 1)
            s = ""
        end
    end
end

local function usage_delta(u)
    u = val(u)
    if type(u) ~= "table" then
        return nil
    end
    local details = val(u.completion_tokens_details)
    local pdetails = val(u.prompt_tokens_details)
    return {
        type = "usage",
        input = int(u.prompt_tokens),
        output = int(u.completion_tokens),
        reasoning = type(details) == "table" and int(details.reasoning_tokens) or nil,
        cached = (type(pdetails) == "table" and int(pdetails.cached_tokens))
            or int(u.prompt_cache_hit_tokens) or int(u.cached_tokens),
    }
end

-- An error object, in a body or inside a stream, to a class.
local function error_class(e, status_class)
    local code = code_text(e.code) or ""
    local etype = tostring(val(e.type) or "")
    local msg = tostring(val(e.message) or "")
    local lmsg = msg:lower()
    if code == "context_length_exceeded" or lmsg:find("maximum context length", 1, true)
        or lmsg:find("context length", 1, true) or lmsg:find("context window", 1, true)
        or lmsg:find("too many tokens", 1, true) then
        return "context_overflow"
    end
    if code == "insufficient_quota" or etype == "insufficient_quota"
        or lmsg:find("insufficient balance", 1, true) or lmsg:find("quota", 1, true) then
        return "quota"
    end
    if code == "content_filter" or code == "content_policy_violation" then
        return "content_filter"
    end
    local n = tonumber(code) or int(e.status_code)
    if n == 429 or code == "rate_limit_exceeded" then
        return "rate_limited"
    elseif n == 503 or n == 529 or code == "overloaded" then
        return "overloaded"
    elseif n and n >= 500 then
        return "server_error"
    elseif n == 401 or n == 403 then
        return "auth"
    elseif code == "model_not_found" then
        return "not_found"
    end
    return status_class
end

local function parse_choice(st, ch, out)
    local d = val(ch.delta) or val(ch.message)
    if type(d) == "table" then
        local r = val(d.reasoning_content) or val(d.reasoning)
        if type(r) == "string" and #r > 0 then
            out[#out + 1] = { type = "reasoning", text = r }
        end
        local c = val(d.content)
        if type(c) == "string" and #c > 0 then
            if st.quirks.think_tags then
                split_think(st, c, out)
            else
                out[#out + 1] = { type = "answer", text = c }
            end
        end
        local tcs = val(d.tool_calls)
        if type(tcs) == "table" then
            for _, tc in ipairs(tcs) do
                local f = val(tc["function"]) or {}
                out[#out + 1] = {
                    type = "tool_call", index = int(tc.index) or 0, id = val(tc.id),
                    name = val(f.name), args = val(f.arguments) or "",
                }
            end
        end
    end
    local fr = val(ch.finish_reason)
    if fr then
        out[#out + 1] = { type = "finish", reason = FINISH[fr] or fr }
    end
end

-- The common chunk (one choice, a text delta, maybe a finish reason) is read with json.pick,
-- which builds no tables; anything else (usage, tool calls, errors, several choices) takes the
-- full decode below.
local FAST = json.plan {
    { "choices", 0, "delta", "content" },
    { "choices", 0, "delta", "reasoning_content" },
    { "choices", 0, "delta", "reasoning" },
    { "choices", 0, "delta", "tool_calls" },
    { "choices", 0, "finish_reason" },
    { "usage" }, { "error" }, { "choices", 1 },
    { "choices", 0, "message" },
}
local COMPOSITE = json.composite

local function parse_full(st, name, data)
    local obj, err = json.decode(data)
    if type(obj) ~= "table" then
        return { { type = "error", class = "protocol_violation",
            message = "event is not a JSON object: " .. tostring(err or data:sub(1, 80)) } }
    end
    local out = {}
    local e = val(obj.error)
    if name == "error" or e then
        e = type(e) == "table" and e or obj
        -- an error inside a 2xx stream is a stream_error whatever it says; its code is kept
        out[1] = { type = "error", class = "stream_error",
            code = code_text(e.code) or code_text(e.type) or "",
            message = tostring(val(e.message) or data:sub(1, 200)) }
        return out, obj
    end
    local choices = val(obj.choices)
    if type(choices) == "table" then
        for _, ch in ipairs(choices) do
            parse_choice(st, ch, out)
        end
    end
    local u = usage_delta(obj.usage)
    if u then
        out[#out + 1] = u
    end
    return out, obj -- the decoded object too, so an adapter hook need not decode it again
end

local function parse_event(st, name, data)
    if data == "[DONE]" then
        return { { type = "done" } }
    end
    if name == "error" or st.quirks.full_decode then
        return parse_full(st, name, data)
    end
    local ok, content, rc, r, tools, fr, usage, err, second, msg = json.pick(FAST, data)
    if not ok then
        return { { type = "error", class = "protocol_violation",
            message = "event is not JSON: " .. tostring(content) } }
    end
    if tools or usage or err or second or msg or content == COMPOSITE or fr == COMPOSITE
        or r == COMPOSITE or rc == COMPOSITE then
        return parse_full(st, name, data)
    end
    local out = {}
    r = rc or r
    if type(r) == "string" and #r > 0 then
        out[#out + 1] = { type = "reasoning", text = r }
    end
    if type(content) == "string" and #content > 0 then
        if st.quirks.think_tags then
            split_think(st, content, out)
        else
            out[#out + 1] = { type = "answer", text = content }
        end
    end
    if fr then
        out[#out + 1] = { type = "finish", reason = FINISH[fr] or fr }
    end
    return out
end

local function end_stream(st)
    if st.carry ~= "" then
        local out = { { type = st.in_think and "reasoning" or "answer", text = st.carry } }
        st.carry = ""
        return out
    end
    return nil
end

local function parse_body(st, body)
    local obj, err = json.decode(body)
    if type(obj) ~= "table" then
        return { { type = "error", class = "protocol_violation",
            message = "body is not a JSON object: " .. tostring(err) } }
    end
    local out = {}
    local choices = val(obj.choices)
    if type(choices) == "table" then
        for _, ch in ipairs(choices) do
            parse_choice(st, ch, out)
        end
    end
    local tail = end_stream(st)
    if tail then
        table.insert(out, #out, tail[1])
    end
    local u = usage_delta(obj.usage)
    if u then
        out[#out + 1] = u
    end
    return out
end

-- resp: { status, headers, body, status_class } -> class, message
local function classify(resp)
    local obj = json.decode(resp.body or "")
    local e = type(obj) == "table" and val(obj.error)
    if type(e) == "table" then
        return error_class(e, resp.status_class), tostring(val(e.message) or "")
    elseif type(e) == "string" then
        return error_class({ message = e }, resp.status_class), e
    end
    -- not JSON (a proxy's page, a quoted message): the words may still say what happened
    return error_class({ message = resp.body or "" }, resp.status_class),
        (resp.body or ""):sub(1, 200)
end

local function build_request(req, ctx)
    local body = {
        model = req.model,
        messages = req.messages,
        max_tokens = req.max_tokens,
        stream = req.stream,
        temperature = req.temperature,
        seed = req.seed,
    }
    if req.stream and not ctx.quirks.no_stream_options then
        body.stream_options = { include_usage = true }
    end
    if ctx.quirks.max_completion_tokens then
        body.max_completion_tokens, body.max_tokens = body.max_tokens, nil
    end
    for k, v in pairs(req.extra or {}) do
        body[k] = v
    end
    return { path = "/chat/completions", body = json.encode(body),
        headers = { ["Content-Type"] = "application/json",
            Accept = req.stream and "text/event-stream" or "application/json" } }
end

-- What the engine may settle in C without calling this script (see core/fast.h): events
-- whose answer, reasoning and finish reason sit at these paths, with none of the bail paths
-- present. It must agree with parse_event above; tests/lua/protocol_spec.lua checks that it
-- does on every recorded event.
local fast = {
    answer = { { "choices", 0, "delta", "content" } },
    reasoning = { { "choices", 0, "delta", "reasoning_content" },
        { "choices", 0, "delta", "reasoning" } },
    finish = { "choices", 0, "finish_reason" },
    finish_map = FINISH,
    -- ordered so that paths sharing first steps are walked once
    bail = { { "choices", 0, "delta", "tool_calls" }, { "choices", 0, "message" },
        { "choices", 1 }, { "usage" }, { "error" } },
    done = "[DONE]",
}

return {
    api = 1,
    name = "openai-chat",
    fast = fast,
    doc = "OpenAI-compatible /chat/completions with SSE streaming",
    path = "/chat/completions",
    auth_header = "Authorization",
    auth_prefix = "Bearer ",
    quirks = {
        think_tags = "reasoning arrives inline in content between <think> and </think>",
        no_stream_options = "the endpoint rejects stream_options; usage is not requested",
        max_completion_tokens = "the endpoint wants max_completion_tokens, not max_tokens",
        full_decode = "decode every event in full, in the script (no fast path)",
    },
    new_state = function(quirks)
        return { quirks = quirks or {}, carry = "", in_think = false }
    end,
    build_request = build_request,
    parse_event = parse_event,
    parse_body = function(st, body) return parse_body(st, body) end,
    end_stream = end_stream,
    classify = classify,
}
