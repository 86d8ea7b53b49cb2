-- sonde.script: loading and calling the scripts users write (adapters, protocols, tasks,
-- policies). A script is loaded as text only, into an environment built from an allow-list
-- (no io, os, debug, load, require, coroutine; reading or writing an undeclared global
-- raises), run under a memory cap and an instruction deadline (the C half, sonde.sandbox.call),
-- and its returned table is checked against its schema.
local cjson = require "cjson"
local c = require "sonde.sandbox"
local schema = require "sonde.schema"

local M = {}

-- Limits for loading a script, and for each call into one afterwards.
M.load_limits = { instructions = 20000000, memory = 64 * 1024 * 1024, ms = 5000 }
M.call_limits = { instructions = 2000000, memory = 16 * 1024 * 1024, ms = 1000 }

local SAFE = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring",
    "type", "xpcall", "rawequal", "rawget", "rawlen", "setmetatable", "getmetatable",
}

local function copy(t, except)
    local o = {}
    for k, v in pairs(t) do
        if not (except and except[k]) then
            o[k] = v
        end
    end
    return o
end

-- JSON for scripts: decode returns nil, message instead of raising, so a provider's malformed
-- JSON is a protocol violation, not a script error; plan/pick read a few paths without
-- building tables (sonde.json), for the per-event path; value and integer read fields.
local pick = require "sonde.json"
local function value(x)
    if x == cjson.null then
        return nil
    end
    return x
end

local json = {
    null = cjson.null,
    -- x, or nil when it is JSON null
    value = value,
    -- a count as an integer (cjson decodes every number as a float), or nil
    integer = function(x)
        x = value(x)
        if type(x) ~= "number" then
            return nil
        end
        return math.tointeger(x) or math.floor(x + 0.5)
    end,
    encode = cjson.encode,
    plan = pick.plan,
    pick = pick.pick,
    composite = pick.composite,
    decode = function(s)
        local ok, v = pcall(cjson.decode, s)
        if ok then
            return v
        end
        return nil, tostring(v)
    end,
}

function M.env()
    local env = {}
    for _, k in ipairs(SAFE) do
        env[k] = _G[k]
    end
    env.string = copy(string, { dump = true })
    env.table = copy(table)
    env.math = copy(math)
    env.utf8 = copy(utf8)
    env.json = json
    return setmetatable(env, {
        __index = function(_, k)
            error("undeclared global '" .. tostring(k) .. "'", 2)
        end,
        __newindex = function(_, k)
            error("assignment to undeclared global '" .. tostring(k) .. "'", 2)
        end,
    })
end

-- A failure as sonde reports it everywhere: { message = "file:line: ...", source, line }.
-- The message's own "file:line:" prefix wins over the stack walk, which may stop in a
-- metamethod of the environment rather than in the script.
local function script_err(message, source, line)
    local f, l = tostring(message):match("^([^:\n]+):(%d+): ")
    if f and l then
        source, line = f, math.tointeger(tonumber(l))
    end
    return { message = message, source = source, line = line, class = "script_error" }
end

M.script_err = script_err

local function read_text(path)
    local f, err = io.open(path, "rb")
    if not f then
        return nil, err
    end
    local text = f:read("a")
    f:close()
    return text
end

-- Load the script at path as the given kind. Returns the checked table and its source text,
-- or nil and a script error.
function M.load_file(path, kind)
    local text, rerr = read_text(path)
    if not text then
        return nil, script_err(rerr, path, 0)
    end
    if text:sub(1, 1) == "\27" then
        return nil, script_err(path .. ":1: precompiled chunks are not accepted", path, 1)
    end
    local chunk, lerr = load(text, "@" .. path, "t", M.env())
    if not chunk then
        local line = tonumber(lerr:match(":(%d+):")) or 0
        return nil, script_err(lerr, path, line)
    end
    local limits = copy(M.load_limits)
    limits.name = path
    local ok, res = c.call(limits, chunk)
    if not ok then
        return nil, script_err(res.message, res.source ~= "" and res.source or path, res.line)
    end
    local errs = schema.check(kind, res, path, text)
    if errs then
        return nil, script_err(table.concat(errs, "\n"), path,
            tonumber(errs[1]:match("^.-:(%d+):")) or 0)
    end
    return res, text
end

local function finish(ok, ...)
    if ok then
        return true, ...
    end
    local e = ...
    return false, script_err(e.message, e.source, e.line)
end

-- Call a function a script gave us, under the per-call limits. Returns true, results... or
-- false, script error. On the per-event path, so it allocates nothing when the call succeeds.
function M.call(name, fn, ...)
    local limits = M.call_limits
    limits.name = name
    return finish(c.call(limits, fn, ...))
end

return M
