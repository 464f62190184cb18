// The gateway's listening socket: connection limits, the protocol of each connection (a binary
// request starts with the magic byte 0x80, anything else is text), backpressure.

import net from "node:net";
import type { Backend } from "./backend.js";
import { BinarySession } from "./binary-session.js";
import type { Stats } from "./stats.js";
import type { Connection, Limits } from "./session.js";
import { TextSession } from "./text-session.js";

export interface ServerSettings extends Limits {
  host: string;
  port: number;
  maxConnections: number;
  /** Answered by `version` and reported by `stats`. */
  version: string;
}

export interface Listening {
  host: string;
  port: number;
  close(): Promise<void>;
}

const BINARY_MAGIC = 0x80;
const COALESCE_BYTES = 64 * 1024;

export async function listen(settings: ServerSettings, backend: Backend, stats: Stats): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (sockets.size >= settings.maxConnections) {
      stats.rejectedConnections += 1;
      socket.end("SERVER_ERROR too many open connections\r\n");
      return;
    }
    sockets.add(socket);
    stats.currentConnections += 1;
    stats.totalConnections += 1;
    // The socket is read while its session wants bytes and its client reads the answers.
    let wanted = true;
    let draining = false;
    const follow = (): void => {
      if (socket.destroyed) return;
      if (wanted && !draining) socket.resume();
      else socket.pause();
    };
    const output: Connection = {
      write(chunks) {
        if (socket.destroyed || socket.writableEnded) return;
        // Small answers go as one buffer (cheaper than a writev of small pieces); large values are not copied.
        const size = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
        stats.add("bytes_written", size);
        if (chunks.length === 1 || size <= COALESCE_BYTES) socket.write(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        else {
          socket.cork();
          for (const chunk of chunks) socket.write(chunk);
          socket.uncork();
        }
        // A client that does not read its answers stops being read from until it catches up.
        if (socket.writableNeedDrain && !draining) {
          draining = true;
          follow();
          socket.once("drain", () => {
            draining = false;
            follow();
          });
        }
      },
      end() {
        socket.end();
      },
      reading(wantsBytes) {
        wanted = wantsBytes;
        follow();
      },
    };
    let session: TextSession | BinarySession | null = null;
    socket.on("data", (data: Buffer) => {
      stats.add("bytes_read", data.byteLength);
      session ??= data[0] === BINARY_MAGIC ? new BinarySession(backend, stats, settings, settings.version, output) : new TextSession(backend, stats, settings, settings.version, output);
      session.feed(data);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      session?.close();
      sockets.delete(socket);
      stats.currentConnections -= 1;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  stats.settings = { host: address.address, port: address.port, maxConnections: settings.maxConnections, maxValueBytes: settings.maxValueBytes };
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
