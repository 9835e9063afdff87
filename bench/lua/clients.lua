-- wrk script: each thread is another client (X-Forwarded-For 10.0.0.<thread>, believed
-- because the server trusts 127.0.0.1 as a proxy), so that a load above one client's
-- read budget (RATE_READ_MAX is at most 65535 per second) is not refused. The header is
-- set once in init(): wrk still builds its request once per thread, no Lua per request.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   wrk.headers["X-Forwarded-For"] = "10.0.0." .. (tid + 1)
end
