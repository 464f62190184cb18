// One process of the cross-process getOrSet test: 16 concurrent getOrSet calls on one key through the
// built client, started together at the time the parent gives; prints what they got and how often its
// factory ran, as one JSON line.
import { CloudCached } from "../../dist/index.js";

const [url, token, namespace, key, startAt, callers] = process.argv.slice(2);
const cache = new CloudCached({ url, token, namespace });
let runs = 0;
const factory = async () => {
  runs += 1;
  await new Promise((resolve) => setTimeout(resolve, 300));
  return `computed by ${process.pid}`;
};
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const values = await Promise.all(Array.from({ length: Number(callers) }, () => cache.getOrSet(key, factory, { ttl: 600, lease: 30 })));
process.stdout.write(`${JSON.stringify({ runs, values, stats: cache.stats() })}\n`);
