-- wrk script of the write-load scenarios: POST /api/listings with pre-solved tokens
-- (RES_TOKENS, "challenge token nonces" lines; thread i of n takes every n-th line),
-- each connection pausing RES_DELAY_MS between requests so a bounded number of
-- tokens covers the run. Every response is recorded in RES_OUT/<thread>.txt as
-- "<status> <listing id | error code>", so the scenario can check afterwards that
-- every 201 is in the table and every failure was 503 UNAVAILABLE.
local here = debug.getinfo(1, "S").source:match("^@(.*/)")
local common = dofile(here .. "../../bench/lua/common.lua")

function init(args)
   tokens = common.tokens(os.getenv("RES_TOKENS"), tonumber(os.getenv("RES_WRK_THREADS")), tid)
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
   return common.post(tk, ua, body)
end

function response(status, headers, body)
   local what = body:match('"id":(%d+)') or body:match('"code":"([%u_]+)"') or "-"
   out:write(status .. " " .. what .. "\n")
   out:flush()
end
