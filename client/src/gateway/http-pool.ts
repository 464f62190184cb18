// A `fetch` for the typed client over node:http(s) with a bounded pool of keep-alive connections
// to the Worker: at most `maxSockets` at once, reused between requests, so a hit costs no new
// connection. Bodies are small buffered values here (the gateway holds each whole), so the
// answer's body is read whole before the Response is built.

import http from "node:http";
import https from "node:https";
import type { FetchLike } from "../transport.js";

export interface Pool {
  fetch: FetchLike;
  /** Closes idle connections and refuses new requests. */
  close(): void;
}

function bodyBytes(body: RequestInit["body"]): Buffer | string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError("the gateway's pool sends only strings and bytes");
}

function headersOf(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

export function keepAlivePool(maxSockets: number): Pool {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  const agents = { "http:": new http.Agent(options), "https:": new https.Agent(options) };
  const fetch: FetchLike = (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(input);
      const secure = target.protocol === "https:";
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const body = bodyBytes(init.body);
      const headers = headersOf(init);
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const request = (secure ? https : http).request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: init.method ?? "GET",
          headers,
          agent: secure ? agents["https:"] : agents["http:"],
        },
        (response) => {
          const parts: Buffer[] = [];
          response.on("data", (part: Buffer) => parts.push(part));
          response.on("error", fail);
          response.on("end", () => {
            signal?.removeEventListener("abort", onAbort);
            const status = response.statusCode ?? 502;
            const out = new Headers();
            for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) out.append(response.rawHeaders[i] as string, response.rawHeaders[i + 1] as string);
            const noBody = status === 204 || status === 304 || init.method === "HEAD";
            resolve(new Response(noBody ? null : Buffer.concat(parts), { status, headers: out }));
          });
        },
      );
      function fail(err: unknown): void {
        signal?.removeEventListener("abort", onAbort);
        reject(err);
      }
      function onAbort(): void {
        request.destroy();
        reject(signal?.reason);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", fail);
      request.end(body);
    });
  return {
    fetch,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}
