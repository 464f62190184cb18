// The Python client's tests (python.test.ts) run Debian's python3, and mypy for its types: found, or
// installed from Debian (as root), before any test runs; otherwise the run fails naming the command
// (scripts/debian-tools.mjs).
import { ensureDebianTools } from "../../../scripts/debian-tools.mjs";

export default async function setup(): Promise<void> {
  await ensureDebianTools("python");
}
