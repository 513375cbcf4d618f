import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

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
  "headers.authorization",
  'headers["x-api-key"]',
  'headers["x-litellm-api-key"]',
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-litellm-api-key"]',
]

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: "switchboard" },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino({ ...base, transport: { target: "pino-pretty" } });
  // Asynchronous stdout: lines still go out at once when the process is quiet, but under load the ones written
  // while a write is in flight are batched into one, instead of one blocking write per request. pino flushes
  // what is pending synchronously on exit; only a SIGKILL can lose the last few lines.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
