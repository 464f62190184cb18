import { describe, expect, it } from "vitest";
import { api, expectError, sleep, uniqueNamespace } from "./helpers";

const put = (path: string, body: BodyInit, headers: Record<string, string> = {}) => api(path, { method: "PUT", body, headers });

describe("add (If-None-Match: *)", () => {
  it("stores only when there is no live item: 201, then 412", async () => {
    const ns = uniqueNamespace();
    const first = await put(`/v1/${ns}/items/k`, "first", { "if-none-match": "*" });
    expect(first.status).toBe(201);
    await expectError(await put(`/v1/${ns}/items/k`, "second", { "if-none-match": "*" }), 412, "precondition_failed");
    expect(await (await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } })).text()).toBe("first");
  });

  it("of 20 concurrent adds of one key exactly one wins, and its value is stored", async () => {
    const ns = uniqueNamespace();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => put(`/v1/${ns}/items/race`, `v${i}`, { "if-none-match": "*" })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = statuses.indexOf(201);
    expect(await (await api(`/v1/${ns}/items/race`, { headers: { "cache-control": "no-cache" } })).text()).toBe(`v${winner}`);
  });

  it("succeeds over an expired item (201), and then only once", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/k?ttl=1`, "old");
    await sleep(2100);
    await expectError(await api(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => put(`/v1/${ns}/items/k`, `new${i}`, { "if-none-match": "*" })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(9);
  });

  it("of concurrent adds of the SAME value over an expired item exactly one wins", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/k?ttl=1`, "same");
    await sleep(2100);
    const responses = await Promise.all(Array.from({ length: 10 }, () => put(`/v1/${ns}/items/k`, "same", { "if-none-match": "*" })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it("streams a large add (no retry buffer) and still refuses a live key", async () => {
    const ns = uniqueNamespace();
    const big = new Uint8Array(2 * 1024 * 1024 + 1).fill(7);
    expect((await put(`/v1/${ns}/items/big`, big, { "if-none-match": "*" })).status).toBe(201);
    await expectError(await put(`/v1/${ns}/items/big`, big, { "if-none-match": "*" }), 412, "precondition_failed");
  });
});

describe("replace (If-Match: *)", () => {
  it("stores only over a live item: 412 when absent, 200 when present", async () => {
    const ns = uniqueNamespace();
    await expectError(await put(`/v1/${ns}/items/k`, "x", { "if-match": "*" }), 412, "precondition_failed");
    await expectError(await api(`/v1/${ns}/items/k`), 404, "not_found");
    await put(`/v1/${ns}/items/k`, "v1");
    const replaced = await put(`/v1/${ns}/items/k`, "v2", { "if-match": "*" });
    expect(replaced.status).toBe(200);
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("v2");
  });

  it("refuses an expired item", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/k?ttl=1`, "v1");
    await sleep(2100);
    await expectError(await put(`/v1/${ns}/items/k`, "v2", { "if-match": "*" }), 412, "precondition_failed");
  });
});

describe("cas (If-Match: \"<etag>\")", () => {
  it("stores only over that version", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await put(`/v1/${ns}/items/k`, "v1")).json<{ etag: string }>();
    const swapped = await put(`/v1/${ns}/items/k`, "v2", { "if-match": etag });
    expect(swapped.status).toBe(200);
    const next = await swapped.json<{ etag: string }>();
    expect(next.etag).not.toBe(etag);
    await expectError(await put(`/v1/${ns}/items/k`, "v3", { "if-match": etag }), 412, "precondition_failed");
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("v2");
    await expectError(await put(`/v1/${ns}/items/missing`, "v", { "if-match": etag }), 412, "precondition_failed");
  });

  it("of 20 concurrent cas on one version exactly one wins, even writing the same value", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await put(`/v1/${ns}/items/k`, "same")).json<{ etag: string }>();
    const responses = await Promise.all(Array.from({ length: 20 }, () => put(`/v1/${ns}/items/k`, "same", { "if-match": etag })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(19);
  });

  it("refuses the version of an expired item", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await put(`/v1/${ns}/items/k?ttl=1`, "v1")).json<{ etag: string }>();
    await sleep(2100);
    await expectError(await put(`/v1/${ns}/items/k`, "v2", { "if-match": etag }), 412, "precondition_failed");
  });
});
