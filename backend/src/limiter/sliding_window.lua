-- The sliding-window limiter of limiter/memory (the in-process store) for one client
-- key, run atomically inside Redis or Valkey: the same sub-window algorithm, the same
-- guarantees, shared by every server instance. One round trip per request.
--
-- KEYS[1]  the key's state: "head c0 c1 ... c8" (see below); expires by itself (PX)
-- ARGV[1]  "check" (count the request if allowed) or "peek" (count nothing)
-- ARGV[2]  N, requests per window (>= 1)
-- ARGV[3]  the sub-window length in ms (the window W / 8, rounded up)
-- ARGV[4]  now in microseconds since the Unix epoch, or "" for Redis's own clock
--          (production: one clock for all instances; tests pass their own)
-- Returns {allowed (1/0), remaining, wait in microseconds}: for an allowed request the
-- time until its oldest counted sub-window leaves (RateLimit's t), for a refused one
-- (or a peek with nothing left) the exact time until a slot frees (Retry-After).
--
-- The window is cut into 8 sub-windows; a request counts until all of its sub-window
-- has left the window, so 9 counters are live: c0 for the sub-window starting at
-- `head` (ms), c1 for the one before, and so on. The grid is placed by the key's first
-- request (in the last ms of its sub-window), so keys share no edges. Times are whole
-- ms since the epoch (exact in Lua's doubles until the year 287396).
local SLOTS = 9
local max = tonumber(ARGV[2])
local sub = tonumber(ARGV[3])
local now_us
if ARGV[4] ~= nil and ARGV[4] ~= '' then
    now_us = tonumber(ARGV[4])
else
    local t = redis.call('TIME')
    now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local t = math.floor(now_us / 1000)

local head = nil
local counts = {}
local raw = redis.call('GET', KEYS[1])
if raw then
    for n in string.gmatch(raw, '%d+') do
        if head == nil then head = tonumber(n) else counts[#counts + 1] = tonumber(n) end
    end
end
if head == nil or #counts ~= SLOTS then
    head = nil
end

-- When the sub-window in slot i (0-based) stops counting.
local function expiry(i) return head + (SLOTS - i) * sub end

-- Idle: nothing counts any more (or a clock far behind the state): start afresh.
local idle = true
if head ~= nil and t - head >= -(SLOTS * sub) then
    for i = 0, SLOTS - 1 do
        if counts[i + 1] > 0 then
            idle = t >= expiry(i)
            break
        end
    end
end
if idle then
    head = t + 1 - sub
    for i = 1, SLOTS do counts[i] = 0 end
else
    local d = math.floor((t - head) / sub)
    if d >= 1 then
        -- Not idle, so fewer than SLOTS sub-windows have passed (d < SLOTS).
        for i = SLOTS, d + 1, -1 do counts[i] = counts[i - d] end
        for i = 1, d do counts[i] = 0 end
        head = head + d * sub
    end
end

local total = 0
for i = 1, SLOTS do total = total + counts[i] end

-- Microseconds from now until tick `until_ms`.
local function wait(until_ms) return until_ms * 1000 - now_us end

-- The oldest sub-windows leave first: the one whose departure frees a slot.
local function retry()
    local need = total - max + 1
    for i = SLOTS - 1, 0, -1 do
        local c = counts[i + 1]
        if c >= need then return wait(expiry(i)) end
        need = need - c
    end
    return wait(expiry(0))
end

local function oldest_expiry()
    for i = SLOTS - 1, 0, -1 do
        if counts[i + 1] > 0 then return wait(expiry(i)) end
    end
    return 0
end

if ARGV[1] == 'peek' then
    if total >= max then return {0, 0, retry()} end
    return {1, max - total, oldest_expiry()}
end

if total >= max then
    -- Refused: nothing to store (the advance above is implied by the time).
    return {0, 0, retry()}
end
counts[1] = counts[1] + 1
local reset = oldest_expiry()
-- The key goes when its newest sub-window (c0) stops counting: no sweep needed.
local state = string.format('%.0f', head) .. ' ' .. table.concat(counts, ' ')
redis.call('SET', KEYS[1], state, 'PX', math.max(1, expiry(0) - t))
return {1, max - total - 1, reset}
