import type { Config } from "./config";
import { ApiError } from "./errors";

/** What a request may do, as its `Authorization` header proves. */
export type Principal = { kind: "admin" } | { kind: "anonymous" };

export type Scope = "read" | "write" | "flush";

export interface AccessRequest {
  scope: Scope;
  namespace: string;
  /** The decoded, validated key, for operations on one item. */
  key?: string;
}

/** The token of `Authorization: Bearer <token>`, or null when there is none. */
export function bearerToken(header: string | null | undefined): string | null {
  if (header === null || header === undefined || header.trim() === "") return null;
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  if (!match?.[1]) throw new ApiError("unauthorized", "malformed Authorization header: expected 'Bearer <token>'");
  return match[1];
}

const encoder = new TextEncoder();

/** Compares two secrets in time that does not depend on where they differ (or on their lengths). */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export async function authenticate(header: string | null | undefined, config: Config): Promise<Principal> {
  const token = bearerToken(header);
  if (token === null) return { kind: "anonymous" };
  if (await secretsEqual(token, config.adminToken)) return { kind: "admin" };
  throw new ApiError("unauthorized", "invalid token");
}

/** Throws 401 (no proof of identity) or 403 (identity known, not allowed) unless access is granted. */
export function authorize(principal: Principal, _request: AccessRequest): void {
  if (principal.kind === "admin") return;
  throw new ApiError("unauthorized", "a bearer token is required");
}
