import { describe, expect, it } from "vitest";
import { forNode, typescriptExamples } from "./typescript-examples";

describe("typescriptExamples", () => {
  it("takes every ts and typescript block with the line of its first line of code, and nothing else", () => {
    const page = ["# T", "```sh", "npm install", "```", "```ts", "const a = 1;", "", "a;", "```", "text", "```typescript", "let b;", "```", "```json", "{}", "```"].join("\n");
    expect(typescriptExamples("p.md", page)).toStrictEqual([
      { page: "p.md", line: 6, code: "const a = 1;\n\na;\n" },
      { page: "p.md", line: 12, code: "let b;\n" },
    ]);
  });

  it("does not read a ts fence shown inside another block as an example", () => {
    expect(typescriptExamples("p.md", ["```md", "```ts", "not code", "```"].join("\n"))).toStrictEqual([]);
  });

  it("refuses a block that is never closed", () => {
    expect(() => typescriptExamples("p.md", "```ts\nconst a = 1;\n")).toThrow(/line 1 is never closed/);
  });
});

describe("forNode", () => {
  it("turns on Node's types and lib where tsc --init left them empty, and keeps every other line", () => {
    const generated = ['{', '  "compilerOptions": {', '    "target": "esnext",', '    "types": [],', '    // For nodejs:', '    "exactOptionalPropertyTypes": true,', "  }", "}"].join("\n");
    expect(forNode(generated)).toBe(
      ['{', '  "compilerOptions": {', '    "target": "esnext",', '    "types": ["node"],', '    "lib": ["esnext"],', '    // For nodejs:', '    "exactOptionalPropertyTypes": true,', "  }", "}"].join("\n"),
    );
  });

  it("refuses a tsconfig.json without the line, rather than compiling with other settings", () => {
    expect(() => forNode('{ "compilerOptions": { "types": ["node"] } }')).toThrow(/no "types": \[\] line/);
  });
});
