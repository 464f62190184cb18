// Types of banner.mjs, for the TypeScript tests that import it.
export interface BannerInfo {
  workerUrl: string;
  adminToken: string;
  generated: string[];
  devVarsPath: string;
  store:
    | { kind: "embedded"; endpoint: string; bucket: string; accessKeyId: string; credentialsPath: string; dataPath: string }
    | { kind: "external"; endpoint: string; bucket: string }
    | { kind: "binding"; dataPath: string };
  health?: string;
}
export function formatBanner(info: BannerInfo): string;
export function shellQuote(word: string): string;
