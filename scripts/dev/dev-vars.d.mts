// Types of dev-vars.mjs, for the TypeScript tests that import it.
export function parseDevVars(text: string): Record<string, string>;
export function setDevVars(text: string, values: Record<string, string>): string;
