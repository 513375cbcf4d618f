// What a caller's own request contributes to its spend log row (`user`, `metadata`, tags), bounded and scrubbed: a
// log row must stay small, must not become a place to smuggle a secret into, and must not carry prototype keys.

const MAX_KEYS = 32;
const MAX_STRING = 256;
const MAX_TAGS = 32;
const MAX_TAG = 128;
const MAX_METADATA_CHARS = 4096;
/** Names that usually hold a credential; their values are never logged. */
const SECRET_NAME = /key|secret|token|passw|auth|credential|cookie|signature|session/i;
const UNSAFE_NAMES = new Set(["__proto__", "constructor", "prototype"]);
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_TAGS: readonly string[] = Object.freeze([]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function safeValue(value: unknown): unknown {
  if (typeof value === "string") return value.slice(0, MAX_STRING);
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean" || value === null) return value;
  if (Array.isArray(value)) return stringList(value, MAX_TAGS, MAX_STRING);
  return undefined; // nested objects could hide anything; they are left out
}

function stringList(value: readonly unknown[], maxItems: number, maxLength: number): string[] {
  return value
    .filter((item): item is string => typeof item === "string")
    .slice(0, maxItems)
    .map((item) => item.slice(0, maxLength));
}

/** The caller's `metadata`: scalar values and string lists only, no secret-looking names, a few KB at most. */
export function callerMetadata(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) return EMPTY;
  const entries: Array<[string, unknown]> = [];
  for (const [name, raw] of Object.entries(value)) {
    if (entries.length >= MAX_KEYS) break;
    if (UNSAFE_NAMES.has(name) || SECRET_NAME.test(name) || name.length > MAX_TAG) continue;
    const safe = safeValue(raw);
    if (safe !== undefined) entries.push([name, safe]);
  }
  if (entries.length === 0) return EMPTY;
  const metadata = Object.fromEntries(entries);
  return JSON.stringify(metadata).length <= MAX_METADATA_CHARS ? metadata : { truncated: true };
}

/** LiteLLM's request tags: `tags` in the body, else `metadata.tags`. */
export function callerTags(body: Record<string, unknown>): readonly string[] {
  const tags = Array.isArray(body.tags) ? body.tags : isPlainObject(body.metadata) ? body.metadata.tags : undefined;
  return Array.isArray(tags) ? stringList(tags, MAX_TAGS, MAX_TAG) : NO_TAGS;
}

/** OpenAI's `user` field. */
export function callerUser(body: Record<string, unknown>): string {
  return typeof body.user === "string" ? body.user.slice(0, MAX_STRING) : "";
}

/** An upstream address as a log may show it: scheme, host, port and path; no credentials, query or fragment. */
export function loggableApiBase(value: unknown): string {
  if (typeof value !== "string" || value === "") return "";
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "";
  }
}
