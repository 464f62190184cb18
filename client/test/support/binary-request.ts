// A binary-protocol request frame as a client sends it (for tests that speak the protocol by hand).

/** The 24-byte header, then extras, key and value; every part optional. */
export function binaryRequest(opcode: number, parts: { key?: string; extras?: Buffer; value?: Buffer | string; opaque?: number; cas?: bigint } = {}): Buffer {
  const key = Buffer.from(parts.key ?? "");
  const extras = parts.extras ?? Buffer.alloc(0);
  const value = typeof parts.value === "string" ? Buffer.from(parts.value) : (parts.value ?? Buffer.alloc(0));
  const header = Buffer.alloc(24);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(opcode, 1);
  header.writeUInt16BE(key.length, 2);
  header.writeUInt8(extras.length, 4);
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  header.writeUInt32BE(parts.opaque ?? 0, 12);
  header.writeBigUInt64BE(parts.cas ?? 0n, 16);
  return Buffer.concat([header, extras, key, value]);
}
