// Types of scripts/debian-tools.mjs for the TypeScript tests that import it.
export type DebianToolGroup = "memcached" | "python";

export interface DebianToolSpec {
  packages: string[];
  programs: string[];
  pythonModules: string[];
}

export const DEBIAN_PYTHON: string;
export const DEBIAN_TOOLS: Record<DebianToolGroup, DebianToolSpec>;
export function installCommand(name: DebianToolGroup): string;
export function missingOf(name: DebianToolGroup): Promise<string[]>;
export function ensureDebianTools(name: DebianToolGroup, log?: (line: string) => void): Promise<void>;
