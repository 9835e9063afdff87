"""Schemathesis hooks for powboard (loaded with SCHEMATHESIS_HOOKS=hooks).

- With PoW on (POWBOARD_POW=1), each POST /api/listings whose X-PoW-* headers are not
  the part a negative case breaks gets a freshly solved challenge: fetched as the same
  client (127.0.0.1, the User-Agent below) and solved by `powboard pow solve`.
- A custom check: a request valid by the description is refused only for what the
  description cannot say (the Unicode text rules of `body` and `q`, the opaque
  cursor), never for its proof of work.
"""
import json
import os
import subprocess
import urllib.request

import schemathesis
from schemathesis.core.failures import Failure

BIN = os.environ.get("POWBOARD_BIN", "target/release/powboard")
POW_ON = os.environ.get("POWBOARD_POW") == "1"
# The token is bound to the User-Agent: the challenge and the POST must carry the same one.
UA = "powboard-schemathesis"
POW_HEADERS = ("X-PoW-Challenge", "X-PoW-Token", "X-PoW-Nonce")


def _negated_headers(case):
    meta = case._meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    from schemathesis.generation.meta import negated_parameters

    return any(str(location).lower().endswith("header") for _, location in negated_parameters(meta))


def _solved(base_url):
    req = urllib.request.Request(f"{base_url}/api/pow/challenge", headers={"User-Agent": UA})
    with urllib.request.urlopen(req, timeout=10) as res:
        if res.status != 200:
            raise RuntimeError(f"challenge: HTTP {res.status}")
        challenge = res.read().decode()
    out = subprocess.run([BIN, "pow", "solve", "--threads", "1", challenge], check=True, capture_output=True,
                         text=True, timeout=60)
    ch = json.loads(challenge)
    return {"X-PoW-Challenge": ch["challenge"], "X-PoW-Token": ch["token"], "X-PoW-Nonce": out.stdout.strip()}


@schemathesis.hook
def before_call(context, case, kwargs):
    case.headers = dict(case.headers or {})
    case.headers["User-Agent"] = UA
    if case.operation.method.upper() != "POST" or case.operation.path != "/api/listings":
        return
    if not POW_ON:
        # With PoW off the server ignores the X-PoW-* headers whatever they hold, so a
        # malformed one is no refusal to expect: the PoW-on run tests them.
        for name in POW_HEADERS:
            case.headers.pop(name, None)
        return
    if _negated_headers(case):
        return
    base_url = os.environ["POWBOARD_BASE_URL"]
    case.headers.update(_solved(base_url))


class RefusedForPow(Failure):
    def __init__(self, operation, message):
        super().__init__(operation=operation, title="Valid request refused for its proof of work",
                         message=message, code="refused_for_pow")

    @property
    def _unique_key(self):
        return self.message


@schemathesis.check
def valid_requests_refused_only_for_text(ctx, response, case):
    """Positive cases on the two operations allowed a 400 (see schemathesis.toml): the
    400 must be INVALID_INPUT, and a POST must never be refused for its PoW."""
    meta = case._meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code in (400, 403, 409) and case.operation.path == "/api/listings":
        try:
            code = response.json()["error"]["code"]
        except Exception:
            code = None
        # A positive GET carries no PoW; a positive POST got a freshly solved one from
        # before_call (on every call, so never a replay).
        if code != "INVALID_INPUT":
            raise RefusedForPow(case.operation.label,
                                f"HTTP {response.status_code} {code}: {response.text[:300]}")
    return None
