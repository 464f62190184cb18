// The command line of `cloudcached`, parsed into what to do. Pure: argv and env in, a plan out.

import { parseArgs } from "node:util";
import { serverFrom, Usage, usageMessage } from "./command-line.js";

export const COMMANDS = ["get", "set", "add", "replace", "delete", "incr", "decr", "touch", "keys", "flush", "tag", "token", "whoami", "namespaces", "stats"] as const;
export type Command = (typeof COMMANDS)[number];

export interface Connection {
  url: string;
  token: string | undefined;
  namespace: string;
  timeoutMs: number | undefined;
}

/** Where a written value comes from. */
export type ValueSource = { kind: "arg"; text: string } | { kind: "stdin" } | { kind: "file"; path: string };

export type Action =
  | { command: "get"; key: string }
  | {
      command: "set" | "add" | "replace";
      key: string;
      value: ValueSource;
      ttl: number | undefined;
      contentType: string | undefined;
      tags: string[];
      meta: Record<string, unknown> | undefined;
    }
  | { command: "delete"; key: string; etag: string | undefined }
  | { command: "incr" | "decr"; key: string; by: number; initial: number | undefined; ttl: number | undefined }
  | { command: "touch"; key: string; ttl: number | undefined }
  | { command: "keys"; prefix: string | undefined; limit: number | undefined }
  | { command: "flush" }
  | { command: "tag"; op: "expire" | "delete"; tag: string }
  | { command: "stats"; window: "1h" | "24h" | "7d" }
  | { command: "token"; namespaces: string[]; scopes: string[]; prefix: string | undefined; ttl: number | undefined }
  | { command: "whoami" }
  | { command: "namespaces"; limit: number | undefined };

export type Parsed =
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "usage"; message: string }
  | { kind: "run"; connection: Connection; action: Action; json: boolean };

export const HELP = `Usage: cloudcached [options] <command> [arguments]

Commands:
  get <key>                       print the value (exactly the stored bytes; --json: typed)
  set <key> [value]               store a value (also from --file PATH, or stdin with "-")
  add <key> [value]               store only if the key is absent
  replace <key> [value]           store only if the key exists
  delete <key> [--etag E]         delete (with --etag: only that version)
  incr <key> [by]                 add to an integer value (--initial M creates it)
  decr <key> [by]                 subtract from an integer value
  touch <key> [ttl]               set a new expiry without sending the value
  keys [prefix] [--limit N]       list keys, one a line
  flush                           drop every item of the namespace
  tag expire|delete <tag>         expire (soft) or delete every item written with the tag
  stats [--window 1h|24h|7d]      the namespace's hit ratio and traffic, as a table
  token --scopes read,write[,flush] [--namespaces a,b] [--prefix P] [--ttl N]
                                  mint a scoped token (needs the admin token)
  whoami                          what the token may do: namespaces, scopes, prefix, expiry
  namespaces [--limit N]          list the namespaces the token may see, one a line
  gateway [--listen HOST:PORT]    serve the memcached protocols locally (see gateway --help)

Options:
  --url URL         the Worker's URL           (or CLOUDCACHED_URL)
  --token TOKEN     a bearer token             (or CLOUDCACHED_TOKEN)
  --ns NAMESPACE    namespace, default "default" (or CLOUDCACHED_NAMESPACE)
  --ttl SECONDS     expiry of a write (0 = never); default the server's DEFAULT_TTL
  --type TYPE       Content-Type of a written value (default text/plain; charset=utf-8,
                    or application/octet-stream for --file and stdin)
  --file PATH       the value from a file (streamed)
  --tag TAG         a tag of a written value (repeat for more)
  --meta JSON       metadata kept beside a written value (a JSON object)
  --initial M       incr/decr: create the item with M when it is absent
  --timeout MS      per-request timeout, default 30000
  --json            machine-readable output (JSON; keys, namespaces: one JSON object a line)
  -h, --help        this help
  --version         the client's version

Exit codes:
  0  done
  1  not found, or not stored (get/incr/decr/touch of an absent key, add of an existing
     key, replace of an absent one, delete --etag of a changed item)
  2  usage error (unknown command or option, missing argument, no URL)
  3  refused by the server (4xx: bad request, unauthorized, forbidden, not a number,
     out of range, value too large, ...)
  4  the server or its storage failed (5xx)
  5  no answer: network error or timeout
`;

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  ns: { type: "string" },
  ttl: { type: "string" },
  type: { type: "string" },
  file: { type: "string" },
  tag: { type: "string", multiple: true },
  meta: { type: "string" },
  initial: { type: "string" },
  etag: { type: "string" },
  limit: { type: "string" },
  window: { type: "string" },
  scopes: { type: "string" },
  namespaces: { type: "string" },
  prefix: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;


function integer(raw: string | undefined, name: string, signed = false): number | undefined {
  if (raw === undefined) return undefined;
  const pattern = signed ? /^-?\d{1,16}$/ : /^\d{1,16}$/;
  if (!pattern.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new Usage(`${name} must be ${signed ? "an" : "a non-negative"} integer, got '${raw}'`);
  }
  return Number(raw);
}

/** An expiry in seconds: a whole number, 0 or more. */
function seconds(raw: string | undefined, name: string): number | undefined {
  if (raw !== undefined && !/^\d{1,16}$/.test(raw)) {
    throw new Usage(`${name} must be a whole number of seconds, 0 or more (0: never expires), got '${raw}'`);
  }
  return integer(raw, name);
}

/** `--meta`: a JSON object. */
function metaOption(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Usage("--meta must be a JSON object, e.g. --meta '{\"source\":\"cli\"}'");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Usage("--meta must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A token that is a negative number ("-5"), which parseArgs would take for an option. */
const NEGATIVE_NUMBER = /^-\d/;

function takesValue(name: string): boolean {
  return Object.hasOwn(OPTIONS, name) && OPTIONS[name as keyof typeof OPTIONS].type === "string";
}

/**
 * node:util's parseArgs reads "-5" as an unknown option, so `--ttl -5` or `touch k -5` would end in
 * its message about option syntax instead of ours about the number. This is the same command line
 * with every negative number read as a value: an option's value joined to it ("--ttl=-5"), the
 * positionals, in their order, after "--".
 */
export function negativesAsValues(argv: readonly string[]): string[] {
  if (!argv.some((token) => NEGATIVE_NUMBER.test(token))) return [...argv];
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] as string;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-" || NEGATIVE_NUMBER.test(token)) {
      positionals.push(token);
      continue;
    }
    const next = argv[i + 1];
    if (token.startsWith("--") && takesValue(token.slice(2)) && next !== undefined) {
      options.push(`${token}=${next}`);
      i += 1;
    } else {
      options.push(token);
    }
  }
  return [...options, "--", ...positionals];
}

function list(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function isCommand(word: string | undefined): word is Command {
  return (COMMANDS as readonly string[]).includes(word ?? "");
}

export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  try {
    return parse(argv, env);
  } catch (err) {
    return { kind: "usage", message: usageMessage(err) };
  }
}

function parse(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  const { values, positionals } = parseArgs({ args: negativesAsValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) return { kind: "help", text: HELP };
  if (values.version) return { kind: "version" };
  const [word, ...rest] = positionals;
  if (word === undefined) throw new Usage("no command given (see --help)");
  if (!isCommand(word)) throw new Usage(`unknown command '${word}' (see --help)`);

  const connection: Connection = { ...serverFrom(values, env), timeoutMs: integer(values.timeout, "--timeout") };
  const ttl = seconds(values.ttl, "--ttl");

  const arity = (min: number, max: number, shape: string): void => {
    if (rest.length < min || rest.length > max) throw new Usage(`usage: cloudcached ${word} ${shape}`);
  };
  const key = (): string => rest[0] as string;

  let action: Action;
  switch (word) {
    case "get":
      arity(1, 1, "<key>");
      action = { command: "get", key: key() };
      break;
    case "set":
    case "add":
    case "replace": {
      arity(1, 2, "<key> [value | -] [--file PATH]");
      const given = rest[1];
      if (given !== undefined && values.file !== undefined) throw new Usage("give the value as an argument or with --file, not both");
      let value: ValueSource;
      if (values.file !== undefined) value = { kind: "file", path: values.file };
      else if (given === undefined || given === "-") value = { kind: "stdin" };
      else value = { kind: "arg", text: given };
      action = { command: word, key: key(), value, ttl, contentType: values.type, tags: values.tag ?? [], meta: metaOption(values.meta) };
      break;
    }
    case "delete":
      arity(1, 1, "<key> [--etag ETAG]");
      action = { command: "delete", key: key(), etag: values.etag };
      break;
    case "incr":
    case "decr":
      arity(1, 2, "<key> [by] [--initial M] [--ttl SECONDS]");
      action = { command: word, key: key(), by: integer(rest[1], "by") ?? 1, initial: integer(values.initial, "--initial", true), ttl };
      break;
    case "touch":
      arity(1, 2, "<key> [ttl]");
      if (rest[1] !== undefined && ttl !== undefined) throw new Usage("give the ttl as an argument or with --ttl, not both");
      action = { command: "touch", key: key(), ttl: seconds(rest[1], "ttl") ?? ttl };
      break;
    case "keys":
      arity(0, 1, "[prefix] [--limit N]");
      if (rest[0] !== undefined && values.prefix !== undefined) throw new Usage("give the prefix as an argument or with --prefix, not both");
      action = { command: "keys", prefix: rest[0] ?? values.prefix, limit: integer(values.limit, "--limit") };
      break;
    case "flush":
      arity(0, 0, "");
      action = { command: "flush" };
      break;
    case "tag": {
      arity(2, 2, "expire|delete <tag>");
      const op = rest[0];
      if (op !== "expire" && op !== "delete") throw new Usage("usage: cloudcached tag expire|delete <tag>");
      action = { command: "tag", op, tag: rest[1] as string };
      break;
    }
    case "stats": {
      arity(0, 0, "[--window 1h|24h|7d]");
      const window = values.window ?? "1h";
      if (window !== "1h" && window !== "24h" && window !== "7d") throw new Usage("stats: --window is one of 1h, 24h, 7d");
      action = { command: "stats", window };
      break;
    }
    case "token": {
      arity(0, 0, "--scopes read,write[,flush] [--namespaces a,b] [--prefix P] [--ttl SECONDS]");
      const scopes = list(values.scopes);
      if (scopes.length === 0) throw new Usage("token: --scopes is required (read, write, flush)");
      const unknown = scopes.filter((scope) => !["read", "write", "flush"].includes(scope));
      if (unknown.length > 0) throw new Usage(`token: unknown scope ${unknown.join(", ")} (read, write, flush)`);
      const namespaces = values.namespaces === undefined ? [connection.namespace] : list(values.namespaces);
      if (namespaces.length === 0) throw new Usage("token: --namespaces is empty");
      action = { command: "token", namespaces, scopes, prefix: values.prefix, ttl };
      break;
    }
    case "whoami":
      arity(0, 0, "");
      action = { command: "whoami" };
      break;
    case "namespaces":
      arity(0, 0, "[--limit N]");
      action = { command: "namespaces", limit: integer(values.limit, "--limit") };
      break;
  }
  return { kind: "run", connection, action, json: values.json === true };
}
