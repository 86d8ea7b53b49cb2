-- sonde.metrics: one request's metrics from its timeline, exactly as DESIGN.md defines them.
-- All inputs are monotonic nanoseconds stamped in C when bytes arrived.
local M = {}

local function ms(ns)
    return ns / 1e6
end

-- r: a finished request record (see sonde.session). Sets r.ttft_ms ... r.itl_ms in place.
function M.compute(r)
    local send = r.t_send
    r.queue_ms = ms(send - r.t_intended)
    r.e2e_ms = ms(r.t_end - send)
    r.e2e_from_intended_ms = r.e2e_ms + r.queue_ms
    r.ttft_ms = r.t_first_out and ms(r.t_first_out - send) or nil
    r.ttfr_ms = r.t_first_reasoning and ms(r.t_first_reasoning - send) or nil
    r.ttfa_ms = r.t_first_answer and ms(r.t_first_answer - send) or nil
    r.ttfc_ms = r.t_first_tool and ms(r.t_first_tool - send) or nil

    local usage = r.usage
    if usage and usage.output then
        r.output_tokens = usage.output
        r.tokens_source = "usage"
    elseif r.out_chars > 0 then
        -- about four characters a token for English text; marked as an estimate
        r.output_tokens = math.max(1, (r.out_chars + 3) // 4)
        r.tokens_source = "estimate"
    else
        r.output_tokens = 0
        r.tokens_source = usage and "usage" or "estimate"
    end
    r.input_tokens = usage and usage.input or nil
    r.reasoning_tokens = usage and usage.reasoning or nil
    r.cached_tokens = usage and usage.cached or nil

    local n = r.output_tokens
    if r.ttft_ms and n > 1 then
        r.tpot_ms = (r.e2e_ms - r.ttft_ms) / (n - 1)
        local span = r.t_last_out - r.t_first_out
        if span > 0 then
            r.decode_tps = (n - 1) / (span / 1e9)
        end
    end
    -- gaps between consecutive output-bearing events (answer, reasoning, tool call)
    local itl = r.events:gaps("art")
    r.itl_ms = itl
    r.output_events = r.n_out_events
    r.tokens_per_chunk = r.n_out_events > 0 and n / r.n_out_events or nil
    return r
end

return M
