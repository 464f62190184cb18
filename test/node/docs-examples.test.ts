// Every TypeScript example of the README and the docs compiles in a new app, as a reader would make
// one: `npm init -y`, `npm pkg set type=module`, `tsc --init` (its own settings, strict and
// exactOptionalPropertyTypes included, with the Node lines it suggests), and the client installed the
// way the docs say, from the tarball `npm pack -w cloudcached --pack-destination <dir>` makes.
// Each example is a module of its own; the names the examples use as placeholders without declaring
// them (`cache`, `key`, `userId`…) are declared once below, with the types a reader would give them.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forNode, type TypeScriptExample, typescriptExamples } from "./typescript-examples";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SETUP_TIMEOUT_MS = 240_000;
const npmFlags = ["--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"];

/** The user's pages: the README, docs/*.md and the package's own README. */
async function pages(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, "docs"))).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`);
  return ["README.md", "client/README.md", ...docs.sort()];
}

/** Placeholders the examples use without declaring them. A declaration in an example wins over these. */
const PLACEHOLDERS = `import type { CloudCached, Storable } from "cloudcached";
declare global {
  const cache: CloudCached;
  const admin: CloudCached;
  const url: string;
  const token: string;
  const userId: string;
  const key: string;
  const value: Storable;
  const newValue: Storable;
  const ttl: number;
  const contentType: string;
  const prefix: string;
  const limit: number;
  const cursor: string;
  function buildReport(id: number): Promise<string>;
}
`;

/** The peer libraries and Node's types the examples import, taken from this repository's install. */
const FROM_REPOSITORY = ["keyv", "unstorage", "cacheable", "@types/node"];

describe("the TypeScript examples of README.md and docs/, compiled in a new app under tsc --init's settings", () => {
  let work: string;
  const examples: TypeScriptExample[] = [];
  const errorsByFile = new Map<string, string[]>();
  let compilerOutput = "";

  const fileOf = (example: TypeScriptExample) => `examples/${example.page.replace(/[/.]/g, "_")}_line${example.line}.ts`;

  beforeAll(async () => {
    for (const page of await pages()) examples.push(...typescriptExamples(page, await readFile(join(ROOT, page), "utf8")));
    work = await mkdtemp(join(tmpdir(), "cloudcached-docs-examples-"));
    const app = join(work, "app");
    await mkdir(app);
    await run("npm", ["init", "-y", ...npmFlags], { cwd: app });
    await run("npm", ["pkg", "set", "type=module"], { cwd: app });
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    await run(tsc, ["--init"], { cwd: app });
    const tsconfig = join(app, "tsconfig.json");
    await writeFile(tsconfig, forNode(await readFile(tsconfig, "utf8")));

    // The client as the docs install it: a tarball packed from the repository, installed by path.
    await run("npm", ["pack", "-w", "cloudcached", "--pack-destination", work, ...npmFlags], { cwd: ROOT, timeout: SETUP_TIMEOUT_MS });
    const tarball = (await readdir(work)).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);
    await run("npm", ["install", join(work, tarball), ...npmFlags], { cwd: app, timeout: SETUP_TIMEOUT_MS });
    for (const name of FROM_REPOSITORY) {
      await mkdir(dirname(join(app, "node_modules", name)), { recursive: true });
      await symlink(join(ROOT, "node_modules", name), join(app, "node_modules", name));
    }

    await mkdir(join(app, "examples"));
    await writeFile(join(app, "examples/placeholders.d.ts"), PLACEHOLDERS);
    for (const example of examples) await writeFile(join(app, fileOf(example)), example.code);
    try {
      await run(tsc, ["-p", ".", "--noEmit"], { cwd: app, timeout: SETUP_TIMEOUT_MS });
    } catch (error) {
      compilerOutput = String((error as { stdout?: string }).stdout ?? error);
    }
    // tsc's lines: "examples/x.ts(3,31): error TS2379: …", continued by indented lines.
    let current: string[] | undefined;
    for (const line of compilerOutput.split("\n")) {
      const match = /^(examples\/[^(]+)\(\d+,\d+\): /.exec(line);
      if (match?.[1]) {
        current = errorsByFile.get(match[1]) ?? [];
        errorsByFile.set(match[1], current);
        current.push(line);
      } else if (line.trim() !== "") (current ?? []).push(line);
    }
  }, SETUP_TIMEOUT_MS * 3);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("finds the examples (the README's, the client's, Keyv's and unstorage's among them)", () => {
    const pagesWithExamples = new Set(examples.map((e) => e.page));
    for (const page of ["README.md", "docs/client.md", "docs/keyv.md", "docs/unstorage.md"]) expect(pagesWithExamples).toContain(page);
  });

  it("every error tsc reports belongs to an example (none to the setup)", () => {
    const exampleFiles = new Set(examples.map(fileOf));
    const elsewhere = compilerOutput.split("\n").filter((line) => /error TS/.test(line) && !exampleFiles.has(line.slice(0, line.indexOf("("))));
    expect(elsewhere).toStrictEqual([]);
  });

  it("each example compiles", () => {
    const failures = examples.flatMap((example) => {
      const errors = errorsByFile.get(fileOf(example));
      if (!errors) return [];
      const at = `${example.page}, the example at line ${example.line}`;
      return [`${at}:\n${errors.map((e) => `  ${e.replace(/^examples\/[^(]+\((\d+),(\d+)\)/, (_, l, c) => `line ${example.line + Number(l) - 1}:${c}`)}`).join("\n")}`];
    });
    expect(failures.join("\n\n")).toBe("");
  });
});
