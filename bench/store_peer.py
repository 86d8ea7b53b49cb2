"""Peer for the store ingest benchmark: Python's sqlite3 (the standard library) writing the
same rows into the same schema, the way a careful script would: executemany in batches of
5,000 per transaction, WAL, synchronous=NORMAL.
usage: store_peer.py SCHEMA_DB OUT_DB N   (SCHEMA_DB: a sonde store to copy the schema from)
Prints: N seconds
"""
import os
import sqlite3
import sys
import time

schema_db, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for ext in ("", "-wal", "-shm"):
    if os.path.exists(path + ext):
        os.remove(path + ext)
src = sqlite3.connect(schema_db)
ddl = [r[0] for r in src.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")]
src.close()
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
for s in ddl:
    db.execute(s)
db.execute("INSERT INTO runs (started_at, command) VALUES ('now', 'bench')")
# every column sonde writes, NULL where a record has nothing, as sonde binds them
cols = ["run_id", "service_object_id", "endpoint", "task", "seq", "started_at",
        "t_intended_ns", "t_send_ns", "t_end_ns", "class", "http_status", "http_version",
        "error_code", "error_body", "message", "retry_after_s", "queue_ms", "dns_ms",
        "connect_ms", "tls_ms", "ttfb_ms", "ttft_ms", "ttfr_ms", "ttfa_ms", "ttfc_ms", "e2e_ms",
        "tpot_ms", "decode_tps", "itl_p50_ms", "itl_max_ms", "input_tokens", "output_tokens",
        "reasoning_tokens", "cached_tokens", "tokens_source", "tokens_per_chunk",
        "finish_reason", "events", "bytes"]
sql = "INSERT INTO requests (%s) VALUES (%s)" % (", ".join(cols), ", ".join("?" * len(cols)))
blob = bytes(100)  # a 20-event timeline packs to about 100 bytes
t0 = time.perf_counter()
i = 0
while i < n:
    rows = [(1, 1, "bench/m", None, j, 1764800000.0 + j, 999000000, 1000000000, 1500000000,
             "ok", 200, None, None, None, None, None, 0.01, None, None, None, None, 201.5, None,
             201.5, None, 500.25, 19.9, 50.1, 20.0, 21.0, 64, 20, None, None, "usage", None,
             "stop", 20, 2400) for j in range(i, min(n, i + 5000))]
    db.execute("BEGIN IMMEDIATE")
    cur = db.executemany(sql, rows)
    first = db.execute("SELECT max(id) FROM requests").fetchone()[0] - len(rows) + 1
    db.executemany("INSERT INTO timelines (request_id, events) VALUES (?, ?)",
                   [(first + k, blob) for k in range(len(rows))])
    db.execute("COMMIT")
    i += len(rows)
print(n, "%.3f" % (time.perf_counter() - t0))
