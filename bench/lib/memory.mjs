// The runtime process's memory while a large value streams through the Worker: its resident set
// before, and its peak during (the kernel's high-water mark, reset first, checked against polling).
import { readFile, writeFile } from "node:fs/promises";

async function statusKb(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, "m").exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/**
 * Runs `work` and measures `pid`'s resident memory: `{ baselineBytes, peakBytes, growthBytes,
 * method }`. The peak is the larger of VmHWM (reset with clear_refs when allowed) and the highest
 * VmRSS seen by polling every 10 ms.
 */
export async function measurePeakRss(pid, work) {
  let hwmReset = true;
  await writeFile(`/proc/${pid}/clear_refs`, "5").catch(() => {
    hwmReset = false;
  });
  const baselineBytes = await statusKb(pid, "VmRSS");
  let polledPeak = baselineBytes;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      polledPeak = Math.max(polledPeak, await statusKb(pid, "VmRSS").catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  let result;
  try {
    result = await work();
  } finally {
    polling = false;
    await poller;
  }
  const hwm = hwmReset ? await statusKb(pid, "VmHWM") : 0;
  const peakBytes = Math.max(polledPeak, hwm);
  return {
    result,
    baselineBytes,
    peakBytes,
    growthBytes: peakBytes - baselineBytes,
    method: hwmReset ? "VmHWM after clear_refs, and VmRSS polled every 10 ms" : "VmRSS polled every 10 ms",
  };
}

/** `size` bytes of a repeating pattern, in 1 MiB chunks, without holding them all. */
export async function* patternChunks(size, chunkSize = 1024 * 1024) {
  const pattern = Buffer.alloc(chunkSize);
  for (let i = 0; i < chunkSize; i++) pattern[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < size; sent += chunkSize) {
    yield sent + chunkSize <= size ? pattern : pattern.subarray(0, size - sent);
  }
}
