// A TCP proxy on 127.0.0.1 that delays every chunk by half a round trip in each direction, in
// order: what a store far away looks like to the Worker (and to a client calling it directly).
// Bytes pass through untouched, so SigV4 signatures made for the proxy's address stay valid.
import net from "node:net";

/**
 * Forwards `from` to `to`, each chunk `delayMs` after it arrived. One queue and one timer per
 * direction: chunks leave strictly in the order they came (separate timers per chunk could fire
 * out of order and corrupt the stream).
 */
function delayedPipe(from, to, delayMs) {
  const queue = [];
  let timer = null;
  let ended = false;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0].due <= now) {
      const { chunk } = queue.shift();
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].due - now));
    else if (ended && !to.destroyed) to.end();
  };
  from.on("data", (chunk) => {
    queue.push({ chunk, due: performance.now() + delayMs });
    if (timer === null) timer = setTimeout(pump, delayMs);
  });
  from.on("end", () => {
    ended = true;
    if (timer === null && queue.length === 0) to.end();
  });
}

/**
 * Starts the proxy in front of `target` (`{ host, port }`). Each round trip through it takes
 * `roundTripMs` more than without it. Resolves to `{ port, url(pathAndQuery), close() }`.
 */
export async function startWanProxy(target, roundTripMs) {
  const oneWay = roundTripMs / 2;
  const sockets = new Set();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    delayedPipe(client, upstream, oneWay);
    delayedPipe(upstream, client, oneWay);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
