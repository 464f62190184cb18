import { describe, expect, it } from "vitest";
import { decodeXml, deleteRequestXml, errorCode, escapeXml, isXmlSafe, parseCopyResult, parseDeleteResult, parseListResult } from "./xml";

describe("decodeXml", () => {
  it("decodes named, decimal and hex references in one pass", () => {
    expect(decodeXml("a&amp;b&lt;c&gt;d&quot;e&apos;f")).toBe("a&b<c>d\"e'f");
    expect(decodeXml("&#233;&#xE9;&#x1F600;")).toBe(`${"ééé".slice(0, 2)}\u{1F600}`);
    expect(decodeXml("&amp;lt;")).toBe("&lt;");
  });
  it("leaves what is not a reference alone", () => {
    expect(decodeXml("&unknown; & &#xD800; &#99999999;")).toBe("&unknown; & &#xD800; &#99999999;");
  });
  it("round-trips with escapeXml", () => {
    const text = `a/b c+d&e<f>g"h'i%20 ü 😀`;
    expect(decodeXml(escapeXml(text))).toBe(text);
    expect(escapeXml(text)).not.toMatch(/[<>"']/);
  });
  it("knows what XML 1.0 cannot carry", () => {
    expect(isXmlSafe("tab\tnewline\n ok")).toBe(true);
    expect(isXmlSafe("bell\u0007")).toBe(false);
  });
});

describe("parseListResult", () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
<Contents><Key>p/a&amp;b &lt;c&gt;</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>21</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>p/ü/😀</Key><LastModified>2026-01-02T03:04:06.000Z</LastModified><ETag>"def"</ETag><Size>0</Size></Contents>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken></ListBucketResult>`;
  it("reads keys (decoded), sizes, times and truncation", () => {
    const page = parseListResult(xml);
    expect(page.truncated).toBe(true);
    expect(page.objects).toEqual([
      { key: "p/a&b <c>", size: 21, lastModified: Date.UTC(2026, 0, 2, 3, 4, 5), etag: '"abc"' },
      { key: "p/ü/😀", size: 0, lastModified: Date.UTC(2026, 0, 2, 3, 4, 6), etag: '"def"' },
    ]);
  });
  it("reads an empty, final listing", () => {
    expect(parseListResult("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")).toEqual({ objects: [], truncated: false });
  });
  it("refuses what is not a listing", () => {
    expect(() => parseListResult("<Error><Code>NoSuchBucket</Code></Error>")).toThrow();
    expect(() => parseListResult("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>")).toThrow();
  });
});

describe("DeleteObjects", () => {
  it("escapes keys and carries ETags for conditional deletes", () => {
    const body = deleteRequestXml([{ key: "a&<b>" }, { key: "c", etag: '"e"' }]);
    expect(body).toContain("<Quiet>true</Quiet>");
    expect(body).toContain("<Object><Key>a&amp;&lt;b&gt;</Key></Object>");
    expect(body).toContain("<Object><Key>c</Key><ETag>&quot;e&quot;</ETag></Object>");
  });
  it("reads per-key failures", () => {
    const xml = `<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b&amp;c</Key><Code>PreconditionFailed</Code><Message>m</Message></Error></DeleteResult>`;
    expect(parseDeleteResult(xml)).toEqual([{ key: "b&c", code: "PreconditionFailed" }]);
    expect(parseDeleteResult("<DeleteResult/>")).toEqual([]);
    expect(() => parseDeleteResult("<Error><Code>x</Code></Error>")).toThrow();
  });
});

describe("S3 error documents", () => {
  it("reads the error code", () => {
    expect(errorCode('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>x</Message></Error>')).toBe("SlowDown");
    expect(errorCode("not xml")).toBeUndefined();
    expect(errorCode("<Error><Code></Code></Error>")).toBeUndefined();
    expect(errorCode(`<Error><Code>${"x".repeat(101)}</Code></Error>`)).toBeUndefined();
  });
});

describe("CopyObject answers", () => {
  it("reads the copy's ETag, each entity decoded once", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&quot;a&amp;lt;b&quot;</ETag></CopyObjectResult>`;
    // "&amp;lt;" is the text "&lt;", not "<": decoding "&amp;" first and then "&lt;" would give "<".
    expect(parseCopyResult(xml)).toEqual({ ok: true, etag: '"a&lt;b"' });
    expect(parseCopyResult("<CopyObjectResult><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag></CopyObjectResult>")).toEqual({
      ok: true,
      etag: '"9b2cf535f27731c974343645a3985328"',
    });
    expect(parseCopyResult("<CopyObjectResult></CopyObjectResult>")).toEqual({ ok: true, etag: undefined });
  });
  it("finds an error sent with a 200", () => {
    expect(parseCopyResult("<Error><Code>InternalError</Code><Message>m</Message></Error>")).toEqual({ ok: false, code: "InternalError" });
  });
});
