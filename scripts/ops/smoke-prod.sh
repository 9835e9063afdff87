#!/usr/bin/env bash
# The production topology without Docker: Debian's caddy running the project's
# caddy/Caddyfile in front of the release binary (APP_ENV=prod, generated secrets,
# TRUSTED_PROXIES=127.0.0.1/32) and a fresh database. Everything goes through Caddy
# on 127.0.0.1 as a browser or a bot would send it, then the app's records are read
# back from PostgreSQL. Needs target/release/powboard and frontend/dist.
set -euo pipefail
TEST_NAME=smoke-prod
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin
command -v caddy >/dev/null || die "caddy is not installed (Debian: apt-get install caddy)"
[ -f "$ROOT/frontend/dist/index.html" ] || die "frontend/dist is missing: run 'make frontend-build' first"

work=$(mktemp -d)
db=$(fresh_db ops_smoke)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    drop_db "$db"; rm -rf "$work"
}
trap cleanup EXIT

app_port=$(free_port)
caddy_port=$(free_port)
metrics_port=$(free_port)
base=http://127.0.0.1:$caddy_port
UA="powboard-smoke/1"
# A clean environment, so nothing from the caller's shell (secrets, RUST_LOG) leaks in.
app_env=(env -i "PATH=$PATH" "HOME=$work" APP_ENV=prod "DATABASE_URL=$db"
    "LISTEN_ADDR=127.0.0.1:$app_port" "WEB_DIR=$ROOT/frontend/dist" RUST_LOG=warn)
secrets=("POW_SECRET_KEY=$(openssl rand -base64 32)" "IP_HASH_SALT=$(openssl rand -base64 32)")

# ---------------------------------------------------------------- secrets refusal
# refuses NAME ENV...: the prod server must exit non-zero on its own (not by the
# timeout) and name the offending variable.
refuses() {
    local name=$1 rc=0; shift
    timeout 30 "${app_env[@]}" "$@" "$POWBOARD_BIN" serve >"$work/refusal.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
        say "exit status $rc (expected a refusal)"; return 1
    fi
    grep -q "$name" "$work/refusal.log" || { say "no mention of $name in: $(cat "$work/refusal.log")"; return 1; }
}
example() { sed -n "s/^$1=//p" "$ROOT/.secrets.example"; }
check "prod refuses a missing POW_SECRET_KEY" refuses POW_SECRET_KEY "${secrets[1]}"
check "prod refuses a missing IP_HASH_SALT" refuses IP_HASH_SALT "${secrets[0]}"
check "prod refuses POW_SECRET_KEY copied from .secrets.example" \
    refuses POW_SECRET_KEY "POW_SECRET_KEY=$(example POW_SECRET_KEY)" "${secrets[1]}"
check "prod refuses IP_HASH_SALT copied from .secrets.example" \
    refuses IP_HASH_SALT "${secrets[0]}" "IP_HASH_SALT=$(example IP_HASH_SALT)"

# ---------------------------------------------------------------- start app + caddy
"${app_env[@]}" "${secrets[@]}" TRUSTED_PROXIES=127.0.0.1/32 METRICS_ADDR="127.0.0.1:$metrics_port" \
    POW_DIFFICULTY=8 POW_ADAPTIVE_STEP=0 RATE_WRITE_MAX=3 RATE_WRITE_WINDOW_SECS=600 \
    "$POWBOARD_BIN" serve >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")
wait_http "http://127.0.0.1:$app_port/readyz" 60 || { cat "$work/app.log" >&2; die "the app did not become ready"; }

env -i "PATH=$PATH" "HOME=$work" "XDG_DATA_HOME=$work/caddy" "XDG_CONFIG_HOME=$work/caddy" \
    "SITE_ADDRESS=http://127.0.0.1:$caddy_port" "APP_UPSTREAM=127.0.0.1:$app_port" CADDY_ADMIN=off \
    caddy run --config "$ROOT/caddy/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=("$!")
wait_http "$base/healthz" 30 || { cat "$work/caddy.log" >&2; die "caddy did not answer"; }
say "app on :$app_port behind caddy on :$caddy_port"

# ---------------------------------------------------------------- the SPA, compressed
# get NAME URL [CURL ARGS...]: headers to $work/NAME.h, raw body to $work/NAME.b
get() {
    local name=$1 url=$2; shift 2
    curl -sS --max-time 10 -A "$UA" -D "$work/$name.h" -o "$work/$name.b" "$@" "$url"
}
header() { grep -i "^$2:" "$work/$1.h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }

get index "$base/"
asset=$(grep -oE '/assets/[^"]+\.js' "$work/index.b" | head -1)
[ -n "$asset" ] || die "no script in index.html"
get asset-gzip "$base$asset" -H 'Accept-Encoding: gzip'
get asset-zstd "$base$asset" -H 'Accept-Encoding: zstd'
check "the SPA's script arrives gzip-compressed" test "$(header asset-gzip content-encoding)" = gzip
check "... and decompresses to the built file" cmp -s <(gzip -dc "$work/asset-gzip.b") "$ROOT/frontend/dist$asset"
check "the SPA's script arrives zstd-compressed" test "$(header asset-zstd content-encoding)" = zstd
check "... and decompresses to the built file" cmp -s <(zstd -qdc "$work/asset-zstd.b") "$ROOT/frontend/dist$asset"
get index-gzip "$base/" -H 'Accept-Encoding: gzip'
check "index.html is the built one" cmp -s <(if [ "$(header index-gzip content-encoding)" = gzip ]; then
    gzip -dc "$work/index-gzip.b"; else cat "$work/index-gzip.b"; fi) "$ROOT/frontend/dist/index.html"

get api "$base/api/listings/count"
for page in index api; do
    csp=$(header $page content-security-policy)
    check "$page: CSP lets the PoW workers run (worker-src 'self' blob:)" grep -q "worker-src 'self' blob:" <<<"$csp"
    check "$page: CSP allows WebAssembly ('wasm-unsafe-eval')" grep -q "'wasm-unsafe-eval'" <<<"$csp"
    check "$page: CSP forbids framing (frame-ancestors 'none')" grep -q "frame-ancestors 'none'" <<<"$csp"
    check "$page: only one CSP header" test "$(grep -ci '^content-security-policy:' "$work/$page.h")" = 1
    check "$page: X-Content-Type-Options nosniff" test "$(header $page x-content-type-options)" = nosniff
    check "$page: Referrer-Policy set" test -n "$(header $page referrer-policy)"
done

# ---------------------------------------------------------------- posting and searching
# post TARGET TEXT [CURL ARGS...]: fetch a challenge, solve it natively, post the
# listing with the same client headers; prints the HTTP status, body in $work/post.b
post() {
    local target=$1 text=$2; shift 2
    curl -sS --max-time 10 -A "$UA" "$@" "$target/api/pow/challenge" >"$work/challenge.json"
    "$POWBOARD_BIN" pow solve --headers <"$work/challenge.json" >"$work/pow.h"
    curl -sS --max-time 10 -A "$UA" "$@" -H @"$work/pow.h" -H 'Content-Type: application/json' \
        --data "$(python3 -c 'import json,sys; print(json.dumps({"body": sys.argv[1]}))' "$text")" \
        -D "$work/post.h" -o "$work/post.b" -w '%{http_code}' "$target/api/listings"
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

word="smoke$RANDOM$RANDOM"
# The real UI in Chromium, under the Caddyfile's CSP (the 1st of 3 allowed posts).
if [ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] && [ -d "$ROOT/frontend/node_modules/playwright-core" ]; then
    node "$ROOT/scripts/ops/smoke-browser.mjs" "$base" "b$word" >"$work/browser.out" 2>&1 || true
    tally "$work/browser.out"
    browser_posts=1
else
    say "note: Chromium or frontend/node_modules missing: the browser check is skipped"
    browser_posts=0
fi
check "a listing posted through Caddy with a solved PoW is created (201)" test "$(post "$base" "hello from $word")" = 201
first_id=$(json "$work/post.b" 'd["id"]')
get search "$base/api/listings?q=$word"
check "searching through Caddy finds it" test "$(json "$work/search.b" '[i["id"] for i in d["items"]]')" = "[$first_id]"
get prefix "$base/api/listings?q=${word:0:8}"
check "a prefix of the word finds it too" grep -q "\"id\":$first_id\b" "$work/prefix.b"

# ---------------------------------------------------------------- forged X-Forwarded-For
# RATE_WRITE_MAX=3: the browser's and one plain post are in; then forged, distinct
# addresses. If the forged header chose the client, each would get a fresh budget.
[ "$browser_posts" = 1 ] ||
    check "a second plain post is created" test "$(post "$base" "plain two $word")" = 201
check "a post with a forged X-Forwarded-For is created (the 3rd of 3 allowed)" \
    test "$(post "$base" "forged one $word" -H 'X-Forwarded-For: 203.0.113.9')" = 201
check "a 4th post, forged from another address, is still rate limited (429)" \
    test "$(post "$base" "forged two $word" -H 'X-Forwarded-For: 203.0.113.10')" = 429
check "... with RATE_LIMITED" test "$(json "$work/post.b" 'd["error"]["code"]')" = RATE_LIMITED
check "... and a Retry-After" test -n "$(header post retry-after)"
check "browser, plain and forged posts were recorded under one client hash" \
    test "$(sql "$db" "SELECT count(*) || ' ' || count(DISTINCT ip_hash) FROM listings")" = "3 1"
check "no address is stored, only the 32-byte hash" \
    test "$(sql "$db" "SELECT count(*) FROM listings WHERE octet_length(ip_hash) <> 32")" = 0

# Control: straight to the app, 127.0.0.1 is a trusted proxy, so the app believes
# the header. This shows the check above could fail: only Caddy's replacement of
# the client's X-Forwarded-For kept the forged posts on the real address.
check "control: a trusted hop's X-Forwarded-For does pick the client (201)" \
    test "$(post "http://127.0.0.1:$app_port" "control $word" -H 'X-Forwarded-For: 198.51.100.7')" = 201
check "control: ... recorded under a second client hash" \
    test "$(sql "$db" "SELECT count(DISTINCT ip_hash) FROM listings")" = 2
get count "$base/api/listings/count"
check "the count through Caddy sees all four" test "$(json "$work/count.b" 'd["count"]')" = 4

# ---------------------------------------------------------------- metrics stay private
get metrics "http://127.0.0.1:$metrics_port/metrics"
check "the metrics listener serves the exposition" grep -q '^powboard_listings_created_total 4$' "$work/metrics.b"
for path in /metrics /api/metrics; do
    get "caddy$(tr / _ <<<"$path")" "$base$path"
    # shellcheck disable=SC2016 # $1 expands in the inner bash, on purpose
    check "Caddy does not serve metrics at $path" \
        bash -c '! grep -q "powboard_\|# TYPE" "$1"' _ "$work/caddy$(tr / _ <<<"$path").b"
done

# ---------------------------------------------------------------- shutdown
stopped() {
    local rc=0 deadline=$((SECONDS + 15))
    kill -TERM "$app_pid"
    while kill -0 "$app_pid" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { say "still running 15 s after SIGTERM"; return 1; }
        sleep 0.2
    done
    wait "$app_pid" || rc=$?
    [ "$rc" = 0 ] || { say "exit status $rc after SIGTERM"; return 1; }
}
check "the server exits cleanly on SIGTERM (docker stop)" stopped

summary
