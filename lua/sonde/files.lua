-- sonde.files: reading the files users hand to sonde, with errors that name them.
local M = {}

-- The whole file at path, and its base name (for FILE:ROW messages).
function M.read(path)
    local f, err = io.open(path, "rb")
    if not f then
        error("cannot read " .. err, 0)
    end
    local text = f:read("a")
    f:close()
    return text, path:match("([^/]+)$")
end

return M
