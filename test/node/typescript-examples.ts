// What test/node/docs-examples.test.ts compiles: the TypeScript examples of a Markdown page, and the
// tsconfig.json a new app gets from `tsc --init` with the Node lines it suggests turned on. Pure.

export interface TypeScriptExample {
  /** The page's path, as given. */
  page: string;
  /** 1-based line of the example's first line of code (the line after its opening fence). */
  line: number;
  code: string;
}

const OPENING = /^```(?:ts|typescript)\s*$/;
const CLOSING = /^```\s*$/;

/** Every ```ts and ```typescript block of a Markdown page, in order. An unclosed block is an error. */
export function typescriptExamples(page: string, markdown: string): TypeScriptExample[] {
  const examples: TypeScriptExample[] = [];
  let open: { line: number; code: string[] } | null = null;
  let inOtherBlock = false;
  markdown.split("\n").forEach((text, index) => {
    if (open) {
      if (CLOSING.test(text)) {
        examples.push({ page, line: open.line, code: `${open.code.join("\n")}\n` });
        open = null;
      } else open.code.push(text);
    } else if (inOtherBlock) {
      if (CLOSING.test(text)) inOtherBlock = false;
    } else if (OPENING.test(text)) open = { line: index + 2, code: [] };
    else if (text.startsWith("```")) inOtherBlock = true;
  });
  if (open !== null) throw new Error(`${page}: the TypeScript block at line ${(open as { line: number }).line - 1} is never closed`);
  return examples;
}

/**
 * `tsc --init`'s tsconfig.json (JSON with comments) for a Node app, as its own comment says: "For
 * nodejs: "lib": ["esnext"], "types": ["node"], and npm install -D @types/node". Every other setting
 * is kept as generated (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, nodenext…).
 */
export function forNode(generatedTsconfig: string): string {
  const empty = /^(\s*)"types": \[\],$/m;
  if (!empty.test(generatedTsconfig)) throw new Error(`tsc --init's tsconfig.json has no "types": [] line to turn on Node's types:\n${generatedTsconfig}`);
  return generatedTsconfig.replace(empty, '$1"types": ["node"],\n$1"lib": ["esnext"],');
}
