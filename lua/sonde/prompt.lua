-- sonde.prompt: synthetic prompts of a chosen size. Each starts with a unique nonce so no
-- provider can answer it from a prefix cache; the rest is common short English words, most
-- of which are one token in the usual BPE vocabularies (and exactly one in the mock's count).
local M = {}

local WORDS = {
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world",
    "school", "state", "family", "student", "group", "country", "problem", "hand", "part",
    "place", "case", "week", "company", "system", "program", "question", "work", "number",
    "night", "point", "home", "water", "room", "mother", "area", "money", "story", "fact",
    "month", "lot", "right", "study", "book", "eye", "job", "word", "business", "issue", "side",
}

-- n words, drawn by a small LCG from seq so the same request number gives the same words.
function M.words(n, seq)
    local out, x = {}, (seq * 2654435761) % 4294967296
    for i = 1, n do
        x = (x * 1103515245 + 12345) % 2147483648
        out[i] = WORDS[x % #WORDS + 1]
    end
    return table.concat(out, " ")
end

-- The messages of request seq: about n prompt tokens in all, nonce first.
function M.messages(n, seq, nonce)
    local head = string.format("[%s-%d]", nonce or "sonde", seq)
    local body = M.words(math.max(0, (n or 0) - 12), seq) -- 12 words of head and instruction
    return {
        { role = "user", content = head .. " Continue this list of words for as long as you " ..
            "can: " .. body },
    }
end

return M
