// The Python client (python/) for the original table: a Python process that times each call it is
// asked to make (bench/lib/python-client.py), so its rows measure Python's own cost, not this
// process's. Debian's python3 (or python3 on PATH); without one, its rows are left out, said so.
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const run = promisify(execFile);

async function interpreter() {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      await run(candidate, ["-c", "import sys; assert sys.version_info >= (3, 9)"]);
      return candidate;
    } catch {
      // not there, or too old
    }
  }
  return null;
}

/**
 * `{ get(key, index), set(key, index), close(), kind }`, each call resolving to the milliseconds
 * Python measured; or `{ missing }` when no Python 3.9+ is found.
 */
export async function pythonClient({ url, token, namespace, values }) {
  const python = await interpreter();
  if (!python) return { missing: "no python3 ≥ 3.9 found: apt-get install -y python3" };
  const child = spawn(python, [path.join(ROOT, "bench/lib/python-client.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (message) => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error(`the Python client exited (${child.exitCode})`);
    const answer = JSON.parse(value);
    if (answer.error) throw new Error(`Python client: ${answer.error}`);
    return answer;
  };
  const { ready } = await ask({ src: path.join(ROOT, "python/src"), url, token, namespace, values });
  return {
    kind: `cloudcached (python/src) on Python ${ready} (${python})`,
    get: async (key, index) => (await ask({ op: "get", key, value: index })).ms,
    set: async (key, index) => (await ask({ op: "set", key, value: index })).ms,
    close: () => {
      child.stdin.end();
      child.kill();
    },
  };
}
