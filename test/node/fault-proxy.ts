import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A fault-injecting HTTP proxy between the Worker under test and the real store. It forwards every
 * request byte for byte (Host included, so SigV4 signatures still verify at the store) unless a
 * fault rule matches, and records what it saw so tests can count storage requests.
 *
 * Control API (for tests running inside workerd):
 *   POST /__fault     {"mode", "count"?, "method"?, "path"?, "delayMs"?}  add a rule; answers {"id"}
 *   POST /__clear     {"path"?}  drop rules (all, or those for one path substring)
 *   GET  /__requests?path=SUB    [{"method", "path", "fault"}] of the requests whose path contains SUB
 * `path` is a substring of the decoded request path (use a test's unique namespace); `count` is how
 * many matching requests the rule affects (default 1).
 */
import type { FaultMode } from "../fault-mode";

export type { FaultMode };

export interface FaultRule {
  mode: FaultMode;
  count: number;
  method?: string;
  path?: string;
  /** For "delay": how long before forwarding; for any other mode: how long before the fault. */
  delayMs?: number;
}

interface Seen {
  method: string;
  path: string;
  fault: FaultMode | null;
}

const MODES = new Set<FaultMode>(["error500", "slowdown503", "conflict409", "throttle429", "hang", "reset", "resetAfter", "cutResponse", "cutRequest", "delay"]);
const MAX_SEEN = 50_000;

export interface FaultProxy {
  /** The proxy's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  stop(): Promise<void>;
}

function s3Error(res: http.ServerResponse, status: number, code: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve(text === "" ? {} : (JSON.parse(text) as Record<string, unknown>));
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });
}

function decodedPath(url: string): string {
  const path = url.split("?")[0] ?? "";
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Starts the proxy on 127.0.0.1 in front of `upstream` (the store's origin). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: FaultRule[] = [];
  const seen: Seen[] = [];
  const open = new Set<Socket>();

  function takeRule(method: string, path: string): FaultRule | null {
    const rule = rules.find((r) => r.count > 0 && (!r.method || r.method === method) && (!r.path || path.includes(r.path)));
    if (!rule) return null;
    rule.count -= 1;
    if (rule.count <= 0) rules.splice(rules.indexOf(rule), 1);
    return rule;
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, rule: FaultRule | null): void {
    const upstreamReq = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstreamReq.on("error", () => {
      if (!res.headersSent) s3Error(res, 502, "ProxyUpstreamError");
      else reset(res.socket as Socket);
    });
    upstreamReq.on("response", (upstreamRes) => {
      if (rule?.mode === "resetAfter") {
        upstreamRes.resume();
        upstreamRes.on("end", () => reset(req.socket));
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      if (rule?.mode === "cutResponse") {
        const total = Number(upstreamRes.headers["content-length"] ?? "0");
        let sent = 0;
        const half = Math.floor(total / 2);
        upstreamRes.on("data", (chunk: Buffer) => {
          if (sent >= half) return;
          const part = chunk.subarray(0, Math.max(0, half - sent));
          sent += part.byteLength;
          res.write(part);
          if (sent >= half) {
            // Let the half that was written leave, then cut the connection short.
            setTimeout(() => {
              upstreamRes.destroy();
              reset(req.socket);
            }, 20);
          }
        });
        return;
      }
      upstreamRes.pipe(res);
    });
    if (rule?.mode === "cutRequest") {
      const total = Number(req.headers["content-length"] ?? "0");
      const half = Math.floor(total / 2);
      let sent = 0;
      req.on("data", (chunk: Buffer) => {
        if (sent >= half) return;
        const part = chunk.subarray(0, Math.max(0, half - sent));
        sent += part.byteLength;
        upstreamReq.write(part);
        if (sent >= half) {
          setTimeout(() => {
            upstreamReq.destroy();
            reset(req.socket);
          }, 20);
        }
      });
      return;
    }
    req.pipe(upstreamReq);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy");
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === "POST" && url.pathname === "/__fault") {
      const body = await readJson(req);
      const mode = body.mode as FaultMode;
      if (!MODES.has(mode)) return json(400, { error: `unknown mode ${String(body.mode)}` });
      const rule: FaultRule = { mode, count: typeof body.count === "number" ? body.count : 1 };
      if (typeof body.method === "string") rule.method = body.method.toUpperCase();
      if (typeof body.path === "string") rule.path = body.path;
      if (typeof body.delayMs === "number") rule.delayMs = body.delayMs;
      rules.push(rule);
      return json(200, { rules: rules.length });
    }
    if (req.method === "POST" && url.pathname === "/__clear") {
      const body = await readJson(req);
      const path = typeof body.path === "string" ? body.path : null;
      for (let i = rules.length - 1; i >= 0; i--) if (path === null || rules[i]?.path?.includes(path)) rules.splice(i, 1);
      return json(200, { rules: rules.length });
    }
    if (req.method === "GET" && url.pathname === "/__requests") {
      const sub = url.searchParams.get("path") ?? "";
      return json(200, seen.filter((s) => s.path.includes(sub)));
    }
    return json(404, { error: "no such control route" });
  }

  const server = http.createServer((req, res) => {
    const path = decodedPath(req.url ?? "/");
    if (path.startsWith("/__")) {
      control(req, res).catch((err: unknown) => {
        if (!res.headersSent) s3Error(res, 500, String(err));
      });
      return;
    }
    const method = req.method ?? "GET";
    const rule = takeRule(method, path);
    seen.push({ method, path, fault: rule?.mode ?? null });
    if (seen.length > MAX_SEEN) seen.splice(0, seen.length - MAX_SEEN);
    // A rule's delayMs holds any fault back that long (a slow store that then fails).
    if (rule?.delayMs !== undefined && rule.mode !== "delay") {
      const held = { ...rule, delayMs: undefined };
      setTimeout(() => act(req, res, held), rule.delayMs);
      return;
    }
    act(req, res, rule);
  });

  function act(req: http.IncomingMessage, res: http.ServerResponse, rule: FaultRule | null): void {
    switch (rule?.mode) {
      case "error500":
        req.resume();
        return s3Error(res, 500, "InternalError");
      case "slowdown503":
        req.resume();
        return s3Error(res, 503, "SlowDown");
      case "conflict409":
        req.resume();
        return s3Error(res, 409, "ConditionalRequestConflict");
      case "throttle429":
        req.resume();
        return s3Error(res, 429, "TooManyRequests");
      case "hang":
        req.resume();
        return;
      case "reset":
        return reset(req.socket);
      case "delay":
        setTimeout(() => forward(req, res, rule), rule.delayMs ?? 1000);
        return;
      default:
        return forward(req, res, rule);
    }
  }
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
