import { describe, expect, it } from "vitest";
import { keyOf, mayRunLong, parseTextCommand, tokenize } from "./text-parser.js";

const parse = (line: string): ReturnType<typeof parseTextCommand> => parseTextCommand(line, 1024);
const answer = (line: string, noreply = false, swallow = 0): unknown => ({ kind: "answer", line, noreply, swallow });

describe("parseTextCommand", () => {
  it("retrievals", () => {
    expect(tokenize("  get  a   b ")).toEqual(["get", "a", "b"]);
    expect(parse("get a b")).toEqual({ kind: "get", keys: ["a", "b"], withCas: false });
    expect(parse("gets a")).toEqual({ kind: "get", keys: ["a"], withCas: true });
    expect(parse("gat 10 a b")).toEqual({ kind: "gat", keys: ["a", "b"], withCas: false, exptime: 10 });
    expect(parse("gats -1 a")).toEqual({ kind: "gat", keys: ["a"], withCas: true, exptime: -1 });
    expect(parse("get")).toEqual(answer("ERROR"));
    expect(parse("gat x a")).toEqual(answer("CLIENT_ERROR invalid exptime argument"));
  });

  it("storage commands, noreply, and their errors", () => {
    expect(parse("set k 5 0 3")).toEqual({ kind: "store", verb: "set", key: "k", flags: 5, exptime: 0, bytes: 3, cas: 0n, noreply: false });
    expect(parse("cas k 0 -1 3 18446744073709551615 noreply")).toEqual({
      kind: "store", verb: "cas", key: "k", flags: 0, exptime: -1, bytes: 3, cas: 18446744073709551615n, noreply: true,
    });
    expect(parse("set k 0 0")).toEqual(answer("ERROR"));
    expect(parse("set k 0 0 1 2 noreply")).toEqual(answer("ERROR"));
    // memcached ignores one token more than a command needs
    expect(parse("set k 0 0 1 2")).toMatchObject({ kind: "store", bytes: 1, noreply: false });
    expect(parse("set k +0 -0 +1")).toMatchObject({ kind: "store", flags: 0, exptime: 0, bytes: 1 });
    expect(parse("set k x 0 1")).toEqual(answer("CLIENT_ERROR bad command line format"));
    expect(parse("set k 4294967296 0 1")).toEqual(answer("CLIENT_ERROR bad command line format"));
    expect(parse("set k 0 0 -1 noreply")).toEqual(answer("CLIENT_ERROR bad command line format", true));
    // a length whose line end would overflow memcached's int is a bad command line, whatever the size limit
    expect(parse("set k 0 0 2147483646")).toEqual(answer("CLIENT_ERROR bad command line format"));
    expect(parse("set k 0 0 2147483647")).toEqual(answer("CLIENT_ERROR bad command line format"));
    expect(parse("set k 0 0 2147483645")).toEqual({ kind: "tooLarge", key: "k", noreply: false, swallow: 2147483647, dropOld: true });
    expect(parse(`set ${"k".repeat(251)} 0 0 1`)).toEqual(answer("CLIENT_ERROR bad command line format"));
    expect(parse("set k 0 0 1025")).toEqual({ kind: "tooLarge", key: "k", noreply: false, swallow: 1027, dropOld: true });
    expect(parse("add k 0 0 1025")).toEqual({ kind: "tooLarge", key: "k", noreply: false, swallow: 1027, dropOld: false });
  });

  it("delete, incr/decr, touch, flush_all and the rest", () => {
    expect(parse("delete k")).toEqual({ kind: "delete", key: "k", noreply: false });
    expect(parse("delete k 0 noreply")).toEqual({ kind: "delete", key: "k", noreply: true });
    expect(parse("delete k 1")).toEqual(answer("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"));
    expect(parse("incr k 18446744073709551615")).toEqual({ kind: "delta", key: "k", incr: true, by: 18446744073709551615n, noreply: false });
    expect(parse("decr k x")).toEqual(answer("CLIENT_ERROR invalid numeric delta argument"));
    expect(parse("incr k -0")).toEqual({ kind: "delta", key: "k", incr: true, by: 0n, noreply: false });
    expect(parse("incr k -1 noreply")).toEqual(answer("CLIENT_ERROR invalid numeric delta argument", true));
    expect(parse("incr k 1 2")).toEqual({ kind: "delta", key: "k", incr: true, by: 1n, noreply: false });
    expect(parse("incr k 1 2 3")).toEqual(answer("ERROR"));
    expect(parse("touch k 10 noreply")).toEqual({ kind: "touch", key: "k", exptime: 10, noreply: true });
    expect(parse("flush_all")).toEqual({ kind: "flush", noreply: false });
    expect(parse("flush_all 0 noreply")).toEqual({ kind: "flush", noreply: true });
    expect(parse("flush_all -1")).toEqual({ kind: "flush", noreply: false });
    expect(parse("flush_all 0 0")).toEqual({ kind: "flush", noreply: false });
    expect(parse("flush_all x noreply")).toEqual(answer("CLIENT_ERROR bad command line format", true));
    expect(parse("flush_all 5")).toMatchObject({ kind: "answer", line: expect.stringMatching(/^CLIENT_ERROR flush_all with a delay/) as unknown });
    expect(parse("verbosity 1")).toEqual({ kind: "verbosity", noreply: false });
    expect(parse("stats items")).toEqual({ kind: "stats", argument: "items" });
    expect(parse("lru_crawler metadump all")).toEqual({ kind: "metadump", classes: "all" });
    expect(parse("lru_crawler metadump 1,2")).toEqual({ kind: "metadump", classes: "1,2" });
    expect(parse("lru_crawler metadump")).toEqual(answer("ERROR"));
    expect(parse("lru_crawler crawl all")).toEqual(answer("ERROR"));
    expect(parse("mg k v")).toEqual({ kind: "meta", code: "mg", tokens: ["k", "v"] });
    expect(parse("")).toEqual(answer("ERROR"));
    expect(parse("GET k")).toEqual(answer("ERROR"));
    expect(parse("gat 10")).toEqual({ kind: "gat", keys: [], withCas: false, exptime: 10 });
  });

  it("a line that looks like an HTTP request is hung up on", () => {
    for (const line of ["GET / HTTP/1.0", "PUT /x HTTP/1.1", "DELETE HTTP/1.1", "POST /form HTTP/1.1", "HTTP/1.1"]) expect(parse(line)).toEqual({ kind: "hangup" });
    // a known command keeps its meaning whatever its last token
    expect(parse("get a HTTP/1.1")).toEqual({ kind: "get", keys: ["a", "HTTP/1.1"], withCas: false });
  });

  it("keys are bytes: UTF-8 kept, anything else refused", () => {
    expect(keyOf(Buffer.from("clé", "utf8").toString("latin1"))).toEqual({ key: "clé" });
    expect(keyOf("\xff")).toEqual({ error: "CLIENT_ERROR invalid key: not UTF-8" });
  });

  it("only a get or gets may run past 2,048 bytes without a line end", () => {
    const long = (text: string): boolean => mayRunLong(Buffer.from(`${text}${"k ".repeat(1100)}`, "latin1"));
    expect(long("get ")).toBe(true);
    expect(long("gets ")).toBe(true);
    expect(long(`${" ".repeat(100)}get `)).toBe(true);
    expect(long(`${" ".repeat(101)}get `)).toBe(false);
    for (const other of ["gat 0 ", "set ", "mg ", "getx ", "GET ", "bogus "]) expect(long(other)).toBe(false);
  });
});
