// memcached's binary protocol: request headers read and response packets built. Pure.

export const HEADER_BYTES = 24;
export const REQUEST_MAGIC = 0x80;
export const RESPONSE_MAGIC = 0x81;

export const OP = {
  get: 0x00,
  set: 0x01,
  add: 0x02,
  replace: 0x03,
  delete: 0x04,
  increment: 0x05,
  decrement: 0x06,
  quit: 0x07,
  flush: 0x08,
  getq: 0x09,
  noop: 0x0a,
  version: 0x0b,
  getk: 0x0c,
  getkq: 0x0d,
  append: 0x0e,
  prepend: 0x0f,
  stat: 0x10,
  setq: 0x11,
  addq: 0x12,
  replaceq: 0x13,
  deleteq: 0x14,
  incrementq: 0x15,
  decrementq: 0x16,
  quitq: 0x17,
  flushq: 0x18,
  appendq: 0x19,
  prependq: 0x1a,
  verbosity: 0x1b,
  touch: 0x1c,
  gat: 0x1d,
  gatq: 0x1e,
  gatk: 0x23,
  gatkq: 0x24,
} as const;

export const STATUS = {
  ok: 0x0000,
  notFound: 0x0001,
  exists: 0x0002,
  tooLarge: 0x0003,
  invalid: 0x0004,
  notStored: 0x0005,
  nonNumeric: 0x0006,
  unknownCommand: 0x0081,
  internal: 0x0084,
} as const;

/** memcached's text for each error status (sent as the value of an error response). */
export const STATUS_TEXT: Record<number, string> = {
  [STATUS.notFound]: "Not found",
  [STATUS.exists]: "Data exists for key.",
  [STATUS.tooLarge]: "Too large.",
  [STATUS.invalid]: "Invalid arguments",
  [STATUS.notStored]: "Not stored.",
  [STATUS.nonNumeric]: "Non-numeric server-side value for incr or decr",
  [STATUS.unknownCommand]: "Unknown command",
};

/** Quiet opcodes and the opcode they are the quiet form of. */
export const QUIET_OF: ReadonlyMap<number, number> = new Map([
  [OP.getq, OP.get],
  [OP.getkq, OP.getk],
  [OP.setq, OP.set],
  [OP.addq, OP.add],
  [OP.replaceq, OP.replace],
  [OP.deleteq, OP.delete],
  [OP.incrementq, OP.increment],
  [OP.decrementq, OP.decrement],
  [OP.quitq, OP.quit],
  [OP.flushq, OP.flush],
  [OP.appendq, OP.append],
  [OP.prependq, OP.prepend],
  [OP.gatq, OP.gat],
  [OP.gatkq, OP.gatk],
]);

export interface RequestHeader {
  opcode: number;
  keyLength: number;
  extrasLength: number;
  bodyLength: number;
  opaque: number;
  cas: bigint;
}

export interface Request extends RequestHeader {
  extras: Buffer;
  key: Buffer;
  value: Buffer;
}

/** The header at the start of `bytes` (which holds at least HEADER_BYTES), or an error when it is not a request header. */
export function readHeader(bytes: Buffer): RequestHeader | { error: string } {
  if (bytes[0] !== REQUEST_MAGIC) return { error: "bad magic" };
  const header = {
    opcode: bytes.readUInt8(1),
    keyLength: bytes.readUInt16BE(2),
    extrasLength: bytes.readUInt8(4),
    bodyLength: bytes.readUInt32BE(8),
    opaque: bytes.readUInt32BE(12),
    cas: bytes.readBigUInt64BE(16),
  };
  if (header.keyLength + header.extrasLength > header.bodyLength) return { error: "key and extras longer than the body" };
  return header;
}

/** The request whose header is `header`, from a buffer holding all of it. */
export function readRequest(header: RequestHeader, bytes: Buffer): Request {
  const extrasEnd = HEADER_BYTES + header.extrasLength;
  const keyEnd = extrasEnd + header.keyLength;
  return {
    ...header,
    extras: bytes.subarray(HEADER_BYTES, extrasEnd),
    key: bytes.subarray(extrasEnd, keyEnd),
    value: bytes.subarray(keyEnd, HEADER_BYTES + header.bodyLength),
  };
}

export interface ResponseParts {
  opcode: number;
  status?: number;
  opaque: number;
  cas?: bigint;
  extras?: Buffer;
  key?: Buffer;
  value?: Uint8Array;
}

export function response(parts: ResponseParts): Buffer[] {
  const extras = parts.extras ?? Buffer.alloc(0);
  const key = parts.key ?? Buffer.alloc(0);
  const value = parts.value ?? Buffer.alloc(0);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(RESPONSE_MAGIC, 0);
  header.writeUInt8(parts.opcode, 1);
  header.writeUInt16BE(key.byteLength, 2);
  header.writeUInt8(extras.byteLength, 4);
  header.writeUInt16BE(parts.status ?? STATUS.ok, 6);
  header.writeUInt32BE(extras.byteLength + key.byteLength + value.byteLength, 8);
  header.writeUInt32BE(parts.opaque, 12);
  header.writeBigUInt64BE(parts.cas ?? 0n, 16);
  const out: Buffer[] = [header];
  if (extras.byteLength > 0) out.push(extras);
  if (key.byteLength > 0) out.push(key);
  if (value.byteLength > 0) out.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  return out;
}

/** An error response: the status and memcached's text for it. */
export function errorResponse(opcode: number, opaque: number, status: number, text?: string): Buffer[] {
  return response({ opcode, opaque, status, value: Buffer.from(text ?? STATUS_TEXT[status] ?? "Error", "latin1") });
}

export function flagsExtras(flags: number): Buffer {
  const extras = Buffer.alloc(4);
  extras.writeUInt32BE(flags >>> 0, 0);
  return extras;
}
