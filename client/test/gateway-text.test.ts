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

  it("a failing noreply command is never answered: the next answer is the next command's", async () => {
    const k = key("nrfail");
    // each of these fails, and memcached says nothing about it
    session.conn.send(`set ${k} 0 0 1 noreply\r\na\r\nincr ${k} 1 noreply\r\ndecr ${k} 1 noreply\r\n`);
    session.conn.send(`touch ${k} soon noreply\r\nincr ${k} -1 noreply\r\nset ${k} 0 0 -1 noreply\r\nflush_all later noreply\r\n`);
    session.conn.send(`set ${k}-other 0 0 1 noreply\r\nb\r\n`);
    expect(await session.conn.ask(`get ${k}-other\r\n`, END)).toBe(`VALUE ${k}-other 0 1\r\nb\r\nEND\r\n`);
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 0 1\r\na\r\nEND\r\n`);
  });

  it("odd numbers are read as memcached reads them: signs, leading zeros, whitespace, one token too many", async () => {
    const k = key("odd");
    expect(await session.conn.ask(`incr ${k} -0\r\n`)).toBe("NOT_FOUND\r\n");
    expect(await session.conn.ask(`set ${k} -0 +0 +1\r\n5\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`incr ${k} -0\r\n`)).toBe("5\r\n");
    expect(await session.conn.ask(`decr ${k} -0\r\n`)).toBe("5\r\n");
    expect(await session.conn.ask(`incr ${k} +1\r\n`)).toBe("6\r\n");
    expect(await session.conn.ask(`incr ${k} 00001\r\n`)).toBe("7\r\n");
    expect(await session.conn.ask(`incr ${k} \t2\r\n`)).toBe("9\r\n");
    expect(await session.conn.ask(`incr ${k} 1 2\r\n`)).toBe("10\r\n");
    expect(await session.conn.ask(`incr ${k} 018446744073709551615\r\n`)).toBe("9\r\n");
    // strtoull negates modulo 2^64: this is +1, and memcached takes it
    expect(await session.conn.ask(`incr ${k} -18446744073709551615\r\n`)).toBe("10\r\n");
    for (const bad of ["-1", "1x", "0x10", "1.5", "-18446744073709551616", "99999999999999999999"]) {
      expect(await session.conn.ask(`incr ${k} ${bad}\r\n`)).toBe("CLIENT_ERROR invalid numeric delta argument\r\n");
    }
    expect(await session.conn.ask(`incr ${k} 1 2 3\r\n`)).toBe("ERROR\r\n");
    expect(await session.conn.ask(`touch ${k} +100 extra\r\n`)).toBe("TOUCHED\r\n");
    expect(await session.conn.ask(`set ${k} 0 0 2 extra\r\nab\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe(`VALUE ${k} 0 2\r\nab\r\nEND\r\n`);
    expect(await session.conn.ask(`gat 100\r\n`, END)).toBe("END\r\n");
  });

  it("a data length memcached refuses is a bad command line, and the connection goes on", async () => {
    const k = key("len");
    for (const length of ["-1", "2147483646", "2147483647", "2147483648", "4294967295"]) {
      expect(await session.conn.ask(`set ${k} 0 0 ${length}\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
    }
    expect(await session.conn.ask(`cas ${k} 0 0 2147483647 1\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nv\r\n`)).toBe("STORED\r\n");
  });

  it("a line that looks like an HTTP request is hung up on at once, unanswered", async () => {
    const k = key("http");
    for (const request of ["GET / HTTP/1.0\r\n", "PUT /x HTTP/1.1\r\n", "DELETE HTTP/1.1\r\n", `POST /form HTTP/1.1\r\nContent-Type: text/plain\r\n\r\nset ${k} 0 0 1\r\nx\r\n`]) {
      const browser = await RawConnection.open(session.target.host, session.target.port);
      browser.send(request);
      await browser.closedByServer();
      expect(await browser.read((received) => received.byteLength)).toEqual(Buffer.alloc(0));
    }
    expect(await session.conn.ask(`get ${k}\r\n`, END)).toBe("END\r\n"); // the form's command was never run
  });

  it("a command line with no end after 2,048 bytes is closed, unless it is a get", async () => {
    const long = await RawConnection.open(session.target.host, session.target.port);
    long.send(`set ${"x".repeat(3000)}`);
    await long.closedByServer();
    expect(await long.read((received) => received.byteLength)).toEqual(Buffer.alloc(0));
    const k = key("long-get");
    expect(await session.conn.ask(`set ${k} 0 0 1\r\nv\r\n`)).toBe("STORED\r\n");
    const keys = Array.from({ length: 24 }, (_, i) => `${k}-absent-${i}-${"a".repeat(120)}`).join(" ");
    expect(keys.length).toBeGreaterThan(3000);
    session.conn.send(`get ${keys} ${k}`);
    expect(await session.conn.ask("\r\n", END)).toBe(`VALUE ${k} 0 1\r\nv\r\nEND\r\n`);
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

  it("stats counts what memcached counts, command by command", async () => {
    const k = key("st");
    const counted = async (): Promise<Map<string, number>> => {
      const text = await session.conn.ask("stats\r\n", /^END$/);
      return new Map([...text.matchAll(/^STAT (\S+) (\d+)\r$/gm)].map((m) => [m[1] as string, Number(m[2])]));
    };
    const before = await counted();
    const commands: [string, RegExp][] = [
      [`set ${k}a 0 0 1\r\n1\r\n`, /^STORED$/],
      [`get ${k}a\r\n`, /^END$/],
      [`get ${k}a ${k}b\r\n`, /^END$/],
      [`gets ${k}a\r\n`, /^END$/],
      [`gat 100 ${k}a ${k}b\r\n`, /^END$/],
      [`touch ${k}a 100\r\n`, /^TOUCHED$/],
      [`touch ${k}b 100\r\n`, /^NOT_FOUND$/],
      [`incr ${k}a 1\r\n`, /^2$/],
      [`incr ${k}b 1\r\n`, /^NOT_FOUND$/],
      [`decr ${k}a 1\r\n`, /^1$/],
      [`decr ${k}b 1\r\n`, /^NOT_FOUND$/],
      [`add ${k}a 0 0 1\r\nx\r\n`, /^NOT_STORED$/],
      [`replace ${k}b 0 0 1\r\nx\r\n`, /^NOT_STORED$/],
      [`append ${k}a 0 0 1\r\nx\r\n`, /^STORED$/],
      [`cas ${k}a 0 0 1 1\r\nx\r\n`, /^EXISTS$/],
      [`cas ${k}b 0 0 1 1\r\nx\r\n`, /^NOT_FOUND$/],
      [`delete ${k}b\r\n`, /^NOT_FOUND$/],
      [`delete ${k}a\r\n`, /^DELETED$/],
      [`mg ${k}a v\r\n`, /^EN$/],
      [`ms ${k}c 1\r\nx\r\n`, /^HD$/],
      [`mg ${k}c v\r\n`, /^x$/],
      [`md ${k}c\r\n`, /^HD$/],
      [`ma ${k}c\r\n`, /^NF$/],
      [`set ${k}big 0 0 ${2 * 1024 * 1024}\r\n${"x".repeat(2 * 1024 * 1024)}\r\n`, /^SERVER_ERROR/],
    ];
    let sent = 0;
    for (const [command, last] of commands) {
      sent += Buffer.byteLength(command, "latin1");
      await session.conn.ask(command, last);
    }
    const extra = await RawConnection.open(session.target.host, session.target.port);
    await extra.ask("version\r\n"); // served: counted by now
    const after = await counted();
    extra.close();
    const delta = (name: string): number => (after.get(name) ?? Number.NaN) - (before.get(name) ?? Number.NaN);
    const names = ["cmd_get", "cmd_set", "cmd_touch", "cmd_flush", "get_hits", "get_misses", "get_expired", "get_flushed", "delete_hits", "delete_misses"];
    names.push("incr_hits", "incr_misses", "decr_hits", "decr_misses", "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses");
    names.push("store_too_large", "total_items", "curr_connections", "bytes_read");
    expect(Object.fromEntries(names.map((name) => [name, delta(name)]))).toEqual({
      cmd_get: 6, cmd_set: 7, cmd_touch: 4, cmd_flush: 0, get_hits: 4, get_misses: 2, get_expired: 0, get_flushed: 0, delete_hits: 2, delete_misses: 1,
      incr_hits: 1, incr_misses: 2, decr_hits: 1, decr_misses: 1, cas_hits: 0, cas_misses: 1, cas_badval: 1, touch_hits: 2, touch_misses: 2,
      store_too_large: 1, total_items: 3, curr_connections: 1, bytes_read: sent + "stats\r\n".length + "version\r\n".length,
    });
    expect(after.get("bytes_written")).toBeGreaterThan(before.get("bytes_written") ?? 0);
  });

  it("stats settings, items, slabs and cachedump answer what is known", async () => {
    const settings = await session.conn.ask("stats settings\r\n", /^END$/);
    expect(settings).toContain("STAT maxconns 1024\r\n");
    expect(settings).toContain(`STAT tcpport ${session.target.port}\r\n`);
    expect(settings).toContain("STAT item_size_max 1048576\r\n");
    expect(settings).toContain("STAT cas_enabled yes\r\n");
    expect(await session.conn.ask("stats items\r\n", /^END$/)).toMatch(/^(STAT items:\d+:\S+ \d+\r\n)*END\r\n$/);
    expect(await session.conn.ask("stats slabs\r\n", /^END$/)).toMatch(/STAT active_slabs \d+\r\nSTAT total_malloced \d+\r\nEND\r\n$/);
    const k = key("dump");
    expect(await session.conn.ask(`set ${k} 0 0 3\r\nabc\r\n`)).toBe("STORED\r\n");
    expect(await session.conn.ask("stats cachedump 1 0\r\n", /^END$/)).toContain(`ITEM ${k} [3 b; 0 s]\r\n`);
    expect(await session.conn.ask("stats cachedump 2 0\r\n", /^END$/)).toBe("END\r\n");
    expect(await session.conn.ask("stats cachedump 1\r\n")).toBe("CLIENT_ERROR bad command line\r\n");
    expect(await session.conn.ask("stats cachedump x 0\r\n")).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await session.conn.ask("stats cachedump 64 0\r\n")).toBe("CLIENT_ERROR Illegal slab id\r\n");
    expect(await session.conn.ask("stats bogus\r\n")).toBe("ERROR\r\n");
  });

  it("lru_crawler metadump lists the keys in memcached's format", async () => {
    const k = `${key("md")}:x`;
    expect(await session.conn.ask(`set ${k} 0 0 3\r\nabc\r\n`)).toBe("STORED\r\n");
    const untilEnd = /(^|\n)END$/;
    for (const classes of ["all", "1", "hash"]) {
      const dump = await session.conn.ask(`lru_crawler metadump ${classes}\r\n`, untilEnd);
      expect(dump.endsWith("END\r\n")).toBe(true);
      // memcached ends each item's line with a bare LF, the dump with END and CRLF.
      const lines = dump.slice(0, -"END\r\n".length).split("\n").filter((entry) => entry !== "");
      for (const entry of lines) expect(entry).toMatch(/^key=\S+ exp=-?\d+ la=\d+ cas=\d+ fetch=(yes|no) cls=\d+ size=\d+$/);
      expect(lines.some((entry) => entry.startsWith(`key=${k.replace(":", "%3A")} exp=-1 la=`))).toBe(true);
    }
    expect(await session.conn.ask("lru_crawler metadump 64\r\n")).toBe("BADCLASS invalid class id\r\n");
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
