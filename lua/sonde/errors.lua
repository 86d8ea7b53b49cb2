-- sonde.errors: the one error taxonomy (DESIGN.md, "Error classes") and the parts of
-- classification that hold for every protocol: what an HTTP status means by itself, and how
-- to read Retry-After. Protocols refine a class from the response body.
local M = {}

M.classes = {
    "ok", "empty_output", "truncated", "dns_error", "connect_error", "tls_error",
    "timeout_connect", "timeout_first_token", "timeout_idle", "timeout_total", "auth",
    "not_found", "bad_request", "context_overflow", "rate_limited", "quota", "overloaded",
    "server_error", "stream_error", "protocol_violation", "content_filter", "cancelled",
    "budget_stop", "script_error",
}

M.is_class = {}
for _, c in ipairs(M.classes) do
    M.is_class[c] = true
end

-- Classes that count as a success: the request produced output.
M.success = { ok = true, truncated = true }

-- The class an HTTP status implies before anyone reads the body.
function M.from_status(status)
    if status >= 200 and status < 300 then
        return "ok"
    elseif status == 401 or status == 403 then
        return "auth"
    elseif status == 404 then
        return "not_found"
    elseif status == 402 then
        return "quota"
    elseif status == 408 then
        return "timeout_total"
    elseif status == 413 then
        return "context_overflow"
    elseif status == 429 then
        return "rate_limited"
    elseif status == 503 or status == 529 then
        return "overloaded"
    elseif status >= 500 then
        return "server_error"
    elseif status >= 400 then
        return "bad_request"
    end
    return "protocol_violation"
end

-- Response headers as a table of lower-case names (the last value wins), from the raw block.
function M.parse_headers(raw)
    local h = {}
    for line in raw:gmatch("[^\r\n]+") do
        local k, v = line:match("^([^:]+):%s*(.-)%s*$")
        if k then
            h[k:lower()] = v
        end
    end
    return h
end

-- Seconds to wait from a Retry-After value (delta-seconds; an HTTP date is kept as nil since
-- the clocks of two machines are not comparable here).
function M.retry_after_s(v)
    if not v then
        return nil
    end
    return tonumber(v:match("^%s*(%d+%.?%d*)%s*$"))
end

return M
