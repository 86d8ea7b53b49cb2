-- sonde.store: sonde's SQLite file, its schema and the calls that write it.
-- The C side (sonde.store.core, core/store.c) checks that a file is sonde's before touching
-- it, runs WAL and the writer's batches (a commit at least every second or every 5,000 rows)
-- and registers the statistics as SQL functions. Here: the schema as numbered migrations
-- (PRAGMA user_version says which have run; an older file is upgraded in place, each step
-- in its own transaction), and the rows sonde writes. The README documents every table.
local core = require "sonde.store.core"
local probe = require "sonde.probe"
local utc = require "sonde.utc"

local M = { null = core.null }

M.migrations = {
    -- 1: service objects and their dated listings, runs, requests, timelines
    [[
CREATE TABLE service_objects (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,   -- adapter name (or the host, for --base-url)
    model TEXT NOT NULL,      -- canonical model name
    variant TEXT NOT NULL,    -- the provider's own model id
    UNIQUE (provider, model, variant)
);
CREATE TABLE listings (
    id INTEGER PRIMARY KEY,
    service_object_id INTEGER NOT NULL REFERENCES service_objects(id),
    seen_at TEXT NOT NULL,    -- when sonde recorded it, UTC ISO 8601
    source TEXT NOT NULL,     -- 'adapter', or a catalog: 'litellm', 'openrouter'
    price_in REAL,            -- USD per million input tokens
    price_out REAL,           -- USD per million output tokens
    price_date TEXT, price_url TEXT,
    context INTEGER, max_output INTEGER,
    features TEXT             -- JSON object of feature flags
);
CREATE INDEX listings_by_object ON listings(service_object_id, source, seen_at);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL, ended_at TEXT,
    command TEXT NOT NULL,    -- 'probe', ...
    settings TEXT,            -- JSON: load shape, limits; never a key
    sonde_version TEXT,
    stopped INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    service_object_id INTEGER REFERENCES service_objects(id),
    endpoint TEXT NOT NULL, task TEXT, seq INTEGER,
    started_at REAL NOT NULL, -- wall clock, Unix seconds
    t_intended_ns INTEGER, t_send_ns INTEGER, t_end_ns INTEGER, -- monotonic, the run's clock
    class TEXT NOT NULL, http_status INTEGER, http_version TEXT,
    error_code TEXT, error_body TEXT, message TEXT, retry_after_s REAL,
    queue_ms REAL, dns_ms REAL, connect_ms REAL, tls_ms REAL, ttfb_ms REAL,
    ttft_ms REAL, ttfr_ms REAL, ttfa_ms REAL, ttfc_ms REAL, e2e_ms REAL, tpot_ms REAL,
    decode_tps REAL, itl_p50_ms REAL, itl_max_ms REAL,
    input_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER,
    cached_tokens INTEGER, tokens_source TEXT, tokens_per_chunk REAL,
    finish_reason TEXT, events INTEGER, bytes INTEGER
);
CREATE INDEX requests_by_time ON requests(started_at);
CREATE TABLE timelines (
    request_id INTEGER PRIMARY KEY REFERENCES requests(id),
    events BLOB NOT NULL      -- "sonde timeline v1", see README (offsets from t_send_ns)
);
]],
    -- 2: imported catalogs and request logs, and what was wrong in them
    [[
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,       -- 'catalog' or 'log'
    format TEXT NOT NULL,     -- 'litellm', 'openrouter', 'azure', 'mooncake', 'csv', 'jsonl'
    file TEXT NOT NULL, name TEXT,
    imported_at TEXT NOT NULL,
    rows INTEGER, skipped INTEGER, flagged INTEGER
);
CREATE TABLE import_issues (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    row INTEGER, entry TEXT,  -- the file's row number, or the catalog entry's name
    problem TEXT NOT NULL,
    action TEXT NOT NULL      -- 'skipped' or 'flagged'
);
ALTER TABLE listings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE listings ADD COLUMN flags TEXT; -- defects found in the entry, JSON list
CREATE TABLE log_requests (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    ts REAL,                  -- Unix seconds, or seconds from the trace's start
    model TEXT, provider TEXT, task TEXT,
    input_tokens INTEGER, output_tokens INTEGER, latency_ms REAL, status TEXT
);
CREATE INDEX log_requests_by_import ON log_requests(import_id, ts);
]],
    -- 3: latency and throughput published by others, per provider endpoint
    [[
CREATE TABLE endpoint_stats (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    source TEXT NOT NULL,     -- who published them: 'openrouter'
    provider TEXT NOT NULL,   -- as the source names it, lowercased
    model TEXT NOT NULL,      -- canonical model name
    variant TEXT NOT NULL,    -- the source's model id
    uptime_pct REAL,
    latency_p50_ms REAL, latency_p90_ms REAL, latency_p99_ms REAL,
    throughput_p50_tps REAL, throughput_p90_tps REAL, throughput_p99_tps REAL
);
]],
}
M.VERSION = #M.migrations

local Store = {}
Store.__index = Store


local function user_version(db)
    local _, rows = db:query("PRAGMA user_version")
    return math.tointeger(rows[1][1])
end

-- Open (creating or upgrading) the store at path. opts: readonly, upto (apply migrations
-- only up to this version; for tests of upgrades).
function M.open(path, opts)
    opts = opts or {}
    local db = core.open(path, { readonly = opts.readonly })
    local have, want = user_version(db), opts.upto or M.VERSION
    if have > M.VERSION then
        db:close()
        error(string.format("%s: made by a newer sonde (schema %d; this one knows %d)", path,
            have, M.VERSION), 0)
    end
    if have < want then
        if opts.readonly then
            db:close()
            error(string.format("%s: schema %d is older than this sonde's %d; open it once " ..
                "to write (any measuring command) to upgrade it", path, have, want), 0)
        end
        for v = have + 1, want do
            db:exec("BEGIN IMMEDIATE")
            local ok, err = pcall(db.exec, db, M.migrations[v] ..
                string.format("\nPRAGMA user_version = %d;", v))
            if not ok then
                db:exec("ROLLBACK")
                db:close()
                error(string.format("%s: upgrading to schema %d failed: %s", path, v, err), 0)
            end
            db:exec("COMMIT")
        end
    end
    return setmetatable({ db = db, path = path, so_ids = {} }, Store)
end

-- Run fn() as one transaction: everything it writes is kept, or, when it raises, none of
-- it (imports are all or nothing). The writer's batching is held off meanwhile.
function Store:atomically(fn)
    local db = self.db
    db:flush()
    db:hold(true)
    db:begin()
    local res = table.pack(pcall(fn))
    if not res[1] then
        db:rollback()
        db:hold(false)
        self.so_ids = {} -- ids made inside the transaction are gone with it
        error(res[2], 0)
    end
    db:hold(false)
    db:flush()
    return table.unpack(res, 2, res.n)
end

function Store:close()
    self.db:close()
end
Store.__close = Store.close -- `local st <close> = store.open(...)`

function Store:flush()
    self.db:flush()
end

function Store:tick()
    self.db:tick()
end

function Store:query(sql, ...)
    return self.db:query(sql, ...)
end

-- The service object for (provider, model, variant), created on first sight.
function Store:service_object(provider, model, variant)
    local key = provider .. "\0" .. model .. "\0" .. variant
    local id = self.so_ids[key]
    if id then
        return id
    end
    local _, rows = self.db:query("SELECT id FROM service_objects WHERE provider = ? AND " ..
        "model = ? AND variant = ?", provider, model, variant)
    id = rows[1] and rows[1][1] or self.db:insert("INSERT INTO service_objects (provider, " ..
        "model, variant) VALUES (?, ?, ?)", provider, model, variant)
    self.so_ids[key] = id
    return id
end

local LISTING = { "price_in", "price_out", "price_date", "price_url", "context", "max_output",
    "features", "flags" }

-- Record what a service object is listed as (l: price_in, price_out, price_date, price_url,
-- context, max_output, features (JSON text), flags, import_id). A new row is written only
-- when something differs from the latest listing from the same source: the history keeps
-- every change and no repeats. Returns whether a row was written.
function Store:listing(so_id, source, l)
    local _, rows = self.db:query("SELECT " .. table.concat(LISTING, ", ") .. " FROM " ..
        "listings WHERE service_object_id = ? AND source = ? ORDER BY id DESC LIMIT 1",
        so_id, source)
    local last = rows[1]
    if last then
        local same = true
        for i, k in ipairs(LISTING) do
            local v = last[i]
            if v == core.null then
                v = nil
            end
            if v ~= l[k] then
                same = false
                break
            end
        end
        if same then
            return false
        end
    end
    self.db:insert("INSERT INTO listings (service_object_id, seen_at, source, price_in, " ..
        "price_out, price_date, price_url, context, max_output, features, flags, import_id) " ..
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", so_id, l.seen_at or utc.now(), source,
        l.price_in, l.price_out, l.price_date, l.price_url, l.context, l.max_output, l.features,
        l.flags, l.import_id)
    return true
end

-- Feature flags as the JSON text listings keep: keys sorted, so that the same flags give
-- the same text and no change is seen where there is none.
function M.features_json(f)
    local keys = {}
    for k in pairs(f) do
        keys[#keys + 1] = k
    end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
        parts[#parts + 1] = string.format("%q:%s", k, tostring(f[k]))
    end
    return "{" .. table.concat(parts, ",") .. "}"
end

-- The service object of an endpoint (see sonde.endpoint), with what its adapter lists for
-- it (price, context, max output, features) noted as a listing when that changed.
function M.note_endpoint(st, ep)
    local m = ep.model
    local so = st:service_object(ep.provider, m.canonical or m.id, m.id)
    local price = m.price or {}
    local features = m.features and M.features_json(m.features)
    if not (m.price or m.context or m.max_output or features) then
        return so -- nothing is listed
    end
    st:listing(so, "adapter", { price_in = price.input, price_out = price.output,
        price_date = price.date, price_url = price.source, context = m.context,
        max_output = m.max_output, features = features })
    return so
end

-- An import of kind ('log', 'catalog', 'stats') and format from file; returns its id.
-- finish_import records what it held.
function Store:new_import(kind, format, file, name)
    return self.db:insert("INSERT INTO imports (kind, format, file, name, imported_at) " ..
        "VALUES (?, ?, ?, ?, ?)", kind, format, file, name, utc.now())
end

-- A defect found by import id: at a row of the file or in a named entry, and what was done
-- about it ('skipped' or 'flagged').
function Store:import_issue(id, row, entry, problem, action)
    self.db:insert("INSERT INTO import_issues (import_id, row, entry, problem, action) " ..
        "VALUES (?, ?, ?, ?, ?)", id, row, entry, problem, action)
end

function Store:finish_import(id, rows, skipped, flagged)
    self.db:insert("UPDATE imports SET rows = ?, skipped = ?, flagged = ? WHERE id = ?", rows,
        skipped, flagged, id)
end

-- A new run; written at once, so that a run that dies still shows.
function Store:start_run(command, settings_json, version)
    local id = self.db:insert("INSERT INTO runs (started_at, command, settings, " ..
        "sonde_version) VALUES (?, ?, ?, ?)", utc.now(), command, settings_json, version)
    self.db:flush()
    return id
end

function Store:end_run(id, stopped)
    self.db:insert("UPDATE runs SET ended_at = ?, stopped = ? WHERE id = ?", utc.now(),
        stopped and 1 or 0, id)
    self.db:flush()
end

local REQUEST_SQL = "INSERT INTO requests (run_id, service_object_id, endpoint, task, seq, " ..
    "started_at, t_intended_ns, t_send_ns, t_end_ns, class, http_status, http_version, " ..
    "error_code, error_body, message, retry_after_s, queue_ms, dns_ms, connect_ms, tls_ms, " ..
    "ttfb_ms, ttft_ms, ttfr_ms, ttfa_ms, ttfc_ms, e2e_ms, tpot_ms, decode_tps, itl_p50_ms, " ..
    "itl_max_ms, input_tokens, output_tokens, reasoning_tokens, cached_tokens, " ..
    "tokens_source, tokens_per_chunk, finish_reason, events, bytes) VALUES (?, ?, ?, ?, ?, " ..
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " ..
    "?, ?, ?, ?, ?)"

-- Map the monotonic clock to the wall clock once per process: requests carry both.
local mono0, wall0 = probe.now(), os.time()

-- One finished request record (see sonde.session) of run run_id, with its timeline.
function Store:request(run_id, so_id, r, task)
    local p50, pmax
    if r.events and #r.events > 1 then
        p50, pmax = r.events:gap_median_max("art") -- the gaps of metrics' itl_ms
    end
    local started = wall0 + (r.t_send - mono0) / 1e9
    local id = self.db:insert(REQUEST_SQL, run_id, so_id, r.endpoint, task, r.seq, started,
        r.t_intended, r.t_send, r.t_end, r.class, r.http_status, r.http_version,
        r.error_code and tostring(r.error_code), r.error_body, r.message, r.retry_after_s,
        r.queue_ms, r.dns_ms, r.connect_ms, r.tls_ms, r.ttfb_ms, r.ttft_ms, r.ttfr_ms, r.ttfa_ms,
        r.ttfc_ms, r.e2e_ms, r.tpot_ms, r.decode_tps, p50, pmax, r.input_tokens,
        r.output_tokens, r.reasoning_tokens, r.cached_tokens, r.tokens_source,
        r.tokens_per_chunk, r.finish_reason, r.nev, r.bytes)
    if r.events and #r.events > 0 then
        self.db:insert("INSERT INTO timelines (request_id, events) VALUES (?, ?)", id,
            { blob = r.events:pack(r.t_send) })
    end
    return id
end

-- The timeline of request id, as the probe made it (times on the run's monotonic clock).
function Store:timeline(id)
    local _, rows = self.db:query("SELECT t.events, r.t_send_ns FROM timelines t JOIN " ..
        "requests r ON r.id = t.request_id WHERE t.request_id = ?", id)
    if not rows[1] then
        return nil
    end
    return probe.unpack_timeline(rows[1][1], rows[1][2])
end

return M
