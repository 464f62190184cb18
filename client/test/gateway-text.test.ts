// The text protocol on raw sockets, the same assertions against the gateway and a real memcached:
// a difference in behaviour is a failing pair.
import { describe, expect, it } from "vitest";
import { RawConnection } from "./support/raw-socket.js";
import { TARGETS, useRawSession } from "./support/memcached-servers.js";

const END = /^(END|ERROR|CLIENT_ERROR .*|SERVER_ERROR .*)$/;

describe.each(TARGETS)("text protocol: $name", ({ start }) => {
  const session = useRawSession(start);
  const { key } = session;

  it("set, get, gets: the value and its 32-bit flags, exactly", async () => {
    const k = key("a");
    expect(await session.conn.ask(`set ${k} 4294967295 0 5\r\nhello\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 4294967295 5\r\nhello\r\nEND\r\n`);
    const gets = await session.conn.ask(`gets ${k}\r\n`, END);
    expect(gets).toMatch(new RegExp(`^VALUE ${k} 4294967295 5 \\d+\\r\\nhello\\r\\nEND\\r\\n$`));
    expect(await session.conn.ask(`get ${k}-absent\r\n`, END)).toBe("END\r\n");
  });

  it("binary values with CR LF inside, and empty values", async () => {
    const k = key("bin");
    const value = Buffer.from([0, 13, 10, 255, 128, 13, 10]);
    expect(await session.conn.ask(Buffer.concat([Buffer.from(`set ${k} 7 0 ${value.length}\r\n`), value, Buffer.from("\r\n")]))).toBe("STORED\r\n");
    const got = await session.conn.ask(`get ${k}\r\n`, /^END$/);
    expect(Buffer.from(got, "latin1")).toEqual(Buffer.concat([Buffer.from(`VALUE ${k} 7 7\r\n`), value, Buffer.from("\r\nEND\r\n")]));
    const e = key("empty");
    expect(await session.conn.ask(`set ${e} 0 0 0\r\n\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${e}\r\n`, END)).toBe(`VALUE ${e} 0 0\r\n\r\nEND\r\n`);
  });

  it("a multi-get answers the hits in order, a key asked twice twice", async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `${key("m")}-${i}`);
    for (const [i, k] of keys.entries()) if (i % 3 === 0) session.conn.send(`set ${k} ${i} 0 ${String(i).length} noreply\r\n${i}\r\n`);
    const expected = keys.flatMap((k, i) => (i % 3 === 0 ? [`VALUE ${k} ${i} ${String(i).length}\r\n${i}\r\n`] : [])).join("");
    expect(await session.conn.ask(`get ${keys.join(" ")}\r\n`, END)).toBe(`${expected}END\r\n`);
    const first = keys[0] as string;
    expect(await session.conn.ask(`get ${first} ${first}\r\n`, END)).toBe(`VALUE ${first} 0 1\r\n0\r\nVALUE ${first} 0 1\r\n0\r\nEND\r\n`);
  });

  it("add, replace, append, prepend", async () => {
    const k = key("arp");
    expect(await session.conn.ask(`replace ${k} 0 0 1\r\nx\r\n`)).toBe("NOT_STORED\r\n");
    expect(await session.conn.ask(`append ${k} 0 0 1\r\nx\r\n`)).toBe("NOT_STORED\r\n");
    expect(await session.conn.ask(`add ${k} 3 0 2\r\nbb\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`add ${k} 0 0 1\r\nx\r\n`)).toBe("NOT_STORED\r\n");
    expect(await session.conn.ask(`append ${k} 9 0 2\r\ncc\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`prepend ${k} 9 0 2\r\naa\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 3 6\r\naabbcc\r\nEND\r\n`);
    expect(await session.conn.ask(`replace ${k} 4 0 1\r\nr\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 4 1\r\nr\r\nEND\r\n`);
  });

  it("cas: STORED with the unique from gets, EXISTS after a change, NOT_FOUND when absent", async () => {
    const k = key("cas");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\na\r\n`)).toBe("STORED\r\n");
    const unique = /VALUE \S+ 0 1 (\d+)/.exec(await session.conn.ask(`gets ${k}\r\n`, END))?.[1] as string;
    expect(await session.conn.ask(`cas ${k} 1 0 1 ${unique}\r\nb\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`cas ${k} 1 0 1 ${unique}\r\nc\r\n`)).toBe("EXISTS\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 1 1\r\nb\r\nEND\r\n`);
    const next = /VALUE \S+ 1 1 (\d+)/.exec(await session.conn.ask(`gets ${k}\r\n`, END))?.[1] as string;
    expect(next).not.toBe(unique);
    expect(await session.conn.ask(`cas ${k} 0 0 1 ${BigInt(next) + 1000n}\r\nd\r\n`)).toBe("EXISTS\r\n");
    expect(await session.conn.ask(`cas ${key("cas-absent")} 0 0 1 ${next}\r\nd\r\n`)).toBe("NOT_FOUND\r\n");
  });

  it("incr/decr: unsigned 64-bit, decr stops at 0, incr wraps, non-numeric values refused", async () => {
    const k = key("n");
    expect(await session.conn.ask(`incr ${k} 1\r\n`)).toBe("NOT_FOUND\r\n");
    expect(await session.conn.ask(`set ${k} 5 0 2\r\n10\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`incr ${k} 5\r\n`)).toBe("15\r\n");
    expect(await session.conn.ask(`decr ${k} 6\r\n`)).toBe("9\r\n");
    // memcached rewrites a shorter number in place, padded with spaces
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 5 2\r\n9 \r\nEND\r\n`);
    expect(await session.conn.ask(`decr ${k} 100\r\n`)).toBe("0\r\n");
    expect(await session.conn.ask(`set ${k} 0 0 20\r\n18446744073709551615\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`incr ${k} 2\r\n`)).toBe("1\r\n");
    expect(await session.conn.ask(`set ${k} 0 0 16\r\n9007199254740993\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`incr ${k} 1\r\n`)).toBe("9007199254740994\r\n");
    expect(await session.conn.ask(`incr ${k} 18446744073709551615\r\n`)).toBe("9007199254740993\r\n");
    expect(await session.conn.ask(`incr ${k} 18446744073709551616\r\n`)).toBe("CLIENT_ERROR invalid numeric delta argument\r\n");
    expect(await session.conn.ask(`incr ${k} -1\r\n`)).toBe("CLIENT_ERROR invalid numeric delta argument\r\n");
    for (const bad of ["abc", "-5", "12abc", "18446744073709551616"]) {
      expect(await session.conn.ask(`set ${k} 0 0 ${bad.length}\r\n${bad}\r\n`)).toBe("STORED\r\n");
      expect(await session.conn.ask(`incr ${k} 1\r\n`)).toBe("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    }
  });

  it("touch, gat, gats", async () => {
    const k = key("t");
    expect(await session.conn.ask(`touch ${k} 100\r\n`)).toBe("NOT_FOUND\r\n");
    expect(await session.conn.ask(`set ${k} 2 100 1\r\nv\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`touch ${k} 0\r\n`)).toBe("TOUCHED\r\n");
    expect(await session.conn.ask(`gat 300 ${k} ${k}-absent\r\n`, END)).toBe(`VALUE ${k} 2 1\r\nv\r\nEND\r\n`);
    expect(await session.conn.ask(`gats 300 ${k}\r\n`, END)).toMatch(new RegExp(`^VALUE ${k} 2 1 \\d+\\r\\nv\\r\\nEND\\r\\n$`));
    expect(await session.conn.ask(`touch ${k} -1\r\n`)).toBe("TOUCHED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
    expect(await session.conn.ask(`gat abc ${k}\r\n`)).toBe("CLIENT_ERROR invalid exptime argument\r\n");
    expect(await session.conn.ask(`touch ${k} abc\r\n`)).toBe("CLIENT_ERROR invalid exptime argument\r\n");
  });

  it("exptime: negative or an absolute time past means already expired", async () => {
    const k = key("exp");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nv\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`set ${k} 0 -1 1\r\nw\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
    const past = Math.floor(Date.now() / 1000) - 100;
    expect(await session.conn.ask(`add ${k} 0 ${past} 1\r\nw\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await session.conn.ask(`set ${k} 0 ${future} 1\r\nf\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 0 1\r\nf\r\nEND\r\n`);
  });

  it("delete: DELETED, NOT_FOUND, the optional 0, anything else refused", async () => {
    const k = key("d");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nv\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`delete ${k}\r\n`)).toBe("DELETED\r\n");
    expect(await session.conn.ask(`delete ${k}\r\n`)).toBe("NOT_FOUND\r\n");
    expect(await session.conn.ask(`delete ${k} 0\r\n`)).toBe("NOT_FOUND\r\n");
    expect(await session.conn.ask(`delete ${k} 5\r\n`)).toBe("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
  });

  it("noreply: no answer, the work done; pipelined commands answer in order", async () => {
    const k = key("nr");
    session.conn.send(`set ${k} 0 0 1 noreply\r\na\r\nappend ${k} 0 0 1 noreply\r\nb\r\nincr ${k}-n 1 noreply\r\ntouch ${k} 100 noreply\r\n`);
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 0 2\r\nab\r\nEND\r\n`);
    session.conn.send(`delete ${k} noreply\r\nset ${k} 0 0 1\r\nz\r\nget ${k}\r\nversion\r\nbogus\r\n`);
    const answers = await session.conn.lines(/^ERROR$/);
    expect(answers).toMatch(new RegExp(`^STORED\\r\\nVALUE ${k} 0 1\\r\\nz\\r\\nEND\\r\\nVERSION \\S+\\r\\nERROR\\r\\n$`));
  });

  it("bad input gets memcached's answers and the connection stays usable", async () => {
    expect(await session.conn.ask("bogus\r\n")).toBe("ERROR\r\n");
    expect(await session.conn.ask("\r\n")).toBe("ERROR\r\n");
    expect(await session.conn.ask("get\r\n")).toBe("ERROR\r\n");
    expect(await session.conn.ask("GET x\r\n")).toBe("ERROR\r\n");
    expect(await session.conn.ask(`get ${"k".repeat(251)}\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await session.conn.ask(`get ${"k".repeat(250)}\r\n`, END)).toBe("END\r\n");
    expect(await session.conn.ask("set x abc 0 1\r\n")).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await session.conn.ask("set x 0 0\r\n")).toBe("ERROR\r\n");
    // a data block longer than announced: the item is refused, what follows its length read as a command
    const k = key("chunk");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nab\r\n`, /^ERROR$/)).toBe("CLIENT_ERROR bad data chunk\r\nERROR\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
    expect(await session.conn.ask("verbosity 1\r\n")).toBe("OK\r\n");
    expect(await session.conn.ask("verbosity\r\n")).toBe("ERROR\r\n");
  });

  it("a value over the size limit: SERVER_ERROR object too large for cache, its data skipped, the old value gone", async () => {
    const k = key("big");
    const size = 2 * 1024 * 1024;
    expect(await session.conn.ask(`set ${k} 0 0 3\r\nold\r\n`)).toBe("STORED\r\n");
    session.conn.send(`set ${k} 0 0 ${size}\r\n`);
    session.conn.send(Buffer.alloc(size, 0x61));
    expect(await session.conn.ask("\r\n")).toBe("SERVER_ERROR object too large for cache\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
  });

  it("stats, version, flush_all, quit", async () => {
    const stats = await session.conn.ask("stats\r\n", /^END$/);
    for (const name of ["curr_connections", "total_connections", "cmd_get", "cmd_set", "get_hits", "get_misses"]) {
      expect(stats).toMatch(new RegExp(`STAT ${name} \\d+\\r\\n`));
    }
    expect(await session.conn.ask("version\r\n")).toMatch(/^VERSION \S+\r\n$/);
    const k = key("f");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nv\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask("flush_all\r\n")).toBe("OK\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n");
    expect(await session.conn.ask("flush_all 0\r\n")).toBe("OK\r\n");
    const other = await RawConnection.open(session.target.host, session.target.port);
    other.send("quit\r\n");
    await other.closedByServer();
  });
});
