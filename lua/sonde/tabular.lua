-- sonde.tabular: columns and rows (as sonde.store's query returns them) written as an
-- aligned text table, CSV (RFC 4180) or JSON (a list of objects). SQL NULL is `null`
-- (lua-cjson's null), shown empty in a table and CSV.
local cjson = require "cjson"

local M = {}

local function cell(v)
    if v == nil or v == cjson.null then
        return ""
    end
    if math.type(v) == "float" then
        return string.format("%.6g", v)
    end
    return tostring(v)
end

function M.table(cols, rows)
    local w = {}
    for i, c in ipairs(cols) do
        w[i] = #c
    end
    local text = {}
    for r, row in ipairs(rows) do
        text[r] = {}
        for i = 1, #cols do
            local s = cell(row[i]):gsub("[\r\n\t]", " ")
            text[r][i] = s
            w[i] = math.max(w[i], #s)
        end
    end
    local out = {}
    local function line(vals, numeric)
        local parts = {}
        for i = 1, #cols do
            local pad = string.rep(" ", w[i] - #vals[i]) -- (string.format stops at width 99)
            parts[i] = numeric and numeric[i] and pad .. vals[i] or vals[i] .. pad
        end
        out[#out + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
    end
    line(cols)
    local rule = {}
    for i = 1, #cols do
        rule[i] = string.rep("-", w[i])
    end
    line(rule)
    for r, row in ipairs(rows) do
        local numeric = {}
        for i = 1, #cols do
            numeric[i] = type(row[i]) == "number"
        end
        line(text[r], numeric)
    end
    out[#out + 1] = string.format("(%d row%s)", #rows, #rows == 1 and "" or "s")
    return table.concat(out, "\n") .. "\n"
end

local function csv_field(v)
    local s = v == nil or v == cjson.null and "" or (math.type(v) == "float" and
        string.format("%.17g", v) or tostring(v))
    if s:find('[",\r\n]') then
        s = '"' .. s:gsub('"', '""') .. '"'
    end
    return s
end

function M.csv(cols, rows)
    local out = {}
    local function line(vals)
        local parts = {}
        for i = 1, #cols do
            parts[i] = csv_field(vals[i])
        end
        out[#out + 1] = table.concat(parts, ",")
    end
    line(cols)
    for _, row in ipairs(rows) do
        line(row)
    end
    return table.concat(out, "\r\n") .. "\r\n"
end

-- Numbers are written here, not by lua-cjson, which keeps only 14 significant digits.
local function json_value(v)
    if v == nil or v == cjson.null then
        return "null"
    elseif math.type(v) == "integer" then
        return string.format("%d", v)
    elseif type(v) == "number" then
        if v ~= v or v == math.huge or v == -math.huge then
            return "null"
        end
        return string.format("%.17g", v)
    elseif type(v) == "boolean" then
        return tostring(v)
    end
    return cjson.encode(tostring(v))
end

function M.json(cols, rows)
    local out = {}
    for r, row in ipairs(rows) do
        local parts = {}
        for i, c in ipairs(cols) do
            parts[i] = cjson.encode(c) .. ":" .. json_value(row[i])
        end
        out[r] = "{" .. table.concat(parts, ",") .. "}"
    end
    return "[" .. table.concat(out, ",\n") .. "]\n"
end

function M.write(format, cols, rows, fh)
    (fh or io.stdout):write(M[format](cols, rows))
end

return M
