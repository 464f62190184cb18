import { describe, expect, it } from "vitest";
import { sleep, uniqueNamespace } from "./helpers";
import { proxy, viaFaults } from "./faults";

// Over the S3 API, storage answers the Worker does not read (a 404's error, a lost conditional
// write's 412, an empty PUT or DELETE answer) must leave their connection to be used again: a body
// let go of unread closes it, and the next call pays a new connection (over TLS, a handshake).
// Every call here goes through the fault proxy (test/node/fault-proxy.ts), which sees each
// connection the runtime opens and closes. S3 only: the R2 binding has no connections.

describe("connections to storage", () => {
  it("are kept after answers whose bodies the Worker does not want: absent reads, a lost add, a delete", async () => {
    const ns = uniqueNamespace("conns");
    const value = { method: "PUT", body: "v", headers: { "content-type": "text/plain" } };
    for (let i = 0; i < 4; i++) {
      // Never written: the namespace's generation and the item are both a 404 from storage.
      const absent = await viaFaults(`/v1/${ns}/items/absent-${i}`);
      expect(absent.status).toBe(404);
      await absent.body?.cancel();
    }
    const fresh = await viaFaults(`/v1/${ns}/items/absent-fresh`, { headers: { "cache-control": "no-cache" } });
    expect(fresh.status).toBe(404);
    await fresh.body?.cancel();
    const put = await viaFaults(`/v1/${ns}/items/k`, value);
    expect(put.status).toBe(200);
    await put.body?.cancel();
    // The key is taken: the store refuses the add's conditional PUT (412).
    const add = await viaFaults(`/v1/${ns}/items/k`, { ...value, headers: { ...value.headers, "if-none-match": "*" } });
    expect(add.status).toBe(412);
    await add.body?.cancel();
    const removed = await viaFaults(`/v1/${ns}/items/k`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    await removed.body?.cancel();
    // A connection let go of is closed at once; give the proxy a moment to see it.
    await sleep(200);
    const seen = await proxy.requests(`/${ns}`);
    expect(seen.filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(5);
    expect(seen.filter((r) => r.method === "PUT").length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((r) => r.closedAfter).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});
