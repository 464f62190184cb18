import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { test } from "node:test";
import { startWanProxy } from "./wan-proxy.mjs";

test("the WAN proxy adds its round trip to each request and passes bytes intact", async () => {
  const payload = randomBytes(300_000);
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on("data", (part) => parts.push(part));
    req.on("end", () => {
      res.setHeader("x-host", req.headers.host ?? "");
      res.end(Buffer.concat(parts));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy = await startWanProxy({ host: "127.0.0.1", port: server.address().port }, 40);
  const agent = new http.Agent({ keepAlive: true });
  const send = () =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request({ host: "127.0.0.1", port: proxy.port, method: "POST", agent }, (res) => {
        const parts = [];
        res.on("data", (part) => parts.push(part));
        res.on("end", () => resolve({ ms: performance.now() - started, body: Buffer.concat(parts), host: res.headers["x-host"] }));
      });
      req.on("error", reject);
      // Small writes: many chunks per direction, each on its own delay.
      for (let offset = 0; offset < payload.length; offset += 1500) req.write(payload.subarray(offset, offset + 1500));
      req.end();
    });
  try {
    await send(); // opens the connection
    const { ms, body, host } = await send(); // reuses it: one round trip
    assert.ok(body.equals(payload), "the body came back byte for byte");
    assert.equal(host, `127.0.0.1:${proxy.port}`, "the Host header is the proxy's, untouched");
    assert.ok(ms >= 40, `a round trip took ${ms.toFixed(1)} ms, less than the proxy's 40 ms`);
    assert.ok(ms < 40 + 500, `a round trip took ${ms.toFixed(1)} ms`);
    // Many requests of many small chunks each: every byte arrives, in order.
    for (let i = 0; i < 20; i++) {
      const again = await send();
      assert.ok(again.body.equals(payload), `request ${i}: the body came back byte for byte`);
    }
  } finally {
    agent.destroy();
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
