-- luacheck: std +busted
-- Error classification on real error bodies: recorded HTTP errors (tests/fixtures/bodies),
-- bodies quoted in public GitHub issues, and the recorded 200 that carries Retry-After.
package.path = "tests/lua/?.lua;" .. package.path
local cjson = require "cjson"
local endpoint = require "sonde.endpoint"
local errors = require "sonde.errors"

local function body_fixture(name)
    local f = assert(io.open("tests/fixtures/bodies/" .. name, "rb"))
    local rec = cjson.decode(f:read("a"))
    f:close()
    return rec
end

local function classify(ep, status, body)
    local ok, class, msg = endpoint.classify(ep, { status = status, headers = {}, body = body,
        status_class = errors.from_status(status) })
    assert(ok, class)
    return class, msg
end

local generic = endpoint.new { adapter = "openai_compat", model_entry = { id = "m" } }

describe("HTTP status alone", function()
    it("maps to the taxonomy", function()
        local want = { [401] = "auth", [403] = "auth", [404] = "not_found", [402] = "quota",
            [429] = "rate_limited", [503] = "overloaded", [529] = "overloaded",
            [500] = "server_error", [502] = "server_error", [400] = "bad_request",
            [422] = "bad_request", [200] = "ok" }
        for status, class in pairs(want) do
            assert.are.equal(class, errors.from_status(status), tostring(status))
        end
    end)
end)

describe("recorded error bodies", function()
    it("OpenRouter's upstream 429 is rate_limited and names the upstream provider", function()
        local rec = body_fixture("openrouter_429.json")
        local ep = endpoint.new { adapter = "openrouter", model = "qwen3-32b" }
        local class, msg = classify(ep, rec.status, rec.body)
        assert.are.equal("rate_limited", class)
        assert.truthy(msg:find("upstream Google", 1, true))
    end)

    it("Groq's unknown model is not_found", function()
        local rec = body_fixture("groq_404.json")
        local ep = endpoint.new { adapter = "groq", model = "qwen3-32b" }
        assert.are.equal("not_found", (classify(ep, rec.status, rec.body)))
    end)

    it("OpenAI's unsupported parameter is bad_request", function()
        local f = assert(io.open(
            "tests/fixtures/sse/vercel-ai__openai_400_invalid_request_error_unsupported_" ..
            "parameter.json"))
        f:read("l") -- provenance line
        local body = f:read("a")
        f:close()
        local class, msg = classify(generic, 400, body)
        assert.are.equal("bad_request", class)
        assert.truthy(#msg > 0)
    end)
end)

describe("bodies quoted in GitHub issues", function()
    local rows = {}
    for line in io.lines("tests/fixtures/sse/errors_quoted_in_github_issues.jsonl") do
        if line:sub(1, 1) == "{" then
            rows[#rows + 1] = cjson.decode(line)
        end
    end

    it("has the six rows", function()
        assert.are.equal(6, #rows)
    end)

    for i, r in ipairs(rows) do
        local want = r.kind == "context_length" and "context_overflow" or "rate_limited"
        it(string.format("row %d (%s, %s) is %s", i, r.provider, r.body_format, want), function()
            local ep = r.provider == "deepseek"
                and endpoint.new { adapter = "deepseek", model = "deepseek-v3.2" } or generic
            assert.are.equal(want, (classify(ep, math.tointeger(r.status), r.body)))
        end)
    end
end)

describe("adapter override", function()
    it("a classify hook sees the protocol's verdict and may change it", function()
        local dir = os.tmpname()
        os.remove(dir)
        os.execute("mkdir -p " .. dir)
        local path = dir .. "/picky.lua"
        local f = assert(io.open(path, "w"))
        f:write([[
return {
    api = 1, name = "picky", base_url = "http://127.0.0.1:1/v1", protocol = "openai-chat",
    models = { m = { id = "m" } },
    hooks = {
        classify = function(resp, base)
            local class, msg = base(resp)
            if class == "bad_request" and (resp.body or ""):find("warming up", 1, true) then
                return "overloaded", msg
            end
            return class, msg
        end,
    },
}
]])
        f:close()
        local ep = endpoint.new { adapter = path, model = "m" }
        local body = '{"error":{"message":"Model is warming up","type":"unavailable"}}'
        assert.are.equal("overloaded", (classify(ep, 400, body)))
        assert.are.equal("bad_request", (classify(generic, 400, body)))
        os.execute("rm -rf " .. dir)
    end)
end)

describe("Retry-After", function()
    it("is read as seconds", function()
        assert.are.equal(55, errors.retry_after_s("55"))
        assert.are.equal(1.5, errors.retry_after_s(" 1.5 "))
        assert.is_nil(errors.retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT"))
        assert.is_nil(errors.retry_after_s(nil))
    end)

    it("headers parse to lower-case names", function()
        local h = errors.parse_headers(
            "HTTP/1.1 200 OK\r\nRetry-After: 55\r\nContent-Type: x\r\n\r\n")
        assert.are.equal("55", h["retry-after"])
        assert.are.equal("x", h["content-type"])
    end)
end)
