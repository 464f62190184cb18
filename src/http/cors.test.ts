import { describe, expect, it } from "vitest";
import { parseAllowedOrigins } from "./cors";

describe("parseAllowedOrigins", () => {
  it("reads a comma-separated list of exact origins", () => {
    expect([...parseAllowedOrigins("")]).toEqual([]);
    expect([...parseAllowedOrigins(undefined)]).toEqual([]);
    expect([...parseAllowedOrigins(" https://app.example.com , http://localhost:5173/ ,")]).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
  });

  it("refuses anything that is not an origin, naming the setting", () => {
    for (const raw of ["*", "app.example.com", "https://app.example.com/path", "ftp://x.example", "https://*.example.com", "null"]) {
      expect(() => parseAllowedOrigins(raw), raw).toThrow(/the setting ALLOWED_ORIGINS must list origins/);
    }
  });
});
