// Proves the Worker deploys: builds the bundle `wrangler deploy` would upload (--dry-run, no account
// needed), reports its size, and fails over the budget. Run by .ci/run; `npm run bundle-size`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Budgets in bytes: several times today's bundle, far below Cloudflare's limits (3 MB gzip on Free). */
export const BUDGET = { raw: 512 * 1024, gzip: 128 * 1024 };

const outdir = mkdtempSync(join(tmpdir(), "cloudcached-bundle-"));
try {
  const build = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (build.status !== 0) {
    process.stderr.write(build.stdout + build.stderr);
    console.error("bundle-size: wrangler deploy --dry-run failed");
    process.exit(1);
  }
  const files = readdirSync(outdir).filter((name) => name.endsWith(".js") && statSync(join(outdir, name)).isFile());
  let raw = 0;
  let gzip = 0;
  for (const name of files) {
    const bytes = readFileSync(join(outdir, name));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`bundle-size: ${files.join(", ")}: ${kib(raw)} (gzip ${kib(gzip)}); budget ${kib(BUDGET.raw)} (gzip ${kib(BUDGET.gzip)})`);
  if (raw > BUDGET.raw || gzip > BUDGET.gzip) {
    console.error("bundle-size: over budget");
    process.exit(1);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
