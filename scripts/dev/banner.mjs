// What `npm run dev` prints once the Worker answers: pure text, no I/O.

/**
 * @typedef {object} BannerInfo
 * @property {string} workerUrl
 * @property {string} adminToken
 * @property {string[]} generated the secrets this run generated and wrote to .dev.vars
 * @property {string} devVarsPath as shown to the user
 * @property {number} inspectorPort where a debugger attaches to the Worker
 * @property {{ kind: "embedded", endpoint: string, bucket: string, accessKeyId: string, credentialsPath: string, dataPath: string }
 *   | { kind: "external", endpoint: string, bucket: string }
 *   | { kind: "binding", dataPath: string }} store
 * @property {string} [health] a warning about GET /healthz, when it did not answer 200
 */

/**
 * Quotes a word for a POSIX shell, when it needs quoting.
 * @param {string} word
 * @returns {string}
 */
export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * @param {BannerInfo} info
 * @returns {string}
 */
export function formatBanner(info) {
  const { workerUrl, adminToken, store } = info;
  const item = `${workerUrl}/v1/default/items/greeting`;
  const lines = [
    "",
    "CloudCached dev server",
    `  Worker:       ${workerUrl}`,
    store.kind === "binding"
      ? `  Store:        the R2 binding STORE (wrangler's local bucket, data in ${store.dataPath}; npm run dev -- --s3 for the S3 way)`
      : store.kind === "embedded"
        ? `  Store:        ${store.endpoint} (embedded; bucket ${store.bucket}, data in ${store.dataPath})`
        : `  Store:        ${store.endpoint} (yours, from ${info.devVarsPath}; bucket ${store.bucket})`,
  ];
  if (store.kind === "embedded") {
    lines.push(`                S3 access key id ${store.accessKeyId}, secret key in ${store.credentialsPath}`);
  }
  lines.push(
    `  Inspector:    127.0.0.1:${info.inspectorPort} (for a debugger; INSPECTOR_PORT chooses it)`,
    `  Admin token:  ${adminToken}`,
    info.generated.includes("ADMIN_TOKEN")
      ? `                (new: generated now and written to ${info.devVarsPath})`
      : `                (from ${info.devVarsPath})`,
    "",
    "  Try it:",
    `    export ADMIN_TOKEN=${shellQuote(adminToken)}`,
    `    curl -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: text/plain" --data-binary 'hello' ${item}`,
    `    curl -H "Authorization: Bearer $ADMIN_TOKEN" ${item}`,
    `    curl ${workerUrl}/healthz`,
  );
  const others = info.generated.filter((name) => name !== "ADMIN_TOKEN");
  if (others.length > 0) lines.splice(lines.length - 6, 0, `  Also generated and written to ${info.devVarsPath}: ${others.join(", ")}`);
  if (info.health) lines.push("", `  Warning: ${info.health}`);
  lines.push(
    "",
    "  Settings: .dev.vars, and PORT, STORE_PORT, INSPECTOR_PORT, CLOUDCACHED_DEV_DIR in the environment (docs/dev.md).",
    "  Ctrl-C stops the Worker and the store; `npm run reset` then starts afresh (deletes the store's data and the local cache).",
    "",
  );
  return lines.join("\n");
}
