// `npm run dev` (scripts/dev.mjs), run for real: wrangler dev + the embedded store in a temporary
// directory (CLOUDCACHED_DEV_DIR), items through the printed token, data kept across a restart,
// large reads that leave no sockets behind, nothing left running after SIGINT or SIGTERM, and clear
// refusals for a busy port or incomplete store settings. Every wait is bounded.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AwsClient } from "aws4fetch";
import { afterAll, afterEach, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ESM script shared with `npm run dev`; its shape is checked at run time.
import { startEmbeddedStore as startStoreUntyped } from "../../scripts/embedded-store.mjs";
import { freePort, launch, STOP_MS, stop, stopLaunched, withTimeout } from "./dev-launcher";
import { descendants, openSockets, stillRunning } from "./processes";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Store {
  S3_ENDPOINT: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  stop(): Promise<void>;
}
const startEmbeddedStore = startStoreUntyped as (options: { secretAccessKey: string; bucket?: string }) => Promise<Store>;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", () => resolvePromise(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePromise(true)));
  });
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cloudcached-dev-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  // A failed test must not leave a dev server behind.
  await stopLaunched();
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Runs `npm run reset` (scripts/reset.mjs) on `dir`. */
function reset(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, "scripts/reset.mjs")], {
    cwd: ROOT,
    env: { ...process.env, CLOUDCACHED_DEV_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return withTimeout(
    new Promise((r) => child.once("exit", (code) => r({ code, output }))),
    STOP_MS,
    "scripts/reset.mjs to exit",
  );
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Reads a body to its end, keeping none of it: how many bytes it had. */
async function byteCount(body: ReadableStream<Uint8Array> | null): Promise<number> {
  if (body === null) return 0;
  const reader = body.getReader();
  let count = 0;
  for (let part = await reader.read(); !part.done; part = await reader.read()) count += part.value.byteLength;
  return count;
}

describe("npm run dev (scripts/dev.mjs)", () => {
  it("runs the Worker and the embedded store, serves the printed token, keeps data across a restart, and leaves nothing running", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, ".dev.vars"), "# my settings\nADMIN_TOKEN=\nDEFAULT_TTL=120\n");
    const port = await freePort();

    // First run: secrets generated and written into the user's .dev.vars, keeping their lines.
    const first = launch(dir, port);
    const { url, token } = await first.ready();
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const devVars = await readFile(join(dir, ".dev.vars"), "utf8");
    expect(devVars).toMatch(new RegExp(`^# my settings\\nADMIN_TOKEN=${token}\\nDEFAULT_TTL=120\\nTOKEN_SECRET=[A-Za-z0-9_-]{32,}\\n$`));
    expect(first.output()).toMatch(/Store: +http:\/\/127\.0\.0\.1:\d+\/cdn-cgi\/local\/r2\/s3 \(embedded/);
    // wrangler's start-up output is kept back: the banner comes first.
    expect(first.output().trimStart()).toMatch(/^CloudCached dev server\n/);
    // Its debugger port is a free one, not 9229.
    const inspector = Number(/^ {2}Inspector: +127\.0\.0\.1:(\d+) /m.exec(first.output())?.[1]);
    expect(inspector).toBeGreaterThan(0);
    expect(inspector).not.toBe(9229);
    const credentials = JSON.parse(await readFile(join(dir, ".data", "store-credentials.json"), "utf8")) as Record<string, string>;
    expect(credentials.secretAccessKey).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const anonymous = await fetch(`${url}/v1/demo/items/hello`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await fetch(`${url}/v1/demo/items/hello`, { headers: auth(`${token}x`) })).status).toBe(401);

    const now = Math.floor(Date.now() / 1000);
    const put = await fetch(`${url}/v1/demo/items/hello`, {
      method: "PUT",
      headers: { ...auth(token), "content-type": "text/plain" },
      body: "world",
    });
    expect(put.status).toBe(200);
    // DEFAULT_TTL=120 from .dev.vars reached the Worker (wrangler.toml says 3600).
    const expiresAt = Number(put.headers.get("x-expires-at"));
    expect(expiresAt).toBeGreaterThanOrEqual(now + 110);
    expect(expiresAt).toBeLessThanOrEqual(now + 130);
    const get = await fetch(`${url}/v1/demo/items/hello`, { headers: auth(token) });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("world");
    const head = await fetch(`${url}/v1/demo/items/hello`, { method: "HEAD", headers: auth(token) });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(put.headers.get("etag"));
    expect(await head.text()).toBe("");
    await fetch(`${url}/v1/demo/items/doomed`, { method: "PUT", headers: auth(token), body: "x" });
    expect((await fetch(`${url}/v1/demo/items/doomed`, { method: "DELETE", headers: auth(token) })).status).toBe(204);
    expect((await fetch(`${url}/v1/demo/items/doomed`, { headers: auth(token) })).status).toBe(404);
    // Each request is logged once, by the Worker, not again by wrangler.
    const logged = Date.now() + 10_000;
    while (!first.output().includes('"method":"DELETE"') && Date.now() < logged) await new Promise((r) => setTimeout(r, 100));
    expect(first.output()).toContain('"method":"DELETE"');
    expect(first.output()).not.toMatch(/\[wrangler:info\] (GET|PUT|DELETE)/);

    // Ctrl-C: wrangler, its workerd and the store's workerd all stop.
    // (wrangler's node processes, its workerd, the store's workerd)
    expect(first.started.length).toBeGreaterThanOrEqual(4);
    expect(await stop(first, "SIGINT")).toBe(0);
    expect(stillRunning(first.started)).toEqual([]);
    expect(await canListen(port)).toBe(true);

    // Second run: same token, same store data.
    const second = launch(dir, port);
    const again = await second.ready();
    expect(again.token).toBe(token);
    expect(second.output()).toMatch(/Admin token: +\S+\n +\(from /);
    expect(await readFile(join(dir, ".dev.vars"), "utf8")).toBe(devVars);
    const kept = await fetch(`${again.url}/v1/demo/items/hello`, { headers: { ...auth(token), "cache-control": "no-cache" } });
    expect(kept.status).toBe(200);
    expect(await kept.text()).toBe("world");

    expect(await stop(second, "SIGTERM")).toBe(0);
    expect(stillRunning(second.started)).toEqual([]);
  }, 300_000);

  it("serves 30 reads of a 30 MB item streamed from storage, and its processes' sockets stay where they were", async () => {
    const dir = await tempDir();
    const launcher = launch(dir, await freePort());
    const { url, token } = await launcher.ready();
    const size = 30_000_000;
    const put = await fetch(`${url}/v1/large/items/value`, {
      method: "PUT",
      headers: { ...auth(token), "content-type": "application/octet-stream" },
      body: new Uint8Array(size).fill(7),
    });
    expect(put.status).toBe(200);
    const root = launcher.child.pid as number;
    const sockets = () => openSockets([root, ...descendants(root)]);
    const before = sockets();
    // wrangler's inspector proxy used to open a connection for each chunk the Worker read from storage
    // (about 2,500 per read of this item, left open for seconds), until the dev server ran out of file
    // descriptors. Checked after every read, so that this fails at the first read rather than the last.
    const slack = 64;
    for (let read = 1; read <= 30; read += 1) {
      // no-cache: every read streams the value from storage, as a miss does.
      const response = await fetch(`${url}/v1/large/items/value`, {
        headers: { ...auth(token), "cache-control": "no-cache" },
        signal: AbortSignal.timeout(60_000),
      });
      expect(response.status).toBe(200);
      expect(await byteCount(response.body)).toBe(size);
      expect(sockets() - before, `sockets held by npm run dev's processes after read ${read}, beyond the ${before} before`).toBeLessThan(slack);
    }
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(15_000) });
    expect(health.status).toBe(200);
    expect(await stop(launcher, "SIGTERM")).toBe(0);
  }, 300_000);

  it("uses the R2 binding by default: no store process, no S3 setting, data kept across a restart", async () => {
    const dir = await tempDir();
    const port = await freePort();
    const first = launch(dir, port, false, true);
    const { url, token } = await first.ready();
    expect(first.output()).toMatch(/Store: +the R2 binding STORE/);
    expect(await readFile(join(dir, ".dev.vars"), "utf8")).not.toContain("S3_");
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${url}/v1/default/items/bound`, { method: "PUT", headers, body: "through the binding" })).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await stop(first, "SIGINT");
    // No embedded store was started or kept: the data lives in wrangler's local bucket.
    await expect(readFile(join(dir, ".data", "store-credentials.json"), "utf8")).rejects.toThrow();
    const second = launch(dir, port, false, true);
    await second.ready();
    expect(await (await fetch(`${url}/v1/default/items/bound`, { headers })).text()).toBe("through the binding");
    await stop(second, "SIGINT");
  }, 300_000);

  it("uses the store named in .dev.vars and starts none of its own", async () => {
    const store = await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url"), bucket: "users-own" });
    try {
      const dir = await tempDir();
      // A `$` in a secret is kept as written: wrangler does not expand it as a variable.
      const token = `own$HOME-${randomBytes(16).toString("hex")}`;
      await writeFile(
        join(dir, ".dev.vars"),
        [
          `ADMIN_TOKEN='${token}'`,
          `S3_ENDPOINT=${store.S3_ENDPOINT}`,
          `S3_BUCKET=${store.S3_BUCKET}`,
          `S3_ACCESS_KEY_ID=${store.S3_ACCESS_KEY_ID}`,
          `S3_SECRET_ACCESS_KEY=${store.S3_SECRET_ACCESS_KEY}`,
          "S3_PREFIX=devtest/",
          "",
        ].join("\n"),
      );
      const launcher = launch(dir, await freePort());
      const { url, token: printed } = await launcher.ready();
      expect(printed).toBe(token);
      expect(launcher.output()).toContain(`${store.S3_ENDPOINT} (yours, from`);
      expect(existsSync(join(dir, ".data"))).toBe(false);
      // The Worker signs with the user's keys: a wrong secret would make the store answer 403.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const put = await fetch(`${url}/v1/own/items/k`, { method: "PUT", headers: auth(token), body: "v" });
      expect(put.status).toBe(200);
      // The object is in the user's bucket, under the S3_PREFIX that .dev.vars set.
      const s3 = new AwsClient({ accessKeyId: store.S3_ACCESS_KEY_ID, secretAccessKey: store.S3_SECRET_ACCESS_KEY, service: "s3", region: "auto" });
      const listed = await s3.fetch(`${store.S3_ENDPOINT}/${store.S3_BUCKET}?list-type=2&prefix=devtest%2F`);
      expect(listed.status).toBe(200);
      expect(await listed.text()).toMatch(/<Key>devtest\/own\//);
      expect(await (await fetch(`${url}/v1/own/items/k`, { headers: { ...auth(token), "cache-control": "no-cache" } })).text()).toBe("v");
      expect(await stop(launcher, "SIGINT")).toBe(0);
      expect(stillRunning(launcher.started)).toEqual([]);
    } finally {
      await store.stop();
    }
  }, 180_000);

  it("stops everything when its parent dies without passing a signal on (npm stopped by SIGTERM)", async () => {
    const dir = await tempDir();
    const launcher = launch(dir, await freePort(), true);
    await launcher.ready();
    const started = launcher.started;
    // The shell (as under npm) is killed outright: scripts/dev.mjs gets no signal at all.
    launcher.child.kill("SIGKILL");
    await launcher.exited();
    const deadline = Date.now() + STOP_MS;
    while (stillRunning(started).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(stillRunning(started)).toEqual([]);
  }, 180_000);

  it("leaves nothing running when the launcher itself is killed outright, and the next run clears its lock and serves the data", async () => {
    const dir = await tempDir();
    const port = await freePort();
    const first = launch(dir, port);
    const { url, token } = await first.ready();
    const lockPath = join(dir, ".wrangler", "dev.lock");
    expect(JSON.parse(await readFile(lockPath, "utf8"))).toEqual({ pid: first.child.pid, url });
    const put = await fetch(`${url}/v1/demo/items/kept`, { method: "PUT", headers: auth(token), body: "before the kill" });
    expect(put.status).toBe(200);

    // SIGKILL cannot be caught: wrangler, its workerd and the store notice by themselves.
    // (wrangler's node processes, its workerd, the store's process and its workerd)
    const started = first.started;
    expect(started.length).toBeGreaterThanOrEqual(5);
    first.child.kill("SIGKILL");
    await first.exited();
    const deadline = Date.now() + 5_000;
    while ((stillRunning(started).length > 0 || !(await canListen(port))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stillRunning(started)).toEqual([]);
    expect(await canListen(port)).toBe(true);
    // Its lock is left behind, naming a process that is gone.
    expect(existsSync(lockPath)).toBe(true);

    const second = launch(dir, port);
    const again = await second.ready();
    expect(second.output()).toContain(`a previous run (PID ${first.child.pid}) ended without stopping; its lock`);
    const kept = await fetch(`${again.url}/v1/demo/items/kept`, { headers: { ...auth(token), "cache-control": "no-cache" } });
    expect(kept.status).toBe(200);
    expect(await kept.text()).toBe("before the kill");

    // A third run on the same directory names the running one, whatever port it asks for.
    const third = launch(dir, await freePort());
    expect(await third.exited()).toBe(1);
    expect(third.output()).toContain(`already running on ${dir}: PID ${second.child.pid}, serving ${again.url}.`);
    expect(JSON.parse(await readFile(lockPath, "utf8"))).toEqual({ pid: second.child.pid, url: again.url });

    // The item is now in the local location cache (.wrangler/state) too.
    expect((await fetch(`${again.url}/v1/demo/items/kept`, { headers: auth(token) })).headers.get("x-cache")).toBe("HIT");
    const refused = await reset(dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`is running on this directory (PID ${second.child.pid}`);

    expect(await stop(second, "SIGINT")).toBe(0);
    expect(existsSync(lockPath)).toBe(false);

    // `npm run reset` empties both the store and the location cache: the item is gone, not a HIT.
    const done = await reset(dir);
    expect(done.code).toBe(0);
    expect(existsSync(join(dir, ".data"))).toBe(false);
    expect(existsSync(join(dir, ".wrangler", "state"))).toBe(false);
    expect(existsSync(join(dir, ".dev.vars"))).toBe(true);
    const afresh = launch(dir, port);
    const fresh = await afresh.ready();
    expect(fresh.token).toBe(token);
    const gone = await fetch(`${fresh.url}/v1/demo/items/kept`, { headers: auth(token) });
    expect(gone.status).toBe(404);
    expect(gone.headers.get("x-cache")).not.toBe("HIT");
    expect(await stop(afresh, "SIGTERM")).toBe(0);
  }, 400_000);

  it("refuses a busy port with a clear message, before writing anything", async () => {
    const dir = await tempDir();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const launcher = launch(dir, port);
      expect(await launcher.exited()).toBe(1);
      expect(launcher.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 60_000);

  it("names what is missing when .dev.vars sets S3_ENDPOINT alone", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, ".dev.vars"), "S3_ENDPOINT=http://127.0.0.1:9/s3\nS3_BUCKET=b\n");
    const launcher = launch(dir, await freePort());
    expect(await launcher.exited()).toBe(1);
    expect(launcher.output()).toContain(".dev.vars sets S3_ENDPOINT but not S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY");
    expect(await readdir(dir)).toEqual([".dev.vars"]);
  }, 60_000);
});
