// Profile variant: the floor plus one Cache API lookup (the least a hit can cost in this runtime).
const KEY = "https://cloudcached.cache/profile/constant";
const BODY = "0123456789abcdef0123456789abcdef";

export default {
  async fetch(): Promise<Response> {
    const cached = await caches.default.match(KEY);
    if (cached) return new Response(cached.body, { headers: { "content-type": "text/plain; charset=utf-8", "x-cache": "HIT" } });
    await caches.default.put(KEY, new Response(BODY, { headers: { "cache-control": "max-age=3600" } }));
    return new Response(BODY, { headers: { "x-cache": "MISS" } });
  },
} satisfies ExportedHandler;
