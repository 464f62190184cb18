import { type ParseArgsConfig, parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { serverFrom, Usage, usageMessage } from "./command-line.js";

describe("serverFrom: the server every command talks to", () => {
  it("takes the flags first, then the environment, then namespace default", () => {
    const env = { CLOUDCACHED_URL: "http://env.test", CLOUDCACHED_TOKEN: "envtoken", CLOUDCACHED_NAMESPACE: "envns" };
    expect(serverFrom({ url: "http://flag.test", token: "t", ns: "n" }, env)).toEqual({ url: "http://flag.test", token: "t", namespace: "n" });
    expect(serverFrom({}, env)).toEqual({ url: "http://env.test", token: "envtoken", namespace: "envns" });
    expect(serverFrom({}, { CLOUDCACHED_URL: "http://env.test", CLOUDCACHED_TOKEN: "", CLOUDCACHED_NAMESPACE: "" })).toEqual({ url: "http://env.test", token: undefined, namespace: "default" });
  });

  it("refuses a missing or malformed URL with a usage message", () => {
    expect(() => serverFrom({}, {})).toThrow(new Usage("no server URL: pass --url or set CLOUDCACHED_URL"));
    expect(() => serverFrom({}, { CLOUDCACHED_URL: "" })).toThrow(Usage);
    expect(() => serverFrom({ url: "not a url" }, {})).toThrow(new Usage("--url is not a URL: 'not a url'"));
  });
});

describe("usageMessage: a wrong command line as its message", () => {
  it("reads a Usage and parseArgs's own errors, and throws anything else on", () => {
    expect(usageMessage(new Usage("bad"))).toBe("bad");
    let parseError: unknown;
    try {
      parseArgs({ args: ["--nope"], options: {}, strict: true });
    } catch (err) {
      parseError = err;
    }
    expect(usageMessage(parseError)).toBe("unknown option '--nope' (see --help)");
    const other = new TypeError("a bug");
    expect(() => usageMessage(other)).toThrow(other);
  });
});

describe("usageMessage: parseArgs's errors in the CLI's own words", () => {
  const failure = (args: string[], options: ParseArgsConfig["options"], allowPositionals = true): unknown => {
    try {
      parseArgs({ args, options, strict: true, allowPositionals });
    } catch (err) {
      return err;
    }
    throw new Error("parseArgs accepted it");
  };

  it("an unknown option, long or short, with where to look", () => {
    expect(usageMessage(failure(["--bogus"], {}))).toBe("unknown option '--bogus' (see --help)");
    expect(usageMessage(failure(["-x"], {}), "see cloudcached gateway --help")).toBe("unknown option '-x' (see cloudcached gateway --help)");
  });

  it("a missing value, a value given to a flag, an argument where none is taken", () => {
    expect(usageMessage(failure(["--url"], { url: { type: "string" } }))).toBe("--url needs a value");
    expect(usageMessage(failure(["--json=1"], { json: { type: "boolean" } }))).toBe("--json takes no value");
    expect(usageMessage(failure(["x"], {}, false))).toBe("unexpected argument 'x' (see --help)");
  });
});
