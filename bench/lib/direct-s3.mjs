// The seed's architecture: the client signs (SigV4, aws4fetch) and calls the store itself.
import { AwsClient } from "aws4fetch";
import { request } from "./http.mjs";

function encodeKey(key) {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

/** A direct S3 client for one endpoint (the store itself, or the WAN proxy in front of it). */
export function directS3(store, endpoint) {
  const aws = new AwsClient({
    accessKeyId: store.accessKeyId,
    secretAccessKey: store.secretAccessKey,
    service: "s3",
    region: store.region,
    retries: 0,
  });
  const urlOf = (key) => `${endpoint}/${encodeURIComponent(store.bucket)}/${encodeKey(key)}`;

  /** Signs a call; the headers to send with it. */
  async function sign(method, key, headers = {}) {
    const signed = await aws.sign(urlOf(key), { method, headers });
    return Object.fromEntries(signed.headers);
  }

  return {
    /** The seed's calls, as its client made them: aws4fetch's fetch (sign + fetch). */
    async get(key) {
      const response = await aws.fetch(urlOf(key));
      if (response.status !== 200) throw new Error(`direct S3 GET answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    async put(key, bytes, contentType) {
      const response = await aws.fetch(urlOf(key), { method: "PUT", headers: { "content-type": contentType }, body: bytes });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`direct S3 PUT answered ${response.status}`);
    },
    /** The same calls through the benchmark's own HTTP client, for ratios (signing included). */
    async getVia(agent, key) {
      const answer = await request(agent, urlOf(key), { headers: await sign("GET", key) });
      if (answer.status !== 200) throw new Error(`direct S3 GET answered ${answer.status}`);
      return answer;
    },
    async headVia(agent, key) {
      const answer = await request(agent, urlOf(key), { method: "HEAD", headers: await sign("HEAD", key) });
      if (answer.status !== 200) throw new Error(`direct S3 HEAD answered ${answer.status}`);
      return answer;
    },
    async putVia(agent, key, bytes, contentType) {
      const headers = await sign("PUT", key, { "content-type": contentType, "content-length": String(bytes.byteLength) });
      const answer = await request(agent, urlOf(key), { method: "PUT", headers, body: bytes });
      if (answer.status !== 200) throw new Error(`direct S3 PUT answered ${answer.status}`);
      return answer;
    },
  };
}
