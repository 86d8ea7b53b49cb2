-- Test helper: replay a recorded stream through sonde's SSE parser and an endpoint's
-- protocol, and sum up what a reader of the recording would check.
local endpoint = require "sonde.endpoint"
local sse = require "sonde.sse"

local M = {}

M.dir = "tests/fixtures/sse/"

-- The recording as SSE bytes. .chunks.txt files hold one data payload a line after a
-- provenance line; they are wrapped back into "data: ...\n\n" events.
function M.read(name)
    local f = assert(io.open(M.dir .. name, "rb"))
    local text = f:read("a")
    f:close()
    if name:match("%.chunks%.txt$") then
        local out, first = {}, true
        for line in text:gmatch("[^\n]+") do
            if not first then
                out[#out + 1] = "data: " .. line .. "\n\n"
            end
            first = false
        end
        return table.concat(out)
    end
    return text
end

-- Events of text fed in pieces cut at the given byte offsets.
function M.events(text, cuts)
    local p = sse.new()
    local all, at = {}, 0
    for _, c in ipairs(cuts or {}) do
        for _, e in ipairs(assert(p:feed(text:sub(at + 1, c)))) do
            all[#all + 1] = e
        end
        at = c
    end
    for _, e in ipairs(assert(p:feed(text:sub(at + 1)))) do
        all[#all + 1] = e
    end
    p:close()
    return all
end

-- Every delta of every event through the endpoint, summed up.
function M.normalize(ep, events)
    local ok, st = endpoint.new_state(ep)
    assert(ok, st)
    local s = { answer = {}, reasoning = {}, tools = 0, comments = 0, deltas = 0 }
    local function apply(deltas)
        for _, d in ipairs(deltas or {}) do
            s.deltas = s.deltas + 1
            if d.type == "answer" then
                s.answer[#s.answer + 1] = d.text
            elseif d.type == "reasoning" then
                s.reasoning[#s.reasoning + 1] = d.text
            elseif d.type == "tool_call" then
                s.tools = s.tools + 1
            elseif d.type == "usage" then
                s.usage = s.usage or {}
                for k, v in pairs(d) do
                    if k ~= "type" then
                        s.usage[k] = v
                    end
                end
            elseif d.type == "finish" then
                s.finish = d.reason
            elseif d.type == "error" then
                s.error = s.error or d
            elseif d.type == "done" then
                s.done = true
            end
        end
    end
    for _, e in ipairs(events) do
        if e.kind == "comment" then
            s.comments = s.comments + 1
        else
            local pok, deltas = endpoint.parse_event(ep, st, e.name, e.data)
            assert(pok, type(deltas) == "table" and deltas.message)
            apply(deltas)
        end
    end
    local eok, tail = endpoint.end_stream(ep, st)
    assert(eok, tail)
    apply(tail)
    s.answer = table.concat(s.answer)
    s.reasoning = table.concat(s.reasoning)
    return s
end

-- Cut offsets for a split test: every offset for small inputs, an even spread of about
-- `most` for large ones (the C test already splits every recording at every offset).
function M.splits(len, most)
    most = most or 150
    local step = math.max(1, len // most)
    local out = {}
    for k = 1, len - 1, step do
        out[#out + 1] = k
    end
    return out
end

return M
