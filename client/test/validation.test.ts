// The client (and the CLI) refuse a namespace or key the Worker would refuse before any request
// leaves, with the Worker's own error: `fetch` resolves `.` and `..` segments, so such a name would
// otherwise silently address another item (namespace `.` with key `items/k` reads `k` of `items`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { keyProblem, namespaceProblem } from "../src/names.js";
import type { FetchLike } from "../src/transport.js";
import { cli } from "./support/cli.js";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";

const BAD_NAMESPACES = [".", "..", "%2e", "%2e%2e", "", "A", "-a", "_a", "a/b", "a.b", "a b", "ä", "a".repeat(65)];

const BAD_KEYS = [
  "",
  ".",
  "..",
  "./a",
  "a/.",
  "a/./b",
  "../a",
  "a/..",
  "a/../b",
  "a//b",
  "/a",
  "a/",
  "a\u0000b",
  "a\nb",
  "\u001f",
  "a\u007fb",
  "a\ud800",
  "\udc00b",
  "a".repeat(513),
  "é".repeat(257),
];

/** A fetch that counts what would have left. */
function counting(): { fetch: FetchLike; calls: () => number } {
  let calls = 0;
  return {
    fetch: (input, init) => {
      calls += 1;
      return globalThis.fetch(input, init);
    },
    calls: () => calls,
  };
}

async function refusal(call: () => unknown): Promise<CloudCachedError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof CloudCachedError) return err;
    throw err;
  }
  throw new Error("no error");
}

/** What the Worker answers to a raw request (no URL rewriting: the path is sent as given). */
async function workerError(path: string): Promise<{ status: number; code: string; message: string }> {
  const response = await fetch(`${workerUrl()}${path}`, { headers: { authorization: `Bearer ${adminToken()}` } });
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe("namespaces the Worker refuses are refused by the client, before any request", () => {
  it.each(BAD_NAMESPACES)("%j", async (namespace) => {
    const { fetch, calls } = counting();
    const expected = namespaceProblem(namespace);
    expect(expected).not.toBeNull();
    const err = await refusal(() => new CloudCached({ url: workerUrl(), token: adminToken(), namespace, fetch }));
    expect(err).toMatchObject({ status: 400, code: "bad_request", message: expected });
    const good = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace(), fetch });
    expect(await refusal(() => good.withNamespace(namespace))).toMatchObject({ status: 400, code: "bad_request", message: expected });
    expect(calls()).toBe(0);
  });

  it("with the Worker's own message", async () => {
    for (const namespace of ["A", "-a", "a.b", "a".repeat(65)]) {
      const server = await workerError(`/v1/${namespace}/items/k`);
      expect(server, namespace).toStrictEqual({ status: 400, code: "bad_request", message: namespaceProblem(namespace) });
    }
  });
});

describe("keys the Worker refuses are refused by every call of the client, before any request", () => {
  const { fetch, calls } = counting();
  const cache = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace("v"), fetch });
  const operations: [string, (key: string) => unknown][] = [
    ["get", (key) => cache.get(key)],
    ["gets", (key) => cache.gets(key)],
    ["put", (key) => cache.put(key, "v")],
    ["update", (key) => cache.update(key, "v")],
    ["set", (key) => cache.set(key, "v")],
    ["add", (key) => cache.add(key, "v")],
    ["replace", (key) => cache.replace(key, "v")],
    ["cas", (key) => cache.cas(key, "v", '"e"')],
    ["delete", (key) => cache.delete(key)],
    ["touch", (key) => cache.touch(key, 60)],
    ["incr", (key) => cache.incr(key)],
    ["decr", (key) => cache.decr(key)],
    ["info", (key) => cache.info(key)],
    ["getMany", (key) => cache.getMany(["fine", key])],
    ["hasMany", (key) => cache.hasMany(["fine", key])],
    ["setMany", (key) => cache.setMany([["fine", 1], [key, 2]])],
    ["deleteMany", (key) => cache.deleteMany(["fine", key])],
  ];

  it.each(BAD_KEYS.map((key) => [JSON.stringify(key).slice(0, 40), key] as const))("%s", async (_label, key) => {
    const expected = keyProblem(key);
    expect(expected).not.toBeNull();
    for (const [name, call] of operations) {
      // A call over many keys names the one it refuses.
      const message = name.endsWith("Many") ? `${name}: key ${JSON.stringify(key)}: ${expected}` : expected;
      expect(await refusal(() => call(key)), name).toMatchObject({ status: 400, code: "bad_request", message });
    }
    expect(calls()).toBe(0);
  });

  it("with the Worker's own message (for keys a URL can carry to it unchanged)", async () => {
    const ns = uniqueNamespace("v");
    const raw: [string, string][] = [
      ["a//b", "a//b"],
      ["a%2F..%2Fb", "a/../b"],
      ["a%2F.%2Fb", "a/./b"],
      ["a%00b", "a\u0000b"],
      ["a%7Fb", "a\u007fb"],
      ["a".repeat(513), "a".repeat(513)],
      ["%C3%A9".repeat(257), "é".repeat(257)],
    ];
    for (const [path, key] of raw) {
      expect(await workerError(`/v1/${ns}/items/${path}`), path).toStrictEqual({ status: 400, code: "bad_request", message: keyProblem(key) });
    }
  });

  it("keys the Worker accepts still go through, dots inside segments included", async () => {
    const ok = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace("v") });
    for (const key of ["a.b/..c/.d", "...", "a/.../b", "\u2028", "é".repeat(256)]) {
      await ok.set(key, key);
      expect(await ok.get(key), key).toBe(key);
    }
  });
});

describe("the CLI refuses them the same way, before any request", () => {
  let server: Server;
  let requests = 0;
  let url = "";
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    [["get", "a/../b"], keyProblem("a/../b")],
    [["set", ".", "v"], keyProblem(".")],
    [["delete", "a//b"], keyProblem("a//b")],
    [["incr", "x/.."], keyProblem("x/..")],
    [["--ns", "..", "get", "k"], namespaceProblem("..")],
    [["--ns", ".", "get", "items/k"], namespaceProblem(".")],
  ])("%j", async (args, message) => {
    const result = await cli(args, { CLOUDCACHED_URL: url, CLOUDCACHED_TOKEN: "t" });
    expect(result.code).toBe(3); // refused (4xx), as when the server refuses
    expect(result.stderr).toBe(`cloudcached: ${message} (bad_request, HTTP 400)\n`);
    expect(requests).toBe(0);
  });
});
