import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
// @ts-expect-error -- a plain ESM script shared with `npm run dev`; its shape is checked at run time.
import { startEmbeddedStore } from "../scripts/embedded-store.mjs";

import type { BrokenEndpoints } from "./provided";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startBrokenEndpoints(): Promise<{ endpoints: BrokenEndpoints; stop: () => Promise<void> }> {
  const hanging = createServer(() => {
    // Never answers; the connection is closed when the server stops.
  });
  const hangingUrl = await listen(hanging);
  const closedServer = createServer();
  const closedUrl = await listen(closedServer);
  await new Promise((resolve) => closedServer.close(resolve));
  return {
    endpoints: { hanging: hangingUrl, closed: closedUrl },
    stop: async () => {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    },
  };
}

/**
 * Starts the embedded store, unless S3_ENDPOINT (with S3_BUCKET, S3_ACCESS_KEY_ID and
 * S3_SECRET_ACCESS_KEY) points the suite at another S3-compatible store. Every run writes under a
 * fresh prefix, so runs never see each other's items.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prefix = `test-${Date.now()}-${randomBytes(3).toString("hex")}/`;
  const broken = await startBrokenEndpoints();
  project.provide("brokenEndpoints", broken.endpoints);
  const external = process.env.S3_ENDPOINT;
  if (external) {
    const need = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"].filter((name) => !process.env[name]);
    if (need.length > 0) throw new Error(`S3_ENDPOINT is set: also set ${need.join(", ")}`);
    project.provide("storeBindings", {
      S3_ENDPOINT: external,
      S3_BUCKET: process.env.S3_BUCKET as string,
      S3_REGION: process.env.S3_REGION ?? "us-east-1",
      S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID as string,
      S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY as string,
      S3_PREFIX: prefix,
      STORE_KIND: `external (${new URL(external).host})`,
    });
    return broken.stop;
  }
  const store = await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url") });
  project.provide("storeBindings", {
    ...store.settings,
    S3_PREFIX: prefix,
    STORE_KIND: "embedded (Miniflare R2 S3 endpoint)",
  });
  return async () => {
    await broken.stop();
    await store.stop();
  };
}
