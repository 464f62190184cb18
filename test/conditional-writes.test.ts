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

describe("items a tag invalidated", () => {
  const post = (path: string, headers: Record<string, string> = {}) => api(path, { method: "POST", headers });
  const invalidate = async (ns: string, tag: string, op: "expire" | "delete") => expect((await post(`/v1/${ns}/tags/${tag}?op=${op}`)).status).toBe(204);

  it("are absent to every conditional write after a delete of their tag: add stores, the rest answer as for no item", async () => {
    const ns = uniqueNamespace();
    const tagged = (key: string, value: string) => put(`/v1/${ns}/items/${key}?grace=3600`, value, { "x-tags": "gone, other" });
    const { etag } = await (await tagged("cas", "old")).json<{ etag: string }>();
    await tagged("add", "old");
    await tagged("replace", "old");
    await tagged("touch", "old");
    await tagged("n", "5");
    await tagged("m", "5");
    const del = await tagged("del", "old");
    const delEtag = (await del.json<{ etag: string }>()).etag;
    await invalidate(ns, "gone", "delete");

    expect((await put(`/v1/${ns}/items/add`, "new", { "if-none-match": "*" })).status).toBe(201);
    expect(await (await api(`/v1/${ns}/items/add`)).text()).toBe("new");
    await expectError(await put(`/v1/${ns}/items/replace`, "new", { "if-match": "*" }), 412, "precondition_failed");
    await expectError(await put(`/v1/${ns}/items/cas`, "new", { "if-match": etag }), 412, "precondition_failed");
    await expectError(await post(`/v1/${ns}/items/touch?op=touch&ttl=60`), 404, "not_found");
    await expectError(await post(`/v1/${ns}/items/n?op=incr`), 404, "not_found");
    // With `initial`, a counter starts again from it, as over an absent item.
    expect((await (await post(`/v1/${ns}/items/m?op=incr&initial=100`)).json<{ value: number }>()).value).toBe(100);
    await expectError(await api(`/v1/${ns}/items/del`, { method: "DELETE", headers: { "if-match": delEtag } }), 412, "precondition_failed");
    // Nothing it refused was brought back.
    for (const key of ["replace", "cas", "touch", "n", "del"]) {
      await expectError(await api(`/v1/${ns}/items/${key}`, { headers: { "cache-control": "max-stale" } }), 404, "not_found");
    }
  });

  it("are expired to every conditional write after an expire of their tag, and stay stale for max-stale readers", async () => {
    const ns = uniqueNamespace();
    const tagged = (key: string, value: string) => put(`/v1/${ns}/items/${key}?grace=3600`, value, { "x-tags": "soft" });
    const { etag } = await (await tagged("cas", "old")).json<{ etag: string }>();
    await tagged("add", "old");
    await tagged("replace", "old");
    await tagged("touch", "old");
    await tagged("n", "5");
    await invalidate(ns, "soft", "expire");

    await expectError(await put(`/v1/${ns}/items/replace`, "new", { "if-match": "*" }), 412, "precondition_failed");
    await expectError(await put(`/v1/${ns}/items/cas`, "new", { "if-match": etag }), 412, "precondition_failed");
    await expectError(await post(`/v1/${ns}/items/touch?op=touch&ttl=60`), 404, "not_found");
    await expectError(await post(`/v1/${ns}/items/n?op=incr`), 404, "not_found");
    for (const key of ["replace", "cas", "touch", "n"]) {
      const stale = await api(`/v1/${ns}/items/${key}`, { headers: { "cache-control": "max-stale" } });
      expect([key, stale.status, stale.headers.get("x-cache")]).toEqual([key, 200, "STALE"]);
      await stale.body?.cancel();
    }
    expect((await put(`/v1/${ns}/items/add`, "new", { "if-none-match": "*" })).status).toBe(201);
    expect(await (await api(`/v1/${ns}/items/add`)).text()).toBe("new");
  });

  it("are live to conditional writes while their tags are not invalidated (and others' are)", async () => {
    const ns = uniqueNamespace();
    const { etag } = await (await put(`/v1/${ns}/items/k`, "v1", { "x-tags": "kept" })).json<{ etag: string }>();
    await invalidate(ns, "unrelated", "delete");
    await expectError(await put(`/v1/${ns}/items/k`, "v0", { "if-none-match": "*" }), 412, "precondition_failed");
    expect((await put(`/v1/${ns}/items/k`, "v2", { "if-match": etag, "x-tags": "kept" })).status).toBe(200);
    expect((await post(`/v1/${ns}/items/k?op=touch&ttl=60`)).status).toBe(200);
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("v2");
  });
});
