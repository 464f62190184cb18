import { describe, expect, it } from "vitest";
import { CounterParser, parseCounter, readCounter } from "./counter";
import { ApiError } from "../http/errors";

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : `other: ${String(err)}`;
  }
  return "accepted";
}

describe("parseCounter: -?[0-9]+ byte for byte, within ±(2^53−1)", () => {
  it.each([
    ["42", 42],
    ["-7", -7],
    ["0", 0],
    ["-0", 0],
    ["05", 5],
    ["-007", -7],
    ["9007199254740991", Number.MAX_SAFE_INTEGER],
    ["-9007199254740991", -Number.MAX_SAFE_INTEGER],
    // Leading zeros are digits like any other, however many there are.
    [`${"0".repeat(40)}6`, 6],
  ])("reads %j as %d", (value, expected) => {
    expect(parseCounter(text(value))).toBe(expected);
    expect(Object.is(parseCounter(text(value)), expected)).toBe(true); // never -0
  });

  it.each([
    ["", "empty"],
    ["-", "a sign alone"],
    [" 5", "a leading space"],
    ["5 ", "a trailing space"],
    ["5\n", "a trailing newline"],
    ["\t5", "a leading tab"],
    ["+5", "a plus sign"],
    ["--5", "two signs"],
    ["5-", "a sign at the end"],
    ["4.2", "a fraction"],
    ["1e3", "an exponent"],
    ["0x10", "hex"],
    ["1_000", "a separator"],
    ["١٢", "non-ASCII digits"],
    ["５", "a fullwidth digit"],
    ["abc", "letters"],
    [`${"9".repeat(30)}x`, "a long run of digits with a letter at the end"],
  ])("refuses %j (%s) as not_a_number", (value) => {
    expect(refusal(() => parseCounter(text(value)))).toBe("409 not_a_number");
  });

  it("refuses a byte-order mark before the digits (EF BB BF 35), and one after", () => {
    expect(refusal(() => parseCounter(bytes(0xef, 0xbb, 0xbf, 0x35)))).toBe("409 not_a_number");
    expect(refusal(() => parseCounter(bytes(0x35, 0xef, 0xbb, 0xbf)))).toBe("409 not_a_number");
    expect(refusal(() => parseCounter(bytes(0x2d, 0xef, 0xbb, 0xbf, 0x35)))).toBe("409 not_a_number");
  });

  it("refuses a NUL byte and invalid UTF-8 around digits", () => {
    expect(refusal(() => parseCounter(bytes(0x35, 0x00)))).toBe("409 not_a_number");
    expect(refusal(() => parseCounter(bytes(0xff, 0x35)))).toBe("409 not_a_number");
  });

  it.each(["9007199254740992", "-9007199254740992", "99999999999999999", `-${"1".repeat(25)}`, `000${"9".repeat(17)}`])(
    "refuses %j as out_of_range",
    (value) => {
      expect(refusal(() => parseCounter(text(value)))).toBe("409 out_of_range");
    },
  );

  it("reads the same value whichever way the bytes are split into chunks", () => {
    const whole = text("-000123456789");
    for (let cut = 0; cut <= whole.length; cut++) {
      const parser = new CounterParser();
      parser.push(whole.subarray(0, cut));
      parser.push(whole.subarray(cut));
      expect(parser.finish()).toBe(-123456789);
    }
    const marked = bytes(0xef, 0xbb, 0xbf, 0x35);
    for (let cut = 0; cut <= marked.length; cut++) {
      const parser = new CounterParser();
      expect(refusal(() => {
        parser.push(marked.subarray(0, cut));
        parser.push(marked.subarray(cut));
        parser.finish();
      })).toBe("409 not_a_number");
    }
  });
});

describe("readCounter", () => {
  it("reads a stream in chunks", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of ["-1", "2", "34"]) controller.enqueue(text(chunk));
        controller.close();
      },
    });
    expect(await readCounter(body)).toBe(-1234);
  });

  it("stops at the first refused byte and cancels the rest of the stream", async () => {
    let cancelled = false;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(pulled === 1 ? bytes(0xef, 0xbb, 0xbf, 0x35) : text("5".repeat(1024)));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readCounter(body)).rejects.toMatchObject({ status: 409, code: "not_a_number" });
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(2);
  });
});
