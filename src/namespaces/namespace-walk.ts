import { namespaceProblem } from "../../client/src/names";
import type { Storage } from "../storage/storage";

/**
 * The namespaces that have objects in storage, in order, found by skipping: one listing of a single
 * object per namespace, each starting after every object of the namespace before. No delimiter
 * listing is needed (not every S3-compatible store has one), and a namespace with millions of items
 * costs one call like any other. Items of old generations count until the sweep removes them.
 */

/** Most namespaces one `GET /v1/namespaces` finds: one storage call each, well inside any subrequest limit. */
export const MAX_NAMESPACES_PER_PAGE = 16;

/**
 * Where to list from to find the first namespace after `after` (or the first of all). Namespaces
 * start with a letter or digit, so `<prefix>/` comes after the deployment's own dot folders
 * (`.generations/`, `.leases/`, …); `<prefix><ns>0` comes after every `<prefix><ns>/…` object
 * (`/` sorts just before `0`) and before any other namespace's. Pure.
 */
export function listStartAfter(prefix: string, after: string | null): string {
  return after === null ? `${prefix}/` : `${prefix}${after}0`;
}

/**
 * The order namespaces are listed in, whoever asks: their objects' order in storage, where a
 * namespace sorts as its name followed by `/` (so `app-x` comes before `app`: `-` sorts before `/`).
 * Namespaces are ASCII, so this is byte order, as S3 lists keys. Pure.
 */
export function compareNamespaces(a: string, b: string): number {
  const left = `${a}/`;
  const right = `${b}/`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Whether a namespace is listed after `after` (the walk's `listStartAfter`, for names not read from storage). Pure. */
export function listedAfter(namespace: string, after: string | null): boolean {
  return after === null || `${namespace}/` > `${after}0`;
}

/** The namespace an object under `prefix` belongs to, or null when its name is not `<namespace>/…`. Pure. */
export function namespaceOfObject(prefix: string, objectKey: string): string | null {
  if (!objectKey.startsWith(prefix)) return null;
  const rest = objectKey.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const namespace = rest.slice(0, slash);
  return namespaceProblem(namespace) === null ? namespace : null;
}

/** Up to `limit` namespaces after `after`, and whether more may follow. */
export async function walkNamespaces(storage: Storage, prefix: string, after: string | null, limit: number): Promise<{ namespaces: string[]; more: boolean }> {
  const namespaces: string[] = [];
  let startAfter = listStartAfter(prefix, after);
  for (let calls = 0; calls < limit; calls++) {
    const page = await storage.list({ prefix, startAfter, maxKeys: 1 });
    const object = page.objects[0];
    if (object === undefined) return { namespaces, more: false };
    const namespace = namespaceOfObject(prefix, object.key);
    if (namespace === null) {
      // Not an item's object (something else in the bucket): step over it alone.
      startAfter = object.key;
      continue;
    }
    namespaces.push(namespace);
    startAfter = listStartAfter(prefix, namespace);
  }
  return { namespaces, more: true };
}
