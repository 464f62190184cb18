import { describe, expect, it } from "vitest";
import { concat, emptyStream, exactLength, firstBytes, skipBytes } from "./streams";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("exactLength", () => {
  it("passes a body of the announced length through unchanged", async () => {
    expect(await new Response(streamOf("hel", "lo").pipeThrough(exactLength(5))).text()).toBe("hello");
    expect(await new Response(streamOf().pipeThrough(exactLength(0))).text()).toBe("");
  });
  it("errors on a body cut short", async () => {
    await expect(new Response(streamOf("hel").pipeThrough(exactLength(5))).text()).rejects.toThrow();
  });
  it("errors on a body longer than announced", async () => {
    await expect(new Response(streamOf("hello", "!").pipeThrough(exactLength(5))).text()).rejects.toThrow();
  });
});


describe("skipBytes", () => {
  it("drops the first bytes across chunk boundaries", async () => {
    expect(await new Response(streamOf("ab", "cdef", "g").pipeThrough(skipBytes(3))).text()).toBe("defg");
    expect(await new Response(streamOf("abc").pipeThrough(skipBytes(3))).text()).toBe("");
    expect(await new Response(streamOf("abc", "d").pipeThrough(skipBytes(0))).text()).toBe("abcd");
  });
});

describe("firstBytes", () => {
  it("reads only as far as it needs", async () => {
    const bytes = await firstBytes(streamOf("ab", "cdef"), 3);
    expect(new TextDecoder().decode(bytes)).toBe("abc");
  });
  it("gives fewer bytes for a shorter body, none for no body", async () => {
    expect(new TextDecoder().decode(await firstBytes(streamOf("ab"), 5))).toBe("ab");
    expect((await firstBytes(null, 5)).byteLength).toBe(0);
    expect((await firstBytes(emptyStream(), 5)).byteLength).toBe(0);
  });
});

describe("concat", () => {
  it("joins two arrays in order", () => {
    expect([...concat(new Uint8Array([1, 2]), new Uint8Array([3]))]).toEqual([1, 2, 3]);
  });
});
