// Types of scripts/tools.mjs for the TypeScript tests that import it.
export type ToolName = "chromium" | "bun" | "deno" | "biome";

export interface ToolSpec {
  package: string;
  version: string;
  binary: string;
}

/** How to start a tool: its binary, what its environment needs, and where it came from. */
export interface Tool {
  path: string;
  env: Record<string, string>;
  source: string;
}

export const TOOLS: Record<ToolName, ToolSpec>;
export function toolsDir(): string;
export function findTool(name: ToolName): Promise<Tool | null>;
export function ensureTool(name: ToolName, log?: (line: string) => void): Promise<Tool>;
