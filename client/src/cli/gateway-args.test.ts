import { describe, expect, it } from "vitest";
import { parseGatewayCommandLine, parseListen } from "./gateway-args.js";

describe("cloudcached gateway's command line", () => {
  it("options, then the environment, then defaults", () => {
    expect(parseGatewayCommandLine(["--url", "http://w", "--token", "t", "--ns", "n", "--listen", "0.0.0.0:1234", "--pool", "8", "--timeout", "100"], {})).toEqual({
      kind: "run",
      options: { url: "http://w", token: "t", namespace: "n", host: "0.0.0.0", port: 1234, poolSize: 8, timeoutMs: 100 },
    });
    expect(parseGatewayCommandLine([], { CLOUDCACHED_URL: "http://e", CLOUDCACHED_TOKEN: "et", CLOUDCACHED_NAMESPACE: "en" })).toEqual({
      kind: "run",
      options: { url: "http://e", token: "et", namespace: "en", host: "127.0.0.1", port: 11211 },
    });
    expect(parseGatewayCommandLine(["--url", "http://w", "--namespace", "x"], {})).toMatchObject({ options: { namespace: "x" } });
  });

  it("usage errors", () => {
    expect(parseGatewayCommandLine([], {})).toEqual({ kind: "usage", message: "no server URL: pass --url or set CLOUDCACHED_URL" });
    expect(parseGatewayCommandLine(["--url", "http://w", "--pool", "0"], {})).toMatchObject({ kind: "usage" });
    expect(parseGatewayCommandLine(["--url", "http://w", "extra"], {})).toMatchObject({ kind: "usage" });
    expect(parseGatewayCommandLine(["--bogus"], {})).toMatchObject({ kind: "usage" });
    expect(parseGatewayCommandLine(["--help"], {})).toMatchObject({ kind: "help" });
  });

  it("--listen forms", () => {
    expect(parseListen("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListen("[::1]:11211")).toEqual({ host: "::1", port: 11211 });
    expect(parseListen("11212")).toEqual({ host: "127.0.0.1", port: 11212 });
    expect(() => parseListen("host:99999")).toThrow();
  });
});
