// The Worker's settings as the tests see them. wrangler.toml binds the R2 bucket STORE (the project
// worker-r2); the project worker gives the S3 way's settings instead (vitest.config.ts), which
// wrangler.toml only names in a comment, so `wrangler types` cannot list them.
declare namespace Cloudflare {
  interface Env {
    S3_ENDPOINT?: string;
    S3_BUCKET?: string;
    S3_REGION?: string;
    S3_ACCESS_KEY_ID?: string;
    S3_SECRET_ACCESS_KEY?: string;
  }
}
