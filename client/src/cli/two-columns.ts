// The CLI's tables (`stats`, `whoami`): names in a column padded to the longest, then the values. Pure.

/** The rows as text, one a line, two spaces after the longest name. */
export function twoColumns(rows: readonly (readonly [name: string, value: string])[]): string {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n");
}
