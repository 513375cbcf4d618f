import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";
import { type LogFormat, prettyLine } from "./log-format.js";

export type Logger = PinoLogger;

/**
 * Paths pino blanks before a line is written. Secrets should never reach a log call in the first place;
 * this is the net under that rule.
 */
export const REDACTED_PATHS = [
  // Explicit paths only: leading wildcards cost about 5 µs on every line, and no log call passes secrets nested
  // deeper than these.
  "api_key",
  "apiKey",
  "master_key",
  "masterKey",
  "salt_key",
  "authorization",
  "litellm_params.api_key",
  // Secrets by position: header values and the credentials an api_base can carry.
  "litellm_params.api_base",
  "litellm_params.extra_headers",
  "litellm_params.headers",
  "extra_headers",
  "headers.authorization",
  'headers["x-api-key"]',
  'headers["x-litellm-api-key"]',
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-litellm-api-key"]',
];

// An error's text can quote a URL it failed on (node's ERR_INVALID_URL keeps it in `input`), with the user info and
// query values of an api_base: those are masked in logged errors. Serializers run only on lines that carry the key.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"']+@/gi;
const URL_QUERY = /(:\/\/[^\s?#"']*\?)([^\s#"']*)/g;

function withoutUrlSecrets(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_USERINFO, "$1[redacted]@").replace(URL_QUERY, (_, head: string, query: string) => {
    const pieces = query.split("&").map((piece) => {
      const at = piece.indexOf("=");
      return at < 0 || at === piece.length - 1 ? piece : `${piece.slice(0, at + 1)}[redacted]`;
    });
    return head + pieces.join("&");
  });
}

function scrubStrings(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return withoutUrlSecrets(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrubStrings(inner, depth + 1)]));
}

export const logSerializers = {
  err: (error: unknown) => scrubStrings(pino.stdSerializers.err(error as Error)),
  cause: (cause: unknown) => scrubStrings(cause),
};

export interface LoggerOptions {
  level: string;
  /** json (the default) or pretty: see chooseLogFormat. Ignored when a destination is given. */
  format?: LogFormat;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    serializers: logSerializers,
    base: { service: "switchboard" },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === "pretty") return pino(base, prettyStdout());
  return pino(base, bufferedStdout());
}

/**
 * Readable lines for a person at a terminal, each written at once (a person reads them as they come; the batching
 * below is for request lines at load, which a terminal does not carry).
 */
function prettyStdout(): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: true });
  const colors = process.stdout.isTTY;
  return { write: (line: string) => void stdout.write(prettyLine(line, colors)) };
}

/** Lines are held until this much is pending, or until the next flush tick. */
const BUFFER_BYTES = 4096;
const FLUSH_INTERVAL_MS = 200;

let stdoutDestination: DestinationStream | undefined;

/**
 * stdout, written synchronously in batches: one write per 4 KiB of lines (or per 200 ms when quiet) instead of one
 * per request. Measured here: an asynchronous write per line (a thread-pool hop each) cost ~25% of a proxied call's
 * CPU, these batches ~5%. What is pending goes out on exit; only a SIGKILL can lose the last 200 ms of lines.
 * One per process, however many loggers share it.
 */
function bufferedStdout(): DestinationStream {
  if (stdoutDestination) return stdoutDestination;
  const destination = pino.destination({
    dest: 1,
    sync: true,
    minLength: BUFFER_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  // flushSync also fsyncs, which is right once at exit, not five times a second (the periodic flush does not).
  process.once("exit", () => destination.flushSync());
  stdoutDestination = destination;
  return destination;
}
