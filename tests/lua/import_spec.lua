-- luacheck: std +busted
-- Request logs into the store: the real Azure and Mooncake samples arrive whole (totals
-- computed with Python's csv and json modules on the same files), malformed rows are named
-- by file and row and skipped or stop the import with nothing left behind.
local import = require "sonde.import"
local store = require "sonde.store"

local FIX = "tests/fixtures/traces/"
local dir

setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
end)

teardown(function()
    os.execute("rm -rf " .. dir)
end)

local function fresh(name)
    return store.open(dir .. "/" .. name .. ".db")
end

local function one(st, sql, ...)
    local _, rows = st:query(sql, ...)
    return table.unpack(rows[1])
end

local function write(name, text)
    local path = dir .. "/" .. name
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    return path
end

describe("the Azure trace", function()
    it("arrives whole, with its times as UTC seconds", function()
        local st = fresh("azure")
        local r = import.log(st, FIX .. "azure_code_head300.csv", { format = "azure",
            task = "code" })
        assert.are.equal(300, r.rows)
        assert.are.equal(0, r.skipped)
        local n, tin, tout, t0, task = one(st, "SELECT count(*), sum(input_tokens), " ..
            "sum(output_tokens), min(ts), min(task) FROM log_requests")
        assert.are.same({ 300, 627529, 7126, "code" }, { n, tin, tout, task })
        -- 2023-11-16 18:17:03.9799600 (Python: datetime(...).timestamp())
        assert(math.abs(t0 - 1700158623.97996) < 1e-6, t0)
        st:close()
    end)
end)

describe("the Mooncake trace", function()
    it("arrives whole, its ms timestamps as seconds from the start", function()
        local st = fresh("mooncake")
        local r = import.log(st, FIX .. "mooncake_conversation_head200.jsonl",
            { format = "mooncake" })
        assert.are.equal(200, r.rows)
        local n, tin, tout, tmax = one(st, "SELECT count(*), sum(input_tokens), " ..
            "sum(output_tokens), max(ts) FROM log_requests")
        assert.are.same({ 200, 2782179, 71379, 72.0 }, { n, tin, tout, tmax })
        st:close()
    end)
end)

describe("a generic CSV with a column mapping", function()
    it("reads quoted fields, commas and newlines inside them, CRLF and no final newline",
        function()
            local path = write("app.csv", 'when,app,"in tokens",out,note\r\n' ..
                '2026-12-01T08:00:00Z,"chat, web",100,20,"two\nlines"\r\n' ..
                '2026-12-01 08:00:01.5,"say ""hi""",50,5,x')
            local st = fresh("generic")
            local r = import.log(st, path, { format = "csv", map = import.parse_map(
                "ts=when,task=app,input_tokens=in tokens,output_tokens=out") })
            assert.are.equal(2, r.rows)
            local _, rows = st:query("SELECT ts, task, input_tokens FROM log_requests ORDER BY id")
            -- 1796112000: Python's datetime(2026, 12, 1, 8, tzinfo=timezone.utc).timestamp()
            assert.are.same({ { 1796112000, "chat, web", 100 },
                { 1796112001.5, 'say "hi"', 50 } }, rows)
            st:close()
        end)
end)

describe("malformed rows", function()
    local text = "TIMESTAMP,ContextTokens,GeneratedTokens\n" ..
        "2023-11-16 18:17:03.9799600,4808,10\n" ..
        "2023-11-16 18:17:04.0319600,lots,8\n" ..
        "yesterday,100,1\n" ..
        "2023-11-16 18:17:05.0000000,100\n" ..
        "2023-11-16 18:17:06.0000000,100,3\n"

    it("are skipped, each named by its row, and the rest is kept", function()
        local path = write("bad.csv", text)
        local st = fresh("skip")
        local r = import.log(st, path, { format = "azure" })
        assert.are.equal(2, r.rows)
        assert.are.equal(3, r.skipped)
        local _, issues = st:query("SELECT row, problem FROM import_issues ORDER BY row")
        assert.are.same({
            { 3, "input_tokens 'lots' is not a whole number of tokens" },
            { 4, "ts 'yesterday' is not a time" },
            { 5, "2 fields, the header has 3" },
        }, issues)
        st:close()
    end)

    it("stop the import when asked, naming file and row, and leave nothing behind", function()
        local path = write("bad.csv", text)
        local st = fresh("stop")
        import.log(st, FIX .. "azure_code_head300.csv", { format = "azure" })
        local ok, err = pcall(import.log, st, path, { format = "azure", on_error = "stop" })
        assert.is_false(ok)
        assert.are.equal("bad.csv:3: input_tokens 'lots' is not a whole number of tokens; " ..
            "nothing was imported", err)
        -- the earlier import is whole, the stopped one left no trace
        assert.are.same({ 1, 300, 0 }, { one(st, "SELECT count(*), (SELECT count(*) FROM " ..
            "log_requests), (SELECT count(*) FROM import_issues) FROM imports") })
        st:close()
        -- and the file is sound for the next writer
        local st2 = store.open(dir .. "/stop.db")
        assert.are.equal("ok", one(st2, "PRAGMA integrity_check"))
        st2:close()
    end)

    it("a mapping to a column the file lacks is an error naming the header", function()
        local path = write("app2.csv", "a,b\n1,2\n")
        local st = fresh("nocol")
        local ok, err = pcall(import.log, st, path, { format = "csv",
            map = import.parse_map("ts=a,input_tokens=c") })
        assert.is_false(ok)
        assert.truthy(err:find("app2.csv:1: no column 'c' (for input_tokens); the header " ..
            "has: a, b", 1, true), err)
        assert.are.equal(0, one(st, "SELECT count(*) FROM imports"))
        st:close()
    end)
end)
