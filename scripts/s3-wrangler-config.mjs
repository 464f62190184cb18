// The Worker's wrangler.toml without its R2 binding and with the S3 settings as required secrets
// (wrangler hands a Worker only the secrets its configuration declares): the S3 way to storage, for
// `npm run dev -- --s3` and the vitest project `worker` (a Worker given both ways refuses to run).
// Written under .wrangler/ (never committed), next to nothing else; its `main` points back at src/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** wrangler.toml's text without any `[[…r2_buckets]]` table (each ends at the next table or blank line). Pure. */
export function withoutR2Buckets(toml) {
  const out = [];
  let skipping = false;
  for (const line of toml.split("\n")) {
    const trimmed = line.trim();
    if (/^\[\[([a-z0-9_-]+\.)*r2_buckets\]\]$/.test(trimmed)) {
      skipping = true;
      continue;
    }
    if (skipping && (trimmed === "" || trimmed.startsWith("["))) skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join("\n");
}

const S3_SECRETS = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];

/** Each `[secrets] required = [...]` line with the S3 way's secrets added in front. Pure. */
export function withS3Secrets(toml) {
  return toml.replace(/^required = \[(.*)\]$/gm, (_, names) => {
    const listed = names.split(",").map((name) => name.trim()).filter((name) => name !== "");
    const missing = S3_SECRETS.filter((name) => !listed.includes(JSON.stringify(name)));
    return `required = [${[...missing.map((name) => JSON.stringify(name)), ...listed].join(", ")}]`;
  });
}

/** Writes the S3 way's configuration and answers its path. */
export function writeS3WranglerConfig(source = join(root, "wrangler.toml")) {
  const dir = join(root, ".wrangler", "s3");
  mkdirSync(dir, { recursive: true });
  const main = relative(dir, join(root, "src", "index.ts")).split("\\").join("/");
  const text = withS3Secrets(withoutR2Buckets(readFileSync(source, "utf8"))).replace(/^main = ".*"$/m, `main = "${main}"`);
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, text);
  return path;
}
