import { describe, expect, it } from "vitest";
import { BufferedResponse } from "./http-pool.js";

describe("BufferedResponse: what the typed client reads of an answer, without a web Response", () => {
  it("finds headers by any case and joins repeated ones as fetch does", () => {
    const answer = new BufferedResponse(200, { etag: '"abc"', "set-cookie": ["a=1", "b=2"] }, Buffer.from("x"));
    expect(answer.headers.get("ETag")).toBe('"abc"');
    expect(answer.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(answer.headers.get("x-absent")).toBeNull();
  });

  it("is ok for 2xx only", () => {
    expect(new BufferedResponse(204, {}, null).ok).toBe(true);
    expect(new BufferedResponse(299, {}, null).ok).toBe(true);
    expect(new BufferedResponse(304, {}, null).ok).toBe(false);
    expect(new BufferedResponse(404, {}, Buffer.from("{}")).ok).toBe(false);
  });

  it("hands over the exact bytes, as a copy the pooled buffer cannot change", async () => {
    const pooled = Buffer.from([0, 1, 2, 255, 254]);
    const answer = new BufferedResponse(200, {}, pooled.subarray(1, 4));
    const bytes = new Uint8Array(await answer.arrayBuffer());
    pooled.fill(9);
    expect([...bytes]).toEqual([1, 2, 255]);
  });

  it("reads text as UTF-8 and streams the body once asked", async () => {
    const answer = new BufferedResponse(200, {}, Buffer.from("héllo ✓", "utf8"));
    expect(await answer.text()).toBe("héllo ✓");
    expect(await new Response(answer.body).text()).toBe("héllo ✓");
  });

  it("has no body for an answer without one, and reads it as empty", async () => {
    const answer = new BufferedResponse(304, {}, null);
    expect(answer.body).toBeNull();
    expect(await answer.text()).toBe("");
    expect((await answer.arrayBuffer()).byteLength).toBe(0);
  });
});
