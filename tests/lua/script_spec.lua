-- luacheck: std +busted
-- Loading user scripts: the restricted environment, the limits, and errors that name
-- file:line. Each case writes a small script to a temporary file and loads it as a user would.
local script = require "sonde.script"
local endpoint = require "sonde.endpoint"

local dir
local function write(name, text)
    local path = dir .. "/" .. name
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    return path
end

local ADAPTER_HEAD = [[
return {
    api = 1,
    name = "t",
    base_url = "http://127.0.0.1:1/v1",
    protocol = "openai-chat",
]]

setup(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
end)

teardown(function()
    os.execute("rm -rf " .. dir)
end)

describe("the environment", function()
    it("has no io, os, debug, load, require or coroutine", function()
        for _, name in ipairs { "io", "os", "debug", "load", "loadfile", "dofile", "require",
            "coroutine", "package", "collectgarbage" } do
            local p = write("g.lua", "return " .. name)
            local mod, err = script.load_file(p, "adapter")
            assert.is_nil(mod, name)
            assert.truthy(err.message:find(p .. ":1: undeclared global '" .. name .. "'", 1, true),
                err.message)
        end
    end)

    it("raises on writing a global, naming file and line", function()
        local p = write("w.lua", "local x = 1\nleaked = x\nreturn {}")
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.truthy(err.message:find(p .. ":2: assignment to undeclared global 'leaked'", 1,
            true), err.message)
        assert.are.equal(2, err.line)
    end)

    it("has no string.dump and refuses bytecode", function()
        local p = write("d.lua", "return string.dump")
        local _, err = script.load_file(p, "adapter")
        assert.truthy(err.message:find("must return a table", 1, true), err.message)
        local b = write("b.luac", string.dump(function() return {} end))
        local mod, berr = script.load_file(b, "adapter")
        assert.is_nil(mod)
        assert.truthy(berr.message:find("precompiled", 1, true))
    end)
end)

describe("limits", function()
    it("stops a loop at the instruction deadline, even under the script's own pcall", function()
        local p = write("loop.lua", "local n = 0\nwhile true do\n  pcall(function()\n" ..
            "    while true do n = n + 1 end\n  end)\nend\n")
        local t0 = os.clock()
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.truthy(err.message:find("instruction limit exceeded", 1, true) or
            err.message:find("time limit exceeded", 1, true), err.message)
        assert.truthy(err.message:find(p, 1, true), err.message)
        assert.is_true(os.clock() - t0 < 10)
    end)

    it("stops a script at the memory cap and the host goes on", function()
        local p = write("mem.lua",
            "local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(1024) .. i end\n")
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.truthy(err.message:find("memory cap", 1, true), err.message)
        local big = {}
        for i = 1, 100000 do
            big[i] = i -- the host itself is not capped once the script is done
        end
        assert.are.equal(100000, #big)
    end)

    it("a failing hook gives file:line through sandbox.call", function()
        local p = write("hook.lua", ADAPTER_HEAD .. [[
    models = { m = { id = "m" } },
    hooks = {
        parse_event = function(st, name, data, base)
            local x = nil
            return x.field
        end,
    },
}
]])
        local ep = endpoint.new { adapter = p, model = "m" }
        local ok, st = endpoint.new_state(ep)
        assert.is_true(ok)
        local pok, err = endpoint.parse_event(ep, st, "", "{}")
        assert.is_false(pok)
        assert.are.equal(p, err.source)
        assert.are.equal(10, err.line)
        assert.truthy(err.message:find(p .. ":10:", 1, true), err.message)
    end)
end)

describe("schema", function()
    it("reports an unknown key with its line", function()
        local p = write("u.lua", ADAPTER_HEAD .. [[
    models = {
        m = {
            id = "m",
            prise = { input = 1 },
        },
    },
}
]])
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.truthy(err.message:find(p .. ":9: unknown key 'models.m.prise'", 1, true),
            err.message)
    end)

    it("reports a missing key at the return", function()
        local p = write("m.lua", "-- no models\nreturn {\n    api = 1, name = 'x',\n" ..
            "    base_url = 'http://x', protocol = 'openai-chat',\n}\n")
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.truthy(err.message:find(p .. ":2: missing key 'models'", 1, true), err.message)
    end)

    it("reports a wrong type and a wrong api version", function()
        local p = write("t.lua", "return {\n  api = 2,\n  name = 3,\n  base_url = 'x',\n" ..
            "  protocol = 'openai-chat',\n  models = {},\n}\n")
        local _, err = script.load_file(p, "adapter")
        assert.truthy(err.message:find(p .. ":2: 'api' must be 1", 1, true), err.message)
        assert.truthy(err.message:find(p .. ":3: 'name' must be a string", 1, true), err.message)
    end)

    it("reports a syntax error with its line", function()
        local p = write("s.lua", "return {\n  api = 1,\n  name = = 'x',\n}\n")
        local mod, err = script.load_file(p, "adapter")
        assert.is_nil(mod)
        assert.are.equal(3, err.line)
        assert.truthy(err.message:find(p .. ":3:", 1, true), err.message)
    end)

    it("rejects a quirk the protocol does not have", function()
        local p = write("q.lua", ADAPTER_HEAD .. "    quirks = {\n        thinktags = true,\n" ..
            "    },\n    models = { m = { id = 'm' } },\n}\n")
        local ok, err = pcall(endpoint.adapter, p)
        assert.is_false(ok)
        assert.truthy(err.message:find(p .. ":7: protocol openai-chat has no quirk 'thinktags'",
            1, true), err.message)
    end)

    it("accepts every adapter shipped in providers/", function()
        for _, name in ipairs(require("sonde.paths").list("providers")) do
            local ad = endpoint.adapter(name)
            assert.are.equal(1, ad.api)
            for canon, m in pairs(ad.models) do
                if m.price then
                    assert.truthy(m.price.date:match("^%d%d%d%d%-%d%d%-%d%d$"), canon)
                    assert.truthy(m.price.source:match("^https://"), canon)
                end
            end
        end
    end)
end)
