import { describe, expect, it } from "vitest";
import { essence, extractMimeType, parseMimeType, serializeMimeType, splitHeaderValues } from "./mime-type";

// The Fetch standard's own cases for "extract a MIME type" (web-platform-tests,
// fetch/content-type/resources/content-types.json): several `Content-Type` header lines, which a
// browser combines with ", " into one value, and the MIME type it ends up using.
const FETCH_CASES: [string[], string][] = [
  [["", "text/plain"], "text/plain"],
  [["text/plain", ""], "text/plain"],
  [["text/html", "text/plain"], "text/plain"],
  [["text/plain;charset=gbk", "text/html"], "text/html"],
  [["text/plain;charset=gbk", "text/html;charset=windows-1254"], "text/html;charset=windows-1254"],
  [["text/plain;charset=gbk", "text/plain"], "text/plain;charset=gbk"],
  [["text/plain;charset=gbk", "text/plain;charset=windows-1252"], "text/plain;charset=windows-1252"],
  [["text/html;charset=gbk", 'text/html;x=",text/plain'], 'text/html;x=",text/plain";charset=gbk'],
  [["text/plain;charset=gbk;x=foo", "text/plain"], "text/plain;charset=gbk"],
  [["text/html;charset=gbk", "text/plain", "text/html"], "text/html"],
  [["text/plain", "*/*"], "text/plain"],
  [["text/html", "*/*"], "text/html"],
  [["*/*", "text/html"], "text/html"],
  [["text/plain", "*/*;charset=gbk"], "text/plain"],
  [["text/html", "*/*;charset=gbk"], "text/html"],
  [['text/html;x="', "text/plain"], 'text/html;x=", text/plain"'],
  [['text/html;"', "text/plain"], "text/html"],
];

describe("extractMimeType: the type a browser uses, as the Fetch standard extracts it", () => {
  it.each(FETCH_CASES)("%j → %s", (lines, expected) => {
    const mime = extractMimeType(lines.join(", "));
    expect(mime && serializeMimeType(mime)).toBe(expected);
  });

  it("the last valid type of a list wins: a comma lets HTML follow a passive type", () => {
    for (const [value, used] of [
      ["text/plain;,text/html", "text/html"],
      ["text/plain,text/html", "text/html"],
      ["text/plain; charset=utf-8, text/html", "text/html"],
      ['text/plain;a="b",text/html', "text/html"],
      ["image/png,image/svg+xml", "image/svg+xml"],
      ["text/html,bogus", "text/html"],
    ]) {
      const mime = extractMimeType(value as string);
      expect(mime && essence(mime), value).toBe(used);
    }
    // A comma inside a quoted parameter value is not a separator.
    const quoted = extractMimeType('text/plain;a="x,text/html"');
    expect(quoted && serializeMimeType(quoted)).toBe('text/plain;a="x,text/html"');
  });

  it("fails when nothing in the list parses (or only */*)", () => {
    for (const value of ["", ",", "nonsense", "text/", "/plain", "*/*", "text/plain/x, ", "te xt/plain"]) expect(extractMimeType(value), value).toBeNull();
  });
});

describe("splitHeaderValues: a header value's list", () => {
  it("splits at commas outside quoted strings and trims tabs and spaces", () => {
    expect(splitHeaderValues("text/plain;,text/html")).toEqual(["text/plain;", "text/html"]);
    expect(splitHeaderValues(' a , "b,c" d ,\te')).toEqual(["a", '"b,c" d', "e"]);
    expect(splitHeaderValues('x="a\\",b",y')).toEqual(['x="a\\",b"', "y"]);
    expect(splitHeaderValues('x="unterminated, still')).toEqual(['x="unterminated, still']);
    expect(splitHeaderValues("")).toEqual([""]);
    expect(splitHeaderValues("a,")).toEqual(["a", ""]);
  });
});

describe("parseMimeType: MIME Sniffing's parser (web-platform-tests mime-types cases)", () => {
  it.each([
    ["text/html;charset=gbk", "text/html;charset=gbk"],
    ["TEXT/HTML;CHARSET=GBK", "text/html;charset=GBK"],
    ["text/html;charset=gbk(", 'text/html;charset="gbk("'],
    ["text/html;x=(;charset=gbk", 'text/html;x="(";charset=gbk'],
    ["text/html;charset=gbk;charset=windows-1255", "text/html;charset=gbk"],
    ["text/html;charset=();charset=GBK", 'text/html;charset="()"'],
    ["text/html ;charset=gbk", "text/html;charset=gbk"],
    ["text/html; charset=gbk", "text/html;charset=gbk"],
    ["text/html;charset= gbk", 'text/html;charset=" gbk"'],
    ['text/html;charset= "gbk"', 'text/html;charset=" \\"gbk\\""'],
    ["text/html;charset='gbk'", "text/html;charset='gbk'"],
    ["text/html;test;charset=gbk", "text/html;charset=gbk"],
    ["text/html;test=;charset=gbk", "text/html;charset=gbk"],
    ['text/html;charset="gbk"', "text/html;charset=gbk"],
    ['text/html;charset="gbk', "text/html;charset=gbk"],
    ['text/html;charset="\\g\\b\\k"', "text/html;charset=gbk"],
    ['text/html;charset="gbk"x', "text/html;charset=gbk"],
    ['text/html;charset="";charset=GBK', 'text/html;charset=""'],
    ["text/html;charset=gbk;", "text/html;charset=gbk"],
    ["\n\r\t text/html;charset=gbk \t", "text/html;charset=gbk"],
    ["x/x;test", "x/x"],
    ["x/x;x=\"\t !\\\"#$%&'()*+,-./:;<=>?@[\\\\]^_`{|}~\"", "x/x;x=\"\t !\\\"#$%&'()*+,-./:;<=>?@[\\\\]^_`{|}~\""],
  ])("%j → %s", (input, expected) => {
    const mime = parseMimeType(input);
    expect(mime && serializeMimeType(mime)).toBe(expected);
  });

  it.each(["", "\t", "/", "bogus", "bogus/", "bogus/ ", "bogus/bogus/;", "</>", "(/)", "ÿ/ÿ", "text/html(;doesnot=matter", "{/}", "\u0100/\u0100", "text /html", "te xt/plain"])("%j fails", (input) => {
    expect(parseMimeType(input)).toBeNull();
  });
});
