// The one minimal HTTP client every timed side of a ratio uses (node:http, keep-alive, one
// connection reused), so client-side overhead is the same small amount on both sides.
import http from "node:http";

export function keepAliveAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * One request; resolves once the whole body has arrived. `body` may be a Buffer/Uint8Array/string
 * or an async iterable of chunks (streamed). Returns `{ status, headers, size, body? }` (`body`
 * only with `keepBody`).
 */
export function request(agent, url, { method = "GET", headers = {}, body, keepBody = false } = {}) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers, agent },
      (res) => {
        const parts = [];
        let size = 0;
        res.on("data", (part) => {
          size += part.length;
          if (keepBody) parts.push(part);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, size, ...(keepBody ? { body: Buffer.concat(parts) } : {}) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body === undefined || typeof body === "string" || body instanceof Uint8Array) {
      req.end(body);
      return;
    }
    (async () => {
      for await (const chunk of body) {
        if (!req.write(chunk)) await new Promise((resolve) => req.once("drain", resolve));
      }
      req.end();
    })().catch((err) => req.destroy(err));
  });
}

/** Time of one call in milliseconds, with what it resolved to. */
export async function timed(call) {
  const started = performance.now();
  const result = await call();
  return { ms: performance.now() - started, result };
}
