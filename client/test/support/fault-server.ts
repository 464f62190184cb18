// A local HTTP server that misbehaves on purpose (fault injection only: never a stand-in for the
// Worker's behaviour). Each request is answered by the next entry of the script; its log says what came.
import { createServer, type IncomingMessage, request as forward, type ServerResponse } from "node:http";

export type Fault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { destroy: true }
  /** A 200 that promises `length` bytes, sends `sent`, and never the rest. */
  | { stall: { length: number; sent: string } }
  /** Passed on to `to` (the real Worker) and answered with its answer. */
  | { forward: string }
  /** Passed on to `to`, which handles it; then the connection is dropped instead of answered. */
  | { forwardThenDrop: string };

export interface FaultServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startFaultServer(script: Fault[], fallback: Fault = { status: 500 }): Promise<FaultServer> {
  const requests: FaultServer["requests"] = [];
  const hanging = new Set<ServerResponse>();
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const fault = script.shift() ?? fallback;
    if ("forward" in fault || "forwardThenDrop" in fault) {
      const to = new URL(req.url ?? "/", "forward" in fault ? fault.forward : fault.forwardThenDrop);
      const headers = { ...req.headers, host: to.host };
      const onward = forward(to, { method: req.method ?? "GET", headers }, (answer) => {
        if ("forwardThenDrop" in fault) {
          // The Worker has handled it: its answer is read to the end, then the client gets none.
          answer.resume();
          answer.once("end", () => req.socket.destroy());
          return;
        }
        const { connection: _c, "keep-alive": _k, "transfer-encoding": _t, ...kept } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, kept);
        answer.pipe(res);
      });
      onward.on("error", () => req.socket.destroy());
      req.pipe(onward);
      return;
    }
    req.resume();
    if ("hang" in fault) {
      hanging.add(res);
      return;
    }
    if ("destroy" in fault) {
      req.socket.destroy();
      return;
    }
    if ("stall" in fault) {
      hanging.add(res);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(fault.stall.length) }).write(fault.stall.sent);
      return;
    }
    res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers }).end(fault.body ?? "");
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
