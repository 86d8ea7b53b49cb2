-- sonde's client for `make bench`: the same session, engine and stock openai-chat protocol
-- that `sonde probe` uses, writing the figures the peer clients write.
-- usage: sonde lua bench/sonde_client.lua URL MODEL N CONCURRENCY MAX_TOKENS OUT.json DETAIL
--        [RATE [DB]]
-- (with DETAIL 0 only the counts are written, as the peers do; with a RATE above 0, request i
-- is scheduled at i/RATE seconds, open loop, and CONCURRENCY is not used; with DB every
-- record is also stored there, with its timeline, as `sonde probe --db` does)
local cjson = require "cjson"
local endpoint = require "sonde.endpoint"
local session = require "sonde.session"

local url, model, n, conc, max_tokens, path, detail, rate, dbpath = table.unpack(arg)
rate = tonumber(rate or "0")
local db, run, so
if dbpath and dbpath ~= "" then
    local store = require "sonde.store"
    os.remove(dbpath)
    db = store.open(dbpath)
    run = db:start_run("bench", "{}", "bench")
end
local ep = endpoint.new { adapter = "openai_compat", base_url = url,
    model_entry = { id = model }, label = "bench" }
local out = { events = 0, requests = {}, errors = 0 }
if db then
    so = require("sonde.store").note_endpoint(db, ep)
end
session.run {
    endpoints = { ep }, n = math.tointeger(tonumber(n)),
    concurrency = math.tointeger(tonumber(conc)),
    max_tokens = math.tointeger(tonumber(max_tokens)), prompt_tokens = 8,
    rate = rate > 0 and rate or nil, arrival = "constant",
    timeouts = { connect = 30000, first = 60000, idle = 60000, total = 600000 },
    tick = db and function()
        db:tick()
    end,
    on_record = function(r)
        if db then
            db:request(run, so, r)
        end
        out.events = out.events + r.nev
        if r.class ~= "ok" then
            out.errors = out.errors + 1
        end
        out.requests[#out.requests + 1] = detail == "0" and { i = r.seq - 1 }
            or { i = r.seq - 1, ttft = r.ttft_ms, itl = r.itl_ms }
    end,
}
if db then
    db:end_run(run, false)
    db:close()
end
local f = assert(io.open(path, "w"))
f:write(cjson.encode(out))
f:close()
