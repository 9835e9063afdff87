-- wrk script for POST /api/listings with pre-solved proofs of work.
-- The tokens file (env BENCH_TOKENS) holds one "challenge token nonces" line per
-- solved challenge; thread i of n takes lines i, i+n, i+2n, ... so no token is sent
-- twice. A thread that runs out of tokens stops (and the summary says so).
-- The User-Agent must be the one the challenges were fetched with (tokens are bound
-- to the client key and the User-Agent).
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   tokens = common.tokens(os.getenv("BENCH_TOKENS"), tonumber(os.getenv("BENCH_WRK_THREADS") or "1"), tid)
   pos = 0
   sent, created, other, exhausted = 0, 0, 0, 0
   ua = os.getenv("BENCH_UA")
end

function request()
   pos = pos + 1
   local tk = tokens[pos]
   if tk == nil then
      exhausted = 1
      wrk.thread:stop()
      tk = tokens[#tokens]
   end
   sent = sent + 1
   local body = string.format('{"body":"Selling a red bicycle, barely used, pickup downtown #%d-%d"}', tid, pos)
   return common.post(tk, ua, body)
end

function response(status, headers, body)
   if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
   local c, o, e = 0, 0, 0
   for _, t in ipairs(common.threads) do
      c = c + t:get("created")
      o = o + t:get("other")
      e = e + t:get("exhausted")
   end
   io.write(string.format(
      'WRKJSON {"created":%d,"other":%d,"exhausted_threads":%d,"duration_us":%d,"requests":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d}\n',
      c, o, e, summary.duration, summary.requests, latency:percentile(50), latency:percentile(99),
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
