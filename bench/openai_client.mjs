// Peer client for `make bench`: the official Node `openai` SDK (openai@6, which runs on
// Node 20), streaming chat completions and iterating its parsed chunks.
// usage: node openai_client.mjs URL MODEL N CONCURRENCY MAX_TOKENS OUT.json DETAIL [RATE]
// Writes {"events": n, "errors": n, "requests": [{i, ttft, itl}]} (ms, performance.now());
// i is the order in which requests started; with DETAIL 0 only the counts are written. With a
// RATE above 0, request i starts at i/RATE seconds (open loop) and CONCURRENCY is not used.
import OpenAI from "openai";
import { writeFileSync } from "node:fs";

const [url, model, n, conc, maxTokens, path, detail, rateArg] = process.argv.slice(2);
const rate = Number(rateArg || 0);
const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0, timeout: 600000 });
const out = { events: 0, errors: 0, requests: [] };

async function one(i) {
  const t0 = performance.now();
  let last = null;
  const rec = { i, ttft: null, itl: [] };
  const stream = await client.chat.completions.create({
    model, stream: true, max_tokens: Number(maxTokens),
    messages: [{ role: "user", content: "benchmark" }],
  });
  for await (const chunk of stream) {
    const now = performance.now();
    out.events++;
    const c = chunk.choices?.[0]?.delta?.content;
    if (c) {
      if (last === null) rec.ttft = now - t0;
      else rec.itl.push(now - last);
      last = now;
    }
  }
  out.requests.push(rec);
}

let next = 0;
async function worker() {
  while (next < Number(n)) {
    const i = next++;
    try {
      await one(i);
    } catch (e) {
      out.errors++;
    }
  }
}
async function guarded(i) {
  try {
    await one(i);
  } catch (e) {
    out.errors++;
  }
}
if (rate > 0) {
  const t0 = performance.now();
  const all = [];
  for (let i = 0; i < Number(n); i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    all.push(guarded(i));
  }
  await Promise.all(all);
} else {
  await Promise.all(Array.from({ length: Number(conc) }, worker));
}
if (detail === "0") out.requests = out.requests.map((r) => ({ i: r.i }));
writeFileSync(path, JSON.stringify(out));
