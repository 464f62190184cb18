import { describe, expect, it } from "vitest";
import { binaryRequest } from "../../test/support/binary-request.js";
import { errorResponse, flagsExtras, OP, readHeader, readRequest, response, STATUS } from "./binary-codec.js";

describe("binary codec", () => {
  it("reads a request's header, extras, key and value", () => {
    const bytes = binaryRequest(OP.set, { key: "key", extras: Buffer.from([0, 0, 0, 7, 0, 0, 0, 9]), value: "value", opaque: 42, cas: 12345n });
    const header = readHeader(bytes);
    if ("error" in header) throw new Error(header.error);
    expect(header).toEqual({ opcode: OP.set, keyLength: 3, extrasLength: 8, bodyLength: 16, opaque: 42, cas: 12345n });
    const request = readRequest(header, bytes);
    expect([request.extras.readUInt32BE(0), request.key.toString(), request.value.toString()]).toEqual([7, "key", "value"]);
  });

  it("refuses what is not a request", () => {
    const bytes = binaryRequest(OP.get, { key: "k" });
    bytes[0] = 0x81;
    expect(readHeader(bytes)).toEqual({ error: "bad magic" });
    const short = binaryRequest(OP.get, { key: "key" });
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
