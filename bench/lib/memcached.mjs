// memcached on loopback, the memory-level reference: Debian's `memcached`, started and stopped here.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import memjs from "memjs";

export const INSTALL_HINT = "apt-get update && apt-get install -y memcached";

function findBinary() {
  for (const candidate of ["/usr/bin/memcached", "/usr/local/bin/memcached", "/usr/sbin/memcached"]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync("sh", ["-c", "command -v memcached"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`memcached did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts memcached on 127.0.0.1 (TCP only, a free port) with a memjs client, or resolves to
 * `{ missing: INSTALL_HINT }` when it is not installed.
 */
export async function startMemcached() {
  const binary = findBinary();
  if (!binary) return { missing: INSTALL_HINT };
  const version = execFileSync(binary, ["-V"], { encoding: "utf8" }).trim();
  const port = await freePort();
  const args = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "256", "-t", "2"];
  if (process.getuid?.() === 0) args.push("-u", "root");
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (part) => (stderr += part));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // Whatever ends this process (Miniflare's own SIGINT handler calls process.exit at once), memcached
  // goes with it: an "exit" listener may only do synchronous work, and sending a signal is.
  const killOnExit = () => child.kill("SIGTERM");
  process.on("exit", killOnExit);
  exited.then(() => process.off("exit", killOnExit));
  try {
    await Promise.race([waitForPort(port, 5000), exited.then((code) => Promise.reject(new Error(`memcached exited (${code}): ${stderr.trim()}`)))]);
  } catch (err) {
    child.kill("SIGTERM");
    throw err;
  }
  const client = memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 5, logger: { log: () => undefined } });
  return {
    version,
    port,
    async get(key) {
      const { value } = await client.get(key);
      if (value === null) throw new Error(`memcached: ${key} is absent`);
      return value;
    },
    async set(key, bytes) {
      const ok = await client.set(key, Buffer.from(bytes), { expires: 3600 });
      if (!ok) throw new Error(`memcached refused to store ${key}`);
    },
    async stop() {
      client.close();
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    },
  };
}
