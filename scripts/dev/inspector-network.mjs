// wrangler's inspector proxy, corrected as `npm run dev` loads it: pure functions, no I/O.
//
// wrangler 4.86's InspectorProxyWorker (wrangler-dist/InspectorProxyWorker.js) turns on the runtime's
// Network events when it connects to the Worker's runtime, whether or not a debugger is attached.
// The runtime then reports every chunk of every response body the Worker reads (a 30 MB read from
// storage: thousands of reports), and the proxy hands each report to wrangler's Node process on a
// connection of its own, faster than they are closed: the dev server slows down, then runs out of file
// descriptors and stops answering. Upstream: https://github.com/cloudflare/workers-sdk/issues/14191,
// fixed in wrangler 4.100.0 (https://github.com/cloudflare/workers-sdk/pull/14243), which needs Node 22.
// The correction is that fix: Network events only while a debugger is attached (a debugger turns them
// on itself when it attaches).

/** The unconditional `Network.enable` of the proxy's `handleRuntimeWebSocketOpen`. */
const NETWORK_ENABLE = /this\.sendRuntimeMessage\(\s*\{\s*method:\s*"Network\.enable",\s*id:\s*this\.nextCounter\(\)\s*\},\s*runtime\s*\);/g;

/** The condition wrangler already puts on `Debugger.enable`, and upstream on `Network.enable` too. */
const DEVTOOLS_ATTACHED = "this.websockets.devtools !== void 0";
const GATED_BEFORE = /if\s*\(\s*this\.websockets\.devtools\s*!==\s*(?:void 0|undefined)\s*\)\s*\{\s*$/;

/**
 * @param {string} source the proxy's module source, as wrangler ships it
 * @returns {{ outcome: "gated", source: string } | { outcome: "already-gated" | "not-found", source: string }}
 *   "gated": the returned source enables Network events only with a debugger attached; "already-gated":
 *   this wrangler has the fix; "not-found": the source is not the shape this correction knows (left as is).
 */
export function gateNetworkEnable(source) {
  const matches = [...source.matchAll(NETWORK_ENABLE)];
  if (matches.length !== 1) return { outcome: "not-found", source };
  const [match] = /** @type {[RegExpMatchArray]} */ (matches);
  const start = /** @type {number} */ (match.index);
  if (GATED_BEFORE.test(source.slice(0, start))) return { outcome: "already-gated", source };
  const end = start + match[0].length;
  return { outcome: "gated", source: `${source.slice(0, start)}if (${DEVTOOLS_ATTACHED}) { ${match[0]} }${source.slice(end)}` };
}
