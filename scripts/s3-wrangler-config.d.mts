// Types of s3-wrangler-config.mjs, for the TypeScript that imports it (vitest.config.ts, tests).
export function withoutR2Buckets(toml: string): string;
export function withS3Secrets(toml: string): string;
export function writeS3WranglerConfig(source?: string): string;
