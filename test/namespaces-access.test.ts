import { describe, expect, it } from "vitest";
import { bearer, mint, send } from "./access-helpers";
import { api, expectError, uniqueNamespace } from "./helpers";

interface KeyError {
  error: { code: string; message: string };
}

const json = (body: unknown, headers: Record<string, string>): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { ...headers, "content-type": "application/json" },
});

describe("scopes and prefixes on batch, keys and flush", () => {
  it("batch: read for gets, write for sets and deletes, per key; a key outside the token's prefix is that key's 403", async () => {
    const ns = uniqueNamespace("acc");
    expect((await api(`/v1/${ns}/items/user/1/a`, { method: "PUT", body: "a", headers: { "content-type": "text/plain" } })).status).toBe(200);
    expect((await api(`/v1/${ns}/items/other`, { method: "PUT", body: "o" })).status).toBe(200);
    const readWrite = await mint({ namespaces: [ns], scopes: ["read", "write"], prefix: "user/1/" });
    const response = await send(`/v1/${ns}/batch`, json({ set: [{ key: "user/1/b", value: "b" }, { key: "other", value: "x" }], get: ["user/1/a", "other"] }, bearer(readWrite)));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { set: Record<string, unknown>; get: Record<string, unknown> };
    expect(answer.set["user/1/b"]).toMatchObject({ etag: expect.stringMatching(/^"/) });
    expect((answer.set.other as KeyError).error.code).toBe("forbidden");
    expect(answer.get["user/1/a"]).toMatchObject({ value: "a", encoding: "utf8" });
    expect((answer.get.other as KeyError).error.code).toBe("forbidden");
    // The refused set wrote nothing.
    expect(await (await api(`/v1/${ns}/items/other`, { headers: { "cache-control": "no-cache" } })).text()).toBe("o");

    const readOnly = await mint({ namespaces: [ns], scopes: ["read"] });
    const ro = (await (await send(`/v1/${ns}/batch`, json({ delete: ["user/1/a"], get: ["user/1/a"] }, bearer(readOnly)))).json()) as {
      delete: Record<string, unknown>;
      get: Record<string, unknown>;
    };
    expect((ro.delete["user/1/a"] as KeyError).error.code).toBe("forbidden");
    expect(ro.get["user/1/a"]).toMatchObject({ value: "a" });
    // Another namespace's token: every key refused, still a 200 with per-key errors.
    const elsewhere = await mint({ namespaces: ["somewhere-else"], scopes: ["read", "write"] });
    const other = (await (await send(`/v1/${ns}/batch`, json({ get: ["user/1/a"] }, bearer(elsewhere)))).json()) as { get: Record<string, unknown> };
    expect((other.get["user/1/a"] as KeyError).error.code).toBe("forbidden");
    // A tampered token is 401 for the whole batch.
    await expectError(await send(`/v1/${ns}/batch`, json({ get: ["user/1/a"] }, bearer(`${readOnly}x`))), 401, "unauthorized");
  });

  it("keys: needs read; a prefix-limited token lists only inside its prefix", async () => {
    const ns = uniqueNamespace("acck");
    for (const key of ["user/1/a", "user/1/b", "user/2/c"]) expect((await api(`/v1/${ns}/items/${key}`, { method: "PUT", body: "v" })).status).toBe(200);
    const limited = await mint({ namespaces: [ns], scopes: ["read"], prefix: "user/1/" });
    const listed = await send(`/v1/${ns}/keys?prefix=user/1/`, { headers: bearer(limited) });
    expect(((await listed.json()) as { keys: { key: string }[] }).keys.map((k) => k.key)).toEqual(["user/1/a", "user/1/b"]);
    await expectError(await send(`/v1/${ns}/keys`, { headers: bearer(limited) }), 403, "forbidden");
    await expectError(await send(`/v1/${ns}/keys?prefix=user/`, { headers: bearer(limited) }), 403, "forbidden");
    const writeOnly = await mint({ namespaces: [ns], scopes: ["write"] });
    await expectError(await send(`/v1/${ns}/keys`, { headers: bearer(writeOnly) }), 403, "forbidden");
  });

  it("flush: needs the flush scope on that namespace, and no key prefix", async () => {
    const ns = uniqueNamespace("accf");
    const readWrite = await mint({ namespaces: [ns], scopes: ["read", "write"] });
    await expectError(await send(`/v1/${ns}/flush`, { method: "POST", headers: bearer(readWrite) }), 403, "forbidden");
    const prefixed = await mint({ namespaces: [ns], scopes: ["flush"], prefix: "user/" });
    await expectError(await send(`/v1/${ns}/flush`, { method: "POST", headers: bearer(prefixed) }), 403, "forbidden");
    const flusher = await mint({ namespaces: [ns], scopes: ["flush"] });
    expect((await send(`/v1/${ns}/flush`, { method: "POST", headers: bearer(flusher) })).status).toBe(204);
    await expectError(await send(`/v1/${uniqueNamespace("accg")}/flush`, { method: "POST", headers: bearer(flusher) }), 403, "forbidden");
  });

  it("public namespaces: anyone lists keys and batch-gets; nobody sets or flushes without a token", async () => {
    const ns = uniqueNamespace("accp");
    expect((await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { "content-type": "text/plain" } })).status).toBe(200);
    const bindings = { PUBLIC_READ_NAMESPACES: ns };
    const keys = await send(`/v1/${ns}/keys`, {}, bindings);
    expect(((await keys.json()) as { keys: { key: string }[] }).keys.map((k) => k.key)).toEqual(["k"]);
    const got = await send(`/v1/${ns}/batch`, json({ get: ["k"] }, { "content-length": String(JSON.stringify({ get: ["k"] }).length) }), bindings);
    expect(((await got.json()) as { get: Record<string, unknown> }).get.k).toMatchObject({ value: "v" });
    const setBody = JSON.stringify({ set: [{ key: "k", value: "x" }] });
    await expectError(await send(`/v1/${ns}/batch`, { method: "POST", body: setBody, headers: { "content-length": String(setBody.length) } }, bindings), 401, "unauthorized");
    await expectError(await send(`/v1/${ns}/flush`, { method: "POST" }, bindings), 401, "unauthorized");
  });
});
