import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "../src/http/errors";
import { base64url, mint, send, signWithTestSecret } from "./access-helpers";
import { TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET } from "./constants";
import { uniqueNamespace } from "./helpers";
import { storedObjectKeys } from "./store-listing";

/**
 * Hardening: over a thousand generated requests (methods, paths, percent-encodings with invalid
 * UTF-8 and hidden `..`, header values, ttls, bodies, tokens) against the Worker and the real store.
 * Every run uses a new seed, printed first; `FUZZ_SEED=<seed> npx vitest run test/fuzz.test.ts`
 * replays it, and every failure names the seed and the request.
 */

const REQUESTS = 1200;
const ALLOWED_ORIGIN = "https://app.example.com";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Printable ASCII (what a header value may hold; bodies get raw bytes separately). */
  text(max: number): string {
    let out = "";
    const length = this.int(max + 1);
    for (let i = 0; i < length; i++) out += String.fromCharCode(0x20 + this.int(0x5f));
    return out;
  }
}

/** Pieces of keys a client would use. */
const CLEAN_PIECES = ["ok/", "a", "b/", "c", "%2F", "%20", "%C3%A9", "é", "+", "~", "x-1", "%F0%9F%98%80"];
/** Pieces meant to break parsing or escape a prefix. */
const HOSTILE_PIECES = [
  "ok/", "ok", "ok%2F", "a", "b", "user", "/", "%2F", "%2f", "..", ".", "%2e%2e", "%2E%2E", "%2e", ".%2e", "%252F", "%252e%252e",
  "%", "%z", "%zz", "%C3%A9", "%C3", "%C3%28", "%FF", "%FE%FF", "%ED%A0%80", "%F0%9F%98%80", "%F0%9F%98", "%00", "%0A", "%1F", "%7F",
  "%20", "+", " ", "é", "😀", "\\", "%5C", "%3F", "%23", "~", "'", "(", ")", "*", "!", "%25", "x".repeat(300), "ok/../", "ok/%2e%2e/",
];
const TTLS = ["", "0", "1", "60", "-1", "1.5", "1e3", "abc", "31536000", "31536001", "99999999999999999999", "%00", "0x10", " 5"];
const ETAGS = ["*", '"x"', 'W/"x"', '"a", "b"', "garbage", '"', "", '*, "x"'];
const CONTENT_TYPES = ["text/plain", "application/json", "x", "text/plain; charset=utf-8", "a/b/c", "", "multipart/form-data; boundary=x"];

interface Principal {
  label: string;
  authorization: string | null;
}

interface FuzzRequest {
  method: string;
  path: string;
  namespace: string;
  principal: Principal;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

function describeRequest(r: FuzzRequest): string {
  const headers = { ...r.headers };
  if (headers.authorization) headers.authorization = `<${r.principal.label}>`;
  return `${r.method} ${r.path} as ${r.principal.label} ${JSON.stringify(headers)} body=${r.body === null ? "none" : `${r.body.byteLength}B`}`;
}

describe("fuzz", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(`answers ${REQUESTS} generated requests with no 500, always in API.md's error shape, writing nothing it refused`, { timeout: 300_000 }, async () => {
    const given = String((env as unknown as Record<string, unknown>).FUZZ_SEED ?? "");
    const seed = /^\d+$/.test(given) ? Number(given) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
    console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run test/fuzz.test.ts)`);
    const g = new Gen(prng(seed));

    const target = uniqueNamespace("fz-t"); // the prefixed token may write here, under "ok/" only
    const adminNs = uniqueNamespace("fz-w"); // the admin's playground
    const publicNs = uniqueNamespace("fz-p"); // PUBLIC_READ_NAMESPACES: anyone reads, nobody writes
    const otherNs = uniqueNamespace("fz-o"); // no token grants it
    const neverNs = uniqueNamespace("fz-n"); // one token grants writes here; no request goes there
    const bindings = { PUBLIC_READ_NAMESPACES: publicNs, ALLOWED_ORIGINS: ALLOWED_ORIGIN };
    const exp = Math.floor(Date.now() / 1000) + 600;

    const prefixed = await mint({ namespaces: [target], prefix: "ok/", scopes: ["read", "write", "flush"], ttl: 600 });
    const readOnly = await mint({ namespaces: [target, publicNs, otherNs], scopes: ["read"], ttl: 600 });
    const elsewhere = await mint({ namespaces: [neverNs], scopes: ["read", "write", "flush"], ttl: 600 });
    const [h, p, s] = prefixed.split(".") as [string, string, string];
    const widened = base64url(JSON.stringify({ iss: "cloudcached", namespaces: ["*"], scopes: ["read", "write", "flush"], exp }));
    const forged: Record<string, string> = {
      tampered: `${h}.${widened}.${s}`,
      "bad signature": `${h}.${p}.${s.slice(0, -3)}abc`,
      "alg none": `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${widened}.`,
      hs512: await signWithTestSecret({ iss: "cloudcached", namespaces: ["*"], scopes: ["write"], exp }, "HS512"),
      expired: await signWithTestSecret({ iss: "cloudcached", namespaces: ["*"], scopes: ["read", "write", "flush"], exp: exp - 1200 }),
      "other secret": await sign({ iss: "cloudcached", namespaces: ["*"], scopes: ["read", "write", "flush"], exp }, "another-secret-0123456789abcdef0123", "HS256"),
    };
    const secrets = [TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET, prefixed, readOnly, elsewhere, ...Object.values(forged)];
    const fixed: Principal[] = [
      { label: "admin", authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      { label: "prefixed", authorization: `Bearer ${prefixed}` },
      { label: "prefixed", authorization: `Bearer ${prefixed}` },
      { label: "read-only", authorization: `Bearer ${readOnly}` },
      { label: "elsewhere", authorization: `Bearer ${elsewhere}` },
      { label: "none", authorization: null },
      { label: "none", authorization: null },
      ...Object.entries(forged).map(([label, token]) => ({ label, authorization: `Bearer ${token}` })),
      { label: "basic", authorization: "Basic YWRtaW46YWRtaW4=" },
      { label: "bearer alone", authorization: "Bearer" },
      { label: "admin", authorization: `bearer ${TEST_ADMIN_TOKEN}` }, // the scheme is case-insensitive
    ];
    const badNamespaces = ["", "UP", "-x", "a".repeat(65), "%2e%2e", "..", "a%2Fb", "sp ace", "é", "tokens"];

    function generate(): FuzzRequest {
      // About a third of the requests are well-formed (so writes land and reads find items); the rest are hostile.
      const tidy = g.chance(0.35);
      const method = g.pick(["GET", "GET", "HEAD", "PUT", "PUT", "PUT", "POST", "POST", "DELETE", "DELETE", "OPTIONS", "PATCH"]);
      let principal = tidy ? g.pick(fixed.slice(0, 4)) : g.chance(0.4) ? g.pick(fixed.slice(0, 5)) : g.pick(fixed);
      if (g.chance(0.05)) principal = { label: "garbage", authorization: g.pick(["Bearer ", "", "Token "]) + g.text(40) };
      let namespace = principal.label === "admin" ? adminNs : g.pick([target, target, target, target, publicNs, otherNs, adminNs]);
      if (!tidy && g.chance(0.07)) namespace = g.pick(badNamespaces);
      let key = "";
      const pieces = 1 + g.int(6);
      const hostile = !tidy && g.chance(0.6);
      for (let i = 0; i < pieces; i++) key += g.pick(hostile ? [...HOSTILE_PIECES, ...CLEAN_PIECES] : CLEAN_PIECES);
      if (principal.label === "prefixed" && tidy) namespace = target;
      if (principal.label === "prefixed" && (tidy || g.chance(0.4))) key = `ok/${key}`;
      const query = new URLSearchParams();
      if (g.chance(0.4)) query.set("ttl", tidy ? g.pick(["0", "60", "3600"]) : g.pick(TTLS));
      if (method === "POST" || (!tidy && g.chance(0.05))) query.set("op", g.pick(tidy ? ["touch", "incr", "decr"] : ["touch", "incr", "decr", "set", "", "INCR"]));
      if (g.chance(0.2)) query.set("by", g.pick(tidy ? ["1", "0", "7"] : ["1", "0", "-1", "9007199254740992", "x", "1.5"]));
      if (g.chance(0.3)) query.set("initial", g.pick(tidy ? ["0", "5", "-5"] : ["0", "5", "-5", "9007199254740992", "abc"]));
      const search = query.size > 0 ? `?${query.toString().replace(/%25/g, g.chance(0.3) ? "%" : "%25")}` : "";
      const shape = tidy ? 0 : g.int(20);
      const path =
        shape < 16
          ? `/v1/${namespace}/items/${key}${search}`
          : g.pick([`/v1/tokens${search}`, `/v1/${namespace}/batch`, `/v1/${namespace}/flush`, `/v1/${namespace}/keys?prefix=${key}`, `/v1/${namespace}`, `/v1/${namespace}/items/`, "/", "/v1", `//v1/${namespace}/items/${key}`]);

      const headers: Record<string, string> = {};
      if (principal.authorization !== null) headers.authorization = principal.authorization;
      if (g.chance(0.3)) headers.origin = g.pick([ALLOWED_ORIGIN, "https://evil.example.com", "null", "http://app.example.com"]);
      if (g.chance(tidy ? 0.05 : 0.2)) headers["if-match"] = g.pick(tidy ? ["*"] : ETAGS);
      if (g.chance(tidy ? 0.05 : 0.2)) headers["if-none-match"] = g.pick(tidy ? ["*"] : ETAGS);
      if (g.chance(0.3)) headers["content-type"] = g.pick(tidy ? ["text/plain", "application/json"] : CONTENT_TYPES);
      if (g.chance(0.2)) headers["cache-control"] = g.pick(tidy ? ["no-cache"] : ["no-cache", "no-store", "max-age=0", g.text(10)]);
      if (method === "OPTIONS" && g.chance(0.7)) headers["access-control-request-method"] = g.pick(["PUT", "GET", "DELETE", "PATCH"]);
      if (g.chance(0.1)) headers[g.pick(["x-forwarded-for", "x-cache", "etag", "x-expires-at"])] = g.text(20);

      let body: Uint8Array | null = null;
      if ((method === "PUT" || method === "POST" || method === "PATCH") && g.chance(0.85)) {
        const kind = g.int(5);
        const text =
          kind === 0
            ? String(g.int(2000) - 1000)
            : kind === 1
              ? JSON.stringify({ namespaces: g.pick([["*"], [target], "x", []]), scopes: g.pick([["read"], ["write", "flush"], ["root"]]), ttl: g.pick([60, 0, -1, 1e12]), prefix: g.pick(["ok/", "../", "", 5]) })
              : kind === 2
                ? JSON.stringify({ set: [{ key: `k${g.int(5)}`, value: "v" }], delete: [`ok/${g.int(5)}`], get: ["a"] })
                : g.text(kind === 3 ? 20 : 3000);
        body = new TextEncoder().encode(text);
        if (!tidy && g.chance(0.1)) body = Uint8Array.from({ length: g.int(64) }, () => g.int(256));
        if (tidy || g.chance(0.9)) headers["content-length"] = String(body.byteLength);
      }
      return { method, path, namespace, principal, headers, body };
    }

    // The listing is a real observer: an item the admin wrote shows up in it.
    const control = uniqueNamespace("fz-c");
    const put = await send(`/v1/${control}/items/ctl/x`, { method: "PUT", headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-length": "1" }, body: "v" });
    expect(put.status).toBe(200);
    expect((await storedObjectKeys(control)).map((key) => key.slice(key.indexOf("/") + 1))).toEqual(["ctl/x"]);

    const logged: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(" "));
      });
    }

    const statuses = new Map<number, number>();
    let sent = 0;
    let acceptedTargetWrites = 0;
    const failures: string[] = [];
    while (sent < REQUESTS) {
      const request = generate();
      try {
        new Request(`http://x${request.path}`, { method: request.method, headers: request.headers });
      } catch {
        continue; // not a request a client could send (the generator may make a few); not counted
      }
      const response = await send(request.path, { method: request.method, headers: request.headers, body: request.body }, bindings);
      sent += 1;
      const what = `seed ${seed}, request ${sent}: ${describeRequest(request)}`;
      const text = request.method === "HEAD" ? "" : await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const fail = (message: string) => failures.push(`${what} → ${response.status}: ${message} ${text.slice(0, 200)}`);

      if (response.status >= 500) fail("a 5xx");
      if (![200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 411, 412, 413].includes(response.status)) fail("a status API.md does not use");
      if (response.status >= 400) {
        if (!response.headers.get("content-type")?.startsWith("application/json")) fail("an error that is not JSON");
        if (request.method !== "HEAD") {
          let shapeOk = false;
          try {
            const parsed = JSON.parse(text) as { error?: { code?: string; message?: unknown; requestId?: unknown } };
            const error = parsed.error;
            // API.md's {code, message}, plus the request id of docs/API.md's implementation notes.
            shapeOk =
              Object.keys(parsed).length === 1 &&
              error !== undefined &&
              Object.keys(error).sort().join() === "code,message,requestId" &&
              typeof error.requestId === "string" &&
              error.requestId === response.headers.get("x-request-id") &&
              typeof error.message === "string" &&
              error.message !== "" &&
              ERROR_STATUS[error.code as ErrorCode] === response.status;
          } catch {
            shapeOk = false;
          }
          if (!shapeOk) fail("an error not in API.md's shape");
        }
      }
      const leaked = secrets.find((secret) => text.includes(secret) || [...response.headers].some(([, value]) => value.includes(secret)));
      if (leaked) fail("a token or secret in the answer");

      const cors = [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));
      if (request.headers.origin === ALLOWED_ORIGIN) {
        if (response.headers.get("access-control-allow-origin") !== ALLOWED_ORIGIN) fail("no CORS header for the allowed origin");
      } else if (cors.length > 0) {
        fail(`CORS headers for an origin not allowed: ${cors.join()}`);
      }

      const isWrite = ["PUT", "POST", "DELETE", "PATCH"].includes(request.method);
      // A batch answers 200 with each key's own outcome: it wrote only where a set/delete has no error.
      const batchWrote = (): boolean => {
        try {
          const parsed = JSON.parse(text) as { set?: Record<string, { error?: unknown }>; delete?: Record<string, { error?: unknown }> };
          return [...Object.values(parsed.set ?? {}), ...Object.values(parsed.delete ?? {})].some((outcome) => outcome.error === undefined);
        } catch {
          return true;
        }
      };
      const accepted = response.status >= 200 && response.status < 300 && (!/\/batch(\?|$)/.test(request.path) || batchWrote());
      if (isWrite && accepted && !request.path.startsWith("/v1/tokens")) {
        const mayWrite = request.principal.label === "admin" || (request.principal.label === "prefixed" && request.namespace === target);
        if (!mayWrite) fail("a write accepted from a principal that may not write there");
        if (request.namespace === target) acceptedTargetWrites += 1;
      }
      if (failures.length >= 10) break;
    }
    vi.restoreAllMocks();
    console.log(`fuzz seed ${seed}: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ${acceptedTargetWrites} accepted writes under the prefix`);
    expect(failures, failures.join("\n")).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);

    // Nothing reached storage that was refused: only the prefixed token wrote, and only under "ok/".
    const itemKey = (objectKey: string) => objectKey.slice(objectKey.indexOf("/") + 1); // drop the generation
    const inTarget = (await storedObjectKeys(target)).map(itemKey);
    expect(inTarget.filter((key) => !key.startsWith("ok/")), `seed ${seed}`).toEqual([]);
    if (acceptedTargetWrites === 0) expect(inTarget).toEqual([]);
    for (const namespace of [publicNs, otherNs, neverNs]) expect(await storedObjectKeys(namespace), `seed ${seed}: ${namespace}`).toEqual([]);

    // No token or secret was ever logged.
    const leakedInLogs = logged.filter((line) => secrets.some((secret) => line.includes(secret)));
    expect(leakedInLogs, `seed ${seed}`).toEqual([]);
  });
});
