-- Mock profiles for `make bench` (loaded by `sonde mock --profiles`).
return {
    -- as fast as the server can write: for events per CPU-second of the clients
    { name = "firehose", model = "bench", ttft_ms = 0, itl_ms = 0, output_tokens = 2000,
        tokens_per_chunk = 1, usage = "final" },
    -- fixed timing: for how far each client's measurement is from the truth
    { name = "fidelity", model = "bench", ttft_ms = 200, itl_ms = 20, output_tokens = 50,
        tokens_per_chunk = 1, usage = "final" },
    -- a realistic pace for 10,000 streams at once
    { name = "scale", model = "bench", ttft_ms = 100, itl_ms = 100, output_tokens = 30,
        tokens_per_chunk = 1, usage = "final" },
}
