// The sides of a comparison, and the loop that runs them interleaved (see stats.shuffled).
import { keepAliveAgent, request } from "./http.mjs";
import { BINDING_FLOOR_HOST, FLOOR_BODY, FLOOR_HOST } from "./stack.mjs";
import { median, percentile, shuffled } from "./stats.mjs";

/** The 32-byte value every ratio is measured with. */
export const RATIO_VALUE = FLOOR_BODY;

/** A failure of the connection, not of the answer: HTTP parse errors, resets, hang-ups. */
export function isTransportError(err) {
  const code = err?.code ?? err?.cause?.code ?? "";
  return /^(HPE_|ECONNRESET|EPIPE|ECONNREFUSED|UND_ERR_SOCKET)/.test(code) || /socket hang up/i.test(err?.message ?? "");
}

/**
 * Runs every side once per round, in a shuffled order, `warmup` rounds unrecorded then `samples`.
 * A side returns false when its answer was not the kind it measures (a hit that was a miss): that
 * sample is left out and counted. A transport error (a reset or unparsable connection) is counted
 * and reported, and the run goes on, up to 1% of a side's samples; a wrong answer stops the run.
 */
export async function interleave(sides, { warmup, samples }) {
  const names = Object.keys(sides);
  const kept = Object.fromEntries(names.map((name) => [name, []]));
  const refused = Object.fromEntries(names.map((name) => [name, 0]));
  const errors = Object.fromEntries(names.map((name) => [name, 0]));
  for (let round = 0; round < warmup + samples; round++) {
    for (const name of shuffled(names, round)) {
      const started = performance.now();
      let ok;
      try {
        ok = await sides[name]();
      } catch (err) {
        if (isTransportError(err) && errors[name] < Math.max(1, samples / 100)) {
          errors[name]++;
          process.stderr.write(`[bench] side ${name}, round ${round}: transport error (${err.code ?? err.message}); counted, going on\n`);
          continue;
        }
        throw new Error(`side ${name}, round ${round}: ${err?.message ?? err}`, { cause: err });
      }
      const ms = performance.now() - started;
      if (round < warmup) continue;
      if (ok === false) refused[name]++;
      else kept[name].push(ms);
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      { n: kept[name].length, refused: refused[name], errors: errors[name], p50Ms: median(kept[name]), p99Ms: percentile(kept[name], 99) },
    ]),
  );
}

export function expectStatus(answer, statuses, what) {
  if (!statuses.includes(answer.status)) throw new Error(`${what} answered ${answer.status}`);
  return answer;
}

/** The tags of the tagged sides: four, as an item about a few things carries (API.md, Tags and metadata). */
export const RATIO_TAGS = "product-42,pages,catalog,locale-en";

/** The keys of the measured batch: as many as one batch holds on the Free plan over the S3 API (`limits.batchKeys` at 50). */
export const BATCH_KEYS = Array.from({ length: 9 }, (_, i) => `ratio-batch-${i}`);

/** The sides of the Worker over HTTP, each with a connection of its own. */
export function workerSides({ base, host, token, namespace, s3, memcached, label }) {
  const auth = { authorization: `Bearer ${token}`, ...(host ? { host } : {}) };
  const itemUrl = (key) => `${base}/v1/${namespace}/items/${key}`;
  const body = Buffer.from(RATIO_VALUE);
  const put = (agent, key, extra = {}) =>
    request(agent, itemUrl(key), { method: "PUT", headers: { ...auth, "content-type": "text/plain", "content-length": String(body.length), ...extra }, body });
  const tagged = { "x-tags": RATIO_TAGS };
  const agents = new Map();
  const agent = (name) => agents.get(name) ?? agents.set(name, keepAliveAgent()).get(name);
  const batchBody = Buffer.from(JSON.stringify({ get: BATCH_KEYS }));
  // A token scoped to reading this namespace (minted in prime): a hit with it checks a signature.
  let scopedAuth = null;
  return {
    async prime() {
      for (const key of ["ratio-hit", "ratio-miss", "ratio-put", "ratio-touch", ...BATCH_KEYS]) expectStatus(await put(agent("prime"), key), [200, 201], `${label} PUT`);
      for (const key of ["ratio-hit-tagged", "ratio-put-tagged"]) expectStatus(await put(agent("prime"), key, tagged), [200, 201], `${label} PUT (tagged)`);
      expectStatus(await request(agent("prime"), itemUrl("ratio-hit"), { headers: auth }), [200], `${label} GET`);
      const taggedHit = expectStatus(await request(agent("prime"), itemUrl("ratio-hit-tagged"), { headers: auth }), [200], `${label} GET (tagged)`);
      if (String(taggedHit.headers["x-tags"]).replaceAll(" ", "") !== RATIO_TAGS) throw new Error(`${label} GET (tagged): X-Tags ${taggedHit.headers["x-tags"]}`);
      const mintBody = Buffer.from(JSON.stringify({ namespaces: [namespace], scopes: ["read"], ttl: 86_400 }));
      const minted = expectStatus(
        await request(agent("prime"), `${base}/v1/tokens`, { method: "POST", headers: { ...auth, "content-type": "application/json", "content-length": String(mintBody.length) }, body: mintBody, keepBody: true }),
        [201],
        `${label} token`,
      );
      scopedAuth = { ...auth, authorization: `Bearer ${JSON.parse(minted.body.toString("utf8")).token}` };
      await s3.putVia(agent("prime-s3"), "direct/ratio-get", body, "text/plain");
      if (memcached && !memcached.missing) await memcached.set("ratio-get", body);
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    hit: async () => {
      const answer = expectStatus(await request(agent("hit"), itemUrl("ratio-hit"), { headers: auth }), [200], `${label} hit`);
      if (answer.size !== body.length) throw new Error(`${label} hit: ${answer.size} bytes`);
      return answer.headers["x-cache"] === "HIT";
    },
    hitScoped: async () => {
      const answer = expectStatus(await request(agent("hit-scoped"), itemUrl("ratio-hit"), { headers: scopedAuth }), [200], `${label} hit (scoped token)`);
      if (answer.size !== body.length) throw new Error(`${label} hit (scoped token): ${answer.size} bytes`);
      return answer.headers["x-cache"] === "HIT";
    },
    hitTagged: async () => {
      // An item with four tags: each hit checks them (confirmed by this instance within the second).
      const answer = expectStatus(await request(agent("hit-tagged"), itemUrl("ratio-hit-tagged"), { headers: auth }), [200], `${label} hit (4 tags)`);
      if (answer.size !== body.length) throw new Error(`${label} hit (4 tags): ${answer.size} bytes`);
      return answer.headers["x-cache"] === "HIT";
    },
    absent: async () => {
      // Never written, so never cached: storage answers every time.
      expectStatus(await request(agent("absent"), itemUrl("ratio-absent"), { headers: auth }), [404], `${label} absent read`);
    },
    miss: async () => {
      const answer = expectStatus(
        await request(agent("miss"), itemUrl("ratio-miss"), { headers: { ...auth, "cache-control": "no-cache" } }),
        [200],
        `${label} miss`,
      );
      if (answer.size !== body.length) throw new Error(`${label} miss: ${answer.size} bytes`);
      return answer.headers["x-cache"] === "MISS";
    },
    put: async () => {
      expectStatus(await put(agent("put"), "ratio-put"), [200, 201], `${label} PUT`);
    },
    putTagged: async () => {
      expectStatus(await put(agent("put-tagged"), "ratio-put-tagged", tagged), [200, 201], `${label} PUT (4 tags)`);
    },
    touch: async () => {
      // A new expiry without the value: a copy over the S3 API, a read and a write through the binding.
      expectStatus(await request(agent("touch"), `${itemUrl("ratio-touch")}?op=touch&ttl=3600`, { method: "POST", headers: { ...auth, "content-length": "0" } }), [200], `${label} touch`);
    },
    batch: async () => {
      // Every key read from storage (no-cache): the batch's own cost, not the location cache's.
      const answer = expectStatus(
        await request(agent("batch"), `${base}/v1/${namespace}/batch`, { method: "POST", headers: { ...auth, "content-type": "application/json", "content-length": String(batchBody.length), "cache-control": "no-cache" }, body: batchBody }),
        [200],
        `${label} batch`,
      );
      if (answer.size < BATCH_KEYS.length * body.length) throw new Error(`${label} batch: ${answer.size} bytes`);
    },
    s3Get: async () => {
      const answer = await s3.getVia(agent("s3-get"), "direct/ratio-get");
      if (answer.size !== body.length) throw new Error(`direct S3 GET: ${answer.size} bytes`);
    },
    s3Head: async () => {
      await s3.headVia(agent("s3-head"), "direct/ratio-get");
    },
    s3Put: async () => {
      await s3.putVia(agent("s3-put"), "direct/ratio-put", body, "text/plain");
    },
    memcachedGet: async () => {
      const bytes = await memcached.get("ratio-get");
      if (bytes.byteLength !== body.length) throw new Error("memcached GET: wrong size");
    },
    close() {
      for (const a of agents.values()) a.destroy();
    },
  };
}

/** A Worker that answers the 32-byte value at any path, on its own host (the floor, or a profile variant). */
export function floorSide(base, host = FLOOR_HOST, path = "/", headers = {}) {
  const agent = keepAliveAgent();
  return {
    run: async () => {
      const answer = expectStatus(await request(agent, `${base}${path}`, { headers: { host, ...headers } }), [200], host);
      if (answer.size !== FLOOR_BODY.length) throw new Error(`${host}: wrong body`);
    },
    close: () => agent.destroy(),
  };
}


/**
 * The binding floor's sides, each one call to the bound bucket: a GET of a key never written (404)
 * and a PUT of the 32-byte value. The binding's counterparts of "floor + direct S3 GET / PUT".
 */
export function bindingFloorSides(base) {
  const agent = keepAliveAgent();
  const body = Buffer.from(RATIO_VALUE);
  const headers = { host: BINDING_FLOOR_HOST };
  return {
    absent: async () => {
      expectStatus(await request(agent, `${base}/absent`, { headers }), [404], "binding floor GET");
    },
    put: async () => {
      expectStatus(
        await request(agent, `${base}/put`, { method: "PUT", headers: { ...headers, "content-type": "text/plain", "content-length": String(body.length) }, body }),
        [204],
        "binding floor PUT",
      );
    },
    close: () => agent.destroy(),
  };
}
