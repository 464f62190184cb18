// The meta protocol (mg, ms, md, ma, mn) on raw sockets, the same assertions against the gateway
// and a real memcached.
import { describe, expect, it } from "vitest";
import { startGatewayTarget, startMemcached, TARGETS, useRawSession } from "./support/memcached-servers.js";

describe.each(TARGETS)("meta protocol: $name", ({ start }) => {
  const session = useRawSession(start);
  const { key } = session;

  it("ms and mg: value, flags, ttl, size, key and opaque, in the order asked", async () => {
    const k = key("a");
    expect(await session.conn.ask(`ms ${k} 2 F7 T0\r\nhi\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v k f t s Oab\r\n`, /^hi$/)).toBe(`VA 2 k${k} f7 t-1 s2 Oab\r\nhi\r\n`);
    expect(await session.conn.ask(`mg ${k} f\r\n`)).toBe("HD f7\r\n");
    expect(await session.conn.ask(`mg ${k}-miss v k Oab\r\n`)).toBe(`EN k${k}-miss Oab\r\n`);
    expect(await session.conn.ask(`ms ${k} 1 T100\r\nx\r\n`)).toBe("HD\r\n");
    const ttl = await session.conn.ask(`mg ${k} t v\r\n`, /^x$/);
    expect(ttl).toMatch(/^VA 1 t(99|100)\r\nx\r\n$/);
  });

  it("q: the expected answers are hidden, the rest shown; mn ends a pipeline", async () => {
    const k = key("q");
    session.conn.send(`ms ${k} 1 q\r\na\r\nmg ${k}-miss v q\r\nmg ${k} v q k\r\nms ${k}-r 1 MR q\r\nr\r\nmd ${k} q\r\nma ${k}-n q\r\nmn\r\n`);
    expect(await session.conn.lines(/^MN$/)).toBe(`VA 1 k${k}\r\na\r\nNS\r\nNF\r\nMN\r\n`);
  });

  it("ms modes: E (add), A (append), P (prepend), R (replace), S (set), an unknown one refused", async () => {
    const k = key("m");
    expect(await session.conn.ask(`ms ${k} 1 MR\r\nr\r\n`)).toBe("NS\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MA\r\nr\r\n`)).toBe("NS\r\n");
    expect(await session.conn.ask(`ms ${k} 1 ME F3\r\nb\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ms ${k} 1 ME\r\nx\r\n`)).toBe("NS\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MA\r\nc\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MP\r\na\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v f\r\n`, /^abc$/)).toBe("VA 3 f3\r\nabc\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MR\r\nz\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MS\r\ny\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v\r\n`, /^y$/)).toBe("VA 1\r\ny\r\n");
    expect(await session.conn.ask(`ms ${k} 1 MX\r\ny\r\n`)).toBe("CLIENT_ERROR invalid mode for ms M token\r\n");
  });

  it("cas: c returns it, C compares it (EX when changed), md C too", async () => {
    const k = key("c");
    const stored = await session.conn.ask(`ms ${k} 1 c\r\na\r\n`);
    const cas = /^HD c(\d+)\r\n$/.exec(stored)?.[1] as string;
    expect(cas).toMatch(/^\d+$/);
    expect(await session.conn.ask(`mg ${k} c\r\n`)).toBe(`HD c${cas}\r\n`);
    expect(await session.conn.ask(`ms ${k} 1 C${cas}\r\nb\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ms ${k} 1 C${cas}\r\nc\r\n`)).toBe("EX\r\n");
    expect(await session.conn.ask(`md ${k} C${cas}\r\n`)).toBe("EX\r\n");
    expect(await session.conn.ask(`mg ${k} v\r\n`, /^b$/)).toBe("VA 1\r\nb\r\n");
    expect(await session.conn.ask(`md ${k} k Oz\r\n`)).toBe(`HD k${k} Oz\r\n`);
    expect(await session.conn.ask(`md ${k} k Oz\r\n`)).toBe(`NF k${k} Oz\r\n`);
  });

  it("ma: incr by D, decr mode stops at 0, N creates with J, non-numeric refused", async () => {
    const k = key("n");
    expect(await session.conn.ask(`ma ${k}\r\n`)).toBe("NF\r\n");
    expect(await session.conn.ask(`ma ${k} N0 J18446744073709551615 v\r\n`, /^\d+$/)).toBe("VA 20\r\n18446744073709551615\r\n");
    expect(await session.conn.ask(`ma ${k} v\r\n`, /^\d+$/)).toBe("VA 1\r\n0\r\n");
    expect(await session.conn.ask(`ma ${k} D41 v\r\n`, /^\d+$/)).toBe("VA 2\r\n41\r\n");
    expect(await session.conn.ask(`ma ${k} MD D50 v t\r\n`, /^\d+$/)).toBe("VA 1 t-1\r\n0\r\n");
    expect(await session.conn.ask(`ma ${k}\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ms ${k} 1\r\nx\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ma ${k}\r\n`)).toBe("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  });

  it("numbers in flags are read as memcached reads them: a sign, -0", async () => {
    const k = key("num");
    expect(await session.conn.ask(`ms ${k} 1 T+100 F-0\r\n5\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`ma ${k} D+2 v\r\n`, /^\d+$/)).toBe("VA 1\r\n7\r\n");
    expect(await session.conn.ask(`ma ${k} D-0 v\r\n`, /^\d+$/)).toBe("VA 1\r\n7\r\n");
    expect(await session.conn.ask(`mg ${k} f v\r\n`, /^\d+$/)).toBe("VA 1 f0\r\n7\r\n");
  });

  it("base64 keys (b), mn, and errors", async () => {
    expect(await session.conn.ask("ms eQ== 1 b\r\nq\r\n")).toBe("HD\r\n");
    expect(await session.conn.ask("mg eQ== b v k\r\n", /^q$/)).toBe("VA 1 keQ== b\r\nq\r\n");
    expect(await session.conn.ask("mg y b\r\n")).toBe("CLIENT_ERROR error decoding key\r\n");
    expect(await session.conn.ask("mn\r\n")).toBe("MN\r\n");
    expect(await session.conn.ask("mg\r\n")).toBe("ERROR\r\n");
    expect(await session.conn.ask("ms k\r\n")).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await session.conn.ask("mg k 1\r\n")).toBe("CLIENT_ERROR invalid flag\r\n");
    expect(await session.conn.ask(`mg ${"k".repeat(251)} v\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
  });
});

describe.each(TARGETS)("meta protocol, anti-stampede: $name", ({ start }) => {
  const session = useRawSession(start);
  const { key } = session;

  it("mg N (vivify on miss): the first client wins (W) an empty stub, the others get it with Z until the value is set", async () => {
    const k = key("viv");
    expect(await session.conn.ask(`mg ${k} v c t s N30\r\n`, /^$/)).toMatch(/^VA 0 c\d+ t-1 s0 W\r\n\r\n$/);
    expect(await session.conn.ask(`mg ${k} v c t s N30\r\n`, /^$/)).toMatch(/^VA 0 c\d+ t(29|30) s0 Z\r\n\r\n$/);
    expect(await session.conn.ask(`mg ${k} s N30\r\n`)).toBe("HD s0 Z\r\n");
    expect(await session.conn.ask(`ms ${k} 3 T60\r\nnew\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v N30\r\n`, /^new$/)).toBe("VA 3\r\nnew\r\n");
    // The winner's write ended its win: once the key is gone, the next miss is won again at once.
    expect(await session.conn.ask(`md ${k}\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} s N30\r\n`)).toBe("HD s0 W\r\n");
  });

  it("mg R (recache): below R seconds left, one client wins (W) while every client gets the value; the others get Z", async () => {
    const k = key("rc");
    expect(await session.conn.ask(`ms ${k} 3 T100\r\nabc\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v t R30\r\n`, /^abc$/)).toMatch(/^VA 3 t(99|100)\r\nabc\r\n$/);
    expect(await session.conn.ask(`mg ${k} v t R200\r\n`, /^abc$/)).toMatch(/^VA 3 t(99|100) W\r\nabc\r\n$/);
    expect(await session.conn.ask(`mg ${k} v t R200\r\n`, /^abc$/)).toMatch(/^VA 3 t(98|99|100) Z\r\nabc\r\n$/);
  });
});

// md I keeps an item served as stale (X): the gateway does it for the grace its items are written with.
describe.each([
  { name: "gateway", start: () => startGatewayTarget({ grace: 3600 }) },
  { name: "memcached", start: () => startMemcached() },
])("meta protocol, md I (mark stale): $name", ({ start }) => {
  const session = useRawSession(start);
  const { key } = session;

  it("md I: the item is served with X, the first client wins its recache (X W), the others get Z X, until it is set again", async () => {
    const k = key("inv");
    expect(await session.conn.ask(`ms ${k} 3 T60\r\nold\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`md ${k} I\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v\r\n`, /^old$/)).toBe("VA 3 X W\r\nold\r\n");
    expect(await session.conn.ask(`mg ${k} v\r\n`, /^old$/)).toBe("VA 3 Z X\r\nold\r\n");
    expect(await session.conn.ask(`mg ${k} s\r\n`)).toBe("HD s3 Z X\r\n");
    expect(await session.conn.ask(`ms ${k} 3 T60\r\nnew\r\n`)).toBe("HD\r\n");
    expect(await session.conn.ask(`mg ${k} v t\r\n`, /^new$/)).toMatch(/^VA 3 t(59|60)\r\nnew\r\n$/);
    expect(await session.conn.ask(`md ${k}-absent I\r\n`)).toBe("NF\r\n");
  });
});
