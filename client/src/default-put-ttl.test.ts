import { describe, expect, it } from "vitest";
import { CloudCached, DEFAULT_PUT_TTL } from "./client.js";
import type { FetchLike } from "./transport.js";

/** Records the URLs the client asks for, answering as the Worker would to a successful write. */
function recorder(): { urls: URL[]; fetch: FetchLike } {
  const urls: URL[] = [];
  const fake: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    urls.push(new URL(request.url));
    return Response.json({ etag: '"e"', expiresAt: null }, { status: 201 });
  };
  return { urls, fetch: fake };
}

describe("put and update default to DEFAULT_PUT_TTL (3600 s, the original time_to_expire)", () => {
  it("send ttl=3600 when no ttl is given, whatever the server's DEFAULT_TTL", async () => {
    const { urls, fetch } = recorder();
    const cache = new CloudCached({ url: "http://cache.test", token: "t", fetch });
    await cache.put("a", "v");
    await cache.put("b", "v", { replace: true });
    await cache.update("c", "v");
    expect(urls.map((url) => url.searchParams.get("ttl"))).toEqual([String(DEFAULT_PUT_TTL), String(DEFAULT_PUT_TTL), String(DEFAULT_PUT_TTL)]);
    expect(DEFAULT_PUT_TTL).toBe(3600);
  });
  it("send the ttl given, 0 included", async () => {
    const { urls, fetch } = recorder();
    const cache = new CloudCached({ url: "http://cache.test", token: "t", fetch });
    await cache.put("a", "v", 0);
    await cache.update("b", "v", { ttl: 60 });
    expect(urls.map((url) => url.searchParams.get("ttl"))).toEqual(["0", "60"]);
  });
});
