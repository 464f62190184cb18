import { env } from "cloudflare:test";
import { AwsClient } from "aws4fetch";

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

/**
 * Every object key the store holds for a namespace (ListObjectsV2 straight to the store, as the
 * test's own observer, not through the Worker), each without `<S3_PREFIX><namespace>/`.
 */
export async function storedObjectKeys(namespace: string): Promise<string[]> {
  const client = new AwsClient({
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    region: env.S3_REGION || "auto",
    service: "s3",
  });
  const prefix = `${env.S3_PREFIX}${namespace}/`;
  const keys: string[] = [];
  let token: string | null = null;
  do {
    const query = new URLSearchParams({ "list-type": "2", prefix, "max-keys": "1000" });
    if (token) query.set("continuation-token", token);
    const endpoint = env.S3_ENDPOINT.replace(/\/+$/, "");
    const response = await client.fetch(`${endpoint}/${encodeURIComponent(env.S3_BUCKET)}?${query}`);
    const xml = await response.text();
    if (!response.ok) throw new Error(`listing ${namespace}: ${response.status} ${xml.slice(0, 200)}`);
    for (const match of xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) keys.push(unescapeXml(match[1] ?? "").slice(prefix.length));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? unescapeXml(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1] ?? "") : null;
  } while (token);
  return keys;
}
