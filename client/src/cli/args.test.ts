import { describe, expect, it } from "vitest";
import { COMMANDS, negativesAsValues, parseCommandLine } from "./args.js";

const env = { CLOUDCACHED_URL: "http://127.0.0.1:8787", CLOUDCACHED_TOKEN: "t" };

describe("parseCommandLine", () => {
  it("help, version, usage", () => {
    expect(parseCommandLine(["--help"], {}).kind).toBe("help");
    expect(parseCommandLine(["-h", "get"], {}).kind).toBe("help");
    expect(parseCommandLine(["--version"], {}).kind).toBe("version");
    expect(parseCommandLine([], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["nope"], env)).toMatchObject({ kind: "usage", message: expect.stringContaining("unknown command") });
    expect(parseCommandLine(["get", "k", "--what"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["get", "k", "--ttl"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["get"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["get", "a", "b"], env)).toMatchObject({ kind: "usage" });
  });

  it("connection from flags over the environment; namespace defaults to 'default'", () => {
    expect(parseCommandLine(["get", "k"], env)).toMatchObject({
      kind: "run",
      connection: { url: env.CLOUDCACHED_URL, token: "t", namespace: "default" },
      json: false,
    });
    expect(parseCommandLine(["--url", "http://x.example", "--token", "u", "--ns", "n", "get", "k", "--json"], env)).toMatchObject({
      connection: { url: "http://x.example", token: "u", namespace: "n" },
      json: true,
    });
    expect(parseCommandLine(["get", "k"], { ...env, CLOUDCACHED_NAMESPACE: "envns" })).toMatchObject({ connection: { namespace: "envns" } });
    expect(parseCommandLine(["get", "k"], {})).toMatchObject({ kind: "usage", message: expect.stringContaining("CLOUDCACHED_URL") });
    expect(parseCommandLine(["get", "k", "--url", "not a url"], {})).toMatchObject({ kind: "usage" });
  });

  it("writes: value from the argument, stdin ('-' or none) or --file", () => {
    expect(parseCommandLine(["set", "k", "v", "--ttl", "60", "--type", "text/html"], env)).toMatchObject({
      action: { command: "set", key: "k", value: { kind: "arg", text: "v" }, ttl: 60, contentType: "text/html" },
    });
    expect(parseCommandLine(["add", "k", "-"], env)).toMatchObject({ action: { command: "add", value: { kind: "stdin" } } });
    expect(parseCommandLine(["replace", "k"], env)).toMatchObject({ action: { value: { kind: "stdin" } } });
    expect(parseCommandLine(["set", "k", "--file", "/tmp/x"], env)).toMatchObject({ action: { value: { kind: "file", path: "/tmp/x" } } });
    expect(parseCommandLine(["set", "k", "v", "--file", "/tmp/x"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["set", "k", "v", "--ttl", "-1"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["set", "k", "v", "--ttl", "1.5"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["set", "k", "--", "-5"], env)).toMatchObject({ action: { value: { kind: "arg", text: "-5" } } });
  });

  it("counters, touch, delete, keys, flush, token", () => {
    expect(parseCommandLine(["incr", "n"], env)).toMatchObject({ action: { command: "incr", by: 1 } });
    expect(parseCommandLine(["decr", "n", "5", "--initial=-3", "--ttl", "9"], env)).toMatchObject({
      action: { command: "decr", by: 5, initial: -3, ttl: 9 },
    });
    expect(parseCommandLine(["incr", "n", "x"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["touch", "k", "30"], env)).toMatchObject({ action: { command: "touch", ttl: 30 } });
    expect(parseCommandLine(["touch", "k", "--ttl", "30"], env)).toMatchObject({ action: { ttl: 30 } });
    expect(parseCommandLine(["touch", "k", "1", "--ttl", "2"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["delete", "k", "--etag", '"e"'], env)).toMatchObject({ action: { command: "delete", etag: '"e"' } });
    expect(parseCommandLine(["keys", "user/", "--limit", "10"], env)).toMatchObject({ action: { command: "keys", prefix: "user/", limit: 10 } });
    expect(parseCommandLine(["keys"], env)).toMatchObject({ action: { command: "keys", prefix: undefined } });
    expect(parseCommandLine(["flush"], env)).toMatchObject({ action: { command: "flush" } });
    expect(parseCommandLine(["flush", "x"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["--ns", "app", "token", "--scopes", "read,write", "--ttl", "600"], env)).toMatchObject({
      action: { command: "token", namespaces: ["app"], scopes: ["read", "write"], ttl: 600 },
    });
    expect(parseCommandLine(["token", "--scopes", "read", "--namespaces", "a, b", "--prefix", "u/"], env)).toMatchObject({
      action: { namespaces: ["a", "b"], prefix: "u/" },
    });
    expect(parseCommandLine(["token"], env)).toMatchObject({ kind: "usage" });
    expect(parseCommandLine(["token", "--scopes", "admin"], env)).toMatchObject({ kind: "usage" });
  });

  it("whoami and namespaces: no arguments but namespaces' --limit; token still mints", () => {
    expect(parseCommandLine(["whoami"], env)).toMatchObject({ kind: "run", action: { command: "whoami" } });
    expect(parseCommandLine(["whoami", "--json"], env)).toMatchObject({ action: { command: "whoami" }, json: true });
    expect(parseCommandLine(["whoami", "x"], env)).toMatchObject({ kind: "usage", message: "usage: cloudcached whoami " });
    expect(parseCommandLine(["namespaces"], env)).toMatchObject({ action: { command: "namespaces", limit: undefined } });
    expect(parseCommandLine(["namespaces", "--limit", "5", "--json"], env)).toMatchObject({ action: { command: "namespaces", limit: 5 }, json: true });
    expect(parseCommandLine(["namespaces", "app"], env)).toMatchObject({ kind: "usage", message: "usage: cloudcached namespaces [--limit N]" });
    expect(parseCommandLine(["namespaces", "--limit", "x"], env)).toMatchObject({ kind: "usage", message: "--limit must be a non-negative integer, got 'x'" });
    expect(parseCommandLine(["token", "--scopes", "read"], env)).toMatchObject({ action: { command: "token", scopes: ["read"] } });
  });

  it("the help names every command", () => {
    const help = parseCommandLine(["--help"], {});
    expect(help.kind).toBe("help");
    const text = help.kind === "help" ? help.text : "";
    for (const command of COMMANDS) expect(text, command).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("a negative --ttl or touch ttl gets the CLI's own message, not parseArgs' option syntax", () => {
    const refusal = { kind: "usage", message: "--ttl must be a whole number of seconds, 0 or more (0: never expires), got '-5'" };
    expect(parseCommandLine(["set", "k", "v", "--ttl", "-5"], env)).toStrictEqual(refusal);
    expect(parseCommandLine(["set", "k", "v", "--ttl=-5"], env)).toStrictEqual(refusal);
    expect(parseCommandLine(["touch", "k", "-5"], env)).toMatchObject({ kind: "usage", message: expect.stringMatching(/^ttl must be a whole number of seconds.*got '-5'$/) });
    expect(parseCommandLine(["set", "k", "v", "--ttl", "1.5"], env)).toMatchObject({ kind: "usage", message: expect.stringContaining("got '1.5'") });
    expect(parseCommandLine(["incr", "k", "-3"], env)).toMatchObject({ kind: "usage", message: "by must be a non-negative integer, got '-3'" });
  });

  it("a negative number is a value: stored as text, or --initial's signed integer", () => {
    expect(parseCommandLine(["set", "k", "-5", "--ttl", "60"], env)).toMatchObject({ action: { command: "set", key: "k", value: { kind: "arg", text: "-5" }, ttl: 60 } });
    expect(parseCommandLine(["incr", "k", "--initial", "-10", "2"], env)).toMatchObject({ action: { command: "incr", by: 2, initial: -10 } });
    expect(parseCommandLine(["set", "-1", "v"], env)).toMatchObject({ action: { key: "-1", value: { kind: "arg", text: "v" } } });
  });

  it("negativesAsValues: options keep their values, positionals their order; nothing changes without a negative number", () => {
    expect(negativesAsValues(["set", "k", "v", "--ttl", "60"])).toStrictEqual(["set", "k", "v", "--ttl", "60"]);
    expect(negativesAsValues(["--url", "u", "set", "k", "-5", "--json", "--ttl", "-1"])).toStrictEqual(["--url=u", "--json", "--ttl=-1", "--", "set", "k", "-5"]);
    expect(negativesAsValues(["set", "k", "-", "--ttl", "-2", "--", "--x"])).toStrictEqual(["--ttl=-2", "--", "set", "k", "-", "--x"]);
    expect(negativesAsValues(["get", "-3", "--ttl"])).toStrictEqual(["--ttl", "--", "get", "-3"]);
  });
});
