// NEEDS the namespace endpoints (GET /v1/{ns}/keys, POST /v1/{ns}/flush; API.md "Namespace") and
// the namespace listing (GET /v1/namespaces), from the client and from the CLI.
import { describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { cli } from "./support/cli.js";
import { adminClient, adminToken, recordingFetch, uniqueNamespace, workerUrl } from "./support/helpers.js";

describe("keys", () => {
  it("keys() walks every page; keyPages() shows the pages; prefix filters", async () => {
    const cache = adminClient();
    const names = Array.from({ length: 25 }, (_, i) => `user/${String(i).padStart(2, "0")}`);
    await cache.setMany([...names.map((k) => [k, "v"] as const), ["other/x", "v"]]);
    const listed: string[] = [];
    for await (const info of cache.keys({ prefix: "user/", limit: 10 })) {
      expect(info.size).toBe(1);
      expect(info.lastModified).toBeDefined();
      listed.push(info.key);
    }
    expect(listed.sort()).toStrictEqual(names);
    const pages: number[] = [];
    for await (const page of cache.keyPages({ prefix: "user/", limit: 10 })) pages.push(page.keys.length);
    expect(pages).toStrictEqual([10, 10, 5]);
    const all: string[] = [];
    for await (const info of cache.keys()) all.push(info.key);
    expect(all.sort()).toStrictEqual([...names, "other/x"].sort());
  });

  it("the CLI lists keys one a line, or as JSON lines", async () => {
    const cache = adminClient();
    await cache.setMany([["a/1", 1], ["a/2", 2], ["b/1", 3]]);
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: cache.namespace };
    const human = await cli(["keys", "a/"], env);
    expect(human.code).toBe(0);
    expect(human.stdout.trim().split("\n").sort()).toStrictEqual(["a/1", "a/2"]);
    const json = await cli(["keys", "--json"], env);
    const lines = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as { key: string; size: number });
    expect(lines.map((l) => l.key).sort()).toStrictEqual(["a/1", "a/2", "b/1"]);
    // --limit N is how many keys are printed, not the size of a page.
    expect((await cli(["keys", "--json", "--limit", "1"], env)).stdout.trim().split("\n")).toHaveLength(1);
  });
});

describe("flush", () => {
  it("drops every item of the namespace, and only of it", async () => {
    const cache = adminClient();
    const other = cache.withNamespace(`${cache.namespace}-o`);
    await cache.set("a", 1);
    await cache.set("b", "two");
    await other.set("a", "kept");
    expect(await cache.get("a")).toBe(1); // now in the location cache too
    await cache.flush();
    expect(await cache.get("a")).toBeNull();
    expect(await cache.get("b", { fresh: true })).toBeNull();
    expect(await other.get("a")).toBe("kept");
    expect(await cache.put("a", "after")).toBe(true);
    expect(await cache.get("a")).toBe("after");
  });

  it("a token without the flush scope may not flush; one with it may", async () => {
    const admin = adminClient();
    await admin.set("k", "v");
    const { token: rw } = await admin.mintToken({ namespaces: [admin.namespace], scopes: ["read", "write"], ttl: 60 });
    const user = new CloudCached({ url: workerUrl(), token: rw, namespace: admin.namespace });
    await expect(user.flush()).rejects.toMatchObject({ status: 403, code: "forbidden" });
    expect(await admin.get("k")).toBe("v");
    const { token: flusher } = await admin.mintToken({ namespaces: [admin.namespace], scopes: ["flush"], ttl: 60 });
    await new CloudCached({ url: workerUrl(), token: flusher, namespace: admin.namespace }).flush();
    expect(await admin.get("k")).toBeNull();
  });

  it("the CLI flushes", async () => {
    const cache = adminClient();
    await cache.set("k", "v");
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: cache.namespace };
    const result = await cli(["flush"], env);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("flushed");
    expect((await cli(["get", "k"], env)).code).toBe(1);
  });
});

describe("namespaces (GET /v1/namespaces)", () => {
  it("the admin token: the namespaces with items, page after page (16 a page), from a cursor", async () => {
    const admin = adminClient();
    // Twenty namespaces next to each other in storage's order, none of another test between them.
    const base = uniqueNamespace("nsl");
    const mine = Array.from({ length: 20 }, (_, i) => `${base}x${String(i).padStart(2, "0")}`);
    for (const namespace of mine) await admin.withNamespace(namespace).set("k", "v");

    const first = await admin.listNamespaces({ after: base });
    expect(first).toStrictEqual({ namespaces: mine.slice(0, 16), cursor: mine[15] });
    const pages: string[][] = [];
    for await (const page of admin.namespacePages({ after: base })) {
      pages.push(page.namespaces);
      if (pages.length === 2) break;
    }
    expect(pages[0]).toStrictEqual(mine.slice(0, 16));
    expect(pages[1]?.slice(0, 4)).toStrictEqual(mine.slice(16));

    const walked: string[] = [];
    for await (const namespace of admin.namespaces({ after: base })) {
      walked.push(namespace);
      if (walked.length === mine.length) break;
    }
    expect(walked).toStrictEqual(mine);
  });

  it("a token for some namespaces gets exactly those, in order, on one page; `after` skips up to it", async () => {
    const admin = adminClient();
    const [a, b, c] = [`${admin.namespace}-a`, `${admin.namespace}-b`, `${admin.namespace}-c`];
    const { token } = await admin.mintToken({ namespaces: [c, a, b], scopes: ["read"], ttl: 60 });
    const user = new CloudCached({ url: workerUrl(), token });
    expect(await user.listNamespaces()).toStrictEqual({ namespaces: [a, b, c], cursor: null });
    expect(await user.listNamespaces({ after: a })).toStrictEqual({ namespaces: [b, c], cursor: null });
    const all: string[] = [];
    for await (const namespace of user.namespaces()) all.push(namespace);
    expect(all).toStrictEqual([a, b, c]);
  });

  it("no token is a 401 CloudCachedError; an `after` that is not a namespace is refused before anything is sent", async () => {
    const anonymous = await new CloudCached({ url: workerUrl() }).listNamespaces().catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(CloudCachedError);
    expect(anonymous).toMatchObject({ status: 401, code: "unauthorized" });
    const { fetch, calls } = recordingFetch();
    const admin = adminClient({ fetch });
    await expect(admin.listNamespaces({ after: "Not A Namespace" })).rejects.toMatchObject({ status: 400, code: "bad_request" });
    expect(calls).toStrictEqual([]);
  });

  it("cloudcached namespaces prints them one a line, or one JSON object a line; --limit N prints at most N", async () => {
    const admin = adminClient();
    const [a, b] = [`${admin.namespace}-a`, `${admin.namespace}-b`];
    const { token } = await admin.mintToken({ namespaces: [b, a], scopes: ["read"], ttl: 60 });
    const env = { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: token };
    expect(await cli(["namespaces"], env)).toMatchObject({ code: 0, stdout: `${a}\n${b}\n` });
    expect(await cli(["namespaces", "--json"], env)).toMatchObject({ code: 0, stdout: `{"namespace":"${a}"}\n{"namespace":"${b}"}\n` });
    expect(await cli(["namespaces", "--limit", "1"], env)).toMatchObject({ code: 0, stdout: `${a}\n` });
    await admin.set("k", "v");
    const asAdmin = await cli(["namespaces", "--limit", "2"], { ...env, CLOUDCACHED_TOKEN: adminToken() });
    expect(asAdmin.code).toBe(0);
    expect(asAdmin.stdout.trim().split("\n")).toHaveLength(2);
    const anonymous = await cli(["namespaces"], { CLOUDCACHED_URL: workerUrl() });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain("unauthorized, HTTP 401");
  });
});
