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

/** node:util parseArgs's error codes, and its messages' shapes, as this CLI says them. */
const PARSE_ERRORS: readonly { code: string; pattern: RegExp; say: (name: string, help: string) => string }[] = [
  { code: "ERR_PARSE_ARGS_UNKNOWN_OPTION", pattern: /'([^']+)'/, say: (name, help) => `unknown option '${name}' (${help})` },
  { code: "ERR_PARSE_ARGS_INVALID_OPTION_VALUE", pattern: /'(-[^' ]+) <value>' argument missing/, say: (name) => `${name} needs a value` },
  { code: "ERR_PARSE_ARGS_INVALID_OPTION_VALUE", pattern: /'(-[^' ]+)' does not take an argument/, say: (name) => `${name} takes no value` },
  { code: "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL", pattern: /'([^']*)'/, say: (name, help) => `unexpected argument '${name}' (${help})` },
];

/**
 * The message of a wrong command line: a Usage, or node:util parseArgs's TypeError (an unknown
 * option, a missing value) in the CLI's own words. Anything else is thrown on. `help` is where to
 * look ("see --help").
 */
export function usageMessage(err: unknown, help = "see --help"): string {
  if (err instanceof Usage) return err.message;
  if (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS")) {
    for (const known of PARSE_ERRORS) {
      const name = known.code === err.code ? known.pattern.exec(err.message)?.[1] : undefined;
      if (name !== undefined) return known.say(name, help);
    }
    // A parseArgs error this CLI does not know yet: its own words, in this CLI's style.
    return `${err.message.charAt(0).toLowerCase()}${err.message.slice(1)} (${help})`;
  }
  throw err;
}
