-- sonde.schema: the shapes of the scripts sonde loads, as data (as Kong's plugin schemas
-- are), and the checker that reports unknown, missing and mistyped keys with file:line.
--
-- A field spec: { type = "string"|"number"|"integer"|"boolean"|"table"|"function"|"any",
--   required = bool, equals = value, one_of = { ... }, fields = { spec... } (a record),
--   map = spec (a table whose every value has this spec), list = spec (an array), doc = text }
local M = {}

local PRICE = {
    input = { type = "number", required = true, doc = "USD per million input tokens" },
    output = { type = "number", required = true, doc = "USD per million output tokens" },
    cache_read = { type = "number", doc = "USD per million cached input tokens" },
    currency = { type = "string", one_of = { "USD", "CNY" } },
    date = { type = "string", required = true, doc = "YYYY-MM-DD the price was read" },
    source = { type = "string", required = true, doc = "where it was read (URL)" },
}

local MODEL = {
    id = { type = "string", required = true, doc = "the provider's model id" },
    context = { type = "integer", doc = "context window in tokens" },
    max_output = { type = "integer", doc = "largest max_tokens accepted" },
    features = { type = "table", map = { type = "boolean" } },
    price = { type = "table", fields = PRICE },
    quirks = { type = "table", map = { type = "any" } },
    doc = { type = "string" },
}

M.adapter = {
    api = { type = "integer", required = true, equals = 1 },
    name = { type = "string", required = true },
    doc = { type = "string" },
    base_url = { type = "string", required = true },
    protocol = { type = "string", required = true },
    auth = {
        type = "table",
        fields = {
            env = { type = "string", required = true },
            header = { type = "string" },
            prefix = { type = "string" },
        },
    },
    headers = { type = "table", map = { type = "string" } },
    models = { type = "table", required = true, map = { type = "table", fields = MODEL } },
    quirks = { type = "table", map = { type = "any" } },
    fast = {
        type = "table",
        doc = "with a parse_event hook: more bail paths, so the hook sees every event it needs",
        fields = { bail = { type = "table" } },
    },
    hooks = {
        type = "table",
        fields = {
            build_request = { type = "function" },
            parse_event = { type = "function" },
            parse_body = { type = "function" },
            classify = { type = "function" },
        },
    },
}

M.protocol = {
    api = { type = "integer", required = true, equals = 1 },
    name = { type = "string", required = true },
    doc = { type = "string" },
    path = { type = "string", required = true },
    auth_header = { type = "string", required = true },
    auth_prefix = { type = "string" },
    headers = { type = "table", map = { type = "string" } },
    quirks = { type = "table", map = { type = "string" } },
    new_state = { type = "function", required = true },
    build_request = { type = "function", required = true },
    parse_event = { type = "function", required = true },
    parse_body = { type = "function", required = true },
    end_stream = { type = "function" },
    classify = { type = "function", required = true },
    fast = {
        type = "table",
        fields = {
            answer = { type = "table" }, reasoning = { type = "table" },
            finish = { type = "table" }, finish_map = { type = "table" },
            bail = { type = "table" }, done = { type = "string" },
        },
    },
}

local DIST = { type = "any" } -- a number, or { dist = ..., ... }; checked by sonde.mock

M.task = {
    api = { type = "integer", required = true, equals = 1 },
    name = { type = "string", required = true },
    doc = { type = "string" },
    input_tokens = DIST,
    output_tokens = DIST,
    features = { type = "table", map = { type = "boolean" } },
    prompt = { type = "function" },
    check = { type = "function" },
}

M.policy = {
    api = { type = "integer", required = true, equals = 1 },
    name = { type = "string", required = true },
    doc = { type = "string" },
    constraints = { type = "table", map = { type = "any" } },
    sort = { type = "any" },
    score = { type = "function" },
    fallbacks = { type = "table", list = { type = "string" } },
}

M.mock_profile = {
    name = { type = "string", required = true },
    model = { type = "string" },
    ttft_ms = DIST,
    itl_ms = DIST,
    output_tokens = DIST,
    tokens_per_chunk = { type = "integer" },
    reasoning_tokens = { type = "integer" },
    reasoning_field = { type = "string", one_of = { "reasoning_content", "reasoning" } },
    usage = { type = "string", one_of = { "final", "every", "none" } },
    context_limit = { type = "integer" },
    faults = {
        type = "table",
        fields = {
            rate_limit = { type = "number" },
            rate_limit_no_retry_after = { type = "number" },
            server_error = { type = "number" },
            overloaded = { type = "number" },
            stream_error = { type = "number" },
            event_error = { type = "number" },
            malformed = { type = "number" },
            stall = { type = "number" },
            disconnect = { type = "number" },
            slow_headers = { type = "number" },
        },
    },
    fault_after_chunks = { type = "integer" },
    retry_after = { type = "integer" },
    keepalive_ms = { type = "number" },
    slow_headers_ms = { type = "number" },
    stall_ms = { type = "number" },
    price = { type = "table", fields = PRICE },
    features = { type = "table", map = { type = "boolean" } },
    doc = { type = "string" },
}

local function type_ok(want, v)
    if want == "any" then
        return true
    elseif want == "integer" then
        return math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v))
    end
    return type(v) == want
end

local function path_str(path)
    local out = {}
    for i, p in ipairs(path) do
        if type(p) == "string" and p:match("^[%a_][%w_]*$") then
            out[#out + 1] = (i > 1 and "." or "") .. p
        else
            out[#out + 1] = string.format("[%q]", p)
        end
    end
    return table.concat(out)
end

local function copy_path(path, k)
    local p = table.move(path, 1, #path, 1, {})
    p[#p + 1] = k
    return p
end

local check_fields

local function check_value(spec, v, path, errs)
    if not type_ok(spec.type or "any", v) then
        errs[#errs + 1] = { path = path, msg = string.format("'%s' must be a %s, not a %s",
            path_str(path), spec.type, type(v)) }
        return
    end
    if spec.equals ~= nil and v ~= spec.equals then
        errs[#errs + 1] = { path = path, msg = string.format("'%s' must be %s",
            path_str(path), tostring(spec.equals)) }
    end
    if spec.one_of then
        local found = false
        for _, o in ipairs(spec.one_of) do
            found = found or o == v
        end
        if not found then
            errs[#errs + 1] = { path = path, msg = string.format("'%s' must be one of %s",
                path_str(path), table.concat(spec.one_of, ", ")) }
        end
    end
    if spec.fields and type(v) == "table" then
        check_fields(spec.fields, v, path, errs)
    elseif spec.map and type(v) == "table" then
        for k, sub in pairs(v) do
            check_value(spec.map, sub, copy_path(path, k), errs)
        end
    elseif spec.list and type(v) == "table" then
        for i, sub in ipairs(v) do
            check_value(spec.list, sub, copy_path(path, i), errs)
        end
    end
end

check_fields = function(fields, t, path, errs)
    local keys = {}
    for k in pairs(t) do
        keys[#keys + 1] = k
    end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
        local spec = fields[k]
        if spec == nil then
            local known = {}
            for name in pairs(fields) do
                known[#known + 1] = name
            end
            table.sort(known)
            errs[#errs + 1] = { path = copy_path(path, k), msg = string.format(
                "unknown key '%s' (known: %s)", path_str(copy_path(path, k)),
                table.concat(known, ", ")) }
        else
            check_value(spec, t[k], copy_path(path, k), errs)
        end
    end
    local names = {}
    for name in pairs(fields) do
        names[#names + 1] = name
    end
    table.sort(names)
    for _, name in ipairs(names) do
        if fields[name].required and t[name] == nil then
            errs[#errs + 1] = { path = path, missing = name, msg = string.format(
                "missing key '%s'", path_str(copy_path(path, name))) }
        end
    end
end

-- The line where a key path is written in the source text: each step is looked for from
-- the line of the step before, as `key =` or `["key"] =`. Falls back to the last found line.
function M.line_of(text, path)
    if not text then
        return nil
    end
    local lines = {}
    for l in (text .. "\n"):gmatch("(.-)\r?\n") do
        lines[#lines + 1] = l
    end
    local at = 1
    for _, k in ipairs(path) do
        if type(k) ~= "string" then
            break
        end
        local esc = k:gsub("%p", "%%%0")
        for i = at, #lines do
            local l = lines[i]
            if l:find("%f[%w_]" .. esc .. "%f[^%w_]%s*=") or l:find("%[%s*[\"']" .. esc ..
                    "[\"']%s*%]%s*=") then
                at = i
                break
            end
        end
    end
    return at
end

-- The line of the last top-level `return`, where a missing key belongs.
local function return_line(text)
    local n, found = 0, 1
    for l in (text .. "\n"):gmatch("(.-)\r?\n") do
        n = n + 1
        if l:match("^return") then
            found = n
        end
    end
    return found
end

-- Check t against the named schema. Returns nil when it fits, or a list of
-- "file:line: message" strings.
function M.check(kind, t, file, text)
    local fields = assert(M[kind], "no schema " .. tostring(kind))
    local errs = {}
    if type(t) ~= "table" then
        return { string.format("%s:%d: a %s script must return a table, not a %s", file,
            text and return_line(text) or 1, kind, type(t)) }
    end
    check_fields(fields, t, {}, errs)
    if #errs == 0 then
        return nil
    end
    local out = {}
    for _, e in ipairs(errs) do
        local line
        if e.missing and #e.path == 0 then
            line = text and return_line(text) or 1
        else
            line = M.line_of(text, e.path) or 1
        end
        out[#out + 1] = string.format("%s:%d: %s", file, line, e.msg)
    end
    return out
end

return M
