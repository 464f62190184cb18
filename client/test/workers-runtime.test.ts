// The client inside the Workers runtime (workerd, via Miniflare): bundled by esbuild as a Worker
// would bundle it, calling the CloudCached Worker over plain fetch. Browsers are covered by the
// browser test, Node by the others; nothing in the library is specific to any of them.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";
import { ROOT } from "./support/stack.js";

const ENTRY = `
import { CloudCached, CloudCachedError } from "./client/src/index.ts";
export default {
  async fetch(request, env) {
    const cache = new CloudCached({ url: env.CC_URL, token: env.CC_TOKEN, namespace: env.CC_NS });
    const stored = await cache.put("from-workerd", { runtime: "workerd" });
    const again = await cache.put("from-workerd", "no");
    const bytes = await cache.set("bytes", new Uint8Array([9, 8, 7]));
    const out = {
      stored,
      again,
      bytesEtag: typeof bytes.etag,
      json: await cache.get("from-workerd"),
      bytes: [...(await cache.get("bytes"))],
      counter: await cache.incr("n", 2, { initial: 40 }),
      absent: await cache.get("absent"),
    };
    try {
      await new CloudCached({ url: env.CC_URL, token: "wrong" }).get("x");
    } catch (err) {
      out.error = err instanceof CloudCachedError ? err.code : String(err);
    }
    return Response.json(out);
  },
};
`;

describe("the client in the Workers runtime", () => {
  let mf: Miniflare;
  beforeAll(async () => {
    const bundled = await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: "js", sourcefile: "worker-entry.js" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    mf = new Miniflare({
      modules: true,
      script: bundled.outputFiles[0]?.text ?? "",
      compatibilityDate: "2026-04-01",
      bindings: { CC_URL: workerUrl(), CC_TOKEN: adminToken(), CC_NS: uniqueNamespace("workerd") },
    });
    await mf.ready;
  });
  afterAll(() => mf?.dispose());

  it("round-trips from a Worker", async () => {
    const response = await mf.dispatchFetch("http://client.test/");
    expect(await response.json()).toStrictEqual({
      stored: true,
      again: false,
      bytesEtag: "string",
      json: { runtime: "workerd" },
      bytes: [9, 8, 7],
      counter: 40,
      absent: null,
      error: "unauthorized",
    });
  });
});
