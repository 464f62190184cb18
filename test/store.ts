import { env } from "cloudflare:test";
import { inject } from "vitest";
import { AwsClient } from "aws4fetch";
import { parseConfig, type Config } from "../src/platform/config";
import { SubrequestBudget } from "../src/platform/budget";
import type { S3Settings } from "../src/platform/config";
import { openStorage } from "../src/storage/open";
import type { Storage } from "../src/storage/storage";

/** The Worker's configuration under test, optionally with another S3 prefix (a bucket area of its own). */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ ...env, ...overrides });
}

/** Direct access to the store under test, to look at what is really in the bucket. */
export function testStorage(config: Config = testConfig()): Storage {
  return openStorage(config, SubrequestBudget.unbounded());
}

/** The S3 settings under test, for the tests of the S3 way alone (the project `worker`). */
export function s3Of(config: Config): S3Settings {
  if (config.store.kind !== "s3") throw new Error("this test needs the S3 way to storage (the vitest project worker)");
  return config.store.s3;
}

/**
 * Every object under `prefix` (all pages), listed straight from the store as the test's own observer:
 * its own signed ListObjectsV2 calls with continuation tokens, not the Worker's `Storage.list`.
 */
export async function listAll(prefix: string): Promise<{ key: string; size: number }[]> {
  if (env.STORE) return listBound(env.STORE, prefix);
  const s3 = s3Of(testConfig());
  const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region, service: "s3" });
  const found: { key: string; size: number }[] = [];
  let token: string | null = null;
  do {
    const query = new URLSearchParams({ "list-type": "2", prefix, "max-keys": "1000" });
    if (token) query.set("continuation-token", token);
    const response = await client.fetch(`${s3.endpoint}/${encodeURIComponent(s3.bucket)}?${query}`);
    const xml = await response.text();
    if (!response.ok) throw new Error(`listing ${prefix}: ${response.status} ${xml.slice(0, 200)}`);
    for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const block = match[1] ?? "";
      found.push({ key: unescapeXml(/<Key>([\s\S]*?)<\/Key>/.exec(block)?.[1] ?? ""), size: Number(/<Size>(\d+)<\/Size>/.exec(block)?.[1]) });
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? unescapeXml(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1] ?? "") : null;
  } while (token);
  return found;
}

/** The same through the R2 binding (the project `worker-r2`), with its own cursors. */
async function listBound(bucket: R2Bucket, prefix: string): Promise<{ key: string; size: number }[]> {
  const found: { key: string; size: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) found.push({ key: object.key, size: object.size });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, "&");
}

/** An S3 prefix no other test writes under. */
export function uniquePrefix(label: string): string {
  return `${testConfig().prefix}${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}

/** Whether the suite runs through the R2 binding STORE (the project worker-r2), not the S3 API. */
export const throughBinding = env.STORE !== undefined;

/**
 * A bucket binding whose every call fails as `how` says: the binding's own way of failing (its
 * network), injected for the tests of storage failures. Only for fault injection.
 */
function failingBucket(how: "unreachable" | "hanging"): R2Bucket {
  const fail = () => (how === "hanging" ? new Promise<never>(() => undefined) : Promise.reject(new Error("Network connection lost.")));
  return { head: fail, get: fail, put: fail, list: fail, delete: fail, createMultipartUpload: fail, resumeMultipartUpload: fail } as unknown as R2Bucket;
}

/** Settings with which storage cannot be reached, whichever way the suite reaches it. */
export function unreachableStore(): Record<string, unknown> {
  return throughBinding ? { STORE: failingBucket("unreachable") } : { S3_ENDPOINT: inject("brokenEndpoints").closed };
}

/** Settings with which storage never answers, whichever way the suite reaches it. */
export function hangingStore(): Record<string, unknown> {
  return throughBinding ? { STORE: failingBucket("hanging") } : { S3_ENDPOINT: inject("brokenEndpoints").hanging };
}
