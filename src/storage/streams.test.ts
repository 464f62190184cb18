import { describe, expect, it } from "vitest";
import { concat, drain, emptyStream, exactLength, firstBytes, skipBytes } from "./streams";

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

/** A body that says how it ended: read to its end (`ended`) or cancelled; `stallAfter` chunks, then nothing more. */
function watchedBody(chunks: number, chunkBytes: number, stallAfter = Infinity): { body: ReadableStream<Uint8Array>; seen: { pulled: number; ended: boolean; cancelled: boolean } } {
  const seen = { pulled: 0, ended: false, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= stallAfter) return new Promise<void>(() => undefined);
      if (seen.pulled === chunks) {
        seen.ended = true;
        controller.close();
        return;
      }
      seen.pulled += 1;
      controller.enqueue(new Uint8Array(chunkBytes));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

describe("drain", () => {
  it("reads a small body to its end, never cancelling it (its connection is kept)", async () => {
    const { body, seen } = watchedBody(3, 100);
    await drain(body);
    expect(seen).toEqual({ pulled: 3, ended: true, cancelled: false });
    const empty = watchedBody(0, 0);
    await drain(empty.body);
    expect(empty.seen).toEqual({ pulled: 0, ended: true, cancelled: false });
  });

  it("cancels a body once past its limit: no more of it is read", async () => {
    const { body, seen } = watchedBody(100, 1000);
    await drain(body, 2500);
    expect(seen.cancelled).toBe(true);
    expect(seen.ended).toBe(false);
    expect(seen.pulled).toBeLessThan(10);
  });

  it("cancels a body that stops arriving, after its wait", async () => {
    const { body, seen } = watchedBody(5, 10, 1);
    const started = Date.now();
    await drain(body, 1000, 50);
    expect(seen.cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("never throws: a failing body, one already being read, or none at all", async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull() {
        throw new Error("connection reset");
      },
    });
    await expect(drain(failing)).resolves.toBeUndefined();
    await expect(drain(null)).resolves.toBeUndefined();
    const locked = streamOf("taken");
    locked.getReader();
    await expect(drain(locked)).resolves.toBeUndefined();
  });
});
