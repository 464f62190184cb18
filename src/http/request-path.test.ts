import { describe, expect, it } from "vitest";
import { rawPathOf } from "./request-path";

describe("rawPathOf", () => {
  it("is the URL's pathname, percent-encoding kept", () => {
    for (const url of [
      "https://cc.example/v1/ns/items/a%2Fb%20c",
      "http://127.0.0.1:8787/v1/ns/items/k?ttl=60",
      "https://cc.example/v1/ns/items/%E2%82%AC?x=1#frag",
      "https://cc.example/v1/ns/items/a#b?c",
      "https://cc.example/",
      "https://cc.example",
      "https://user:pw@cc.example:8443/v1/a/items/%25",
    ]) {
      expect(rawPathOf(url)).toBe(new URL(url).pathname);
    }
  });
});
