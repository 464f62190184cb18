// A TCP proxy on 127.0.0.1 that delays every chunk by half a round trip in each direction, in
// order: what a store far away looks like to the Worker (and to a client calling it directly).
// Bytes pass through untouched, so SigV4 signatures made for the proxy's address stay valid.
import net from "node:net";

/** Forwards `from` to `to`, each chunk `delayMs` after it arrived, keeping their order. */
function delayedPipe(from, to, delayMs) {
  let last = 0;
  from.on("data", (chunk) => {
    const due = Math.max(Date.now() + delayMs, last);
    last = due;
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, due - Date.now());
  });
  from.on("end", () => {
    setTimeout(() => to.end(), Math.max(0, last - Date.now()));
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
