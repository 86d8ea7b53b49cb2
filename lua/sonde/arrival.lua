-- sonde.arrival: open-loop arrival schedules. Gaps are drawn with a seeded generator so a
-- campaign can be repeated: constant (1/rate apart), Poisson (exponential gaps), and gamma
-- with a burstiness factor (the coefficient of variation of the gaps: 1 is Poisson, larger
-- is burstier, smaller is more regular), the shape used by serving benchmarks.
local M = {}

-- Marsaglia and Tsang's method for gamma(shape, 1); shape < 1 by the boost u^(1/shape).
local function gamma(rng, shape)
    if shape < 1 then
        return gamma(rng, shape + 1) * rng() ^ (1 / shape)
    end
    local d = shape - 1 / 3
    local c = 1 / math.sqrt(9 * d)
    while true do
        local x, v
        repeat
            -- a standard normal by Box-Muller
            local u1, u2 = rng(), rng()
            x = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
            v = 1 + c * x
        until v > 0
        v = v * v * v
        local u = rng()
        if u < 1 - 0.0331 * x ^ 4 or math.log(u) < 0.5 * x * x + d * (1 - v + math.log(v)) then
            return d * v
        end
    end
end

M.kinds = { constant = true, poisson = true, gamma = true }

-- Offsets in ns from the start for n arrivals at rate per second.
function M.schedule(kind, rate, n, burstiness, seed)
    assert(M.kinds[kind], "arrival must be constant, poisson or gamma")
    local gen = math.random
    math.randomseed(math.tointeger(seed) or 1)
    local rng = function() return gen() end
    local mean = 1e9 / rate
    local out, t = {}, 0
    local cv = burstiness or 1
    local shape = 1 / (cv * cv)
    for i = 1, n do
        out[i] = math.floor(t)
        local gap
        if kind == "constant" then
            gap = mean
        elseif kind == "poisson" then
            gap = -math.log(1 - rng()) * mean
        else
            gap = gamma(rng, shape) * mean / shape
        end
        t = t + gap
    end
    return out
end

return M
