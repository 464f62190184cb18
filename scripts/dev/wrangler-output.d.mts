// Types of wrangler-output.mjs, for the TypeScript tests that import it.
export function isRequestLogLine(line: string): boolean;
export function isLauncherNotice(line: string): boolean;
