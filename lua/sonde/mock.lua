-- sonde.mock: the friendly side of the built-in mock provider. Profiles are Lua tables
-- (see sonde.mock.profiles for the built-in ones and the README for every key); this module
-- checks them against their schema, turns distributions into the C form, and starts the
-- server (core/mock.c) on loopback.
--
-- A distribution is a number (fixed) or one of
--   { dist = "fixed", value = v }          { dist = "uniform", min = a, max = b }
--   { dist = "normal", mean = m, sd = s }  { dist = "lognormal", median = m, sigma = s }
-- each with optional lo / hi clamps.
local c = require "sonde.mock.server"
local schema = require "sonde.schema"

local M = {}

local DIST_KEYS = {
    fixed = { "value" }, uniform = { "min", "max" }, normal = { "mean", "sd" },
    lognormal = { "median", "sigma" },
}

local function dist(v, what)
    if type(v) == "number" then
        return { kind = "fixed", a = v, lo = 0 }
    end
    if type(v) ~= "table" then
        error(string.format("%s must be a number or a distribution table", what), 0)
    end
    local keys = DIST_KEYS[v.dist]
    if not keys then
        error(string.format("%s: dist must be fixed, uniform, normal or lognormal", what), 0)
    end
    for k in pairs(v) do
        if k ~= "dist" and k ~= "lo" and k ~= "hi" and k ~= keys[1] and k ~= keys[2] then
            error(string.format("%s: unknown key '%s' for a %s distribution", what, k, v.dist), 0)
        end
    end
    for _, k in ipairs(keys) do
        if type(v[k]) ~= "number" then
            error(string.format("%s: a %s distribution needs %s", what, v.dist,
                table.concat(keys, " and ")), 0)
        end
    end
    return { kind = v.dist, a = v[keys[1]], b = v[keys[2]] or 0, lo = v.lo or 0, hi = v.hi or 0 }
end

-- Check one profile and return its C form, or raise "where: message".
function M.normalize(p, where)
    where = where or ("profile " .. tostring(p.name))
    local errs = schema.check("mock_profile", p, where, nil)
    if errs then
        error(table.concat(errs, "\n"), 0)
    end
    if not p.name:match("^[%w_.-]+$") then
        error(where .. ": profile name must be letters, digits, '-', '_' or '.'", 0)
    end
    local out = {}
    for k, v in pairs(p) do
        out[k] = v
    end
    out.model = p.model or p.name
    out.ttft_ms = dist(p.ttft_ms or 200, where .. ": ttft_ms")
    out.itl_ms = dist(p.itl_ms or 20, where .. ": itl_ms")
    out.output_tokens = dist(p.output_tokens or 64, where .. ": output_tokens")
    local total = 0
    for _, r in pairs(p.faults or {}) do
        total = total + r
    end
    if total > 1 then
        error(where .. ": fault rates add up to more than 1", 0)
    end
    return out
end

-- Start a server. opts: { profiles = { ... }, port = 0, host = "127.0.0.1", seed, threads }.
-- Returns a server with :port(), :url(profile) (its /v1 base URL), :stats(), :stop().
function M.start(opts)
    local profiles = {}
    local by_name = {}
    for i, p in ipairs(opts.profiles) do
        local n = M.normalize(p, "profile " .. (p.name or ("#" .. i)))
        if by_name[n.name] then
            error("two profiles are called " .. n.name, 0)
        end
        by_name[n.name] = n
        profiles[i] = n
    end
    local srv, err = c.start { profiles = profiles, port = opts.port or 0,
        host = opts.host or "127.0.0.1", seed = opts.seed or 1, threads = opts.threads or 1 }
    if not srv then
        error(err, 0)
    end
    local host = opts.host or "127.0.0.1"
    local obj = { server = srv, profiles = by_name }
    function obj.port()
        return srv:port()
    end
    function obj.url(name)
        assert(by_name[name], "no profile " .. tostring(name))
        return string.format("http://%s:%d/%s/v1", host, srv:port(), name)
    end
    function obj.stats()
        return srv:stats()
    end
    function obj.stop()
        srv:stop()
    end
    return obj
end

return M
