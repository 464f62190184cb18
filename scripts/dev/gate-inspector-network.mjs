// Preloaded into wrangler (`node --import`) by `npm run dev`: hands Miniflare wrangler's inspector
// proxy with its Network events gated on an attached debugger (inspector-network.mjs says why), by
// correcting the one file as it is read. wrangler passes its preloads on to its second Node process,
// the one that reads the file. A wrangler that has the fix is left as it is.
import fs from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gateNetworkEnable } from "./inspector-network.mjs";

const proxyPath = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "wrangler-dist", "InspectorProxyWorker.js");
const readFileSync = fs.readFileSync;

/** @type {typeof fs.readFileSync} */
const readCorrected = /** @type {typeof fs.readFileSync} */ (
  (/** @type {Parameters<typeof fs.readFileSync>} */ ...args) => {
    const [path, options] = args;
    if (path !== proxyPath) return readFileSync(...args);
    const { outcome, source } = gateNetworkEnable(readFileSync(path, "utf8"));
    if (outcome === "not-found") {
      console.error(
        "npm run dev: this wrangler's inspector proxy is not the one expected, and is left as it is: " +
          "if large reads make the dev server stop answering, see https://github.com/cloudflare/workers-sdk/issues/14191",
      );
    }
    const encoding = typeof options === "string" ? options : options?.encoding;
    const bytes = Buffer.from(source, "utf8");
    return encoding && encoding !== "buffer" ? bytes.toString(encoding) : bytes;
  }
);
fs.readFileSync = readCorrected;
