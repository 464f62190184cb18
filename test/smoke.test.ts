import { describe, expect, it } from "vitest";
import { api, uniqueNamespace } from "./helpers";

describe("smoke", () => {
  it("round-trips", async () => {
    const ns = uniqueNamespace();
    const put = await api(`/v1/${ns}/items/a%20b`, { method: "PUT", body: "hello", headers: { "content-type": "text/plain" } });
    console.log(put.status, await put.text(), [...put.headers]);
    const get = await api(`/v1/${ns}/items/a%20b`);
    console.log(get.status, [...get.headers], await get.text());
    const get2 = await api(`/v1/${ns}/items/a%20b`);
    console.log(get2.status, [...get2.headers], await get2.text());
    expect(get2.status).toBe(200);
  });
});
