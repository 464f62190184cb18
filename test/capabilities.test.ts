import { describe, expect, it } from "vitest";
import { bearer, mint, send } from "./access-helpers";
import { ADMIN, api, expectError, uniqueNamespace } from "./helpers";
import { compareNamespaces } from "../src/namespaces/namespace-walk";

// What a token may do (GET /v1/token) and the namespaces it may see (GET /v1/namespaces): what the
// console reads to offer only what the token allows.

interface NamespacePage {
  namespaces: string[];
  cursor: string | null;
}

async function namespacesOf(init: RequestInit, query = ""): Promise<NamespacePage> {
  const response = await send(`/v1/namespaces${query}`, init);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return JSON.parse(text) as NamespacePage;
}

describe("GET /v1/token", () => {
  it("answers the admin token's and a scoped token's grant, and 401 without a valid token", async () => {
    const admin = await send("/v1/token", { headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(admin.headers.get("cache-control")).toBe("no-store");
    expect(await admin.json()).toEqual({ admin: true, namespaces: ["*"], scopes: ["read", "write", "flush"], prefix: null, expiresAt: null });

    const ns = uniqueNamespace("caps");
    const token = await mint({ namespaces: [ns], scopes: ["read", "write"], prefix: "user/42/", ttl: 600 });
    const scoped = await send("/v1/token", { headers: bearer(token) });
    expect(scoped.status).toBe(200);
    const body = (await scoped.json()) as { expiresAt: number };
    expect(body).toMatchObject({ admin: false, namespaces: [ns], scopes: ["read", "write"], prefix: "user/42/" });
    expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000);

    await expectError(await send("/v1/token"), 401, "unauthorized");
    await expectError(await send("/v1/token", { headers: bearer(`${token}x`) }), 401, "unauthorized");
    await expectError(await api("/v1/token", { method: "POST" }), 405, "method_not_allowed");
  });
});

describe("GET /v1/namespaces", () => {
  it("the admin's: the namespaces with items in storage, in order, a page at a time, never the deployment's own folders", async () => {
    const base = uniqueNamespace("walk").slice(0, 40);
    const mine = [`${base}-a`, `${base}-b`, `${base}-c`];
    for (const ns of mine) expect((await api(`/v1/${ns}/items/k/deep`, { method: "PUT", body: "v" })).status).toBe(200);
    // A flushed namespace leaves a generation object (.generations/) behind: never listed as a namespace.
    expect((await api(`/v1/${mine[1]}/flush`, { method: "POST" })).status).toBe(204);

    const page = await namespacesOf({ headers: ADMIN }, `?after=${base}-`);
    expect(page.namespaces.slice(0, 3)).toEqual(mine);
    const next = await namespacesOf({ headers: ADMIN }, `?after=${mine[0]}`);
    expect(next.namespaces.slice(0, 2)).toEqual(mine.slice(1));

    const first = await namespacesOf({ headers: ADMIN });
    expect(first.namespaces.length).toBeGreaterThan(0);
    for (const ns of first.namespaces) expect(ns).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect([...first.namespaces].sort(compareNamespaces)).toEqual(first.namespaces);
    if (first.cursor !== null) expect(first.cursor).toBe(first.namespaces.at(-1));
  });

  it("a token for every namespace sees them as the admin does; a token for some sees exactly those, without storage", async () => {
    const base = uniqueNamespace("walk-t").slice(0, 40);
    expect((await api(`/v1/${base}-a/items/k`, { method: "PUT", body: "v" })).status).toBe(200);
    const everyNamespace = await mint({ namespaces: ["*"], scopes: ["read"] });
    expect((await namespacesOf({ headers: bearer(everyNamespace) }, `?after=${base}-`)).namespaces[0]).toBe(`${base}-a`);

    const some = await mint({ namespaces: ["zeta", "alpha", "mid"], scopes: ["write"] });
    expect(await namespacesOf({ headers: bearer(some) })).toEqual({ namespaces: ["alpha", "mid", "zeta"], cursor: null });
    expect(await namespacesOf({ headers: bearer(some) }, "?after=alpha")).toEqual({ namespaces: ["mid", "zeta"], cursor: null });
  });

  it("lists in one order whoever asks: as in storage, where 'app-x' comes before 'app'", async () => {
    const base = uniqueNamespace("order").slice(0, 40);
    const names = [base, `${base}-x`, `${base}0`];
    for (const ns of names) expect((await api(`/v1/${ns}/items/k`, { method: "PUT", body: "v" })).status).toBe(200);
    const walked = (await namespacesOf({ headers: ADMIN }, `?after=${base.slice(0, -1)}`)).namespaces.filter((ns) => names.includes(ns));
    expect(walked).toEqual([`${base}-x`, base, `${base}0`]);
    const some = await mint({ namespaces: names, scopes: ["read"] });
    expect((await namespacesOf({ headers: bearer(some) })).namespaces).toEqual(walked);
    // Paging by the cursor's name skips nothing, whichever token pages.
    expect((await namespacesOf({ headers: bearer(some) }, `?after=${base}-x`)).namespaces).toEqual([base, `${base}0`]);
    expect((await namespacesOf({ headers: ADMIN }, `?after=${base}-x`)).namespaces.filter((ns) => names.includes(ns))).toEqual([base, `${base}0`]);
  });

  it("needs a token, and a valid after", async () => {
    await expectError(await send("/v1/namespaces"), 401, "unauthorized");
    await expectError(await api("/v1/namespaces?after=Not%20valid"), 400, "bad_request");
    await expectError(await api("/v1/namespaces", { method: "POST" }), 405, "method_not_allowed");
  });
});
