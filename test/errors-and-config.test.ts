import { env } from "cloudflare:test";
import { describe, expect, it, inject } from "vitest";
import { api, expectError, uniqueNamespace, withBindings } from "./helpers";
import { hangingStore, throughBinding, unreachableStore } from "./store";

const broken = inject("brokenEndpoints");

function expectNoLeak(text: string): void {
  for (const secret of [env.S3_SECRET_ACCESS_KEY, env.S3_ACCESS_KEY_ID, env.ADMIN_TOKEN, env.S3_ENDPOINT, broken.hanging, broken.closed].filter((value) => value !== undefined)) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/\bat .+\(.*:\d+:\d+\)/); // no stack trace
}

describe("authentication", () => {
  it("401 without a token, with a wrong one, or a malformed header", async () => {
    const ns = uniqueNamespace();
    await expectError(await api(`/v1/${ns}/items/k`, { anonymous: true }), 401, "unauthorized");
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { authorization: "Bearer wrong" } }), 401, "unauthorized");
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { authorization: "Basic abc" } }), 401, "unauthorized");
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", anonymous: true }), 401, "unauthorized");
  });

  it("a refused write stores nothing", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k`, { method: "PUT", body: "x", headers: { authorization: "Bearer nope" } });
    await expectError(await api(`/v1/${ns}/items/k`), 404, "not_found");
  });

  it("/healthz needs no token and reveals no configuration", async () => {
    const health = await api("/healthz", { anonymous: true });
    expect(health.status).toBe(200);
    const text = await health.text();
    expect(JSON.parse(text)).toEqual({ ok: true });
    expectNoLeak(text);
  });
});

describe("configuration", () => {
  // Through the binding no S3 setting is needed (and one set is refused, below): ADMIN_TOKEN alone.
  it.each(throughBinding ? (["ADMIN_TOKEN"] as const) : (["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "ADMIN_TOKEN"] as const))(
    "a missing %s is a 500 naming it, on every route; the Worker never runs open",
    async (name) => {
      for (const [path, init] of [
        ["/v1/ns/items/k", {}],
        ["/v1/ns/items/k", { method: "PUT", body: "x" }],
        ["/healthz", {}],
      ] as const) {
        const response = await withBindings({ [name]: "" }, path, init);
        const body = await expectError(response, 500, "internal");
        expect(body.error.message).toContain(name);
        expectNoLeak(JSON.stringify(body));
      }
    },
  );

  it.runIf(throughBinding)("the binding STORE beside an S3 setting is a 500 naming both, on every route", async () => {
    for (const path of ["/v1/ns/items/k", "/healthz"]) {
      const body = await expectError(await withBindings({ S3_ENDPOINT: "https://s3.example.com" }, path), 500, "internal");
      expect(body.error.message).toContain("STORE");
      expect(body.error.message).toContain("S3_ENDPOINT");
      expect(body.error.message).not.toContain("s3.example.com");
    }
  });

  it("an invalid number names the setting", async () => {
    const body = await expectError(await withBindings({ MAX_TTL: "lots" }, "/v1/ns/items/k"), 500, "internal");
    expect(body.error.message).toContain("MAX_TTL");
  });

  // The S3 way's own setting: the binding has one dialect and reads no S3_DIALECT.
  it.skipIf(throughBinding)("an unknown S3_DIALECT is a 500 naming the setting and the dialects there are", async () => {
    for (const [path, init] of [
      ["/v1/ns/items/k", {}],
      ["/v1/ns/items/k", { method: "PUT", body: "x" }],
    ] as const) {
      const body = await expectError(await withBindings({ S3_DIALECT: "rgw" }, path, init), 500, "internal");
      expect(body.error.message).toContain("S3_DIALECT");
      expect(body.error.message).toContain("ceph-rgw");
      expectNoLeak(JSON.stringify(body));
    }
  });
});

describe("limits", () => {
  it("413 over MAX_VALUE_BYTES, with nothing stored", async () => {
    const ns = uniqueNamespace();
    const response = await withBindings({ MAX_VALUE_BYTES: "10" }, `/v1/${ns}/items/k`, { method: "PUT", body: "12345678901" });
    await expectError(response, 413, "value_too_large");
    expect((await withBindings({ MAX_VALUE_BYTES: "10" }, `/v1/${ns}/items/k`, { method: "PUT", body: "1234567890" })).status).toBe(200);
    await expectError(await withBindings({ MAX_VALUE_BYTES: "10" }, `/v1/${ns}/items/k`, { method: "PUT", body: "x".repeat(11), headers: { "if-match": "*" } }), 413, "value_too_large");
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("1234567890");
  });

  it("413 is decided from Content-Length before storage is asked", async () => {
    const ns = uniqueNamespace();
    // The store is unreachable: a 413 proves no storage call was made first.
    const response = await withBindings({ MAX_VALUE_BYTES: "10", ...unreachableStore() }, `/v1/${ns}/items/k`, { method: "PUT", body: "x".repeat(11) });
    await expectError(response, 413, "value_too_large");
  });

  it("411 for a streamed body without Content-Length", async () => {
    const ns = uniqueNamespace();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("chunked"));
        controller.close();
      },
    });
    await expectError(await api(`/v1/${ns}/items/k`, { method: "PUT", body: stream }), 411, "length_required");
  });

  it("405 for other methods on an item, 404 no_such_route for unknown routes", async () => {
    await expectError(await api("/v1/ns/items/k", { method: "PATCH", body: "x" }), 405, "method_not_allowed");
    await expectError(await api("/v1/ns/nothing"), 404, "no_such_route");
    await expectError(await api("/nowhere", { anonymous: true }), 404, "no_such_route");
  });
});

describe("storage failures", () => {
  it("503 storage_unavailable when storage cannot be reached; healthz says 503", async () => {
    const ns = uniqueNamespace();
    const body = await expectError(await withBindings(unreachableStore(), `/v1/${ns}/items/k`), 503, "storage_unavailable");
    expectNoLeak(JSON.stringify(body));
    await expectError(await withBindings(unreachableStore(), `/v1/${ns}/items/k`, { method: "PUT", body: "x" }), 503, "storage_unavailable");
    const health = await withBindings(unreachableStore(), "/healthz");
    expect(health.status).toBe(503);
    const healthBody = await health.json<{ ok: boolean }>();
    expect(healthBody.ok).toBe(false);
    expectNoLeak(JSON.stringify(healthBody));
  });

  // Credentials are the S3 way's alone: a binding has none to refuse.
  it.skipIf(throughBinding)("502 storage_error when storage refuses the credentials", async () => {
    const ns = uniqueNamespace();
    const body = await expectError(await withBindings({ S3_SECRET_ACCESS_KEY: "wrong-secret" }, `/v1/${ns}/items/k`), 502, "storage_error");
    expectNoLeak(JSON.stringify(body));
    expect((await withBindings({ S3_SECRET_ACCESS_KEY: "wrong-secret" }, "/healthz")).status).toBe(503);
  });

  it("504 storage_timeout when storage does not answer, within twice STORAGE_TIMEOUT_MS", async () => {
    const ns = uniqueNamespace();
    const started = Date.now();
    const body = await expectError(await withBindings({ ...hangingStore(), STORAGE_TIMEOUT_MS: "300" }, `/v1/${ns}/items/k`), 504, "storage_timeout");
    const elapsed = Date.now() - started;
    expectNoLeak(JSON.stringify(body));
    // The bound of API.md (2 × 300 ms), with slack for a loaded machine; not a speed goal.
    expect(elapsed).toBeLessThan(600 + 2000);
    await expectError(await withBindings({ ...hangingStore(), STORAGE_TIMEOUT_MS: "300" }, `/v1/${ns}/items/k`, { method: "PUT", body: "x" }), 504, "storage_timeout");
  });
});
