// The memcached gateway's tests run every assertion against a real memcached too, and drive
// libmemcached's tools and pymemcache: found, or installed from Debian (as root), before any test
// runs; otherwise the run fails naming the command (scripts/debian-tools.mjs).
import { ensureDebianTools } from "../../../scripts/debian-tools.mjs";

export default async function setup(): Promise<void> {
  await ensureDebianTools("memcached");
}
