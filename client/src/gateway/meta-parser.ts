// memcached's meta commands (mg, ms, md, ma, mn): a command's tokens parsed into its key and flags,
// or the error answer. Pure.

import { keyOf } from "./text-parser.js";

export interface MetaFlag {
  /** The flag's letter. */
  name: string;
  /** The token after the letter ("" when none). */
  token: string;
}

export interface MetaRequest {
  code: "mg" | "ms" | "md" | "ma" | "mn";
  key: string;
  /** The key as sent (base64 with the `b` flag), for the `k` return flag. */
  keyToken: string;
  /** ms: the data length. */
  dataLength: number;
  flags: MetaFlag[];
}

const BAD_FORMAT = "CLIENT_ERROR bad command line format";
const FLAG = /^[a-zA-Z]/;

export function hasFlag(request: MetaRequest, name: string): boolean {
  return request.flags.some((flag) => flag.name === name);
}

/** The token of the last flag of that name, or undefined. */
export function flagToken(request: MetaRequest, name: string): string | undefined {
  let token: string | undefined;
  for (const flag of request.flags) if (flag.name === name) token = flag.token;
  return token;
}

export function parseMeta(code: string, tokens: string[]): MetaRequest | { error: string } {
  if (code === "mn") return { code, key: "", keyToken: "", dataLength: 0, flags: [] };
  if (code !== "mg" && code !== "ms" && code !== "md" && code !== "ma") return { error: "ERROR" };
  const [keyToken, ...rest] = tokens;
  if (keyToken === undefined) return { error: "ERROR" };
  let dataLength = 0;
  if (code === "ms") {
    const length = rest.shift();
    if (length === undefined || !/^\d{1,10}$/.test(length)) return { error: BAD_FORMAT };
    dataLength = Number(length);
  }
  const flags: MetaFlag[] = [];
  for (const token of rest) {
    if (!FLAG.test(token)) return { error: "CLIENT_ERROR invalid flag" };
    flags.push({ name: token[0] as string, token: token.slice(1) });
  }
  let raw = keyToken;
  if (flags.some((flag) => flag.name === "b")) {
    if (keyToken.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyToken)) return { error: "CLIENT_ERROR error decoding key" };
    raw = Buffer.from(keyToken, "base64").toString("latin1");
  }
  const key = keyOf(raw);
  if ("error" in key) return { error: key.error };
  return { code, key: key.key, keyToken, dataLength, flags };
}
