// Types of settings.mjs, for the TypeScript tests that import it.
export const SECRET_NAMES: readonly string[];
export const GENERATED_NAMES: readonly string[];
export const EXTERNAL_STORE_NAMES: readonly string[];
export class DevSettingsError extends Error {}
export const S3_SWITCH: string;
export function planDevSettings(devVars: Record<string, string>, options?: { s3?: boolean }): { store: "external" | "embedded" | "binding"; generate: string[] };
export function splitBindings(settings: Record<string, string>): { secrets: Record<string, string>; vars: Record<string, string> };
export function wranglerDevArgs(options: {
  configPath: string;
  envFile: string;
  persistTo: string;
  port: number;
  inspectorPort: number;
  vars: Record<string, string>;
}): string[];
export function parsePort(raw: string | undefined, name: string, fallback: number): number;
export const STORE_OPTIONS_ENV: string;
