import { env } from "cloudflare:test";
import { parseConfig, type Config } from "../src/config";
import { Storage } from "../src/storage/storage";

/** The Worker's configuration under test, optionally with another S3 prefix (a bucket area of its own). */
export function testConfig(overrides: Partial<Record<string, string>> = {}): Config {
  return parseConfig({ ...env, ...overrides });
}

/** Direct access to the store under test, to look at what is really in the bucket. */
export function testStorage(config: Config = testConfig()): Storage {
  return new Storage(config.s3, config.storageTimeoutMs);
}

/** Every object key under `prefix` (all pages). */
export async function listAll(storage: Storage, prefix: string): Promise<{ key: string; size: number }[]> {
  const found: { key: string; size: number }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await storage.list({ prefix, maxKeys: 1000, ...(after ? { startAfter: after } : {}) });
    found.push(...page.objects.map((o) => ({ key: o.key, size: o.size })));
    if (!page.truncated || page.objects.length === 0) return found;
    after = page.objects[page.objects.length - 1]?.key;
  }
}

/** An S3 prefix no other test writes under. */
export function uniquePrefix(label: string): string {
  return `${testConfig().s3.prefix}${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}
