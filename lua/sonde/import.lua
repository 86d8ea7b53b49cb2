-- sonde.import: request logs into the store (table log_requests), all or nothing.
-- Formats: the Azure LLM inference trace CSV (TIMESTAMP,ContextTokens,GeneratedTokens),
-- the Mooncake JSONL trace (timestamp in ms from the start, input_length, output_length,
-- hash_ids), and any CSV or JSONL with a column mapping. A malformed row is reported as
-- FILE:ROW with the reason, and either skipped (noted in import_issues) or stops the import,
-- which then leaves nothing behind.
local cjson = require "cjson"
local files = require "sonde.files"
local utc = require "sonde.utc"

local M = {}

-- The fields a log row can carry, and their types.
M.FIELDS = { ts = "time", model = "text", provider = "text", task = "text",
    input_tokens = "count", output_tokens = "count", latency_ms = "number", status = "text" }

-- CSV records (RFC 4180: quoted fields, "" inside quotes, CRLF or LF, a last line without
-- a newline). Yields fields, and the line the record starts on.
function M.csv_records(text)
    local pos, line, n = 1, 1, #text
    return function()
        if pos > n then
            return nil
        end
        local fields, start = {}, line
        while true do
            local c = text:sub(pos, pos)
            local field
            if c == '"' then
                local buf, i = {}, pos + 1
                while true do
                    local q = text:find('"', i, true)
                    if not q then
                        error(string.format("row %d: a quoted field is never closed", start), 0)
                    end
                    buf[#buf + 1] = text:sub(i, q - 1)
                    if text:sub(q + 1, q + 1) == '"' then
                        buf[#buf + 1] = '"'
                        i = q + 2
                    else
                        pos = q + 1
                        break
                    end
                end
                field = table.concat(buf)
                local _, nl = field:gsub("\n", "")
                line = line + nl
            else
                local e = text:find("[,\r\n]", pos) or n + 1
                field = text:sub(pos, e - 1)
                pos = e
            end
            fields[#fields + 1] = field
            local sep = text:sub(pos, pos)
            if sep == "," then
                pos = pos + 1
            else
                if sep == "\r" then
                    pos = pos + 1
                end
                if text:sub(pos, pos) == "\n" then
                    pos = pos + 1
                end
                line = line + 1
                return fields, start
            end
        end
    end
end

local function check(field, v)
    local kind = M.FIELDS[field]
    if v == nil or v == "" or v == cjson.null then
        return nil
    end
    if kind == "time" then
        local t = utc.parse(v)
        if not t then
            return nil, string.format("%s '%s' is not a time", field, tostring(v))
        end
        return t
    elseif kind == "count" then
        local x = math.tointeger(tonumber(v))
        if not x or x < 0 then
            return nil, string.format("%s '%s' is not a whole number of tokens", field,
                tostring(v))
        end
        return x
    elseif kind == "number" then
        local x = tonumber(v)
        if not x or x ~= x then
            return nil, string.format("%s '%s' is not a number", field, tostring(v))
        end
        return x
    end
    return tostring(v)
end

-- The built-in formats as mappings from field to column (or key).
M.formats = {
    azure = { kind = "csv", map = { ts = "TIMESTAMP", input_tokens = "ContextTokens",
        output_tokens = "GeneratedTokens" }, required = { "ts", "input_tokens", "output_tokens" } },
    -- timestamps are ms from the trace's start: stored as seconds from it
    mooncake = { kind = "jsonl", map = { ts = "timestamp", input_tokens = "input_length",
        output_tokens = "output_length" }, scale = { ts = 0.001 },
        required = { "ts", "input_tokens", "output_tokens" } },
    csv = { kind = "csv" },
    jsonl = { kind = "jsonl" },
}

-- Parse a mapping "ts=Timestamp,model=Model,..." for the generic formats.
function M.parse_map(text)
    local map = {}
    for pair in tostring(text):gmatch("[^,]+") do
        local k, v = pair:match("^%s*([%w_]+)%s*=%s*(.-)%s*$")
        if not k or not M.FIELDS[k] then
            error(string.format("--map: '%s' is not FIELD=COLUMN with FIELD one of ts, model, " ..
                "provider, task, input_tokens, output_tokens, latency_ms, status", pair), 0)
        end
        map[k] = v
    end
    return map
end

local INSERT = "INSERT INTO log_requests (import_id, ts, model, provider, task, input_tokens, " ..
    "output_tokens, latency_ms, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
local ORDER = { "ts", "model", "provider", "task", "input_tokens", "output_tokens",
    "latency_ms", "status" }
local SLOT = {}
for i, k in ipairs(ORDER) do
    SLOT[k] = i
end

-- Import a request log into st (a sonde.store). opts: format, map (field -> column, for csv
-- and jsonl; adds to a built-in format's), name, on_error ("skip" or "stop"), and fixed
-- values for fields the file lacks (model, provider, task). Returns a summary table; on
-- "stop" raises FILE:ROW: reason after rolling everything back.
function M.log(st, path, opts)
    local fmt = M.formats[opts.format]
    if not fmt then
        error(string.format("unknown log format '%s' (azure, mooncake, csv, jsonl)",
            tostring(opts.format)), 0)
    end
    local map = {}
    for k, v in pairs(fmt.map or {}) do
        map[k] = v
    end
    for k, v in pairs(opts.map or {}) do
        map[k] = v
    end
    if not next(map) then
        error("format " .. opts.format .. " needs --map FIELD=COLUMN,...", 0)
    end
    local text, name = files.read(path)
    local on_error = opts.on_error or "skip"
    local db = st.db
    local import_id
    local rows, skipped = 0, 0
    local function bad(row, why)
        if on_error == "stop" then -- st:atomically rolls everything back
            error(string.format("%s:%d: %s; nothing was imported", name, row, why), 0)
        end
        skipped = skipped + 1
        st:import_issue(import_id, row, nil, why, "skipped")
    end
    local function put(row, get)
        local vals = {}
        for i, k in ipairs(ORDER) do
            local col = map[k]
            local v, why
            if col then
                v, why = check(k, get(col))
                if why then
                    return bad(row, why)
                end
                if v and fmt.scale and fmt.scale[k] then
                    v = v * fmt.scale[k]
                end
            else
                v = opts[k]
            end
            vals[i] = v
        end
        for _, k in ipairs(fmt.required or {}) do
            if vals[SLOT[k]] == nil then
                return bad(row, k .. " is missing")
            end
        end
        db:insert(INSERT, import_id, table.unpack(vals, 1, #ORDER))
        rows = rows + 1
    end
    return st:atomically(function()
        import_id = st:new_import("log", opts.format, path, opts.name or name)
        if fmt.kind == "csv" then
            local header, index
            for fields, line in M.csv_records(text) do
                if not header then
                    header, index = fields, {}
                    for i, h in ipairs(fields) do
                        index[h] = i
                    end
                    for k, col in pairs(map) do
                        if not index[col] then
                            error(string.format("%s:1: no column '%s' (for %s); the header " ..
                                "has: %s", name, col, k, table.concat(header, ", ")), 0)
                        end
                    end
                elseif not (#fields == 1 and fields[1] == "") then
                    if #fields ~= #header then
                        bad(line, string.format("%d fields, the header has %d", #fields,
                            #header))
                    else
                        put(line, function(col)
                            return fields[index[col]]
                        end)
                    end
                end
            end
        else
            local row = 0
            for line in (text .. "\n"):gmatch("(.-)\r?\n") do
                row = row + 1
                if line:match("%S") then
                    local okj, obj = pcall(cjson.decode, line)
                    if not okj or type(obj) ~= "table" then
                        bad(row, "not a JSON object")
                    else
                        put(row, function(col)
                            return obj[col]
                        end)
                    end
                end
            end
        end
        st:finish_import(import_id, rows, skipped, 0)
        return { id = import_id, rows = rows, skipped = skipped, file = path }
    end)
end

-- Published per-endpoint latency and throughput (the flat CSV of OpenRouter endpoint stats:
-- source, provider, model, uptime_last_30m, ..., latency_ms_p50..p99,
-- throughput_tps_p50..p99) into endpoint_stats. All or nothing; a bad row stops it.
function M.endpoint_stats(st, path)
    local text, name = files.read(path)
    local canonical = require("sonde.catalog").canonical
    local db = st.db
    return st:atomically(function()
        local import_id = st:new_import("stats", "endpoint-stats", path, name)
        local header, index, n = nil, {}, 0
        local want = { "source", "provider", "model", "latency_ms_p50", "throughput_tps_p50" }
        for fields, line in M.csv_records(text) do
            if not header then
                header = fields
                for i, h in ipairs(fields) do
                    index[h] = i
                end
                for _, k in ipairs(want) do
                    if not index[k] then
                        error(string.format("%s:1: no column '%s'", name, k), 0)
                    end
                end
            elseif not (#fields == 1 and fields[1] == "") then
                local function get(k)
                    local v = index[k] and fields[index[k]]
                    if v == nil or v == "" or v == "null" then
                        return nil
                    end
                    local x = tonumber(v)
                    if not x then
                        error(string.format("%s:%d: %s '%s' is not a number", name, line, k, v),
                            0)
                    end
                    return x
                end
                local model = fields[index.model]
                db:insert("INSERT INTO endpoint_stats (import_id, source, provider, model, " ..
                    "variant, uptime_pct, latency_p50_ms, latency_p90_ms, latency_p99_ms, " ..
                    "throughput_p50_tps, throughput_p90_tps, throughput_p99_tps) VALUES " ..
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", import_id, fields[index.source],
                    fields[index.provider]:lower(), canonical(model), model,
                    get("uptime_last_30m"), get("latency_ms_p50"), get("latency_ms_p90"),
                    get("latency_ms_p99"), get("throughput_tps_p50"), get("throughput_tps_p90"),
                    get("throughput_tps_p99"))
                n = n + 1
            end
        end
        st:finish_import(import_id, n, 0, 0)
        return { id = import_id, rows = n }
    end)
end

return M
