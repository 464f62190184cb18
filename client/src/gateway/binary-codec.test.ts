import { describe, expect, it } from "vitest";
import { errorResponse, flagsExtras, OP, readHeader, readRequest, response, STATUS } from "./binary-codec.js";

function requestBytes(opcode: number, key: string, extras: Buffer, value: string, opaque: number, cas: bigint): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(opcode, 1);
  header.writeUInt16BE(key.length, 2);
  header.writeUInt8(extras.length, 4);
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  header.writeUInt32BE(opaque, 12);
  header.writeBigUInt64BE(cas, 16);
  return Buffer.concat([header, extras, Buffer.from(key), Buffer.from(value)]);
}

describe("binary codec", () => {
  it("reads a request's header, extras, key and value", () => {
    const bytes = requestBytes(OP.set, "key", Buffer.from([0, 0, 0, 7, 0, 0, 0, 9]), "value", 42, 12345n);
    const header = readHeader(bytes);
    if ("error" in header) throw new Error(header.error);
    expect(header).toEqual({ opcode: OP.set, keyLength: 3, extrasLength: 8, bodyLength: 16, opaque: 42, cas: 12345n });
    const request = readRequest(header, bytes);
    expect([request.extras.readUInt32BE(0), request.key.toString(), request.value.toString()]).toEqual([7, "key", "value"]);
  });

  it("refuses what is not a request", () => {
    const bytes = requestBytes(OP.get, "k", Buffer.alloc(0), "", 0, 0n);
    bytes[0] = 0x81;
    expect(readHeader(bytes)).toEqual({ error: "bad magic" });
    const short = requestBytes(OP.get, "key", Buffer.alloc(0), "", 0, 0n);
    short.writeUInt32BE(1, 8);
    expect(readHeader(short)).toEqual({ error: "key and extras longer than the body" });
  });

  it("builds responses: header fields, then extras, key, value", () => {
    const packet = Buffer.concat(response({ opcode: OP.getk, opaque: 9, cas: 77n, extras: flagsExtras(0xffffffff), key: Buffer.from("k"), value: Buffer.from("v") }));
    expect(packet.readUInt8(0)).toBe(0x81);
    expect([packet.readUInt8(1), packet.readUInt16BE(2), packet.readUInt8(4), packet.readUInt16BE(6), packet.readUInt32BE(8)]).toEqual([OP.getk, 1, 4, 0, 6]);
    expect([packet.readUInt32BE(12), packet.readBigUInt64BE(16), packet.readUInt32BE(24)]).toEqual([9, 77n, 0xffffffff]);
    expect(packet.subarray(28).toString()).toBe("kv");
    const error = Buffer.concat(errorResponse(OP.get, 1, STATUS.notFound));
    expect([error.readUInt16BE(6), error.subarray(24).toString()]).toEqual([1, "Not found"]);
  });
});
