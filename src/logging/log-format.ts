// How log lines look on stdout: pino's JSON lines for machines (a pipe, a file, a log shipper), or one readable line
// per record for a person watching a terminal. The readable form is written here, synchronously, from the JSON line
// pino has already redacted: no worker thread (pino-pretty's transport costs one, and ~10 MB, at every start) and
// no dependency.

export type LogFormat = "json" | "pretty";

/** LOG_FORMAT wins; unset, a terminal gets readable lines and anything else (a pipe, a file) JSON. */
export function chooseLogFormat(setting: LogFormat | undefined, stdoutIsTerminal: boolean): LogFormat {
  return setting ?? (stdoutIsTerminal ? "pretty" : "json");
}

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[36m" },
  30: { name: "INFO ", color: "\x1b[32m" },
  40: { name: "WARN ", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "FATAL", color: "\x1b[35m" },
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/** Fields every line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(["level", "time", "msg", "service", "pid", "hostname"]);

function clock(time: unknown): string {
  const date = typeof time === "number" ? new Date(time) : new Date();
  return date.toISOString().slice(11, 23);
}

function fieldText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** An error's stack (or message), indented under its line. */
function errorText(err: unknown): string {
  if (err === null || typeof err !== "object") return "";
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  const text = typeof stack === "string" ? stack : typeof message === "string" ? message : "";
  return text === "" ? "" : `\n    ${text.split("\n").join("\n    ")}`;
}

/**
 * `12:00:01.123 INFO  Switchboard listening on port 4000 port=4000 models=3`, one per JSON line. A line that is not
 * a JSON object is passed through unchanged.
 */
export function prettyLine(jsonLine: string, colors: boolean): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(jsonLine);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return jsonLine;
    record = parsed as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const level = LEVELS[typeof record.level === "number" ? record.level : 30] ?? { name: "LOG  ", color: "" };
  const fields = Object.entries(record)
    .filter(([key]) => !HEAD_FIELDS.has(key) && key !== "err")
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const msg = typeof record.msg === "string" ? record.msg : "";
  const head = colors
    ? `${DIM}${clock(record.time)}${RESET} ${level.color}${level.name}${RESET}`
    : `${clock(record.time)} ${level.name}`;
  const rest = fields.length > 0 ? (colors ? ` ${DIM}${fields.join(" ")}${RESET}` : ` ${fields.join(" ")}`) : "";
  return `${head} ${msg}${rest}${errorText(record.err)}\n`;
}
