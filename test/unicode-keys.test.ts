import { describe, expect, it } from "vitest";
import { api, expectError, uniqueNamespace } from "./helpers";

/**
 * Every key the contract accepts is stored and read back on the store under test (the embedded
 * store, or Ceph RGW in CI): a sweep of code points that S3 servers, URL parsers and XML listings
 * are known to treat specially, each through write → read → list → delete, alone and inside a key.
 */
const CODE_POINTS: [label: string, text: string][] = [
  ["line separator U+2028", "\u2028"],
  ["paragraph separator U+2029", "\u2029"],
  ["next line U+0085", "\u0085"],
  ["C1 control U+0080", "\u0080"],
  ["C1 control U+009F", "\u009f"],
  ["no-break space U+00A0", "\u00a0"],
  ["soft hyphen U+00AD", "\u00ad"],
  ["ogham space U+1680", "\u1680"],
  ["em space U+2003", "\u2003"],
  ["ideographic space U+3000", "\u3000"],
  ["zero-width space U+200B", "\u200b"],
  ["zero-width joiner U+200D", "\u200d"],
  ["word joiner U+2060", "\u2060"],
  ["byte-order mark U+FEFF", "\ufeff"],
  ["left-to-right mark U+200E", "\u200e"],
  ["right-to-left mark U+200F", "\u200f"],
  ["right-to-left override U+202E", "\u202e"],
  ["right-to-left isolate U+2067", "\u2067"],
  ["noncharacter U+FFFE", "\ufffe"],
  ["noncharacter U+FFFF", "\uffff"],
  ["noncharacter U+FDD0", "\ufdd0"],
  ["noncharacter U+1FFFE", "\u{1fffe}"],
  ["noncharacter U+10FFFF", "\u{10ffff}"],
  ["replacement character U+FFFD", "\ufffd"],
  ["private use U+E000", "\ue000"],
  ["astral private use U+10FFFD", "\u{10fffd}"],
  ["emoji U+1F600", "\u{1f600}"],
  ["emoji ZWJ sequence", "\u{1f469}\u200d\u{1f4bb}"],
  ["CJK extension B U+20000", "\u{20000}"],
  ["combining acute U+0301 alone", "\u0301"],
  ["decomposed é (e + U+0301)", "e\u0301"],
  ["precomposed é U+00E9", "\u00e9"],
  ["Hangul jamo", "\u1100\u1161"],
  ["Arabic with tashkeel", "\u0645\u064e"],
  ["ASCII punctuation", "%+?#&=;:@$,!'()*[]{}<>\"\\^`|~"],
];

/** The code point as a whole segment at the end of a key, and at the start and inside one. */
function keysFor(index: number, text: string): string[] {
  return [`k${index}/${text}`, `${text}${index}${text}/x`];
}

const path = (ns: string, key: string) => `/v1/${ns}/items/${key.split("/").map(encodeURIComponent).join("/")}`;

async function listed(ns: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ prefix, limit: "7", ...(cursor ? { cursor } : {}) });
    const response = await api(`/v1/${ns}/keys?${query}`);
    const body = (await response.json()) as { keys: { key: string; size: number }[]; cursor: string | null };
    expect(response.status, JSON.stringify(body)).toBe(200);
    keys.push(...body.keys.map((k) => k.key));
    cursor = body.cursor;
  } while (cursor !== null);
  return keys;
}

/** One code point's round trip, in a namespace of its own; throws at the first thing that differs. */
async function roundTrip(text: string, index: number): Promise<void> {
  const ns = uniqueNamespace("uni");
  const keys = keysFor(index, text);
  await Promise.all(
    keys.map(async (key) => {
      const written = await api(path(ns, key), { method: "PUT", body: `v:${key}`, headers: { "content-type": "text/plain; charset=utf-8" } });
      expect(written.status, `PUT ${JSON.stringify(key)}: ${await written.text()}`).toBeLessThan(300);
      // From storage (MISS), then from the location's cache (HIT).
      for (const tier of ["MISS", "HIT"]) {
        const read = await api(path(ns, key));
        expect(`${read.status} ${read.headers.get("x-cache")}`, `GET ${JSON.stringify(key)}`).toBe(`200 ${tier}`);
        expect(await read.text()).toBe(`v:${key}`);
      }
    }),
  );
  expect((await listed(ns, "")).sort(), "listing").toEqual([...keys].sort());
  // By prefix, cut just after the code point.
  await Promise.all(
    keys.map(async (key) => {
      const cut = key.slice(0, key.indexOf(text) + text.length);
      expect(await listed(ns, cut), `prefix ${JSON.stringify(cut)}`).toEqual([key]);
    }),
  );
  // The batch reads and writes them the same way.
  const batch = await api(`/v1/${ns}/batch`, {
    method: "POST",
    body: JSON.stringify({ set: [{ key: `b${text}`, value: "b", contentType: "text/plain" }], get: [...keys, `b${text}`] }),
  });
  const answer = (await batch.json()) as { get: Record<string, { value: string } | null> };
  expect(batch.status, `batch: ${JSON.stringify(answer)}`).toBe(200);
  for (const key of keys) expect(answer.get[key]?.value, `batch get ${JSON.stringify(key)}`).toBe(`v:${key}`);
  expect(answer.get[`b${text}`]?.value, "batch set").toBe("b");
  await Promise.all(
    [...keys, `b${text}`].map(async (key) => {
      const removed = await api(path(ns, key), { method: "DELETE" });
      expect(removed.status, `DELETE ${JSON.stringify(key)}`).toBe(204);
      await expectError(await api(path(ns, key)), 404, "not_found");
    }),
  );
  expect(await listed(ns, ""), "listing after the deletes").toEqual([]);
}

// About 600 requests in all, on a loaded machine possibly against Ceph RGW: one test (every `it`
// costs the pool a storage snapshot), a few code points at a time, every failure reported together.
const SWEEP_TIMEOUT_MS = 300_000;
const CONCURRENT_CODE_POINTS = 4;

describe("keys across Unicode", () => {
  it(
    "write → read → list → batch → delete, for every code point of the sweep",
    async () => {
      const failures: string[] = [];
      const queue = [...CODE_POINTS.entries()];
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const [index, [label, text]] = next;
          await roundTrip(text, index).catch((err: unknown) => failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_CODE_POINTS }, worker));
      expect(failures.sort()).toEqual([]);
    },
    SWEEP_TIMEOUT_MS,
  );

  it("a lone surrogate is not UTF-8: 400 bad_request, in a URL and in a batch", async () => {
    const ns = uniqueNamespace("uni");
    for (const raw of ["%ED%A0%80", "a%ED%BF%BFb", "%F4%90%80%80"]) {
      await expectError(await api(`/v1/${ns}/items/${raw}`, { method: "PUT", body: "v" }), 400, "bad_request");
    }
    const batch = await api(`/v1/${ns}/batch`, { method: "POST", body: '{"get": ["a\\ud800"]}' });
    await expectError(batch, 400, "bad_request");
  });
});
