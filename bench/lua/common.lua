-- Shared by the wrk scripts (bench/lua/*.lua, scripts/resilience/writes.lua), loaded
-- with dofile from their own folder: thread numbering in setup(), each thread's
-- share of a pre-solved tokens file, and the POST that spends one token.
local M = { threads = {} }
local next_id = 0

-- wrk calls the global setup() once per thread, before the threads start.
function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(M.threads, thread)
end

-- Lines "challenge token nonces"; thread `tid` of `n` takes lines tid, tid+n, ...
-- so no token is sent twice.
function M.tokens(path, n, tid)
   local out, i = {}, 0
   for line in io.lines(path) do
      if i % n == tid then
         local c, t, x = line:match("^(%S+) (%S+) (%S+)$")
         table.insert(out, { c, t, x })
      end
      i = i + 1
   end
   return out
end

-- POST /api/listings spending token `tk` (bound to the User-Agent it was fetched with).
function M.post(tk, ua, body)
   return wrk.format("POST", "/api/listings", {
      ["Content-Type"] = "application/json",
      ["User-Agent"] = ua,
      ["X-PoW-Challenge"] = tk[1],
      ["X-PoW-Token"] = tk[2],
      ["X-PoW-Nonce"] = tk[3],
   }, body)
end

return M
