-- luacheck: std +busted
-- The store as users rely on it: `sonde probe --db` keeps every request with its timeline,
-- a foreign or damaged file is refused and left untouched, an older file is upgraded in
-- place, another process can read while a probe writes, and kill -9 loses at most the last
-- second.
local cjson = require "cjson"
local mock = require "sonde.mock"
local store = require "sonde.store"

local BIN = assert(os.getenv("SONDE_BIN"), "SONDE_BIN is set by ctest")
local srv, dir

local function sh(cmd)
    local p = io.popen(cmd .. " 2>&1; echo rc=$?")
    local t = p:read("a")
    p:close()
    return t, tonumber(t:match("rc=(%d+)%s*$"))
end

local function slurp(path)
    local f = io.open(path, "rb")
    if not f then
        return nil
    end
    local t = f:read("a")
    f:close()
    return t
end

-- straight through the C module: no schema version check, as a reader of any file
local function query(path, sql)
    local db = require("sonde.store.core").open(path, { readonly = true })
    local _, rows = db:query(sql)
    db:close()
    return rows
end

setup(function()
    srv = mock.start { port = 0, seed = 3, profiles = {
        { name = "quick", model = "quick", ttft_ms = 20, itl_ms = 2, output_tokens = 12 },
        { name = "steady", model = "steady", ttft_ms = 5, itl_ms = 5, output_tokens = 20 },
        { name = "limited", model = "limited", ttft_ms = 5, itl_ms = 1, output_tokens = 4,
            faults = { rate_limit = 1 } },
    } }
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
end)

teardown(function()
    srv.stop()
    os.execute("rm -rf " .. dir)
end)

local function probe(db, args)
    return sh(string.format("cd %s && %s probe --base-url %s --model quick --db %s %s", dir,
        BIN, srv.url("quick"), db, args))
end

describe("sonde probe --db", function()
    it("keeps every request with its metrics and its timeline", function()
        local db = dir .. "/a.db"
        local out, rc = probe(db, "-n 12 -c 3 --max-tokens 8 --out " .. dir .. "/a.jsonl")
        assert.are.equal(0, rc, out)
        local rows = query(db, "SELECT count(*), sum(class = 'truncated'), " ..
            "count(DISTINCT run_id) FROM requests")
        assert.are.same({ 12, 12, 1 }, rows[1])
        -- the same figures as the JSONL records, to the last digit
        local st = store.open(db, { readonly = true })
        local f = assert(io.open(dir .. "/a.jsonl"))
        for line in f:lines() do
            local r = cjson.decode(line)
            local _, got = st:query("SELECT id, ttft_ms, e2e_ms, output_tokens, events, " ..
                "itl_p50_ms, itl_max_ms FROM requests WHERE seq = ?", math.tointeger(r.seq))
            local id, ttft, e2e, tokens, nev, p50, pmax = table.unpack(got[1])
            local stats = require "sonde.stats"
            assert.are.equal(stats.quantile(r.itl_ms, 0.5), p50)
            assert.are.equal(stats.quantile(r.itl_ms, 1), pmax)
            assert.are.equal(r.ttft_ms, ttft)
            assert.are.equal(r.e2e_ms, e2e)
            assert.are.equal(r.output_tokens, tokens)
            local tl = st:timeline(id)
            assert.are.equal(nev, #tl)
            assert.are.equal(r.events.kind, tl:kinds())
            local t, send = tl:times(), st:query("SELECT t_send_ns FROM requests WHERE id = ?",
                id)
            assert.truthy(send)
            for i, ms in ipairs(r.events.t_ms) do
                assert(math.abs((t[i] - t[1]) / 1e6 - (ms - r.events.t_ms[1])) < 1e-6)
            end
            assert.are.same(r.events.bytes, tl:bytes())
        end
        f:close()
        -- the pooled gaps SQL reads from the packed timelines are the ones Lua unpacks
        local gaps = {}
        local _, ids = st:query("SELECT id FROM requests")
        for _, row in ipairs(ids) do
            for _, g in ipairs(st:timeline(row[1]):gaps("art")) do
                gaps[#gaps + 1] = g
            end
        end
        local _, d = st:query("SELECT describe_gaps(events, 'art') FROM timelines")
        d = cjson.decode(d[1][1])
        assert.are.equal(#gaps, d.n)
        local stats = require "sonde.stats"
        assert(math.abs(stats.quantile(gaps, 0.5) - d.p50) < 1e-9)
        assert(math.abs(stats.quantile(gaps, 0.99) - d.p99) < 1e-9)
        assert(math.abs(stats.mean(gaps) - d.mean) < 1e-9)
        st:close()
        -- the run is closed and the endpoint is a service object
        local run = query(db, "SELECT command, ended_at IS NOT NULL, stopped FROM runs")
        assert.are.same({ "probe", 1, 0 }, run[1])
        local so = query(db, "SELECT provider, model, variant FROM service_objects")
        assert.are.same({ srv.url("quick"):match("//(.+)/v1$"), "quick", "quick" }, so[1])
    end)

    it("keeps a failure's class, HTTP status, Retry-After and raw error body", function()
        local db = dir .. "/fail.db"
        local out, rc = sh(string.format("cd %s && %s probe --base-url %s --model limited " ..
            "--db %s -n 3", dir, BIN, srv.url("limited"), db))
        assert.are.equal(0, rc, out)
        local rows = query(db, "SELECT class, http_status, retry_after_s IS NOT NULL, " ..
            "error_body LIKE '%Rate limit%', ttft_ms IS NULL FROM requests")
        assert.are.same({ { "rate_limited", 429, 1, 1, 1 }, { "rate_limited", 429, 1, 1, 1 },
            { "rate_limited", 429, 1, 1, 1 } }, rows)
    end)

    it("appends a second run to the same file", function()
        local db = dir .. "/a.db"
        local out, rc = probe(db, "-n 5 --max-tokens 4")
        assert.are.equal(0, rc, out)
        local rows = query(db, "SELECT run_id, count(*) FROM requests GROUP BY run_id")
        assert.are.same({ { 1, 12 }, { 2, 5 } }, rows)
    end)

    it("answers sonde sql with the statistics functions, as a table, CSV and JSON", function()
        local db = dir .. "/a.db"
        local sql = "SELECT endpoint, count(*) n, percentile(ttft_ms, 0.5) p50, " ..
            "median(ttft_ms) med, stdev(ttft_ms) sd, cv(ttft_ms) cv, gini(ttft_ms) g " ..
            "FROM requests GROUP BY endpoint"
        local t, rc = sh(string.format("%s sql --db %s --format json %q", BIN, db, sql))
        assert.are.equal(0, rc, t)
        local r = cjson.decode((t:gsub("rc=%d+%s*$", "")))[1]
        assert.are.equal(17, r.n)
        assert.are.equal(r.p50, r.med)
        local _, ttfts = store.open(db, { readonly = true }):query("SELECT ttft_ms FROM requests")
        local xs = {}
        for i, row in ipairs(ttfts) do
            xs[i] = row[1]
        end
        local stats = require "sonde.stats"
        assert.are.equal(stats.quantile(xs, 0.5), r.p50)
        assert(math.abs(stats.stdev(xs) - r.sd) < 1e-9 * r.sd)
        assert(math.abs(stats.cv(xs) - r.cv) < 1e-9 * r.cv)
        assert(math.abs(stats.gini(xs) - r.g) < 1e-12)
        local csv = sh(string.format("%s sql --db %s --format csv %q", BIN, db, sql))
        assert.truthy(csv:find("^endpoint,n,p50,med,sd,cv,g\r\n"), csv)
        local tab = sh(string.format("%s sql --db %s %q", BIN, db, sql))
        assert.truthy(tab:find("(1 row)", 1, true), tab)
        local bad, rc2 = sh(string.format("%s sql --db %s %q", BIN, db, "SELECT nope FROM runs"))
        assert.are.equal(1, rc2)
        assert.truthy(bad:find("no such column: nope", 1, true), bad)
    end)

    it("summarizes with sonde stats, with intervals and small-n warnings", function()
        local db = dir .. "/a.db"
        local t, rc = sh(string.format("%s stats --db %s --format json", BIN, db))
        assert.are.equal(0, rc, t)
        local g = cjson.decode((t:gsub("rc=%d+%s*$", ""))).groups[1]
        assert.are.equal(17, g.n)
        assert.are.equal(17, g.truncated)
        local ttft = g.metrics.ttft_ms
        assert.are.equal(17, ttft.n)
        assert(ttft.p50_lo <= ttft.p50 and ttft.p50 <= ttft.p50_hi)
        assert(ttft.mean_lo <= ttft.mean and ttft.mean <= ttft.mean_hi)
        assert.are.equal("bootstrap", ttft.ci)
        assert.truthy(ttft.warnings.p99) -- 17 requests cannot support a p99
        assert.falsy(ttft.warnings.p50)
        local tab = sh(string.format("%s stats --db %s --by provider", BIN, db))
        assert.truthy(tab:find("n 17, ok 17", 1, true), tab)
        assert.truthy(tab:find("* p99: n=17", 1, true), tab)
    end)
end)

describe("the commands that read and import", function()
    it("sonde stats takes --since and --window spans", function()
        local db = dir .. "/a.db"
        local t, rc = sh(string.format("%s stats --db %s --since 1d --window 1h --format csv",
            BIN, db))
        assert.are.equal(0, rc, t)
        local head = t:match("^([^\r\n]+)")
        assert.are.equal("endpoint,task,window,n_requests,ok,success_rate,metric,n,p50,p50_lo," ..
            "p50_hi,p90,p90_lo,p90_hi,p99,p99_lo,p99_hi,mean,mean_lo,mean_hi,warnings", head)
        assert.truthy(t:find("%d%d%d%d%-%d%d%-%d%dT%d%d:00:00Z,17,17"), t)
        local later = sh(string.format("%s stats --db %s --since 2999-01-01", BIN, db))
        assert.truthy(later:find("no requests in the store match", 1, true), later)
        local bad, rc2 = sh(string.format("%s stats --db %s --window 5x", BIN, db))
        assert.are.equal(2, rc2)
        assert.truthy(bad:find("--window '5x' is not a span", 1, true), bad)
    end)

    it("sonde import and sonde analyze work from the command line", function()
        local db = dir .. "/imp.db"
        local root = "." -- specs run in the source tree (ctest's WORKING_DIRECTORY)
        local t, rc = sh(string.format("%s import log %s/tests/fixtures/traces/" ..
            "azure_code_head300.csv --format azure --task code --db %s", BIN, root, db))
        assert.are.equal(0, rc, t)
        assert.truthy(t:find("imported 300 rows", 1, true), t)
        local c, rc2 = sh(string.format("%s import catalog %s/tests/fixtures/catalogs/" ..
            "litellm_extract.2026-08-01.json --format litellm --db %s", BIN, root, db))
        assert.are.equal(0, rc2, c)
        assert.truthy(c:find("8 entries", 1, true), c)
        local mix, rc3 = sh(string.format("%s analyze taskmix --db %s --format json", BIN, db))
        assert.are.equal(0, rc3, mix)
        local rows = cjson.decode((mix:gsub("rc=%d+%s*$", "")))[1].rows
        assert.are.equal("code", rows[1][1])
        assert.are.equal(300, rows[1][2])
        local bad, rc4 = sh(string.format("%s import log %s/nothing.csv --format azure --db %s",
            BIN, dir, db))
        assert.are.equal(1, rc4, bad)
        assert.truthy(bad:find("cannot read", 1, true), bad)
        local _, rc5 = sh(string.format("%s analyze nonsense --db %s", BIN, db))
        assert.are.equal(2, rc5)
    end)
end)

describe("a file that is not a sonde database", function()
    -- sql: what a reader asks (a read-only use learns of damage when it reads the pages)
    local function refused(path, why, sql, why_sql)
        local before = slurp(path)
        local out, rc = probe(path, "-n 2")
        assert.are.equal(1, rc, out)
        assert.truthy(out:find(why, 1, true), out)
        assert.are.equal(before, slurp(path), "the file was changed")
        assert.is_nil(slurp(path .. "-wal"))
        local out2, rc2 = sh(string.format("%s sql --db %s %q", BIN, path, sql or "SELECT 1"))
        assert.are.equal(1, rc2, out2)
        assert.truthy(out2:find(why_sql or why, 1, true), out2)
        assert.are.equal(before, slurp(path), "the file was changed")
    end

    it("is refused and left as it is: text", function()
        local path = dir .. "/notes.txt"
        local f = assert(io.open(path, "w"))
        f:write(string.rep("not a database\n", 100))
        f:close()
        refused(path, "not a sonde database (not an SQLite file at all)")
    end)

    it("is refused and left as it is: someone else's SQLite file", function()
        local path = dir .. "/other.db"
        assert(os.execute(string.format("sqlite3 %s 'CREATE TABLE t(x); INSERT INTO t " ..
            "VALUES (1)'", path)))
        refused(path, "not a sonde database (an SQLite file with other tables)")
    end)

    it("is refused and left as it is: a sonde file cut short", function()
        local path = dir .. "/cut.db"
        assert.are.equal(0, select(2, probe(path, "-n 20 -c 4")))
        os.execute(string.format("sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null", path))
        local whole = slurp(path)
        local f = assert(io.open(path, "wb"))
        f:write(whole:sub(1, #whole // 2))
        f:close()
        os.remove(path .. "-wal")
        os.remove(path .. "-shm")
        refused(path, "the database is cut short")
    end)

    it("is refused and left as it is: a sonde file with damaged pages", function()
        local path = dir .. "/bad.db"
        assert.are.equal(0, select(2, probe(path, "-n 40 -c 4")))
        os.execute(string.format("sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null", path))
        os.remove(path .. "-wal")
        os.remove(path .. "-shm")
        local root = query(path, "SELECT rootpage FROM sqlite_schema WHERE name = 'requests'")
        local page = query(path, "PRAGMA page_size")[1][1]
        os.remove(path .. "-wal") -- left by those reads
        os.remove(path .. "-shm")
        local whole = slurp(path)
        -- scribble over the requests table's root page
        local at = (root[1][1] - 1) * page
        local f = assert(io.open(path, "wb"))
        f:write(whole:sub(1, at), string.rep("\255", page), whole:sub(at + page + 1))
        f:close()
        refused(path, "the database is damaged", "SELECT sum(ttft_ms) FROM requests",
            "database disk image is malformed")
    end)
end)

describe("an older sonde file", function()
    it("is upgraded in place, keeping what it holds", function()
        local path = dir .. "/old.db"
        local st = store.open(path, { upto = 1 })
        local run = st:start_run("probe", "{}", "0.0.1")
        st.db:insert("INSERT INTO requests (run_id, endpoint, started_at, class, ttft_ms) " ..
            "VALUES (?, 'e', 1, 'ok', 123.5)", run)
        st:close()
        assert.are.same({ { 1 } }, query(path, "PRAGMA user_version"))
        -- a read-only command says what to do rather than upgrading
        local out, rc = sh(string.format("%s sql --db %s 'SELECT 1'", BIN, path))
        assert.are.equal(1, rc)
        assert.truthy(out:find("schema 1 is older", 1, true), out)
        local out2, rc2 = probe(path, "-n 2")
        assert.are.equal(0, rc2, out2)
        assert.are.same({ { store.VERSION } }, query(path, "PRAGMA user_version"))
        assert.are.same({ { 123.5 } }, query(path, "SELECT ttft_ms FROM requests WHERE id = 1"))
        assert.are.same({ { 0 } }, query(path, "SELECT count(*) FROM imports"))
    end)
end)

describe("while a probe writes", function()
    it("another process reads; kill -9 leaves a sound file that lost at most the last second",
        function()
            local path = dir .. "/live.db"
            local pidf = dir .. "/pid"
            os.execute(string.format("cd %s && (%s probe --base-url %s --model steady --db %s " ..
                "-n 1000 -c 20 --max-tokens 20 >/dev/null 2>&1 & echo $! > %s)", dir, BIN,
                srv.url("steady"), path, pidf))
            local pid = assert(slurp(pidf)):match("%d+")
            -- the first commit comes about a second after the first request ends; a loaded
            -- machine may take longer to get there, so ask until rows show (at most 10 s)
            local seen, t = 0, ""
            for _ = 1, 20 do
                os.execute("sleep 0.5")
                local rc
                t, rc = sh(string.format("%s sql --db %s --format csv " ..
                    "'SELECT count(*) FROM requests'", BIN, path))
                seen = rc == 0 and tonumber(t:match("\r\n(%d+)\r\n")) or 0
                if seen > 0 then
                    break
                end
            end
            assert(seen > 0, t)
            os.execute("sleep 1")
            local killed_at = os.time()
            assert(os.execute("kill -9 " .. pid))
            os.execute("sleep 0.3")
            assert.are.same({ { "ok" } }, query(path, "PRAGMA integrity_check"))
            local rows = query(path, "SELECT count(*), max(started_at + e2e_ms / 1000), " ..
                "sum(class NOT IN ('ok', 'truncated')) FROM requests")
            local n, last, bad = table.unpack(rows[1])
            assert(n > seen, string.format("%d rows after the kill, %d seen before", n, seen))
            assert.are.equal(0, bad)
            -- commits come at least every second: what finished before then is there
            assert(last >= killed_at - 2, string.format("newest stored request ended %.1f s " ..
                "before the kill", killed_at - last))
            local runs = query(path, "SELECT ended_at FROM runs")
            assert.are.equal(store.null, runs[1][1]) -- the run shows it never ended
            -- and the file takes the next run
            assert.are.equal(0, select(2, probe(path, "-n 2")))
        end)
end)
