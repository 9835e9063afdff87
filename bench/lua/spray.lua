-- wrk script: every request comes from a different client address (X-Forwarded-For,
-- believed because the server trusts 127.0.0.1 as a proxy), BENCH_SPRAY_KEYS in all,
-- taken sequentially from 10.0.0.0/8 and split between the threads. A thread stops
-- when its share is sent and leaves a file in BENCH_DONE_DIR; wrk itself would run
-- for its whole -d, so the driver sends it SIGINT (wrk then reports) once all are done.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   local n = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
   local keys = tonumber(os.getenv("BENCH_SPRAY_KEYS"))
   first = math.floor(keys * tid / n)
   last = math.floor(keys * (tid + 1) / n) - 1
   cur = first - 1
   ok, refused, other = 0, 0, 0
end

function request()
   cur = cur + 1
   if cur > last then
      local f = io.open(os.getenv("BENCH_DONE_DIR") .. "/done-" .. tid, "w")
      f:write("done\n")
      f:close()
      wrk.thread:stop()
   end
   local a = 10 * 16777216 + cur
   local xff = string.format("%d.%d.%d.%d", 10, math.floor(a / 65536) % 256, math.floor(a / 256) % 256, a % 256)
   return wrk.format("GET", "/api/listings/count", { ["X-Forwarded-For"] = xff })
end

function response(status, headers, body)
   if status == 200 then ok = ok + 1 elseif status == 429 then refused = refused + 1 else other = other + 1 end
end

function done(summary, latency, requests)
   local o, r, x = 0, 0, 0
   for _, t in ipairs(common.threads) do
      o = o + t:get("ok"); r = r + t:get("refused"); x = x + t:get("other")
   end
   io.write(string.format('WRKJSON {"ok":%d,"refused":%d,"other":%d,"duration_us":%d,"requests":%d,"socket_errors":%d}\n',
      o, r, x, summary.duration, summary.requests,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
