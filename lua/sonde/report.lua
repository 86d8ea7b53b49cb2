-- sonde.report: summaries as a terminal table or as JSON, and request records as JSON lines.
local cjson = require "cjson"

local M = {}

local function fmt(v)
    if v == nil then
        return "-"
    end
    if math.type(v) == "integer" or (v == math.floor(v) and math.abs(v) < 1e9) then
        return string.format("%d", v)
    end
    if math.abs(v) >= 100 then
        return string.format("%.1f", v)
    end
    return string.format("%.2f", v)
end

local function error_text(errs)
    local keys = {}
    for k in pairs(errs) do
        keys[#keys + 1] = k
    end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
        parts[#parts + 1] = k .. "=" .. errs[k]
    end
    return #parts > 0 and table.concat(parts, " ") or "none"
end

M.error_text = error_text

function M.table(summaries, metrics)
    local out = {}
    for _, s in ipairs(summaries) do
        out[#out + 1] = string.format("endpoint  %s  (%s, model %s)", s.endpoint, s.url or "",
            s.model or "")
        out[#out + 1] = string.format("requests  %d   ok %d   errors %s   tokens %s", s.n, s.ok,
            error_text(s.errors), s.tokens_source)
        out[#out + 1] = string.format("  %-14s %10s %10s %10s %10s %8s", "metric", "p50", "p90",
            "p99", "mean", "n")
        for _, m in ipairs(metrics) do
            local d = s[m]
            if d then
                out[#out + 1] = string.format("  %-14s %10s %10s %10s %10s %8d", m, fmt(d.p50),
                    fmt(d.p90), fmt(d.p99), fmt(d.mean), d.n)
            end
        end
        out[#out + 1] = ""
    end
    if #summaries > 1 then
        out[#out + 1] = "comparison (p50 unless marked)"
        local cols = { "endpoint", "n", "ok%", "ttft", "ttft p99", "tpot", "decode_tps", "e2e" }
        out[#out + 1] = string.format("  %-22s %5s %6s %9s %9s %8s %10s %9s", table.unpack(cols))
        for _, s in ipairs(summaries) do
            local function p(m, q)
                return s[m] and fmt(s[m][q or "p50"]) or "-"
            end
            out[#out + 1] = string.format("  %-22s %5d %6.1f %9s %9s %8s %10s %9s", s.endpoint,
                s.n, s.n > 0 and 100 * s.ok / s.n or 0, p("ttft_ms"), p("ttft_ms", "p99"),
                p("tpot_ms"), p("decode_tps"), p("e2e_ms"))
        end
        out[#out + 1] = ""
    end
    return table.concat(out, "\n")
end

function M.json(summaries)
    local list = {}
    for _, s in ipairs(summaries) do
        local o = {}
        for k, v in pairs(s) do
            o[k] = v
        end
        -- lua-cjson writes an empty table as {}, which is what an empty errors map should be
        list[#list + 1] = o
    end
    return cjson.encode({ endpoints = list })
end

-- One JSON line for a record: every metric, the class, and the event timeline as offsets
-- from t_send in ms with the bytes and kind of each event.
function M.record_line(r)
    local o = {}
    for k, v in pairs(r) do
        if k ~= "events" and k ~= "st" then
            o[k] = v
        end
    end
    local tl = r.events
    if #tl > 0 then
        local t = tl:times()
        for i = 1, #t do
            t[i] = (t[i] - r.t_send) / 1e6
        end
        o.events = { t_ms = t, bytes = tl:bytes(), kind = tl:kinds() }
    end
    if #o.itl_ms == 0 then
        o.itl_ms = nil
    end
    return cjson.encode(o)
end

return M
