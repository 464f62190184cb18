// The Python client (python/), from its own language, against this run's Worker: its unittest suite,
// mypy --strict, a round trip of every value type with the TypeScript client both ways, an offline
// `pip install` into a fresh virtual environment, and every Python example of the docs as written.
// Debian's python3 runs them (CLOUDCACHED_PYTHON names another); python-setup.ts installs it first.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { DEBIAN_PYTHON } from "../../scripts/debian-tools.mjs";
import { CloudCached } from "../src/index.js";
import { ROOT } from "./support/stack.js";
import { adminClient, adminToken, workerUrl } from "./support/helpers.js";

const run = promisify(execFile);
const PACKAGE = join(ROOT, "python");
const ROUNDTRIP_SCRIPT = join(import.meta.dirname, "support/python-roundtrip.py");
const PYTHON = process.env.CLOUDCACHED_PYTHON || DEBIAN_PYTHON;
const SLOW = 300_000;

/** Runs the Python; a failure shows its output's end, so a failed Python test says which. */
async function python(args: string[], options: { cwd?: string; env?: Record<string, string>; interpreter?: string } = {}): Promise<string> {
  try {
    const { stdout } = await run(options.interpreter ?? PYTHON, args, {
      cwd: options.cwd ?? PACKAGE,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
      timeout: SLOW - 10_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`${options.interpreter ?? PYTHON} ${args.join(" ")} failed:\n${`${stdout}\n${stderr}`.trim().slice(-6000)}`);
  }
}

const server = (): Record<string, string> => ({ CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken() });

describe("the Python client", () => {
  beforeAll(async () => {
    const version = (await python(["-c", "import sys; print(sys.version.split()[0]); assert sys.version_info >= (3, 9), 'needs Python >= 3.9'"])).trim();
    console.log(`Python client tests: ${PYTHON} (Python ${version})`);
  });

  it("passes its unittest suite against this run's Worker", { timeout: SLOW }, async () => {
    await python(["-m", "unittest", "-v"], { env: { CLOUDCACHED_TEST_URL: workerUrl(), CLOUDCACHED_TEST_TOKEN: adminToken() } });
  });

  it("passes mypy --strict", { timeout: SLOW }, async () => {
    const out = await python(["-m", "mypy", "--strict", "--cache-dir", join(tmpdir(), "cloudcached-mypy-cache"), "src", "tests"]);
    expect(out).toContain("Success");
  });

  it("reads what the TypeScript client wrote, and writes what it reads back, every type both ways", { timeout: SLOW }, async () => {
    const cache = adminClient();
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const values: Record<string, unknown> = {
      str: "hello",
      "numeric str": "42",
      "unicode str": "café 😀",
      "empty str": "",
      int: 42,
      "negative int": -7,
      float: 1.5,
      "integral float": 2.0,
      true: true,
      false: false,
      null: null,
      dict: { name: "Ada", tags: ["a", "b"], nested: { x: null } },
      list: [1, "two", 3.5, null, true],
      bytes,
      "empty bytes": new Uint8Array(0),
    };
    for (const [name, value] of Object.entries(values)) await cache.set(`ts/${name}`, value as never);

    const out = JSON.parse(await python([ROUNDTRIP_SCRIPT, workerUrl(), adminToken(), cache.namespace], { env: { PYTHONPATH: join(PACKAGE, "src") } })) as {
      read: Record<string, { type: string; value: unknown }>;
      readMany: Record<string, { type: string; value: unknown }>;
    };
    const base64 = (b: Uint8Array): { base64: string } => ({ base64: Buffer.from(b).toString("base64") });
    const inPython = {
      str: { type: "str", value: "hello" },
      "numeric str": { type: "str", value: "42" },
      "unicode str": { type: "str", value: "café 😀" },
      "empty str": { type: "str", value: "" },
      int: { type: "int", value: 42 },
      "negative int": { type: "int", value: -7 },
      float: { type: "float", value: 1.5 },
      // JavaScript has one number type: 2.0 is written as 2, an int in Python
      "integral float": { type: "int", value: 2 },
      true: { type: "bool", value: true },
      false: { type: "bool", value: false },
      null: { type: "NoneType", value: null },
      dict: { type: "dict", value: values.dict },
      list: { type: "list", value: values.list },
      bytes: { type: "bytes", value: base64(bytes) },
      "empty bytes": { type: "bytes", value: base64(new Uint8Array(0)) },
    };
    expect(out.read).toEqual(inPython);
    expect(out.readMany).toEqual(inPython);

    for (const prefix of ["py", "pym"]) {
      const back: Record<string, unknown> = {};
      for (const name of Object.keys(values)) back[name] = await cache.get(`${prefix}/${name}`);
      expect(back, prefix).toEqual(values);
      expect(back.bytes, prefix).toBeInstanceOf(Uint8Array);
      const item = await cache.gets(`${prefix}/numeric str`);
      expect(item?.contentType, prefix).toBe("text/plain; charset=utf-8");
    }
    const many = await cache.getMany(Object.keys(values).map((name) => `py/${name}`));
    expect(Object.fromEntries([...many].map(([key, value]) => [key.slice(3), value]))).toEqual(values);
  });

  it("installs offline with pip into a fresh virtual environment, then the original four calls work", { timeout: SLOW }, async () => {
    const work = await mkdtemp(join(tmpdir(), "cloudcached-pip-"));
    try {
      // a copy, so pip's build folders never land in the repository
      await cp(PACKAGE, join(work, "python"), { recursive: true, filter: (path) => !/__pycache__|\.egg-info|[/\\]build$/.test(path) });
      await python(["-m", "venv", "--system-site-packages", join(work, "venv")], { cwd: work });
      const venvPython = join(work, "venv/bin/python");
      await python(["-m", "pip", "install", "--no-index", "--no-build-isolation", "--quiet", "./python"], { cwd: work, interpreter: venvPython });
      const namespace = adminClient().namespace;
      const script = [
        "import cloudcached, sys",
        "from cloudcached import Client",
        "assert cloudcached.__file__.startswith(sys.prefix), cloudcached.__file__",
        `cache = Client(sys.argv[1], sys.argv[2], namespace=${JSON.stringify(namespace)})`,
        "assert cache.put('k', {'n': 1}) is True",
        "assert cache.put('k', 2) is False",
        "assert cache.update('k', 'three') is True",
        "assert cache.get('k') == 'three'",
        "assert cache.delete('k') is True",
        "assert cache.get('k') is None and cache.update('k', 4) is False",
        "import importlib.resources; print(importlib.resources.files('cloudcached').joinpath('py.typed').is_file())",
      ].join("\n");
      await writeFile(join(work, "four.py"), script);
      const out = await python(["four.py", workerUrl(), adminToken()], { cwd: work, interpreter: venvPython });
      expect(out.trim()).toBe("True");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("runs every Python example of the docs as written", { timeout: SLOW }, async () => {
    const examples: { file: string; code: string }[] = [];
    for (const file of ["docs/python.md", "README.md", "python/README.md"]) {
      const text = await readFile(join(ROOT, file), "utf8");
      for (const match of text.matchAll(/^```python\n([\s\S]*?)^```/gm)) examples.push({ file, code: match[1] ?? "" });
    }
    expect(examples.length).toBeGreaterThan(3);
    const work = await mkdtemp(join(tmpdir(), "cloudcached-py-docs-"));
    // The examples use the "default" namespace, as a reader's first program does: emptied before each.
    const defaultNamespace = new CloudCached({ url: workerUrl(), token: adminToken() });
    try {
      for (const [index, { file, code }] of examples.entries()) {
        await defaultNamespace.flush();
        const path = join(work, `example-${index}.py`);
        await writeFile(path, code);
        await python([path], { cwd: work, env: { ...server(), PYTHONPATH: join(PACKAGE, "src") } }).catch((err: Error) => {
          throw new Error(`${file}, Python example ${index + 1}:\n${code}\n${err.message}`);
        });
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
