// Profile variant: the floor plus one Cache API delete (what every write pays after storage has it).
const KEY = "https://cloudcached.cache/profile/deleted";

export default {
  async fetch(): Promise<Response> {
    await caches.default.delete(KEY);
    return new Response("0123456789abcdef0123456789abcdef", { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
} satisfies ExportedHandler;
