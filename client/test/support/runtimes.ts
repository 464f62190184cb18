// Where the Bun and Deno binaries are: in the per-user tools cache, at the exact versions
// scripts/tools.mjs pins (`npm run test:runtimes` installs them there first). A binary counts
// only if it runs and reports that version.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { findTool, TOOLS } from "../../../scripts/tools.mjs";

const run = promisify(execFile);

export type RuntimeName = "bun" | "deno";

export interface Runtime {
  name: RuntimeName;
  path: string;
  version: string;
}

/** The runtime's binary, checked to report the pinned version; throws, saying how to install it, if there is none. */
export async function findRuntime(name: RuntimeName): Promise<Runtime> {
  const wanted = TOOLS[name].version;
  const tool = await findTool(name);
  if (!tool) throw new Error(`${name} ${wanted} is not installed: \`npm run test:runtimes\` installs it and runs this suite`);
  const { stdout } = await run(tool.path, ["--version"], { timeout: 15_000, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
  const version = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  if (version !== wanted) throw new Error(`${tool.path}: --version said ${JSON.stringify(stdout.trim())}, not ${wanted}`);
  return { name, path: tool.path, version };
}
