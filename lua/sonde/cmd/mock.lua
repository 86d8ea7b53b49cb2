-- sonde mock: serve mock provider profiles on loopback until interrupted.
local args = require "sonde.args"
local mock = require "sonde.mock"
local profiles = require "sonde.mock.profiles"
local sandbox = require "sonde.script"
local sys = require "sonde.sys"

local M = {}

M.spec = {
    { name = "port", short = "p", type = "int", default = 8089, help = "port (0: any free one)" },
    { name = "host", type = "string", default = "127.0.0.1", help = "address to listen on" },
    { name = "profiles", type = "string", metavar = "FILE",
        help = "a Lua file returning a list of profiles (default: the built-in ones)" },
    { name = "seed", type = "int", default = 1, help = "seed for every random draw" },
    { name = "threads", type = "int", default = 1, help = "server threads" },
}

M.help = [[
usage: sonde mock [options]

Runs the built-in mock provider: an OpenAI-compatible server (/PROFILE/v1/chat/completions,
streaming or not, and /PROFILE/v1/models) with one path prefix per profile. It prints the
base URL of each profile, then serves until SIGINT or SIGTERM. Probe it with
  sonde probe --base-url http://127.0.0.1:8089/swift/v1 --model qwen3-32b

options:
]] .. args.help(M.spec)

local function load_profiles(path)
    local text
    local f, err = io.open(path, "rb")
    if not f then
        error({ message = "cannot read " .. path .. ": " .. err }, 0)
    end
    text = f:read("a")
    f:close()
    local chunk, lerr = load(text, "@" .. path, "t", sandbox.env())
    if not chunk then
        error({ message = lerr }, 0)
    end
    local ok, res = require("sonde.script").call(path, chunk)
    if not ok then
        error({ message = res.message }, 0)
    end
    if type(res) ~= "table" or #res == 0 then
        error({ message = path .. ": must return a list of profiles" }, 0)
    end
    return res
end

function M.run(argv)
    local opts = args.parse(M.spec, argv)
    local list = opts.profiles and load_profiles(opts.profiles) or profiles.all()
    sys.nofile(65536) -- as many connections as the hard limit allows
    sys.block_signals() -- before the server threads start, so they inherit the mask
    local ok, srv = pcall(mock.start, { profiles = list, port = opts.port, host = opts.host,
        seed = opts.seed, threads = opts.threads })
    if not ok then
        error({ message = tostring(srv) }, 0)
    end
    io.stdout:write(string.format("sonde mock: listening on %s:%d\n", opts.host, srv.port()))
    for _, p in ipairs(list) do
        io.stdout:write(string.format("  %-16s %s  (model %s)\n", p.name, srv.url(p.name),
            p.model or p.name))
    end
    io.stdout:flush()
    local sig = sys.wait_signal()
    local st = srv.stats()
    srv.stop()
    io.stdout:write(string.format("sonde mock: %s; served %d requests, %d events, %d late by " ..
        "more than 1 ms (max %.3f ms)\n", sig, st.requests, st.events, st.late_over_1ms,
        st.max_late_ms))
    return 0
end

return M
