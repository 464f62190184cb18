// A wrong base URL must never look like a cache miss: only API.md's `404 not_found` means "absent".
// Against a server that answers every request with a plain 404 page (not CloudCached: fault
// injection), one that answers `404 no_such_route`, and the real Worker under a wrong path; the
// library and the CLI alike.
import { afterEach, describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { cli } from "./support/cli.js";
import { errorBody, type Fault, type FaultServer, startFaultServer } from "./support/fault-server.js";
import { adminClient, adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";

const plainNotFound: Fault = { status: 404, body: "<h1>Not Found</h1>", headers: { "content-type": "text/html" } };
const noSuchRoute: Fault = { status: 404, body: errorBody("no_such_route", "no such route: GET /v1/v1/ns/items/k") };
const itemNotFound: Fault = { status: 404, body: errorBody("not_found", "no such item") };

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every call that can answer "absent", each made once; what each one threw (or returned). */
async function everyAbsentCall(cache: CloudCached): Promise<Record<string, unknown>> {
  const calls: Record<string, () => Promise<unknown>> = {
    get: () => cache.get("k"),
    gets: () => cache.gets("k"),
    getStream: () => cache.getStream("k"),
    has: () => cache.has("k"),
    touch: () => cache.touch("k", 60),
    incr: () => cache.incr("k"),
    decr: () => cache.decr("k"),
    delete: () => cache.delete("k"),
  };
  const outcomes: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(calls)) {
    outcomes[name] = await call().then(
      (value) => ({ returned: value }),
      (err: unknown) => (err instanceof CloudCachedError ? { status: err.status, code: err.code } : { other: String(err) }),
    );
  }
  return outcomes;
}

function allThrew(status: number, code: string): Record<string, unknown> {
  const names = ["get", "gets", "getStream", "has", "touch", "incr", "decr", "delete"];
  return Object.fromEntries(names.map((name) => [name, { status, code }]));
}

describe("a wrong base URL is an error, not a miss", () => {
  it("a server that is not CloudCached (plain 404 page): every call throws no_such_route, saying to check the URL", async () => {
    server = await startFaultServer([], plainNotFound);
    const cache = new CloudCached({ url: server.url, namespace: "ns", retries: 0 });
    expect(await everyAbsentCall(cache)).toStrictEqual(allThrew(404, "no_such_route"));
    await expect(cache.get("k")).rejects.toThrow("is the URL the Worker's origin");
  });

  it("the API's 404 no_such_route: every call throws it", async () => {
    server = await startFaultServer([], noSuchRoute);
    const cache = new CloudCached({ url: server.url, namespace: "ns", retries: 0 });
    expect(await everyAbsentCall(cache)).toStrictEqual(allThrew(404, "no_such_route"));
  });

  it("has: a HEAD 404 (no body to read) is confirmed by a GET — absent only when that says not_found", async () => {
    server = await startFaultServer([{ status: 404 }, itemNotFound, { status: 404 }, plainNotFound]);
    const cache = new CloudCached({ url: server.url, namespace: "ns", retries: 0 });
    expect(await cache.has("k")).toBe(false);
    await expect(cache.has("k")).rejects.toMatchObject({ status: 404, code: "no_such_route" });
    expect(server.requests.map((r) => r.method)).toStrictEqual(["HEAD", "GET", "HEAD", "GET"]);
  });

  it("the real Worker under a wrong path (url ending in /v1): get and has throw; under the right URL they answer absent", async () => {
    const namespace = uniqueNamespace("wrongurl");
    const wrong = new CloudCached({ url: `${workerUrl()}/v1`, token: adminToken(), namespace, retries: 0 });
    const right = adminClient({ namespace });
    expect(await right.put("k", "v")).toBe(true);
    const thrown = await wrong.get("k").catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(CloudCachedError);
    expect((thrown as CloudCachedError).status).toBe(404);
    expect((thrown as CloudCachedError).code).not.toBe("not_found");
    expect((thrown as CloudCachedError).message).toContain(`the URL is the Worker's root, without /v1: ${workerUrl()}`);
    await expect(wrong.has("absent")).rejects.toBeInstanceOf(CloudCachedError);
    expect(await right.get("absent")).toBeNull();
    expect(await right.has("absent")).toBe(false);
    expect(await right.delete("absent")).toBe(true);
  });

  it("the CLI: get against a plain 404 exits 3 (refused) with the URL hint, not 1 (not found)", async () => {
    server = await startFaultServer([], plainNotFound);
    const result = await cli(["get", "k"], { CLOUDCACHED_URL: server.url });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("no_such_route");
    expect(result.stderr).toContain("is the URL the Worker's origin");
    const touched = await cli(["touch", "k", "60"], { CLOUDCACHED_URL: server.url });
    expect(touched.code).toBe(3);
  });

  it("the CLI: a --url ending in /v1 says to drop /v1", async () => {
    const result = await cli(["get", "k", "--url", `${workerUrl()}/v1`, "--token", adminToken()]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`without /v1: ${workerUrl()}`);
  });
});
