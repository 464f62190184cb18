// Reading and updating `.dev.vars` (dotenv format), without losing the user's lines.

// dotenv's own line grammar (dotenv 16, BSD-2-Clause), so this reads a file as wrangler does.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/**
 * Parses dotenv text into a plain object: `KEY=value`, optional `export `, `#` comments, single,
 * double or backtick quotes (double quotes expand `\n` and `\r`), multi-line quoted values. A key
 * given twice takes its last value.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseDevVars(text) {
  /** @type {Record<string, string>} */
  const result = {};
  const lines = text.replace(/\r\n?/g, "\n");
  for (const match of lines.matchAll(LINE)) {
    const key = match[1];
    if (key === undefined) continue;
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    result[key] = value;
  }
  return result;
}

/**
 * Returns `text` with each of `values` set: a line that assigns the key an empty value
 * (`ADMIN_TOKEN=`, as in .dev.vars.example) is filled in where it stands, any other key is appended.
 * Every other line is kept as it was. Values must be plain (no quotes, spaces, `#` or newlines).
 * @param {string} text
 * @param {Record<string, string>} values
 * @returns {string}
 */
export function setDevVars(text, values) {
  let result = text;
  const appended = [];
  for (const [key, value] of Object.entries(values)) {
    if (!/^[\w.-]+$/.test(key) || !/^[\x21-\x7e]+$/.test(value) || /["'`#\\]/.test(value)) {
      throw new Error(`setDevVars: ${key} cannot be written as a plain dotenv line`);
    }
    const empty = new RegExp(`^([ \\t]*(?:export[ \\t]+)?${key.replace(/[.-]/g, "\\$&")}[ \\t]*=)[ \\t]*(?:(["'\`])\\2)?[ \\t]*$`, "m");
    if (empty.test(result)) {
      result = result.replace(empty, (_line, head) => `${head}${value}`);
    } else {
      appended.push(`${key}=${value}`);
    }
  }
  if (appended.length === 0) return result;
  const separator = result === "" || result.endsWith("\n") ? "" : "\n";
  return `${result}${separator}${appended.join("\n")}\n`;
}
