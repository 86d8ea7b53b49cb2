-- sonde.endpoint: a provider adapter and its protocol joined into one endpoint that the
-- session can drive: build a request, turn each SSE event (or a whole body) into normalised
-- deltas, classify a failed response. Every call into a script goes through
-- sonde.sandbox.call, so a broken script fails the request that used it, with file:line.
local paths = require "sonde.paths"
local probe = require "sonde.probe"
local sandbox = require "sonde.script"

local M = {}

local protocols, adapters = {}, {}
local call = sandbox.call

local function fail(msg)
    error({ message = msg }, 0)
end

-- The protocol module called NAME ("openai-chat" is lua/sonde/protocol/openai_chat.lua).
function M.protocol(name)
    if protocols[name] then
        return protocols[name]
    end
    local file = name:gsub("-", "_")
    local path, tried = paths.find("lua/sonde/protocol", file)
    if not path then
        fail("no protocol '" .. name .. "' (looked for " .. table.concat(tried, ", ") .. ")")
    end
    local mod, err = sandbox.load_file(path, "protocol")
    if not mod then
        fail(err.message)
    end
    mod.file = path
    protocols[name] = mod
    return mod
end

local function check_quirks(quirks, proto, where, text)
    for k in pairs(quirks or {}) do
        if not (proto.quirks or {})[k] then
            local known = {}
            for q in pairs(proto.quirks or {}) do
                known[#known + 1] = q
            end
            table.sort(known)
            local line = require("sonde.schema").line_of(text, { k }) or 1
            fail(string.format("%s:%d: protocol %s has no quirk '%s' (known: %s)", where, line,
                proto.name, k, table.concat(known, ", ")))
        end
    end
end

-- Load and check the adapter in providers/NAME.lua (or at an explicit path).
function M.adapter(name_or_path)
    if adapters[name_or_path] then
        return adapters[name_or_path]
    end
    local path = name_or_path
    if not name_or_path:find("/") and not name_or_path:find("%.lua$") then
        local tried
        path, tried = paths.find("providers", name_or_path)
        if not path then
            fail("no provider adapter '" .. name_or_path .. "' (looked for " ..
                table.concat(tried, ", ") .. ")")
        end
    end
    local ad, text = sandbox.load_file(path, "adapter")
    if not ad then
        fail(text.message)
    end
    local proto = M.protocol(ad.protocol)
    check_quirks(ad.quirks, proto, path, text)
    for canon, m in pairs(ad.models) do
        check_quirks(m.quirks, proto, path, text)
        m.canonical = canon
    end
    ad.file = path
    ad.proto = proto
    adapters[name_or_path] = ad
    return ad
end

local function merged(a, b)
    local o = {}
    for k, v in pairs(a or {}) do
        o[k] = v
    end
    for k, v in pairs(b or {}) do
        o[k] = v
    end
    return o
end

-- The adapter with another protocol (for --base-url --protocol).
function M.with_protocol(ad, name)
    local o = merged(ad, {})
    o.protocol = name
    o.proto = M.protocol(name)
    return o
end

-- An endpoint: an adapter, one of its models, and everything needed to send requests.
-- spec: { adapter = table|name, model = canonical name or provider id (or model_entry = a
--         model table for an endpoint no adapter lists), base_url = override,
--         auth_env = override, label = text, provider = who serves it (default: the
--         adapter's name; a generic adapter's endpoint says which host it is) }
function M.new(spec)
    local ad = type(spec.adapter) == "table" and spec.adapter or M.adapter(spec.adapter)
    local model = spec.model_entry or ad.models[spec.model]
    if not model then
        for _, m in pairs(ad.models) do
            if m.id == spec.model then
                model = m
            end
        end
    end
    if not model then
        local names = {}
        for k in pairs(ad.models) do
            names[#names + 1] = k
        end
        table.sort(names)
        fail(string.format("provider %s has no model '%s' (it has: %s)", ad.name, spec.model,
            table.concat(names, ", ")))
    end
    local proto = ad.proto
    local auth = ad.auth or {}
    local auth_env = spec.auth_env or auth.env
    local header = auth.header or proto.auth_header
    local prefix = auth.prefix or proto.auth_prefix or ""
    local base = (spec.base_url or ad.base_url):gsub("/+$", "")
    local hooks = ad.hooks or {}
    local ep = {
        label = spec.label or (ad.name .. "/" .. (model.canonical or model.id)),
        provider = spec.provider or ad.name,
        model = model,
        adapter = ad,
        proto = proto,
        base_url = base,
        quirks = merged(ad.quirks, model.quirks),
        headers = ad.headers or {},
        auth_env = auth_env,
        auth_header = auth_env and (header .. ": " .. prefix) or nil,
        hooks = hooks,
    }
    -- resolved once: parse_event runs for every event
    ep.pe_where = hooks.parse_event and ad.file or proto.file
    ep.pe_hook = hooks.parse_event
    ep.pe_base = proto.parse_event
    ep.fast = M.fast_plan(ep)
    return ep
end

-- The compiled fast plan for an endpoint, or nil when every event must reach the scripts:
-- the protocol declares none, a quirk changes how events read, or a parse_event hook did not
-- say which more events it needs (adapter.fast.bail).
function M.fast_plan(ep)
    local spec = ep.proto.fast
    local ad = ep.adapter
    if not spec or ep.quirks.think_tags or ep.quirks.full_decode
        or (ep.pe_hook and not ad.fast) then
        return nil
    end
    local bail = table.move(spec.bail or {}, 1, #(spec.bail or {}), 1, {})
    for _, p in ipairs(ad.fast and ad.fast.bail or {}) do
        bail[#bail + 1] = p
    end
    return probe.fast_plan { answer = spec.answer, reasoning = spec.reasoning,
        finish = spec.finish, bail = bail, done = spec.done }
end

-- Script entry points. Each returns true, result or false, script error.
local function hooked(ep, name)
    local hook = ep.hooks[name]
    local where = hook and ep.adapter.file or ep.proto.file
    return hook, ep.proto[name], where
end

-- The HTTP request for req = { messages, max_tokens, stream, ... } (model filled in here).
function M.request(ep, req)
    req.model = ep.model.id
    local hook, base, where = hooked(ep, "build_request")
    local ctx = { quirks = ep.quirks, base_url = ep.base_url }
    local ok, r
    if hook then
        ok, r = sandbox.call(where, hook, req, ctx, base)
    else
        ok, r = sandbox.call(where, base, req, ctx)
    end
    if not ok then
        return false, r
    end
    local headers = {}
    for k, v in pairs(merged(r.headers, ep.headers)) do
        headers[#headers + 1] = k .. ": " .. v
    end
    table.sort(headers)
    return true, { url = ep.base_url .. (r.path or ep.proto.path), body = r.body,
        headers = headers }
end

function M.new_state(ep)
    return sandbox.call(ep.proto.file, ep.proto.new_state, ep.quirks)
end

function M.parse_event(ep, st, name, data)
    local hook = ep.pe_hook
    if hook then
        return call(ep.pe_where, hook, st, name, data, ep.pe_base)
    end
    return call(ep.pe_where, ep.pe_base, st, name, data)
end

function M.parse_body(ep, st, body)
    local hook, base, where = hooked(ep, "parse_body")
    if hook then
        return sandbox.call(where, hook, st, body, base)
    end
    return sandbox.call(where, base, st, body)
end

function M.end_stream(ep, st)
    if not ep.proto.end_stream then
        return true, nil
    end
    return sandbox.call(ep.proto.file, ep.proto.end_stream, st)
end

-- resp: { status, headers, body, status_class } -> true, class, message | false, err
function M.classify(ep, resp)
    local hook, base, where = hooked(ep, "classify")
    if hook then
        return sandbox.call(where, hook, resp, base)
    end
    return sandbox.call(where, base, resp)
end

return M
