-- luacheck: std +busted
-- The openai-chat and anthropic-messages protocols, with the adapters that speak them, on
-- real recorded provider streams (tests/fixtures/sse). Each recording is fed whole, then cut
-- at many byte offsets (every offset for the small ones), and every cut must normalise to
-- the same deltas. The expected figures were read off the recordings independently (with
-- Python's json module, summing the delta fields by hand), not produced by sonde.
package.path = "tests/lua/?.lua;" .. package.path
local endpoint = require "sonde.endpoint"
local replay = require "replay"

local function ep(provider, model)
    if provider == "generic" then
        return endpoint.new { adapter = "openai_compat", model_entry = { id = "m" } }
    end
    return endpoint.new { adapter = provider, model = model }
end

local cases = {
    { file = "pydantic-ai__crusoe_llama-3.3-70b_stream_usage_final_chunk.sse",
        ep = { "generic" }, answer = "1, 2, 3, 4, 5", reasoning_len = 0,
        usage = { input = 46, output = 14 }, finish = "stop", done = true },
    { file = "pydantic-ai__deepseek_reasoner_stream_reasoning_content.sse",
        ep = { "deepseek", "deepseek-v3.2-thinking" }, answer_len = 43,
        answer_prefix = "Hello there! ", reasoning_len = 882,
        reasoning_prefix = 'Hmm, the user just said "Hello',
        usage = { input = 6, output = 212, reasoning = 198 }, finish = "stop", done = true },
    { file = "pydantic-ai__groq_gpt-oss-120b_stream_tool_use_failed_error.0.sse",
        ep = { "groq", "gpt-oss-120b" }, answer_len = 0, reasoning_len = 412,
        error = { class = "stream_error", code = "tool_use_failed" }, done = false },
    { file = "pydantic-ai__groq_gpt-oss-120b_stream_tool_use_failed_error.1.sse",
        ep = { "groq", "gpt-oss-120b" }, answer_len = 0, reasoning_len = 92, tools = 1,
        usage = { input = 304, output = 49, reasoning = 23 }, finish = "tool_calls",
        done = true, server_decode_ms = 112.16431 },
    { file = "pydantic-ai__groq_gpt-oss-120b_stream_tool_use_failed_error.2.sse",
        ep = { "groq", "gpt-oss-120b" }, answer_len = 57, reasoning_len = 176,
        answer_prefix = "The tool returned the expected",
        usage = { input = 339, output = 58, reasoning = 38 }, finish = "stop", done = true },
    { file = "pydantic-ai__hf-router-together_deepseek-r1_stream_think_tags.sse",
        ep = { "together", "deepseek-r1" }, answer_len = 2581,
        answer_prefix = "\nCrossing the street safely", reasoning_len = 1430,
        reasoning_prefix = '\nOkay, the user asked "How do',
        usage = { input = 10, output = 955 }, finish = "stop", done = true },
    { file = "pydantic-ai__openai_gpt-4o-mini_stream.0.sse", ep = { "generic" },
        answer_len = 0, reasoning_len = 0, tools = 6, usage = { input = 53, output = 15 },
        finish = "tool_calls", done = true },
    { file = "pydantic-ai__openrouter_stream_cache_usage.sse", ep = { "openrouter", "qwen3-32b" },
        answer = "Hello!", usage = { input = 254, output = 5 }, finish = "stop", done = true },
    { file = "pydantic-ai__openrouter_stream_keepalive_comments_midstream_error.sse",
        ep = { "openrouter", "qwen3-32b" }, answer_len = 0, reasoning_len = 42, comments = 18,
        finish = "length", error = { class = "stream_error", code = "400" }, done = true },
    { file = "pydantic-ai__openrouter_stream_reasoning_claude.sse",
        ep = { "openrouter", "qwen3-32b" }, answer = "2 + 2 = 4", reasoning_len = 51,
        usage = { input = 43, output = 36, reasoning = 13 }, finish = "stop", done = true },
    { file = "pydantic-ai__zai_glm-4.7_stream_reasoning_content.sse", ep = { "generic" },
        answer = "4", reasoning_len = 2173,
        usage = { input = 13, output = 564, reasoning = 561 }, finish = "stop", done = true },
    { file = "vercel-ai__dashscope_qwen3-max_chunks_reasoning_usage_only_final.chunks.txt",
        ep = { "dashscope", "qwen3-max" }, answer_len = 842, reasoning_len = 3301,
        answer_prefix = 'The word **"strawberry"** cont',
        usage = { input = 24, output = 1355, reasoning = 1084 }, finish = "stop" },
    { file = "vercel-ai__groq_qwen3-32b_chunks_reasoning_x_groq_timing.chunks.txt",
        ep = { "groq", "qwen3-32b" }, answer_len = 347, reasoning_len = 2972,
        usage = { input = 17, output = 1107, reasoning = 963 }, finish = "stop",
        server_decode_ms = 3206.170277 },
    { file = "pydantic-ai__anthropic_messages_stream_thinking.sse",
        ep = { "anthropic", "claude-sonnet-4.5" }, answer_len = 1021,
        answer_prefix = "Here are the basic steps for s", reasoning_len = 202,
        reasoning_prefix = "This is a straightforward ques",
        usage = { input = 43, output = 282 }, finish = "stop", done = true },
}

local function check(c, s)
    if c.answer then
        assert.are.equal(c.answer, s.answer)
    end
    if c.answer_len then
        assert.are.equal(c.answer_len, #s.answer)
    end
    if c.answer_prefix then
        assert.are.equal(c.answer_prefix, s.answer:sub(1, #c.answer_prefix))
    end
    if c.reasoning_len then
        assert.are.equal(c.reasoning_len, #s.reasoning)
    end
    if c.reasoning_prefix then
        assert.are.equal(c.reasoning_prefix, s.reasoning:sub(1, #c.reasoning_prefix))
    end
    assert.are.equal(c.tools or 0, s.tools)
    if c.usage then
        assert.is_table(s.usage)
        for k, v in pairs(c.usage) do
            assert.are.equal(v, s.usage[k], "usage." .. k)
            assert.are.equal("integer", math.type(s.usage[k]), "usage." .. k .. " is an integer")
        end
    else
        assert.is_nil(s.usage)
    end
    if c.server_decode_ms then
        assert.is_true(math.abs(s.usage.server_decode_ms - c.server_decode_ms) < 1e-6)
    end
    assert.are.equal(c.finish, s.finish)
    if c.error then
        assert.is_table(s.error)
        assert.are.equal(c.error.class, s.error.class)
        assert.are.equal(c.error.code, s.error.code)
    else
        assert.is_nil(s.error)
    end
    assert.are.equal(c.done or false, s.done or false)
    if c.comments then
        assert.are.equal(c.comments, s.comments)
    end
end

describe("recorded streams", function()
    for _, c in ipairs(cases) do
        it(c.file .. " normalises to what the recording says", function()
            local text = replay.read(c.file)
            local e = ep(table.unpack(c.ep))
            local whole = replay.normalize(e, replay.events(text))
            check(c, whole)
            for _, k in ipairs(replay.splits(#text)) do
                local s = replay.normalize(e, replay.events(text, { k }))
                assert.are.same(whole, s, "cut at byte " .. k)
            end
            -- and in three pieces at pseudo-random offsets
            local x = #text
            for i = 1, 20 do
                local a = (i * 7919) % (#text - 1) + 1
                local b = (i * 104729 + x) % (#text - a) + a
                local s = replay.normalize(e, replay.events(text, { a, b }))
                assert.are.same(whole, s, "cut at " .. a .. " and " .. b)
            end
        end)
    end
end)

describe("think_tags quirk", function()
    local e = ep("together", "deepseek-r1")
    local function run(pieces)
        local evs = {}
        for _, p in ipairs(pieces) do
            evs[#evs + 1] = { kind = "event", name = "", data = string.format(
                '{"choices":[{"index":0,"delta":{"content":%q}}]}', p) }
        end
        return replay.normalize(e, evs)
    end

    it("splits tags that arrive cut across chunks", function()
        local s = run { "<th", "ink>rea", "son</th", "in", "k>ans", "wer" }
        assert.are.equal("reason", s.reasoning)
        assert.are.equal("answer", s.answer)
    end)

    it("keeps a '<' that starts no tag", function()
        local s = run { "a < b", " and c <", "d" }
        assert.are.equal("a < b and c <d", s.answer)
        assert.are.equal("", s.reasoning)
    end)
end)

describe("the C fast path", function()
    local probe = require "sonde.probe"
    local openai_files = {}
    for _, c in ipairs(cases) do
        if c.ep[1] ~= "anthropic" then
            openai_files[#openai_files + 1] = c.file
        end
    end

    it("settles an event only when the script would say exactly the same", function()
        local e = ep("generic")
        local settled, total = 0, 0
        for _, file in ipairs(openai_files) do
            for _, ev in ipairs(replay.events(replay.read(file))) do
                if ev.kind == "event" then
                    total = total + 1
                    local k, st = probe.fast_apply(e.fast, ev.name, ev.data)
                    local _, sst = endpoint.new_state(e)
                    local ok, deltas = endpoint.parse_event(e, sst, ev.name, ev.data)
                    assert.is_true(ok)
                    if k then
                        settled = settled + 1
                        local ans, rea, fin, done = 0, 0, nil, false
                        for _, d in ipairs(deltas) do
                            if d.type == "answer" then
                                ans = ans + #d.text
                            elseif d.type == "reasoning" then
                                rea = rea + #d.text
                            elseif d.type == "finish" then
                                fin = d.reason
                            elseif d.type == "done" then
                                done = true
                            else
                                error(file .. ": settled an event with a " .. d.type ..
                                    " delta: " .. ev.data:sub(1, 120))
                            end
                        end
                        assert.are.equal(ans, st.answer_bytes, file)
                        assert.are.equal(rea, st.reasoning_bytes, file)
                        assert.are.equal(done, st.saw_done, file)
                        local map = e.proto.fast.finish_map
                        assert.are.equal(fin, st.finish and (map[st.finish] or st.finish), file)
                        local want = rea > 0 and "r" or ans > 0 and "a" or fin and "f"
                            or done and "d" or "m"
                        assert.are.equal(want, k, file)
                    end
                end
            end
        end
        -- most events of a real stream are plain text deltas
        assert.is_true(settled > 0.8 * total, settled .. " of " .. total)
    end)

    it("is off when a quirk or an undeclared hook needs every event", function()
        assert.is_nil(ep("together", "deepseek-r1").fast) -- think_tags
        assert.is_not_nil(ep("groq", "qwen3-32b").fast)   -- its hook declared its bail path
        assert.is_nil(endpoint.new { adapter = "anthropic", model = "claude-sonnet-4.5" }.fast)
    end)
end)
