import { describe, expect, it } from "vitest";
import { InputBuffer } from "./input-buffer.js";

describe("InputBuffer", () => {
  it("keeps the bytes in order across appends, consumption, moves and growth", () => {
    const input = new InputBuffer();
    const sent: number[] = [];
    let next = 0;
    let consumed = 0;
    for (let round = 0; round < 200; round += 1) {
      const chunk = Buffer.alloc(1 + ((round * 7919) % 40_000), 0);
      for (let i = 0; i < chunk.byteLength; i += 1) chunk[i] = (next + i) % 251;
      next += chunk.byteLength;
      input.append(chunk);
      sent.push(chunk.byteLength);
      const take = Math.floor(input.byteLength * ((round % 3) / 3));
      const view = input.view();
      for (let i = 0; i < Math.min(take, 64); i += 1) expect(view[i]).toBe((consumed + i) % 251);
      input.consume(take);
      consumed += take;
      expect(input.byteLength).toBe(next - consumed);
    }
    const rest = input.view();
    expect(rest[0]).toBe(consumed % 251);
    expect(rest[rest.byteLength - 1]).toBe((next - 1) % 251);
  });

  it("an emptied buffer holds nothing large", () => {
    const input = new InputBuffer();
    input.append(Buffer.alloc(1024 * 1024, 1));
    input.clear();
    expect(input.byteLength).toBe(0);
    expect(input.view().buffer.byteLength).toBeLessThan(1024 * 1024);
  });
});
