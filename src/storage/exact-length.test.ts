import { describe, expect, it } from "vitest";
import { exactLength } from "./exact-length";

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

