-- luacheck: std +busted
-- Transport through real peers on loopback, started here: HTTP/2 through nghttpx in front of
-- the mock (h2c, prior knowledge), a proxy named in the environment, and TLS verification
-- against a self-signed openssl s_server.
local mock = require "sonde.mock"
local profiles = require "sonde.mock.profiles"
local cjson = require "cjson"

local bin = os.getenv("SONDE_BIN")
local srv, tmp
local pids = {}

local function sh(cmd)
    local p = io.popen(cmd .. " 2>&1; echo rc=$?")
    local t = p:read("a")
    p:close()
    return t, tonumber(t:match("rc=(%d+)%s*$"))
end

-- Start a command in the background; returns its pid.
local function spawn(cmd)
    local p = io.popen("( " .. cmd .. " ) >" .. tmp .. "/bg.log 2>&1 & echo $!")
    local pid = p:read("l")
    p:close()
    pids[#pids + 1] = pid
    return pid
end

local function wait_port(port)
    for _ = 1, 100 do
        local t = sh("ss -ltn 'sport = :" .. port .. "'")
        if t:find(":" .. port, 1, true) then
            return true
        end
        require("sonde.sys").sleep_ms(50)
    end
    return false
end

local function free_port()
    local s = mock.start { profiles = { { name = "p" } }, port = 0 }
    local port = s.port()
    s.stop()
    return port
end

local function probe_json(args, env)
    local out = tmp .. "/out.jsonl"
    local t, rc = sh(string.format("%s %s probe %s -n 3 --format json --no-db --out %s", env or "",
        bin, args, out))
    assert.are.equal(0, rc, t)
    local recs = {}
    for line in io.lines(out) do
        recs[#recs + 1] = cjson.decode(line)
    end
    return cjson.decode(t:match("^(.-)rc=")).endpoints[1], recs
end

setup(function()
    tmp = os.tmpname()
    os.remove(tmp)
    os.execute("mkdir -p " .. tmp)
    srv = mock.start { profiles = profiles.faults, port = 0 }
end)

teardown(function()
    for _, pid in ipairs(pids) do
        os.execute("kill " .. pid .. " 2>/dev/null")
    end
    srv.stop()
    os.execute("rm -rf " .. tmp)
end)

describe("HTTP/2", function()
    it("streams over h2c with prior knowledge, and HTTP/1.1 when asked", function()
        local port = free_port()
        spawn(string.format("nghttpx --frontend='127.0.0.1,%d;no-tls' --backend='127.0.0.1,%d' " ..
            "--workers=1 --conf=/dev/null --log-level=ERROR", port, srv.port()))
        assert.is_true(wait_port(port), "nghttpx did not start")
        local base = "--base-url http://127.0.0.1:" .. port .. "/ok/v1 --model m -c 3"
        local s, recs = probe_json(base .. " --http 2-prior-knowledge")
        assert.are.equal(3, s.ok)
        for _, r in ipairs(recs) do
            assert.are.equal(20, r.http_version)
            assert.are.equal(12, r.output_tokens)
        end
        local s1, recs1 = probe_json(base .. " --http 1.1")
        assert.are.equal(3, s1.ok)
        assert.are.equal(11, recs1[1].http_version)
    end)
end)

describe("a proxy from the environment", function()
    it("is used for a host that NO_PROXY does not name", function()
        -- the mock answers absolute-form requests, so it can stand in for a forward proxy;
        -- the target host does not exist, so only the proxy can have answered
        local env = string.format("http_proxy=http://127.0.0.1:%d NO_PROXY= no_proxy=",
            srv.port())
        local s = probe_json("--base-url http://upstream.invalid/ok/v1 --model m", env)
        assert.are.equal(3, s.ok)
    end)

    it("is not used for a host that NO_PROXY names", function()
        local env = "http_proxy=http://127.0.0.1:1 NO_PROXY=127.0.0.1 no_proxy=127.0.0.1"
        local s = probe_json("--base-url " .. srv.url("ok") .. " --model m", env)
        assert.are.equal(3, s.ok)
    end)
end)

describe("TLS", function()
    it("is verified by default: a self-signed server is a tls_error", function()
        local port = free_port()
        local t, rc = sh(string.format("openssl req -x509 -newkey rsa:2048 -nodes -days 1 " ..
            "-subj /CN=127.0.0.1 -keyout %s/k.pem -out %s/c.pem", tmp, tmp))
        assert.are.equal(0, rc, t)
        spawn(string.format("openssl s_server -quiet -accept %d -cert %s/c.pem -key %s/k.pem " ..
            "-www", port, tmp, tmp))
        assert.is_true(wait_port(port), "openssl s_server did not start")
        local s = probe_json(string.format("--base-url https://127.0.0.1:%d/v1 --model m", port))
        assert.are.equal(0, s.ok)
        assert.are.equal(3, s.errors.tls_error)
        -- with --insecure the handshake goes through (s_server then answers with its own
        -- status page, which is no event stream: the request fails later, not in TLS)
        local s2 = probe_json(string.format("--base-url https://127.0.0.1:%d/v1 --model m " ..
            "--insecure --timeout-first 2000 --timeout-total 3000", port))
        assert.is_nil(s2.errors.tls_error)
    end)
end)
