import { describe, expect, it } from "vitest";
import { api, expectError, sleep, uniqueNamespace } from "./helpers";

const post = (path: string) => api(path, { method: "POST" });
const put = (path: string, body: string) => api(path, { method: "PUT", body });

describe("incr / decr", () => {
  it("adds and subtracts, default by=1, returning the value and the new ETag", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/n`, "41");
    const incr = await post(`/v1/${ns}/items/n?op=incr`);
    expect(incr.status).toBe(200);
    const body = await incr.json<{ value: number; etag: string }>();
    expect(body.value).toBe(42);
    expect(body.etag).toMatch(/^"/);
    expect((await (await post(`/v1/${ns}/items/n?op=decr&by=50`)).json<{ value: number }>()).value).toBe(-8);
    expect((await (await post(`/v1/${ns}/items/n?op=incr&by=0`)).json<{ value: number }>()).value).toBe(-8);
    const get = await api(`/v1/${ns}/items/n`);
    expect(await get.text()).toBe("-8");
    expect(get.headers.get("etag")).not.toBe(body.etag);
  });

  it("404 when absent, unless initial is given; initial may be negative and takes ttl", async () => {
    const ns = uniqueNamespace();
    await expectError(await post(`/v1/${ns}/items/c?op=incr`), 404, "not_found");
    const created = await post(`/v1/${ns}/items/c?op=incr&initial=-5&ttl=0`);
    expect((await created.json<{ value: number }>()).value).toBe(-5);
    const get = await api(`/v1/${ns}/items/c`);
    expect(await get.text()).toBe("-5");
    expect(get.headers.get("x-expires-at")).toBeNull();
    expect((await (await post(`/v1/${ns}/items/c?op=incr&initial=100`)).json<{ value: number }>()).value).toBe(-4);
  });

  it("keeps the item's expiry unless ttl is given", async () => {
    const ns = uniqueNamespace();
    const { expiresAt } = await (await put(`/v1/${ns}/items/n?ttl=500`, "1")).json<{ expiresAt: number }>();
    await post(`/v1/${ns}/items/n?op=incr`);
    expect((await api(`/v1/${ns}/items/n`, { headers: { "cache-control": "no-cache" } })).headers.get("x-expires-at")).toBe(String(expiresAt));
    await post(`/v1/${ns}/items/n?op=incr&ttl=0`);
    expect((await api(`/v1/${ns}/items/n`, { headers: { "cache-control": "no-cache" } })).headers.get("x-expires-at")).toBeNull();
  });

  it("409 not_a_number for non-integer values, 409 out_of_range past ±(2^53−1)", async () => {
    const ns = uniqueNamespace();
    for (const value of ["abc", "1.5", " 1", "", "x".repeat(100)]) {
      await put(`/v1/${ns}/items/bad`, value);
      await expectError(await post(`/v1/${ns}/items/bad?op=incr`), 409, "not_a_number");
    }
    await put(`/v1/${ns}/items/max`, "9007199254740991");
    await expectError(await post(`/v1/${ns}/items/max?op=incr`), 409, "out_of_range");
    expect(await (await api(`/v1/${ns}/items/max`)).text()).toBe("9007199254740991");
    await put(`/v1/${ns}/items/min`, "-9007199254740990");
    await expectError(await post(`/v1/${ns}/items/min?op=decr&by=2`), 409, "out_of_range");
  });

  it("reads the value byte for byte as -?[0-9]+: a byte-order mark, a space or a plus sign is 409 not_a_number", async () => {
    const ns = uniqueNamespace();
    const refused: [string, Uint8Array][] = [
      ["BOM + 5", new Uint8Array([0xef, 0xbb, 0xbf, 0x35])],
      ["5 + BOM", new Uint8Array([0x35, 0xef, 0xbb, 0xbf])],
      ["+5", new TextEncoder().encode("+5")],
      ["5 ", new TextEncoder().encode("5 ")],
      ["5\\n", new TextEncoder().encode("5\n")],
    ];
    for (const [label, value] of refused) {
      await (await api(`/v1/${ns}/items/bad`, { method: "PUT", body: value })).text();
      await expectError(await post(`/v1/${ns}/items/bad?op=incr`), 409, "not_a_number").catch((err: Error) => {
        throw new Error(`${label}: ${err.message}`);
      });
      // Nothing was written: the value is still those bytes.
      expect(new Uint8Array(await (await api(`/v1/${ns}/items/bad`, { headers: { "cache-control": "no-cache" } })).arrayBuffer()), label).toEqual(value);
    }
    // What the rule accepts, leading zeros included however many: "05", "-0", 22 bytes of "0…05".
    for (const [value, next] of [["05", 6], ["-0", 1], [`${"0".repeat(21)}5`, 6]] as const) {
      await put(`/v1/${ns}/items/ok`, value);
      const counted = await post(`/v1/${ns}/items/ok?op=incr`);
      expect(counted.status, value).toBe(200);
      expect((await counted.json<{ value: number }>()).value, value).toBe(next);
    }
  });

  it("an expired counter is absent: 404, or recreated from initial", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/n?ttl=1`, "10");
    await sleep(2100);
    await expectError(await post(`/v1/${ns}/items/n?op=incr`), 404, "not_found");
    expect((await (await post(`/v1/${ns}/items/n?op=incr&initial=3`)).json<{ value: number }>()).value).toBe(3);
  });

  it("20 concurrent increments add exactly 20", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/hits`, "0");
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(`/v1/${ns}/items/hits?op=incr`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const values = await Promise.all(responses.map(async (r) => (await r.json<{ value: number }>()).value));
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await (await api(`/v1/${ns}/items/hits`, { headers: { "cache-control": "no-cache" } })).text()).toBe("20");
  });

  it("20 concurrent increments with initial on an absent key lose nothing", async () => {
    const ns = uniqueNamespace();
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(`/v1/${ns}/items/hits?op=incr&initial=1`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await (await api(`/v1/${ns}/items/hits`, { headers: { "cache-control": "no-cache" } })).text()).toBe("20");
  });
});

describe("touch", () => {
  it("sets a new expiry without sending the value", async () => {
    const ns = uniqueNamespace();
    await api(`/v1/${ns}/items/k?ttl=60`, { method: "PUT", body: "keep me", headers: { "content-type": "text/x-custom" } });
    const now = Math.floor(Date.now() / 1000);
    const touched = await post(`/v1/${ns}/items/k?op=touch&ttl=5000`);
    expect(touched.status).toBe(200);
    const body = await touched.json<{ etag: string; expiresAt: number }>();
    expect(body.expiresAt).toBeGreaterThanOrEqual(now + 5000);
    expect(body.expiresAt).toBeLessThanOrEqual(now + 5002);
    const get = await api(`/v1/${ns}/items/k`);
    expect(await get.text()).toBe("keep me");
    expect(get.headers.get("content-type")).toBe("text/x-custom");
    expect(get.headers.get("x-expires-at")).toBe(String(body.expiresAt));
    expect(get.headers.get("etag")).toBe(body.etag);
  });

  it("ttl=0 makes it permanent; an absent or expired item is 404", async () => {
    const ns = uniqueNamespace();
    await expectError(await post(`/v1/${ns}/items/none?op=touch&ttl=10`), 404, "not_found");
    // ttl=3: the touch must arrive while the item lives, however loaded the machine is.
    await put(`/v1/${ns}/items/k?ttl=3`, "v");
    const forever = await post(`/v1/${ns}/items/k?op=touch&ttl=0`);
    expect((await forever.json<{ expiresAt: null }>()).expiresAt).toBeNull();
    await sleep(3100);
    expect(await (await api(`/v1/${ns}/items/k`)).text()).toBe("v");
    await put(`/v1/${ns}/items/short?ttl=1`, "v");
    await sleep(2100);
    await expectError(await post(`/v1/${ns}/items/short?op=touch&ttl=100`), 404, "not_found");
  });

  it("can shorten an item's life so that it expires", async () => {
    const ns = uniqueNamespace();
    await put(`/v1/${ns}/items/k?ttl=1000`, "v");
    await (await api(`/v1/${ns}/items/k`)).text(); // cached here
    await post(`/v1/${ns}/items/k?op=touch&ttl=1`);
    await sleep(2100);
    await expectError(await api(`/v1/${ns}/items/k`), 404, "not_found");
  });
});
