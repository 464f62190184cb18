// What every command of the CLI reads alike: the server, the token and the namespace (a flag, else
// the environment), and how a wrong command line becomes its usage message. Pure.

/** A command line that cannot be carried out; its message is shown with the usage exit code. */
export class Usage extends Error {}

export interface Server {
  url: string;
  token: string | undefined;
  namespace: string;
}

/** The server from `--url`, `--token`, `--ns` or CLOUDCACHED_URL, _TOKEN, _NAMESPACE; the URL is checked. */
export function serverFrom(flags: { url?: string | undefined; token?: string | undefined; ns?: string | undefined }, env: Readonly<Record<string, string | undefined>>): Server {
  const url = flags.url ?? env.CLOUDCACHED_URL;
  if (url === undefined || url === "") throw new Usage("no server URL: pass --url or set CLOUDCACHED_URL");
  try {
    new URL(url);
  } catch {
    throw new Usage(`--url is not a URL: '${url}'`);
  }
  return { url, token: flags.token ?? (env.CLOUDCACHED_TOKEN || undefined), namespace: flags.ns ?? (env.CLOUDCACHED_NAMESPACE || "default") };
}

/** The message of a wrong command line: a Usage, or node:util parseArgs's TypeError (an unknown option, a missing value). Anything else is thrown on. */
export function usageMessage(err: unknown): string {
  if (err instanceof Usage) return err.message;
  if (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS")) return err.message;
  throw err;
}
