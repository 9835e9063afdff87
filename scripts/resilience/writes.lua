-- wrk script of the write-load scenarios: POST /api/listings with pre-solved tokens
-- (RES_TOKENS, "challenge token nonces" lines; thread i of n takes every n-th line),
-- each connection pausing RES_DELAY_MS between requests so a bounded number of
-- tokens covers the run. Every response is recorded in RES_OUT/<thread>.txt as
-- "<status> <listing id | error code>", so the scenario can check afterwards that
-- every 201 is in the table and every failure was 503 UNAVAILABLE.
local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   local n = tonumber(os.getenv("RES_WRK_THREADS"))
   tokens = {}
   local i = 0
   for line in io.lines(os.getenv("RES_TOKENS")) do
      if i % n == tid then
         local c, t, x = line:match("^(%S+) (%S+) (%S+)$")
         table.insert(tokens, { c, t, x })
      end
      i = i + 1
   end
   pos = 0
   ua = os.getenv("RES_UA")
   pause = tonumber(os.getenv("RES_DELAY_MS") or "20")
   out = io.open(os.getenv("RES_OUT") .. "/" .. tid .. ".txt", "w")
end

function delay()
   return pause
end

function request()
   pos = pos + 1
   local tk = tokens[pos]
   if tk == nil then
      out:write("exhausted -\n")
      out:flush()
      wrk.thread:stop()
      tk = tokens[#tokens]
   end
   local body = string.format('{"body":"resilience write %d-%d"}', tid, pos)
   return wrk.format("POST", "/api/listings", {
      ["Content-Type"] = "application/json",
      ["User-Agent"] = ua,
      ["X-PoW-Challenge"] = tk[1],
      ["X-PoW-Token"] = tk[2],
      ["X-PoW-Nonce"] = tk[3],
   }, body)
end

function response(status, headers, body)
   local what = body:match('"id":(%d+)') or body:match('"code":"([%u_]+)"') or "-"
   out:write(status .. " " .. what .. "\n")
   out:flush()
end
