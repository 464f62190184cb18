import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createServer as createTcpServer, type Socket } from "node:net";
import { BodyTooLongError, DEFAULT_MAX_UNDECLARED_BODY, DRAIN_LIMIT, IDLE_MS, isStaleConnection, mayResend, type NodeFetch, NodeResponse, nodeFetch } from "./node-fetch.js";

const bytesOf = (text: string): Buffer => Buffer.from(text, "utf8");

describe("NodeResponse: what the typed client reads of an answer, without a web Response", () => {
  it("finds headers by any case and joins repeated ones as fetch does", () => {
    const answer = new NodeResponse(200, { etag: '"abc"', "set-cookie": ["a=1", "b=2"] }, Readable.from([bytesOf("x")]));
    expect(answer.headers.get("ETag")).toBe('"abc"');
    expect(answer.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(answer.headers.get("x-absent")).toBeNull();
  });

  it("is ok for 2xx only", () => {
    expect(new NodeResponse(204, {}, null).ok).toBe(true);
    expect(new NodeResponse(299, {}, null).ok).toBe(true);
    expect(new NodeResponse(304, {}, null).ok).toBe(false);
    expect(new NodeResponse(404, {}, Readable.from([bytesOf("{}")])).ok).toBe(false);
  });

  it("hands over the exact bytes of every chunk, as a copy the chunks' memory cannot change", async () => {
    const pooled = Buffer.from([0, 1, 2, 255, 254, 7]);
    const answer = new NodeResponse(200, {}, Readable.from([pooled.subarray(1, 4), pooled.subarray(4)]));
    const bytes = new Uint8Array(await answer.arrayBuffer());
    pooled.fill(9);
    expect([...bytes]).toEqual([1, 2, 255, 254, 7]);
  });

  it("reads text as UTF-8, a character split between chunks included", async () => {
    const whole = bytesOf("héllo ✓");
    const answer = new NodeResponse(200, {}, Readable.from([whole.subarray(0, 2), whole.subarray(2, 8), whole.subarray(8)]));
    expect(await answer.text()).toBe("héllo ✓");
  });

  it("has no body for an answer without one, and reads it as empty", async () => {
    const answer = new NodeResponse(304, {}, null);
    expect(answer.body).toBeNull();
    expect(await answer.text()).toBe("");
    expect((await answer.arrayBuffer()).byteLength).toBe(0);
  });

  it("streams the body as it arrives: a chunk is readable before the answer has ended", async () => {
    const live = new PassThrough();
    const answer = new NodeResponse(200, {}, live);
    const reader = answer.body?.getReader();
    if (!reader) throw new Error("no body");
    live.write(bytesOf("first"));
    const first = await reader.read();
    expect(Buffer.from(first.value ?? []).toString()).toBe("first");
    expect(live.writableEnded).toBe(false);
    live.end(bytesOf("second"));
    const second = await reader.read();
    expect(Buffer.from(second.value ?? []).toString()).toBe("second");
    expect((await reader.read()).done).toBe(true);
    expect(answer.body).toBe(answer.body);
  });

  it("pauses the source while the reader is behind (no buffering of the whole body)", async () => {
    const live = new PassThrough({ highWaterMark: 1024 });
    const answer = new NodeResponse(200, {}, live);
    const reader = answer.body?.getReader();
    if (!reader) throw new Error("no body");
    let accepted = 0;
    // Written until the source says it is full: with nothing read, that is a few chunks, not all of them.
    while (accepted < 1000 && live.write(Buffer.alloc(1024))) accepted += 1;
    await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toBeLessThan(10);
    expect((await reader.read()).value?.byteLength).toBe(1024);
    await reader.cancel();
  });

  it("a body is read once: as a stream or whole, not both", async () => {
    const whole = new NodeResponse(200, {}, Readable.from([bytesOf("x")]));
    expect(await whole.text()).toBe("x");
    await expect(whole.arrayBuffer()).rejects.toThrow(TypeError);
    await expect(new Response(whole.body).text()).rejects.toThrow(TypeError);
    const streamed = new NodeResponse(200, {}, Readable.from([bytesOf("y")]));
    expect(await new Response(streamed.body).text()).toBe("y");
    await expect(streamed.text()).rejects.toThrow(TypeError);
  });

  it("an error of the source (an abort, a reset) rejects a whole read and errors the stream, even when it came first", async () => {
    const broken = new PassThrough();
    const answer = new NodeResponse(200, {}, broken);
    const reason = new Error("reset");
    broken.destroy(reason);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(answer.arrayBuffer()).rejects.toBe(reason);
    const later = new PassThrough();
    const streamed = new NodeResponse(200, {}, later);
    const reading = new Response(streamed.body).arrayBuffer();
    later.write(bytesOf("part"));
    later.destroy(reason);
    await expect(reading).rejects.toBe(reason);
  });

  it("a source closed before its end rejects instead of passing a cut body off as whole", async () => {
    const cut = new PassThrough();
    const answer = new NodeResponse(200, {}, cut);
    const reading = answer.arrayBuffer();
    cut.write(bytesOf("part"));
    cut.destroy();
    await expect(reading).rejects.toThrow("closed before the body ended");
  });

  it("cancel drains a short rest (the connection is kept) and cuts a long one", async () => {
    const short = new PassThrough();
    const shortAnswer = new NodeResponse(200, { "content-length": String(DRAIN_LIMIT) }, short);
    await shortAnswer.body?.cancel();
    short.end(Buffer.alloc(DRAIN_LIMIT));
    await new Promise((resolve) => short.once("end", resolve));
    expect(short.readableEnded).toBe(true);

    const long = new PassThrough();
    const longAnswer = new NodeResponse(200, { "content-length": String(DRAIN_LIMIT + 1) }, long);
    await longAnswer.body?.cancel();
    expect(long.destroyed).toBe(true);

    const unknown = new PassThrough();
    await new NodeResponse(200, {}, unknown).body?.cancel();
    expect(unknown.destroyed).toBe(true);
  });

  it("a whole read of an answer without a length stops at the limit, cuts the source and says why", async () => {
    const endless = new PassThrough();
    const answer = new NodeResponse(200, {}, endless, 4096);
    const reading = answer.arrayBuffer();
    for (let i = 0; i < 8 && !endless.destroyed; i += 1) endless.write(Buffer.alloc(1024));
    const err = await reading.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLongError);
    expect(String(err)).toContain("no Content-Length");
    expect(String(err)).toContain("4096 bytes");
    expect(endless.destroyed).toBe(true);
    // Up to the limit, a body is read whole as before.
    expect((await new NodeResponse(200, {}, Readable.from([Buffer.alloc(4096)]), 4096).arrayBuffer()).byteLength).toBe(4096);
    // The default is bounded.
    expect(DEFAULT_MAX_UNDECLARED_BODY).toBe(256 * 1024 * 1024);
  });

  it("a whole read never goes past the declared Content-Length", async () => {
    const lying = new PassThrough();
    const answer = new NodeResponse(200, { "content-length": "10" }, lying);
    const reading = answer.text();
    lying.write(bytesOf("0123456789"));
    lying.write(bytesOf("more"));
    await expect(reading).rejects.toThrow("longer than its Content-Length (10 bytes)");
  });
});

// ---- nodeFetch against a small local server (the transport's mechanics, not the Worker's) -------

interface Local {
  url: string;
  /** TCP connections the server accepted. */
  connections: number;
  server: Server;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

async function listening(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function localServer(handler: Handler): Promise<Local> {
  const server = createServer(handler);
  const local: Local = { url: "", connections: 0, server };
  server.on("connection", () => {
    local.connections += 1;
  });
  local.url = `http://${await listening(server)}`;
  opened.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return local;
}

function pooled(options: { maxSockets?: number; maxUndeclaredBodyBytes?: number } = {}): NodeFetch {
  const fetch = nodeFetch(options);
  opened.push(fetch);
  return fetch;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Echoes what came: method, the headers that matter here, and the body's length. */
const echo: Handler = (req, res) => {
  void bodyOf(req).then((body) => {
    const seen = {
      method: req.method,
      length: body.byteLength,
      text: body.byteLength <= 64 ? body.toString("utf8") : null,
      contentLength: req.headers["content-length"] ?? null,
      chunked: req.headers["transfer-encoding"] === "chunked",
      token: req.headers.authorization ?? null,
    };
    res.writeHead(200, { "content-type": "application/json", "x-twice": ["a", "b"] }).end(JSON.stringify(seen));
  });
};

function streamOf(chunks: number, chunkSize: number, onPull?: () => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      onPull?.();
      if (sent === chunks) return controller.close();
      sent += 1;
      controller.enqueue(new Uint8Array(chunkSize).fill(sent % 256));
    },
  });
}

describe("nodeFetch", () => {
  it("sends strings and bytes with their length and the given headers, and reuses one connection", async () => {
    const local = await localServer(echo);
    const fetch = pooled();
    const text = await (await fetch(`${local.url}/a?b=1`, { method: "PUT", headers: { authorization: "Bearer t" }, body: "héllo" })).text();
    expect(JSON.parse(text)).toMatchObject({ method: "PUT", length: 6, text: "héllo", contentLength: "6", chunked: false, token: "Bearer t" });
    const bytes = await fetch(local.url, { method: "POST", body: new Uint8Array([1, 2, 3]).subarray(1) });
    expect(bytes.headers.get("X-Twice")).toBe("a, b");
    expect(JSON.parse(await bytes.text())).toMatchObject({ method: "POST", length: 2, contentLength: "2" });
    for (let i = 0; i < 5; i += 1) await (await fetch(local.url, { method: "GET" })).arrayBuffer();
    expect(local.connections).toBe(1);
  });

  it("streams a ReadableStream chunked when no length is given, and with the length when it is", async () => {
    const local = await localServer(echo);
    const fetch = pooled();
    const chunked = await fetch(local.url, { method: "PUT", body: streamOf(10, 1000), duplex: "half" } as RequestInit);
    expect(JSON.parse(await chunked.text())).toMatchObject({ length: 10_000, chunked: true, contentLength: null });
    const sized = await fetch(local.url, { method: "PUT", headers: { "content-length": "10000" }, body: streamOf(10, 1000), duplex: "half" } as RequestInit);
    expect(JSON.parse(await sized.text())).toMatchObject({ length: 10_000, chunked: false, contentLength: "10000" });
    const blob = await fetch(local.url, { method: "PUT", body: new Blob(["blob ", "body"]) });
    expect(JSON.parse(await blob.text())).toMatchObject({ length: 9, text: "blob body", contentLength: "9" });
  });

  it("reads a streamed request body only as fast as the server takes it (backpressure)", async () => {
    let arrived: IncomingMessage | undefined;
    const local = await localServer((req, res) => {
      arrived = req;
      req.pause();
      req.once("end", () => res.end("done"));
    });
    const fetch = pooled();
    let pulls = 0;
    const chunk = 64 * 1024;
    const total = 1024; // 64 MiB offered
    const answer = fetch(local.url, { method: "PUT", body: streamOf(total, chunk, () => (pulls += 1)), duplex: "half" } as RequestInit);
    while (arrived === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    // The server reads nothing: the socket's buffers fill and the source stops being pulled.
    let settled = -1;
    while (settled !== pulls) {
      settled = pulls;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pulls * chunk).toBeLessThan(16 * 1024 * 1024);
    arrived.resume();
    expect(await (await answer).text()).toBe("done");
    expect(pulls).toBe(total + 1);
  });

  it("an abort while a stream is sent rejects with the reason and cancels the stream", async () => {
    const local = await localServer((req) => req.pause());
    const fetch = pooled();
    const controller = new AbortController();
    let cancelled: unknown;
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls += 1;
        // One chunk, then nothing more for now: the source is slow.
        if (pulls === 1) c.enqueue(new Uint8Array(1000));
        else return new Promise<void>(() => undefined);
      },
      cancel(reason) {
        cancelled = reason ?? "cancelled";
      },
    });
    const pending = fetch(local.url, { method: "PUT", body: source, duplex: "half", signal: controller.signal } as RequestInit);
    while (pulls < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const reason = new Error("stop the upload");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    while (cancelled === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled).toBeDefined();
  });

  it("has no body for HEAD, 204 and 304, and keeps the connection for the next request", async () => {
    const local = await localServer((req, res) => {
      const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? 200);
      res.writeHead(status, status === 200 ? { etag: '"e"', "content-length": "5" } : { etag: '"e"' });
      res.end(req.method === "HEAD" || status !== 200 ? undefined : "hello");
    });
    const fetch = pooled();
    const head = await fetch(local.url, { method: "HEAD" });
    expect([head.status, head.body, head.headers.get("etag"), head.headers.get("content-length")]).toStrictEqual([200, null, '"e"', "5"]);
    for (const status of [204, 304]) expect((await fetch(`${local.url}/?status=${status}`, { method: "GET" })).body).toBeNull();
    expect(await (await fetch(local.url, { method: "GET" })).text()).toBe("hello");
    expect(local.connections).toBe(1);
  });

  it("opens at most maxSockets connections, however many requests wait", async () => {
    const waiting: ServerResponse[] = [];
    const local = await localServer((_req, res) => {
      // Answers only once two requests are in: a pool that opened more would show more connections.
      waiting.push(res);
      if (waiting.length >= 2) for (const held of waiting.splice(0)) held.end("ok");
    });
    const fetch = pooled({ maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(local.url, { method: "GET" }).then((r) => r.text())));
    expect(answers).toStrictEqual(Array(6).fill("ok"));
    expect(local.connections).toBe(2);
  });

  it("an abort before the answer rejects with the signal's reason", async () => {
    const local = await localServer(() => undefined);
    const fetch = pooled();
    const controller = new AbortController();
    const pending = fetch(local.url, { method: "GET", signal: controller.signal });
    const reason = new Error("gave up");
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
    await expect(fetch(local.url, { method: "GET", signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("an abort while the body is read errors the read, whole or streamed, with the signal's reason", async () => {
    const local = await localServer((_req, res) => {
      res.writeHead(200, { "content-length": "1000000" });
      res.write(Buffer.alloc(1000)); // and never the rest
    });
    const fetch = pooled();
    const whole = new AbortController();
    const first = await fetch(local.url, { method: "GET", signal: whole.signal });
    const reading = first.arrayBuffer();
    whole.abort(new Error("stop whole"));
    await expect(reading).rejects.toThrow("stop whole");

    const streamed = new AbortController();
    const second = await fetch(local.url, { method: "GET", signal: streamed.signal });
    const reader = second.body?.getReader();
    if (!reader) throw new Error("no body");
    expect((await reader.read()).value?.byteLength).toBeGreaterThan(0);
    streamed.abort(new Error("stop streamed"));
    await expect(reader.read()).rejects.toThrow("stop streamed");
  });

  it("cancelling a long body frees its connection for the next request", async () => {
    const local = await localServer((req, res) => {
      if (req.url === "/big") {
        res.writeHead(200, { "content-length": String(64 * 1024 * 1024) });
        res.write(Buffer.alloc(256 * 1024)); // the rest never comes
      } else {
        res.end("small");
      }
    });
    const fetch = pooled({ maxSockets: 1 });
    const big = await fetch(`${local.url}/big`, { method: "GET" });
    const reader = big.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    // With one socket, this waits forever unless the cancel released it.
    expect(await (await fetch(`${local.url}/small`, { method: "GET" })).text()).toBe("small");
  });

  it("a whole read of an endless body without a length fails at the limit, instead of filling memory", async () => {
    let written = 0;
    const local = await localServer((_req, res) => {
      // Chunked, no Content-Length, never ending (until the client hangs up).
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const more = (): void => {
        while (!res.destroyed && res.write(Buffer.alloc(64 * 1024))) written += 64 * 1024;
        if (!res.destroyed) res.once("drain", more);
      };
      more();
    });
    const fetch = pooled({ maxUndeclaredBodyBytes: 1024 * 1024 });
    const answer = await fetch(local.url, { method: "GET" });
    await expect(answer.arrayBuffer()).rejects.toBeInstanceOf(BodyTooLongError);
    const again = await fetch(local.url, { method: "GET" });
    await expect(again.text()).rejects.toThrow("no Content-Length");
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(() => nodeFetch({ maxUndeclaredBodyBytes: -1 })).toThrow(TypeError);
  });

  it("refuses requests once closed, and ftp: always", async () => {
    const local = await localServer(echo);
    const fetch = nodeFetch();
    await (await fetch(local.url, { method: "GET" })).text();
    fetch.close();
    await expect(fetch(local.url, { method: "GET" })).rejects.toThrow("closed");
    await expect(pooled()("ftp://127.0.0.1/", { method: "GET" })).rejects.toThrow(TypeError);
    expect(() => nodeFetch({ maxSockets: 0 })).toThrow(TypeError);
  });

  it("speaks https: (and checks the server's certificate)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "node-fetch-tls-"));
    try {
      await promisify(execFile)("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]);
      const tls = createTlsServer({ key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) }, echo);
      const address = await listening(tls);
      opened.push({ close: () => tls.close() });
      // The server sees a TLS handshake, which the client ends on the unknown certificate.
      const refused = once(tls, "tlsClientError");
      const err = await pooled()(`https://${address}/`, { method: "GET" }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      await refused;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("mayResend: only a read is sent again after a stale-looking connection", () => {
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  it("GET and HEAD (any case), never a write", () => {
    for (const method of ["GET", "HEAD", "get"]) expect(mayResend(method, reset, true, false), method).toBe(true);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) expect(mayResend(method, reset, true, false), method).toBe(false);
    expect(mayResend("GET", reset, false, false)).toBe(false);
    expect(mayResend("GET", reset, true, true)).toBe(false);
  });
});

describe("isStaleConnection: whether a request failed the way a stale pooled connection fails", () => {
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  const pipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
  it("only a reset or broken pipe on a reused connection, before any answer", () => {
    expect(isStaleConnection(reset, true, false)).toBe(true);
    expect(isStaleConnection(pipe, true, false)).toBe(true);
    expect(isStaleConnection(reset, false, false)).toBe(false); // a new connection: the server may have seen it
    expect(isStaleConnection(reset, true, true)).toBe(false); // an answer began
    expect(isStaleConnection(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), true, false)).toBe(false);
    expect(isStaleConnection(new Error("no code"), true, false)).toBe(false);
    expect(isStaleConnection(null, true, false)).toBe(false);
  });
});

/**
 * A keep-alive server that answers the first request of each connection and resets (RST) the
 * connection when a second request arrives on it: what a server closing an idle connection just as
 * the client reuses it looks like to the client. Counts connections and requests.
 */
async function resettingServer(): Promise<{ url: string; connections: number; requests: number; reset: number }> {
  const seen = { url: "", connections: 0, requests: 0, reset: 0 };
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    seen.connections += 1;
    let buffered = "";
    let answered = 0;
    socket.on("data", (data) => {
      buffered += data.toString("latin1");
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        seen.requests += 1;
        if (answered === 1) {
          seen.reset += 1;
          socket.resetAndDestroy();
          return;
        }
        answered += 1;
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  seen.url = `http://${await listening(server as unknown as Server)}`;
  opened.push({
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  });
  return seen;
}

describe("nodeFetch: pooled connections the server closed", () => {
  it("sends a read again, once, on a new connection when its reused one is reset before any answer", async () => {
    for (const method of ["GET", "HEAD"]) {
      const server = await resettingServer();
      const fetch = pooled();
      await (await fetch(server.url, { method: "GET" })).text();
      // Reuses the connection, which the server resets: sent again on a new one, answered there.
      const answer = await fetch(server.url, { method });
      expect(answer.status, method).toBe(200);
      expect(server, method).toMatchObject({ connections: 2, requests: 3, reset: 1 });
    }
  });

  it("never sends a write again: the server may have applied it before the connection dropped", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const server = await resettingServer();
      const fetch = pooled();
      await (await fetch(server.url, { method: "GET" })).text();
      // The server reads the whole request (it could have applied it), then drops the connection.
      const err = await fetch(server.url, { method, body: "value" }).catch((e: unknown) => e);
      expect(err, method).toMatchObject({ code: "ECONNRESET" });
      expect(server, method).toMatchObject({ connections: 1, requests: 2, reset: 1 });
    }
  });

  it("does not send a streamed body twice: the reset is the caller's error", async () => {
    const server = await resettingServer();
    const fetch = pooled();
    await (await fetch(server.url, { method: "GET" })).text();
    const err = await fetch(server.url, { method: "PUT", body: streamOf(1, 8) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ECONNRESET" });
    expect(server).toMatchObject({ connections: 1, requests: 2, reset: 1 });
  });

  it("closes an idle pooled connection after IDLE_MS, before a server would", async () => {
    const local = await localServer(echo);
    const fetch = pooled();
    const serverSide = new Promise<Socket>((resolve) => local.server.once("connection", resolve));
    await (await fetch(local.url, { method: "GET" })).arrayBuffer();
    const socket = await serverSide;
    const idleSince = Date.now();
    await once(socket, "close");
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(local.connections).toBe(1);
  }, IDLE_MS + 10_000);
});

