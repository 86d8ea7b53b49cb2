-- sonde.paths: where scripts are found. The roots come from the host (SONDE_PATH entries, the
-- source tree when run from a build directory, the installed data directory), in that order;
-- the first root that has the file wins.
local config = require "sonde.config"

local M = {}

local function exists(path)
    local f = io.open(path, "r")
    if f then
        f:close()
        return true
    end
    return false
end

-- The path of dir/name.lua under the first root that has it, or nil and the places looked at.
function M.find(dir, name)
    local tried = {}
    for _, root in ipairs(config.roots) do
        local p = root .. "/" .. dir .. "/" .. name .. ".lua"
        if exists(p) then
            return p
        end
        tried[#tried + 1] = p
    end
    return nil, tried
end

-- Every NAME for which dir/NAME.lua exists under some root (sorted, without duplicates).
function M.list(dir)
    local seen, out = {}, {}
    for _, root in ipairs(config.roots) do
        local p = io.popen('ls "' .. root .. "/" .. dir .. '" 2>/dev/null')
        if p then
            for f in p:lines() do
                local n = f:match("^(.+)%.lua$")
                if n and not seen[n] then
                    seen[n] = true
                    out[#out + 1] = n
                end
            end
            p:close()
        end
    end
    table.sort(out)
    return out
end

return M
