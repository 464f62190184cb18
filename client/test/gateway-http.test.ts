// What only the gateway has: how memcached's items map onto the HTTP API (flags, expiry, batches),
// its documented differences from memcached, its limits, the Worker failing, and the CLI command.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudCached } from "../src/index.js";
import { CLI } from "./support/cli.js";
import { errorBody, startFaultServer } from "./support/fault-server.js";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";
import { startCliGateway, residentBytes } from "./support/cli-gateway.js";
import { startGatewayTarget } from "./support/memcached-servers.js";
import { RawConnection } from "./support/raw-socket.js";

const END = /^(END|ERROR|CLIENT_ERROR .*|SERVER_ERROR .*)$/;

describe("gateway ↔ HTTP API", () => {
  let gateway: Awaited<ReturnType<typeof startGatewayTarget>>;
  let http: CloudCached;
  let conn: RawConnection;

  beforeAll(async () => {
    gateway = await startGatewayTarget();
    http = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: gateway.gateway.namespace });
    conn = await RawConnection.open(gateway.host, gateway.port);
  });
  afterAll(async () => {
    conn?.close();
    await gateway?.stop();
  });

  it("flags live in the content type; an item written over HTTP reads with flags 0, byte for byte", async () => {
    expect(await conn.ask("set flagged 5 0 2\r\nhi\r\n")).toBe("STORED\r\n");
    const item = await http.gets("flagged");
    expect(item?.contentType).toBe("application/octet-stream; memcached-flags=5");
    expect(item?.value).toEqual(new Uint8Array([104, 105]));
    await http.set("from-http", "héllo", { ttl: 0 });
    expect(await conn.ask("get from-http\r\n", END)).toBe("VALUE from-http 0 6\r\nhéllo\r\nEND\r\n".replace("é", "\xc3\xa9"));
    expect(await conn.ask("append from-http 9 0 1\r\n!\r\n")).toBe("STORED\r\n");
    expect((await http.gets("from-http"))?.contentType).toBe("text/plain; charset=utf-8"); // append keeps the item's type
  });

  it("exptime: 0 never, relative seconds, absolute unix time; append and incr keep the expiry", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await conn.ask("set never 0 0 1\r\nv\r\n")).toBe("STORED\r\n");
    expect((await http.gets("never"))?.expiresAt).toBeNull();
    expect(await conn.ask("set rel 0 100 1\r\n7\r\n")).toBe("STORED\r\n");
    const rel = (await http.gets("rel"))?.expiresAt as number;
    expect(rel - now).toBeGreaterThanOrEqual(99);
    expect(rel - now).toBeLessThanOrEqual(102);
    expect(await conn.ask(`set abs 0 ${now + 5000} 1\r\nv\r\n`)).toBe("STORED\r\n");
    expect(Math.abs(((await http.gets("abs"))?.expiresAt as number) - (now + 5000))).toBeLessThanOrEqual(1);
    expect(await conn.ask("incr rel 1\r\n")).toBe("8\r\n");
    expect(Math.abs(((await http.gets("rel"))?.expiresAt as number) - rel)).toBeLessThanOrEqual(1);
  });

  it("a multi-get is one batch request per batch size the deployment allows (GET /v1)", async () => {
    const size = await http.batchSize();
    expect(size).toBeLessThan(150); // so the get below is split
    const keys = Array.from({ length: 150 }, (_, i) => `many-${i}`);
    await http.setMany(Object.fromEntries(keys.map((k) => [k, k])), { ttl: 0 });
    const before = gateway.gateway.stats.get("backend_requests");
    const answer = await conn.ask(`get ${keys.join(" ")}\r\n`, END);
    expect(answer.split("\r\n").filter((line) => line.startsWith("VALUE "))).toHaveLength(150);
    expect(gateway.gateway.stats.get("backend_requests") - before).toBe(Math.ceil(150 / size));
  });

  it("append and incr are atomic: concurrent ones all count", async () => {
    expect(await conn.ask("set racy 0 0 0\r\n\r\n")).toBe("STORED\r\n");
    expect(await conn.ask("set counter 0 0 1\r\n0\r\n")).toBe("STORED\r\n");
    const clients = await Promise.all(Array.from({ length: 6 }, () => RawConnection.open(gateway.host, gateway.port)));
    try {
      const answers = await Promise.all(clients.map(async (c, i) => [await c.ask(`append racy 0 0 1\r\n${i}\r\n`), await c.ask("incr counter 1\r\n")]));
      expect(answers.map(([appended]) => appended)).toEqual(Array(6).fill("STORED\r\n"));
      expect(new Set(answers.map(([, counted]) => counted)).size).toBe(6);
    } finally {
      for (const c of clients) c.close();
    }
    const racy = await conn.ask("get racy\r\n", END);
    expect([...(/\r\n(\d+)\r\nEND/.exec(racy)?.[1] ?? "")].sort().join("")).toBe("012345");
    expect(await conn.ask("get counter\r\n", END)).toBe("VALUE counter 0 1\r\n6\r\nEND\r\n");
  });

  it("differences from memcached: flush_all with a delay, flags over 32 bits, keys the API refuses", async () => {
    expect(await conn.ask("flush_all 10\r\n")).toBe("CLIENT_ERROR flush_all with a delay is not supported: the namespace is flushed at once or not at all\r\n");
    expect(await conn.ask("set x 4294967296 0 1\r\n")).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await conn.ask("get a//b\r\n")).toBe("CLIENT_ERROR invalid key: empty path segment\r\n");
    expect(await conn.ask("get a/../b\r\n")).toBe("CLIENT_ERROR invalid key: '.' and '..' segments are not allowed\r\n");
    expect(await conn.ask("get \x01x\r\n")).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await conn.ask("get \xff\r\n")).toBe("CLIENT_ERROR invalid key: not UTF-8\r\n");
    expect(await conn.ask("version\r\n")).toBe("VERSION 1.6.0-cloudcached-test\r\n");
  });

  it("a line over the limit: CLIENT_ERROR line too long, and the connection is closed", async () => {
    const other = await RawConnection.open(gateway.host, gateway.port);
    other.send(`get ${"k ".repeat(40_000)}`);
    expect(await other.lines()).toBe("CLIENT_ERROR line too long\r\n");
    await other.closedByServer();
  });
});

describe("gateway limits and failures", () => {
  it("a noreply command the Worker refuses is not answered: every later answer stays with its own command", async () => {
    const admin = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: uniqueNamespace("gw-ro") });
    await admin.set("a", "A", { ttl: 0 });
    await admin.set("b", "B", { ttl: 0 });
    // a token that may read but not write: every write through this gateway is refused (403)
    const { token } = await admin.mintToken({ namespaces: [admin.namespace], scopes: ["read"], ttl: 300 });
    const target = await startGatewayTarget({ namespace: admin.namespace, token });
    const conn = await RawConnection.open(target.host, target.port);
    try {
      conn.send("set a 0 0 1 noreply\r\nX\r\ndelete a noreply\r\ntouch a 10 noreply\r\nincr a 1 noreply\r\nflush_all noreply\r\nadd c 0 0 1 noreply\r\nY\r\n");
      expect(await conn.ask("get b\r\n", END)).toBe("VALUE b 0 1\r\nB\r\nEND\r\n");
      expect(await conn.ask("get a\r\n", END)).toBe("VALUE a 0 1\r\nA\r\nEND\r\n");
      expect(await conn.ask("set a 0 0 1\r\nX\r\n")).toMatch(/^SERVER_ERROR cloudcached 403 /);
    } finally {
      conn.close();
      await target.stop();
    }
  });

  it("a multi-get where one key fails answers the other keys' values; only when every key fails is it an error", async () => {
    const index = { status: 200, body: JSON.stringify({ limits: { batchKeys: 100 } }) };
    const value = (text: string): Record<string, unknown> => ({ value: text, encoding: "utf8", contentType: "text/plain", etag: `e-${text}`, expiresAt: null });
    const unreachable = { error: { code: "storage_unavailable", message: "storage could not be reached for the GET" } };
    const faults = await startFaultServer([
      index,
      { status: 200, body: JSON.stringify({ get: { a: value("A"), b: unreachable, c: null } }) },
      { status: 200, body: JSON.stringify({ get: { a: unreachable, b: unreachable } }) },
    ]);
    const target = await startGatewayTarget({ url: faults.url, retries: 0 });
    const conn = await RawConnection.open(target.host, target.port);
    try {
      expect(await conn.ask("get a b c\r\n", END)).toBe("VALUE a 0 1\r\nA\r\nEND\r\n");
      expect(await conn.ask("get a b\r\n", END)).toBe("SERVER_ERROR cloudcached storage_unavailable: storage could not be reached for the GET\r\n");
      expect(target.gateway.stats.get("backend_errors")).toBe(2);
    } finally {
      conn.close();
      await target.stop();
      await faults.close();
    }
  });

  it("an item larger than --max-item-size is never handed out: a get answers it as a miss", async () => {
    const target = await startGatewayTarget({ maxValueBytes: 1000 });
    const http = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: target.gateway.namespace });
    await http.set("big", new Uint8Array(5000).fill(120), { ttl: 0 });
    await http.set("small", "s", { ttl: 0 });
    const conn = await RawConnection.open(target.host, target.port);
    try {
      expect(await conn.ask("get big\r\n", END)).toBe("END\r\n");
      expect(await conn.ask("gets big small\r\n", END)).toMatch(/^VALUE small 0 1 \d+\r\ns\r\nEND\r\n$/);
      expect(await conn.ask("gat 100 big\r\n", END)).toBe("END\r\n");
      expect(await conn.ask("mg big v\r\n")).toBe("EN\r\n");
      expect(await conn.ask("stats\r\n", /^END$/)).toMatch(/STAT get_misses 3\r\n/);
    } finally {
      conn.close();
      await target.stop();
    }
  });

  it("an item over --max-item-size is a miss from its Content-Length alone: its value is never downloaded", async () => {
    // The stand-in Worker promises 5000 bytes and never sends them: a gateway that read the value
    // before judging its size would wait for good (the timeout is far beyond the test's).
    const worker = await startFaultServer([], { stall: { length: 5000, sent: "" } });
    const target = await startGatewayTarget({ url: worker.url, maxValueBytes: 1000, timeoutMs: 600_000, retries: 0 });
    const conn = await RawConnection.open(target.host, target.port);
    try {
      expect(await conn.ask("get big\r\n", END)).toBe("END\r\n");
      expect(await conn.ask("mg big v N30\r\n")).toMatch(/^EN\r\n$/);
      expect(worker.requests.map((request) => request.method)).toEqual(["GET", "GET"]);
    } finally {
      conn.close();
      await target.stop();
      await worker.close();
    }
  });

  it("64 MiB pipelined while the Worker never answers: the connection is not read past a bound, memory stays bounded, others are served", async () => {
    const worker = await startFaultServer([], { hang: true });
    const gateway = await startCliGateway(["--url", worker.url, "--timeout", "600000"]);
    const flood = await RawConnection.open("127.0.0.1", gateway.port);
    const other = await RawConnection.open("127.0.0.1", gateway.port);
    try {
      let otherSent = 0;
      const ask = async (command: string, last?: RegExp): Promise<string> => {
        otherSent += command.length;
        return other.ask(command, last);
      };
      const readFromFlood = async (): Promise<number> => Number(/STAT bytes_read (\d+)/.exec(await ask("stats\r\n", /^END$/))?.[1]) - otherSent;
      expect(await ask("version\r\n")).toMatch(/^VERSION /);
      const before = residentBytes(gateway.pid);
      const command = "get k\r\n";
      const pipelined = Buffer.from(command.repeat(Math.ceil((64 * 1024 * 1024) / command.length)), "latin1");
      flood.send(pipelined); // the first get waits on the Worker for good; the rest queue behind it
      // until the gateway has stopped reading the flood (what it read stops growing)
      let read = -1;
      for (let polls = 0; polls < 50; polls += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const now = await readFromFlood();
        if (now === read) break;
        read = now;
      }
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(8 * 1024 * 1024);
      expect(residentBytes(gateway.pid) - before).toBeLessThan(24 * 1024 * 1024);
      expect(await ask("version\r\n")).toMatch(/^VERSION /);
      expect(await ask("mn\r\n")).toBe("MN\r\n");
    } finally {
      flood.close();
      other.close();
      await gateway.stop();
      await worker.close();
    }
  }, 90_000);

  it("listens on 127.0.0.1 unless told otherwise; refuses connections over its limit", async () => {
    const target = await startGatewayTarget({ maxConnections: 2 });
    try {
      expect(target.host).toBe("127.0.0.1");
      const a = await RawConnection.open(target.host, target.port);
      const b = await RawConnection.open(target.host, target.port);
      expect(await a.ask("version\r\n")).toMatch(/^VERSION /);
      const c = await RawConnection.open(target.host, target.port);
      expect(await c.lines()).toBe("SERVER_ERROR too many open connections\r\n");
      await c.closedByServer();
      expect(await b.ask("version\r\n")).toMatch(/^VERSION /);
      expect(await a.ask("stats\r\n", /^END$/)).toMatch(/STAT rejected_connections 1\r\n/);
      a.close();
      b.close();
    } finally {
      await target.stop();
    }
  });

  it("the Worker answering 5xx, too large, hanging or gone: SERVER_ERROR in bounded time, the connection usable", async () => {
    const faults = await startFaultServer([
      { status: 503, body: errorBody("storage_unavailable", "down") },
      { status: 503, body: errorBody("storage_unavailable", "down") },
      { status: 413, body: errorBody("value_too_large", "too big") },
      { hang: true },
      { destroy: true },
      { status: 500, body: errorBody("internal", "boom") },
    ]);
    const target = await startGatewayTarget({ url: faults.url, timeoutMs: 300, retries: 1 });
    const conn = await RawConnection.open(target.host, target.port);
    try {
      expect(await conn.ask("get k\r\n")).toBe("SERVER_ERROR cloudcached 503 storage_unavailable: down\r\n");
      expect(await conn.ask("set k 0 0 1\r\nv\r\n")).toBe("SERVER_ERROR object too large for cache\r\n");
      expect(await conn.ask("get k\r\n")).toMatch(/^SERVER_ERROR cloudcached is unreachable|^SERVER_ERROR cloudcached did not answer in time/);
      expect(await conn.ask("delete k\r\n")).toBe("SERVER_ERROR cloudcached 500 internal: boom\r\n");
      expect(await conn.ask("version\r\n")).toMatch(/^VERSION /);
    } finally {
      conn.close();
      await target.stop();
      await faults.close();
    }
    const gone = await startGatewayTarget({ url: faults.url, timeoutMs: 300, retries: 0 });
    const again = await RawConnection.open(gone.host, gone.port);
    try {
      expect(await again.ask("get k\r\n")).toMatch(/^SERVER_ERROR cloudcached is unreachable/);
      expect(await again.ask("mn\r\n")).toBe("MN\r\n");
    } finally {
      again.close();
      await gone.stop();
    }
  });
});

describe("cloudcached gateway (the CLI command)", () => {
  it("serves memcached with the URL, token and namespace from the environment; stops on SIGTERM", async () => {
    const gateway = await startCliGateway([], { CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: `cli-gw-${Date.now()}` });
    try {
      const conn = await RawConnection.open("127.0.0.1", gateway.port);
      expect(await conn.ask("set cli 0 0 2\r\nok\r\n")).toBe("STORED\r\n");
      expect(await conn.ask("get cli\r\n", END)).toBe("VALUE cli 0 2\r\nok\r\nEND\r\n");
      conn.close();
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it("a missing URL or a bad --listen is a usage error", async () => {
    const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, "gateway", ...args], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (part: Buffer) => (stderr += part.toString()));
        child.once("exit", (code) => resolve({ code, stderr }));
      });
    expect(await run([])).toEqual({ code: 2, stderr: "cloudcached gateway: no server URL: pass --url or set CLOUDCACHED_URL\n" });
    expect(await run(["--url", "http://127.0.0.1:1", "--listen", "nowhere"])).toEqual({ code: 2, stderr: "cloudcached gateway: --listen must be HOST:PORT, got 'nowhere'\n" });
  });
});
