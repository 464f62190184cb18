// The binary protocol: memjs (a stock client) and raw packets for what memjs does not send (quiet
// multi-gets pipelined with NOOP, cas, flags, bad frames), the same assertions against the gateway
// and a real memcached.
import memjs from "memjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryRequest as request } from "./support/binary-request.js";
import { RawConnection } from "./support/raw-socket.js";
import { TARGETS, useRawSession } from "./support/memcached-servers.js";

interface Packet {
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  value: Buffer;
}


function setExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(flags, 0);
  extras.writeUInt32BE(exptime, 4);
  return extras;
}

/** Reads packets until one with `opcode` (NOOP by default) arrives; all of them, in order. */
async function packetsUntil(conn: RawConnection, opcode = 0x0a): Promise<Packet[]> {
  const packets: Packet[] = [];
  for (;;) {
    const bytes = await conn.read((received) => (received.length >= 24 && received.length >= 24 + received.readUInt32BE(8) ? 24 + received.readUInt32BE(8) : null));
    const extrasLength = bytes.readUInt8(4);
    const keyLength = bytes.readUInt16BE(2);
    const packet: Packet = {
      opcode: bytes.readUInt8(1),
      status: bytes.readUInt16BE(6),
      opaque: bytes.readUInt32BE(12),
      cas: bytes.readBigUInt64BE(16),
      extras: bytes.subarray(24, 24 + extrasLength),
      key: bytes.subarray(24 + extrasLength, 24 + extrasLength + keyLength).toString(),
      value: bytes.subarray(24 + extrasLength + keyLength),
    };
    packets.push(packet);
    if (packet.opcode === opcode) return packets;
  }
}

describe.each(TARGETS)("binary protocol: $name", ({ start }) => {
  const session = useRawSession(start);
  const { key } = session;
  let client: memjs.Client;

  // After the session's own hooks: the server is up first, and this client closes before it stops.
  beforeAll(() => {
    client = memjs.Client.create(`${session.target.host}:${session.target.port}`, { retries: 0, timeout: 10, logger: { log: () => undefined } });
  });
  afterAll(() => {
    client?.close();
  });

  it("memjs: set, get, add, replace, delete", async () => {
    const k = key("j");
    expect((await client.get(k)).value).toBeNull();
    expect(await client.set(k, "hello", { expires: 0 })).toBe(true);
    expect((await client.get(k)).value?.toString()).toBe("hello");
    expect(await client.add(k, "again", { expires: 0 })).toBe(false);
    expect(await client.replace(k, "bye", { expires: 0 })).toBe(true);
    expect((await client.get(k)).value?.toString()).toBe("bye");
    expect(await client.delete(k)).toBe(true);
    expect(await client.delete(k)).toBe(false);
    expect(await client.replace(k, "x", { expires: 0 })).toBe(false);
    expect(await client.add(k, "first", { expires: 0 })).toBe(true);
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255]);
    expect(await client.set(k, bytes, { expires: 100 })).toBe(true);
    expect((await client.get(k)).value).toEqual(bytes);
  });

  it("memjs: increment and decrement, with an initial value; append; touch; version", async () => {
    const k = key("jn");
    expect(await client.increment(k, 5, { initial: 10, expires: 0 })).toEqual({ success: true, value: 10 });
    expect(await client.increment(k, 5, { expires: 0 })).toEqual({ success: true, value: 15 });
    expect(await client.decrement(k, 100, { expires: 0 })).toEqual({ success: true, value: 0 });
    const t = key("jt");
    expect(await client.set(t, "ab", { expires: 0 })).toBe(true);
    expect(await client.append(t, "cd")).toBe(true);
    expect((await client.get(t)).value?.toString()).toBe("abcd");
    expect(await client.touch(t, 100)).toBe(true);
    expect(await client.touch(`${t}-absent`, 100)).toBe(false);
    session.conn.send(request(0x0b, { opaque: 4 }));
    const [version] = await packetsUntil(session.conn, 0x0b);
    expect([version?.status, version?.opaque]).toEqual([0, 4]);
    expect(version?.value.toString()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("quiet gets pipelined with NOOP: hits only, in order, then NOOP", async () => {
    const keys = Array.from({ length: 120 }, (_, i) => `${key("q")}-${i}`);
    for (const [i, k] of keys.entries()) {
      if (i % 2 === 0) session.conn.send(request(0x11, { key: k, extras: setExtras(i, 0), value: `v${i}`, opaque: i })); // SETQ
    }
    session.conn.send(Buffer.concat([...keys.map((k, i) => request(0x0d, { key: k, opaque: 1000 + i })), request(0x0a, { opaque: 9 })])); // GETKQ…, NOOP
    const packets = await packetsUntil(session.conn);
    const noop = packets.pop();
    expect([noop?.opcode, noop?.opaque]).toEqual([0x0a, 9]);
    expect(packets.map((p) => [p.opcode, p.status, p.opaque, p.key, p.value.toString(), p.extras.readUInt32BE(0)])).toEqual(
      keys.flatMap((k, i) => (i % 2 === 0 ? [[0x0d, 0, 1000 + i, k, `v${i}`, i]] : [])),
    );
    session.conn.send(Buffer.concat([request(0x09, { key: keys[0] as string, opaque: 1 }), request(0x09, { key: keys[1] as string, opaque: 2 }), request(0x0a, { opaque: 3 })]));
    const getq = await packetsUntil(session.conn);
    expect(getq.map((p) => [p.opcode, p.opaque, p.key, p.value.toString()])).toEqual([
      [0x09, 1, "", "v0"],
      [0x0a, 3, "", ""],
    ]);
  });

  it("cas: a set with the cas of a get stores once; flags round-trip; delete with a stale cas is refused", async () => {
    const k = key("cas");
    session.conn.send(request(0x01, { key: k, extras: setExtras(0xdeadbeef, 0), value: "a", opaque: 1 }));
    session.conn.send(request(0x00, { key: k, opaque: 2 }));
    const [stored, got] = await packetsUntil(session.conn, 0x00);
    expect(stored?.status).toBe(0);
    expect(got?.extras.readUInt32BE(0)).toBe(0xdeadbeef);
    expect(got?.cas).toBe(stored?.cas);
    session.conn.send(request(0x01, { key: k, extras: setExtras(1, 0), value: "b", cas: got?.cas as bigint, opaque: 3 }));
    const [first] = await packetsUntil(session.conn, 0x01);
    expect(first?.status).toBe(0);
    session.conn.send(request(0x01, { key: k, extras: setExtras(1, 0), value: "c", cas: got?.cas as bigint, opaque: 4 }));
    const [second] = await packetsUntil(session.conn, 0x01);
    expect([second?.status, second?.value.toString()]).toEqual([0x0002, "Data exists for key."]);
    session.conn.send(request(0x04, { key: k, cas: got?.cas as bigint, opaque: 5 }));
    const [deleted] = await packetsUntil(session.conn, 0x04);
    expect(deleted?.status).toBe(0x0002);
    session.conn.send(request(0x04, { key: k, cas: first?.cas as bigint, opaque: 6 }));
    const [deletedNow] = await packetsUntil(session.conn, 0x04);
    expect(deletedNow?.status).toBe(0);
  });

  it("errors: not found, non-numeric incr, unknown opcode, too large; the connection stays usable", async () => {
    const k = key("e");
    session.conn.send(request(0x00, { key: k, opaque: 7 }));
    const [miss] = await packetsUntil(session.conn, 0x00);
    expect([miss?.status, miss?.opaque, miss?.value.toString()]).toEqual([1, 7, "Not found"]);
    session.conn.send(request(0x01, { key: k, extras: setExtras(0, 0), value: "abc" }));
    await packetsUntil(session.conn, 0x01);
    const incr = Buffer.alloc(20);
    incr.writeBigUInt64BE(1n, 0);
    session.conn.send(request(0x05, { key: k, extras: incr }));
    const [nonNumeric] = await packetsUntil(session.conn, 0x05);
    expect(nonNumeric?.status).toBe(0x0006);
    session.conn.send(request(0x01, { key: k, extras: setExtras(0, 0), value: Buffer.alloc(2 * 1024 * 1024, 1), opaque: 9 }));
    const [tooLarge] = await packetsUntil(session.conn, 0x01);
    expect([tooLarge?.status, tooLarge?.opaque]).toEqual([0x0003, 9]);
    session.conn.send(request(0x0a, { opaque: 10 }));
    const [noop] = await packetsUntil(session.conn);
    expect([noop?.status, noop?.opaque]).toEqual([0, 10]);
    // on a connection of its own, with no body: memcached reads past an unknown command's body
    const other = await RawConnection.open(session.target.host, session.target.port);
    other.send(request(0x30, { opaque: 8 }));
    const [unknown] = await packetsUntil(other, 0x30).finally(() => other.close());
    expect([unknown?.status, unknown?.opaque, unknown?.value.toString()]).toEqual([0x0081, 8, "Unknown command"]);
  });

  it("quiet writes answer only on failure; quit closes", async () => {
    const k = key("qw");
    session.conn.send(Buffer.concat([
      request(0x11, { key: k, extras: setExtras(0, 0), value: "a", opaque: 1 }), // SETQ: silent
      request(0x12, { key: k, extras: setExtras(0, 0), value: "b", opaque: 2 }), // ADDQ: exists
      request(0x14, { key: `${k}-absent`, opaque: 3 }), // DELETEQ: not found
      request(0x19, { key: k, value: "z", opaque: 4 }), // APPENDQ: silent
      request(0x0a, { opaque: 5 }),
    ]));
    const packets = await packetsUntil(session.conn);
    expect(packets.map((p) => [p.opcode, p.status, p.opaque])).toEqual([
      [0x12, 0x0002, 2],
      [0x14, 0x0001, 3],
      [0x0a, 0, 5],
    ]);
    expect((await client.get(k)).value?.toString()).toBe("az");
    session.conn.send(request(0x07, { opaque: 6 }));
    const [quit] = await packetsUntil(session.conn, 0x07);
    expect(quit?.opaque).toBe(6);
    await session.conn.closedByServer();
  });
});
