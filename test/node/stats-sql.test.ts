import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentTotals, errorsQuery, type StatsSqlSettings, totalsQuery } from "../../src/stats/deployment-stats";
import { statsBody } from "../../src/stats/totals";

// Cloudflare's Analytics Engine SQL API cannot run here: a stand-in started by this test checks
// the request as Cloudflare's docs describe it (POST /client/v4/accounts/{id}/analytics_engine/sql,
// `Authorization: Bearer <token>`, the SQL as the body) and answers in its FORMAT JSON shape
// ({"meta", "data", "rows", ...}; 64-bit sums as strings, as ClickHouse's JSON writes them).

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "analytics-read-token";

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  sql: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let failWith: number | null = null;

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const sql = await bodyOf(request);
    seen.push({ method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization, sql });
    if (failWith !== null) {
      response.writeHead(failWith, { "content-type": "application/json" }).end('{"errors":[{"message":"denied"}]}');
      return;
    }
    if (request.headers.authorization !== `Bearer ${TOKEN}` || request.url !== `/client/v4/accounts/${ACCOUNT}/analytics_engine/sql` || request.method !== "POST") {
      response.writeHead(403).end();
      return;
    }
    const data = sql.includes("GROUP BY code")
      ? [{ code: "storage_timeout", count: "2" }]
      : [{ requests: "1300", hits: "1088", misses: "80", notFound: "20", staleGrace: "12", staleError: "0", leaseWon: "9", leaseBusy: "40", writes: "90", deletes: "4", storageCalls: "200", cacheCalls: "1500", bytes: "123456", readStorageCalls: "96", p50: 3.1, p99: 41 }];
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ meta: Object.keys(data[0] ?? {}).map((name) => ({ name, type: "String" })), data, rows: data.length, rows_before_limit_at_least: data.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = (): StatsSqlSettings => ({ accountId: ACCOUNT, apiToken: TOKEN, dataset: "cloudcached", apiBase: base });

describe("deployment stats through Analytics Engine's SQL API (a local stand-in)", () => {
  it("asks with the account's URL, the bearer token and the namespace's SQL, and reads FORMAT JSON", async () => {
    seen.length = 0;
    failWith = null;
    const totals = await deploymentTotals(settings(), "app", "24h", 5000);
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe(`/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`);
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    }
    const sqls = seen.map((request) => request.sql).sort();
    expect(sqls).toEqual([errorsQuery("cloudcached", "app", "24h"), totalsQuery("cloudcached", "app", "24h")].sort());
    const totalsSql = totalsQuery("cloudcached", "app", "24h");
    expect(totalsSql).toContain("FROM cloudcached WHERE index1 = 'app' AND timestamp > NOW() - INTERVAL '1' DAY");
    expect(totalsSql).toContain("SUM(_sample_interval * double2) AS hits");
    expect(totalsSql).toContain("quantileExactWeighted(0.99)(double15, _sample_interval) AS p99");
    expect(totalsSql).toMatch(/FORMAT JSON$/);
    expect(statsBody("app", "24h", "deployment", totals)).toEqual({
      namespace: "app",
      window: "24h",
      scope: "deployment",
      reads: 1200,
      hits: 1088,
      misses: 80,
      notFound: 20,
      hitRatio: 0.907,
      stale: { grace: 12, error: 0 },
      leases: { won: 9, busy: 40 },
      writes: 90,
      deletes: 4,
      errors: { storage_timeout: 2 },
      storageCallsPerRead: 0.08,
      ms: { p50: 3.1, p99: 41 },
    });
  });

  it("each window asks its own interval", () => {
    expect(totalsQuery("cloudcached", "app", "1h")).toContain("INTERVAL '1' HOUR");
    expect(totalsQuery("cloudcached", "app", "7d")).toContain("INTERVAL '7' DAY");
  });

  it("an error from the SQL API is an error, never a partial count", async () => {
    failWith = 403;
    await expect(deploymentTotals(settings(), "app", "1h", 5000)).rejects.toMatchObject({ code: "storage_error" });
    failWith = null;
    await expect(deploymentTotals({ ...settings(), apiToken: "wrong" }, "app", "1h", 5000)).rejects.toMatchObject({ code: "storage_error" });
    await expect(deploymentTotals({ ...settings(), apiBase: "http://127.0.0.1:1/client/v4" }, "app", "1h", 5000)).rejects.toMatchObject({ code: "storage_unavailable" });
  });
});
