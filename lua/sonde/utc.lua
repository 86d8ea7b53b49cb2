-- sonde.utc: times as sonde writes and reads them: UTC, ISO 8601, Unix seconds.
local M = {}

-- now, as the store writes it: 2026-12-04T17:30:00Z
function M.now()
    return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

-- Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
-- days_from_civil): plain arithmetic, so no time zone of this machine gets in.
local function days(y, m, d)
    y = m <= 2 and y - 1 or y
    local era = (y >= 0 and y or y - 399) // 400
    local yoe = y - era * 400
    local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
    local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
end

-- "2023-11-16 18:17:03.9799600", "2024-05-10T00:00:00.009930+00:00", "...Z", or a number
-- (seconds). Times without a zone are taken as UTC. Returns Unix seconds, or nil.
function M.parse(s)
    if type(s) == "number" then
        return s
    end
    s = tostring(s)
    local n = tonumber(s)
    if n then
        return n
    end
    local y, mo, d, h, mi, sec, rest = s:match(
        "^(%d%d%d%d)-(%d%d)-(%d%d)[T ](%d%d):(%d%d):(%d%d%.?%d*)(.*)$")
    if not y then
        y, mo, d = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
        if not y then
            return nil
        end
        h, mi, sec, rest = 0, 0, "0", ""
    end
    local off = 0
    if rest ~= "" and rest ~= "Z" then
        local sign, oh, om = rest:match("^([+-])(%d%d):?(%d%d)$")
        if not sign then
            return nil
        end
        off = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
    end
    mo, d = tonumber(mo), tonumber(d)
    if mo < 1 or mo > 12 or d < 1 or d > 31 then
        return nil
    end
    return days(tonumber(y), mo, d) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 +
        tonumber(sec) - off
end

return M
