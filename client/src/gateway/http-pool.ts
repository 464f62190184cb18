// A `fetch` for the typed client over node:http(s) with a bounded pool of keep-alive connections
// to the Worker: at most `maxSockets` at once, reused between requests, so a hit costs no new
// connection. Bodies are small buffered values here (the gateway holds each whole), so the
// answer's body is read whole and handed over as it is: no web Response, Headers or stream is
// built for it, which is most of what a hit would otherwise cost the gateway.

import http from "node:http";
import https from "node:https";
import type { FetchLike, ResponseLike } from "../transport.js";

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

/** The request's headers as node:http takes them (the client passes a plain object already). */
function headersOf(init: RequestInit): Record<string, string> {
  const given = init.headers;
  if (given === undefined) return {};
  if (!(given instanceof Headers) && !Array.isArray(given)) return { ...given };
  const out: Record<string, string> = {};
  new Headers(given).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** An answer read whole: what the typed client reads of a Response, without building one. */
export class BufferedResponse implements ResponseLike {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly status: number,
    received: http.IncomingHttpHeaders,
    private readonly bytes: Buffer | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get(name: string): string | null {
        const value = received[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
    };
  }

  get body(): ReadableStream<Uint8Array> | null {
    const bytes = this.bytes;
    if (bytes === null) return null;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        controller.close();
      },
    });
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.bytes ?? Buffer.alloc(0);
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    return copy;
  }

  async text(): Promise<string> {
    return (this.bytes ?? Buffer.alloc(0)).toString("utf8");
  }
}

export function keepAlivePool(maxSockets: number): Pool {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  const agents = { "http:": new http.Agent(options), "https:": new https.Agent(options) };
  const fetch: FetchLike = (input, init) =>
    new Promise<ResponseLike>((resolve, reject) => {
      const target = new URL(input);
      const secure = target.protocol === "https:";
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const body = bodyBytes(init.body);
      const headers = headersOf(init);
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const method = init.method ?? "GET";
      const request = (secure ? https : http).request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method,
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
            const noBody = status === 204 || status === 304 || method === "HEAD";
            const bytes = noBody ? null : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
            resolve(new BufferedResponse(status, response.headers, bytes));
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
