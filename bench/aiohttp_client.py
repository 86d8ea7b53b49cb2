"""Peer client for `make bench`: an aiohttp streaming client written the way common LLM
benchmark clients are (read the stream line by line, json.loads every data: line), run with
Debian's /usr/bin/python3 and python3-aiohttp.

usage: aiohttp_client.py URL MODEL N CONCURRENCY MAX_TOKENS OUT.json DETAIL [RATE]
Writes {"events": n, "errors": n, "requests": [{"i", "ttft", "itl"}]} (ms, time.perf_counter);
i is the order in which requests started; with DETAIL 0 only the counts are written. With a
RATE above 0, request i starts at i/RATE seconds (open loop) and CONCURRENCY is not used.
"""
import asyncio
import json
import sys
import time

import aiohttp


async def one(session, url, model, max_tokens, out, i):
    body = {"model": model, "stream": True, "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "benchmark"}]}
    t0 = time.perf_counter()
    last = None
    rec = {"i": i, "ttft": None, "itl": []}
    async with session.post(url, json=body) as resp:
        async for raw in resp.content:
            line = raw.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                break
            chunk = json.loads(data)
            now = time.perf_counter()
            out["events"] += 1
            choices = chunk.get("choices") or []
            if choices and (choices[0].get("delta") or {}).get("content"):
                if last is None:
                    rec["ttft"] = (now - t0) * 1000
                else:
                    rec["itl"].append((now - last) * 1000)
                last = now
    out["requests"].append(rec)
    if resp.status != 200:
        out["errors"] += 1


async def main():
    url, model, n, conc, max_tokens, path, detail = sys.argv[1:8]
    rate = float(sys.argv[8]) if len(sys.argv) > 8 else 0.0
    n, conc, max_tokens = int(n), int(conc), int(max_tokens)
    out = {"events": 0, "errors": 0, "requests": []}
    started = [0]
    sem = asyncio.Semaphore(conc if rate <= 0 else n)
    connector = aiohttp.TCPConnector(limit=conc if rate <= 0 else 0)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t0 = time.perf_counter()

        async def guarded(k):
            if rate > 0:
                await asyncio.sleep(max(0.0, t0 + k / rate - time.perf_counter()))
            async with sem:
                i = started[0]
                started[0] += 1
                try:
                    await one(session, url + "/chat/completions", model, max_tokens, out, i)
                except Exception:  # a failed request is counted, not fatal
                    out["errors"] += 1
        await asyncio.gather(*(guarded(k) for k in range(n)))
    if detail == "0":
        out["requests"] = [{"i": r["i"]} for r in out["requests"]]
    with open(path, "w") as f:
        json.dump(out, f)


asyncio.run(main())
