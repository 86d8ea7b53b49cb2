-- anthropic-messages: the Anthropic Messages API (/v1/messages), whose stream is a family of
-- named events: message_start, content_block_start/delta/stop (thinking_delta, text_delta,
-- input_json_delta, signature_delta), message_delta (stop_reason, usage), message_stop, ping,
-- error. Loaded as a sandboxed script; returns the same normalised deltas as openai-chat.
local val, int = json.value, json.integer

local FINISH = {
    end_turn = "stop", stop_sequence = "stop", pause_turn = "stop",
    max_tokens = "length", tool_use = "tool_calls", refusal = "content_filter",
}

local ERROR_TYPE = {
    overloaded_error = "overloaded", rate_limit_error = "rate_limited",
    api_error = "server_error", authentication_error = "auth", permission_error = "auth",
    not_found_error = "not_found", invalid_request_error = "bad_request",
    request_too_large = "bad_request", billing_error = "quota",
}

local function error_class(e, fallback)
    local msg = tostring(val(e.message) or ""):lower()
    if msg:find("prompt is too long", 1, true) or msg:find("context window", 1, true)
        or msg:find("context length", 1, true) then
        return "context_overflow"
    end
    if msg:find("credit balance", 1, true) then
        return "quota"
    end
    return ERROR_TYPE[val(e.type) or ""] or fallback
end

local function usage_delta(u)
    u = val(u)
    if type(u) ~= "table" then
        return nil
    end
    return {
        type = "usage",
        input = int(u.input_tokens),
        output = int(u.output_tokens),
        cached = int(u.cache_read_input_tokens),
    }
end

local function parse_event(st, name, data)
    local obj, err = json.decode(data)
    if type(obj) ~= "table" then
        return { { type = "error", class = "protocol_violation",
            message = "event is not a JSON object: " .. tostring(err or data:sub(1, 80)) } }
    end
    local t = val(obj.type) or name
    if t == "content_block_delta" then
        local d = val(obj.delta) or {}
        if d.type == "text_delta" and #(d.text or "") > 0 then
            return { { type = "answer", text = d.text } }
        elseif d.type == "thinking_delta" and #(d.thinking or "") > 0 then
            return { { type = "reasoning", text = d.thinking } }
        elseif d.type == "input_json_delta" then
            return { { type = "tool_call", index = int(obj.index) or 0,
                args = val(d.partial_json) or "" } }
        end
        return {}
    elseif t == "content_block_start" then
        local b = val(obj.content_block) or {}
        if b.type == "tool_use" then
            return { { type = "tool_call", index = int(obj.index) or 0, id = val(b.id),
                name = val(b.name), args = "" } }
        end
        return {}
    elseif t == "message_start" then
        local m = val(obj.message) or {}
        local u = usage_delta(m.usage)
        if u then
            st.input = u.input
            st.cached = u.cached
            u.output = nil -- the running count starts at 1 here; the final count comes later
        end
        return { u }
    elseif t == "message_delta" then
        local out = {}
        local d = val(obj.delta) or {}
        local sr = val(d.stop_reason)
        if sr then
            out[#out + 1] = { type = "finish", reason = FINISH[sr] or sr }
        end
        local u = usage_delta(obj.usage)
        if u then
            u.input = u.input or st.input
            u.cached = u.cached or st.cached
            out[#out + 1] = u
        end
        return out
    elseif t == "message_stop" then
        return { { type = "done" } }
    elseif t == "error" then
        local e = val(obj.error) or obj
        return { { type = "error", class = "stream_error", code = tostring(val(e.type) or ""),
            message = tostring(val(e.message) or "") } }
    end
    return {} -- ping, content_block_stop, and event types added later
end

local function parse_body(_, body)
    local obj, err = json.decode(body)
    if type(obj) ~= "table" then
        return { { type = "error", class = "protocol_violation",
            message = "body is not a JSON object: " .. tostring(err) } }
    end
    local out = {}
    for i, b in ipairs(val(obj.content) or {}) do
        if b.type == "text" then
            out[#out + 1] = { type = "answer", text = b.text }
        elseif b.type == "thinking" then
            out[#out + 1] = { type = "reasoning", text = b.thinking }
        elseif b.type == "tool_use" then
            out[#out + 1] = { type = "tool_call", index = i - 1, id = b.id, name = b.name,
                args = json.encode(b.input or {}) }
        end
    end
    local sr = val(obj.stop_reason)
    if sr then
        out[#out + 1] = { type = "finish", reason = FINISH[sr] or sr }
    end
    local u = usage_delta(obj.usage)
    if u then
        out[#out + 1] = u
    end
    return out
end

local function classify(resp)
    local obj = json.decode(resp.body or "")
    local e = type(obj) == "table" and val(obj.error)
    if type(e) == "table" then
        return error_class(e, resp.status_class), tostring(val(e.message) or "")
    end
    return resp.status_class, (resp.body or ""):sub(1, 200)
end

local function build_request(req, _)
    local system, messages = nil, {}
    for _, m in ipairs(req.messages) do
        if m.role == "system" then
            system = m.content
        else
            messages[#messages + 1] = m
        end
    end
    local body = {
        model = req.model,
        messages = messages,
        system = system,
        max_tokens = req.max_tokens or 1024,
        stream = req.stream,
        temperature = req.temperature,
    }
    for k, v in pairs(req.extra or {}) do
        body[k] = v
    end
    return { path = "/messages", body = json.encode(body),
        headers = { ["Content-Type"] = "application/json", ["anthropic-version"] = "2023-06-01" } }
end

return {
    api = 1,
    name = "anthropic-messages",
    doc = "Anthropic Messages API with its named SSE event family",
    path = "/messages",
    auth_header = "x-api-key",
    auth_prefix = "",
    quirks = {},
    new_state = function(quirks)
        return { quirks = quirks or {} }
    end,
    build_request = build_request,
    parse_event = parse_event,
    parse_body = parse_body,
    classify = classify,
}
