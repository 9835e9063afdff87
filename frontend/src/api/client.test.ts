// The client against a real HTTP server on a local port: real fetch, real headers,
// real status codes. The server only replays recorded API responses and records
// what the client sent.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createApiClient, type ApiClient } from "./client";
import { ApiError } from "./errors";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

let server: Server;
let api: ApiClient;
let baseUrl: string;
let requests: Recorded[] = [];
let reply: Reply = { status: 500 };

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(value),
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = createApiClient({ baseUrl });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests = [];
});

async function caught(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

const challengeJson = {
  challenge: "AAECAwQFBgcICQoLDA0ODw",
  difficulty: 10.5,
  subpuzzles: 16,
  threshold: "0016a09e667f3bcc",
  expires_at: 1_900_000_000,
  token: "v1.abc",
};

describe("getChallenge", () => {
  it("decodes a challenge and estimates the clock offset from Date", async () => {
    const serverDate = new Date(Date.now() + 3_600_000).toUTCString();
    reply = json(200, challengeJson, { "Cache-Control": "no-store", Date: serverDate });
    const got = await api.getChallenge();
    // A server without `algorithm` (before issue 21) means sha256.
    expect(got?.challenge).toEqual({ ...challengeJson, algorithm: "sha256" });
    expect(requests[0]?.url).toBe("/api/pow/challenge");
    // One hour ahead, within the Date header's one-second resolution.
    expect(Math.abs((got?.clockOffsetMs ?? 0) - 3_600_000)).toBeLessThan(1500);
  });

  it("returns null on 204 (proof of work disabled)", async () => {
    reply = { status: 204 };
    expect(await api.getChallenge()).toBeNull();
  });

  it("decodes the difficulty breakdown and the write budget when the server sends them", async () => {
    const explained = {
      ...challengeJson,
      breakdown: { base: 10, client: 0.5, country: 0, surge: 0 },
      recent_posts: 1,
      recent_window_secs: 3600,
      write_budget: { limit: 5, remaining: 0, retry_after_secs: 42 },
    };
    reply = json(200, explained);
    expect((await api.getChallenge())?.challenge).toEqual({ ...explained, algorithm: "sha256" });
    reply = json(200, { ...challengeJson, write_budget: null });
    expect((await api.getChallenge())?.challenge.write_budget).toBeNull();
  });

  it("leaves out a malformed explanation instead of refusing a solvable challenge", async () => {
    reply = json(200, { ...challengeJson, breakdown: { base: "x" }, write_budget: 3 });
    const got = await api.getChallenge();
    expect(got?.challenge).toEqual({ ...challengeJson, algorithm: "sha256" });
  });

  it("keeps the challenge's algorithm, so the solver runs that puzzle", async () => {
    reply = json(200, { ...challengeJson, algorithm: "equix" });
    expect((await api.getChallenge())?.challenge.algorithm).toBe("equix");
    reply = json(200, { ...challengeJson, algorithm: "sha256" });
    expect((await api.getChallenge())?.challenge.algorithm).toBe("sha256");
  });

  it("rejects an algorithm it cannot solve as BAD_RESPONSE", async () => {
    reply = json(200, { ...challengeJson, algorithm: "hashwx" });
    expect((await caught(api.getChallenge())).code).toBe("BAD_RESPONSE");
    reply = json(200, { ...challengeJson, algorithm: 7 });
    expect((await caught(api.getChallenge())).code).toBe("BAD_RESPONSE");
  });

  it("rejects a malformed threshold as BAD_RESPONSE", async () => {
    reply = json(200, { ...challengeJson, threshold: "XYZ" });
    const e = await caught(api.getChallenge());
    expect(e.code).toBe("BAD_RESPONSE");
  });
});

describe("postListing", () => {
  const listing = { id: 7, body: "hi", created_at: "2026-01-01T00:00:00Z", country: "de" };

  it("sends the body as JSON and the proof as X-PoW-* headers", async () => {
    reply = json(201, listing);
    const got = await api.postListing("hi", { challenge: "c", token: "t", nonces: ["1", "22"] });
    expect(got).toEqual({ ...listing, country: "DE" });
    const r = requests[0];
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe("/api/listings");
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers["x-pow-challenge"]).toBe("c");
    expect(r?.headers["x-pow-token"]).toBe("t");
    expect(r?.headers["x-pow-nonce"]).toBe("1,22");
    expect(JSON.parse(r?.body ?? "")).toEqual({ body: "hi" });
  });

  it("omits the PoW headers when there is no proof", async () => {
    reply = json(201, { ...listing, country: null });
    const got = await api.postListing("hi", null);
    expect(got.country).toBeNull();
    expect(requests[0]?.headers["x-pow-nonce"]).toBeUndefined();
  });

  it("maps 429 with Retry-After to RATE_LIMITED with seconds", async () => {
    reply = json(
      429,
      { error: { code: "RATE_LIMITED", message: "slow down" } },
      { "Retry-After": "17" },
    );
    const e = await caught(api.postListing("hi", null));
    expect(e).toMatchObject({ code: "RATE_LIMITED", status: 429, retryAfterSeconds: 17 });
    expect(e.message).toBe("slow down");
  });

  it.each([
    [400, "INVALID_INPUT"],
    [400, "POW_REQUIRED"],
    [403, "POW_INVALID"],
    [403, "POW_EXPIRED"],
    [409, "POW_REPLAYED"],
    [413, "PAYLOAD_TOO_LARGE"],
    [415, "UNSUPPORTED_MEDIA_TYPE"],
    [503, "UNAVAILABLE"],
    [500, "INTERNAL"],
  ])("keeps the server's code for %i %s", async (status, code) => {
    reply = json(status, { error: { code, message: "m" } });
    const e = await caught(api.postListing("hi", null));
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.retryAfterSeconds).toBeNull();
  });

  it("falls back to the status when the body is not the error shape", async () => {
    reply = { status: 502, headers: { "Content-Type": "text/html" }, body: "<h1>Bad gateway</h1>" };
    expect((await caught(api.postListing("hi", null))).code).toBe("UNAVAILABLE");
  });
});

describe("listListings", () => {
  const page = {
    items: [
      {
        id: 2,
        body: "a bike",
        created_at: "2026-01-01T00:00:00Z",
        country: null,
        highlights: [[2, 6]],
      },
    ],
    next_cursor: "opaque",
  };

  it("sends only the parameters that are set", async () => {
    reply = json(200, page);
    expect(await api.listListings({})).toEqual(page);
    expect(requests[0]?.url).toBe("/api/listings");
    await api.listListings({ q: "ab cd", cursor: "x/y", limit: 5, country: "FR" });
    expect(requests[1]?.url).toBe("/api/listings?q=ab+cd&cursor=x%2Fy&limit=5&country=FR");
  });

  it("treats a blank query as no query", async () => {
    reply = json(200, page);
    await api.listListings({ q: "   " });
    expect(requests[0]?.url).toBe("/api/listings");
  });

  it("turns a wrong item shape into BAD_RESPONSE", async () => {
    reply = json(200, { items: [{ id: "x" }], next_cursor: null });
    expect((await caught(api.listListings({}))).code).toBe("BAD_RESPONSE");
  });

  it("refuses highlight spans outside the body or out of order", async () => {
    for (const highlights of [[[2, 7]], [[3, 2]], [[-1, 1]], [[1]], "x", undefined]) {
      const item = { ...page.items[0], highlights };
      reply = json(200, { items: [item], next_cursor: null });
      expect((await caught(api.listListings({}))).code).toBe("BAD_RESPONSE");
    }
  });

  it("rethrows aborts untouched", async () => {
    reply = json(200, page);
    const ac = new AbortController();
    ac.abort();
    await expect(api.listListings({}, ac.signal)).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("count and stats", () => {
  it("reads the count", async () => {
    reply = json(200, { count: 41 });
    expect(await api.countListings()).toBe(41);
    expect(requests[0]?.url).toBe("/api/listings/count");
  });

  it("reads the country stats, unknown country included", async () => {
    reply = json(200, [
      { country: "se", count: 3 },
      { country: null, count: 1 },
    ]);
    expect(await api.countryStats()).toEqual([
      { country: "SE", count: 3 },
      { country: null, count: 1 },
    ]);
    expect(requests[0]?.url).toBe("/api/stats/countries");
  });
});

describe("network failure", () => {
  it("is a NETWORK error with status 0", async () => {
    const dead = createApiClient({ baseUrl: "http://127.0.0.1:9" });
    const e = await caught(dead.countListings());
    expect(e).toMatchObject({ code: "NETWORK", status: 0 });
  });
});
