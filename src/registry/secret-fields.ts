import { hasUrlSecrets, maskUrl, restoreUrl, type UrlPartMask } from "./secret-urls.js";

// Where a deployment's params hold secrets. One walk decides it for encryption at rest, masking in every view,
// restoring masks sent back and scrubbing upstream messages, so none of them can disagree about what a secret is.
// A secret is found by name (`api_key`, `db_password`, at any depth, inside arrays too) and by position: every
// header value (`extra_headers`, `headers`, as an object, as [name, value] pairs or as {name, value} entries) and the
// user info and query values of any URL (`https://user:pass@host/?api-key=...`).

const NAMED_SECRETS = new Set([
  "api_key",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "client_secret",
  "vertex_credentials",
]);

const SECRET_WORDS = new Set([
  "key",
  "keys",
  "secret",
  "secrets",
  "token",
  "password",
  "passwords",
  "passwd",
  "passphrase",
  "credential",
  "credentials",
  "auth",
  "authorization",
  "private",
  "certificate",
  "cookie",
  "cookies",
  "dsn",
]);

const SECRET_FRAGMENTS = ["secret", "password", "passwd", "passphrase", "credential", "connectionstring", "connstr"];

/** `connection_string`, `conn-str`, `ConnectionString` once split into words. */
const CONNECTION_STRING = /(^|_)conn(ection)?_str(ing)?(_|$)/;

function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[_\-.\s]+/);
}

/** Matched on whole words (`max_tokens` is not a secret, `my_api_token` is); cost fields never are. */
export function isSecretField(name: string): boolean {
  if (NAMED_SECRETS.has(name.toLowerCase())) return true;
  const words = wordsOf(name);
  if (words.some((word) => word.includes("cost"))) return false;
  if (CONNECTION_STRING.test(words.join("_"))) return true;
  return words.some(
    (word) =>
      SECRET_WORDS.has(word) ||
      // Run-together names: apikey, accesstoken, clientsecret, dbpassword. `tokens` (max_tokens) stays a count.
      word.endsWith("key") ||
      word.endsWith("token") ||
      SECRET_FRAGMENTS.some((fragment) => word.includes(fragment)),
  );
}

/** `extra_headers`, `headers`, `default_headers`, `extraHeaders`: every value under them is a secret. */
export function isHeaderField(name: string): boolean {
  const last = wordsOf(name).at(-1);
  return last === "headers" || last === "header";
}

/** Every mask has this length, whatever the secret's: a mask must not tell how long the secret is. */
export const MASK_LENGTH = 12;
/** Below this, showing 8 characters would give away too much of the secret: it is all stars. */
const HINT_MIN_LENGTH = 20;

/** `sk-1****cdef`: enough to tell keys apart, never enough to use one; short values are `************`. */
export function maskSecret(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  if (text.length < HINT_MIN_LENGTH) return "*".repeat(MASK_LENGTH);
  return `${text.slice(0, 4)}****${text.slice(-4)}`;
}

/** A URL's user info is mostly `user:password`, chosen by a person: no characters of it are shown. */
const maskUrlPart: UrlPartMask = (secret, part) => (part === "userinfo" ? "*".repeat(MASK_LENGTH) : maskSecret(secret));

/** How the secret stands: a whole value (by name or as a header value), or a URL whose parts are. */
export type SecretKind = "named" | "header" | "url";
export type SecretPath = ReadonlyArray<string | number>;
type Transform = (value: unknown, kind: SecretKind, path: SecretPath) => unknown;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Array.isArray narrows to any[]; this keeps the items unknown. */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Empty values are left alone so an unset env var stays visible as "". */
function isEmpty(value: unknown): boolean {
  return value === "" || value === null || value === undefined;
}

/** Keys named as header names inside a {name, value} header entry. */
const HEADER_NAME_FIELDS = new Set(["name", "key", "header"]);

// Object.fromEntries defines own properties, so a `__proto__` key stays data and never becomes a prototype.
function mapObject(value: Record<string, unknown>, transform: Transform, path: SecretPath): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, mapEntry(key, inner, transform, [...path, key])]),
  );
}

function mapEntry(key: string, value: unknown, transform: Transform, path: SecretPath): unknown {
  if (isEmpty(value)) return value;
  if (isSecretField(key)) return mapNamed(value, transform, path);
  if (isHeaderField(key)) return mapHeaders(value, transform, path);
  return mapPlain(value, transform, path);
}

/** A list of secrets (`api_keys: [...]`) is a secret per item; anything else is one secret as a whole. */
function mapNamed(value: unknown, transform: Transform, path: SecretPath): unknown {
  if (!isList(value)) return transform(value, "named", path);
  return value.map((item, index) => (isEmpty(item) ? item : mapNamed(item, transform, [...path, index])));
}

function mapPlain(value: unknown, transform: Transform, path: SecretPath): unknown {
  if (typeof value === "string") return hasUrlSecrets(value) ? transform(value, "url", path) : value;
  if (isList(value)) return value.map((item, index) => mapPlain(item, transform, [...path, index]));
  if (isPlainObject(value)) return mapObject(value, transform, path);
  return value;
}

function mapHeaders(value: unknown, transform: Transform, path: SecretPath): unknown {
  const header = (inner: unknown, at: SecretPath) => (isEmpty(inner) ? inner : transform(inner, "header", at));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, header(inner, [...path, name])]));
  }
  if (!isList(value)) return header(value, path);
  return value.map((entry, index) => {
    const at = [...path, index];
    if (isList(entry)) return entry.map((part, i) => (i === 0 ? part : header(part, [...at, i])));
    if (isPlainObject(entry)) {
      return Object.fromEntries(
        Object.entries(entry).map(([key, inner]) => [
          key,
          HEADER_NAME_FIELDS.has(key.toLowerCase()) ? inner : header(inner, [...at, key]),
        ]),
      );
    }
    return header(entry, at); // a raw `Name: value` line
  });
}

/** Applies `transform` to every secret in `params`, at any depth, and returns a copy; the rest is kept as it is. */
export function mapSecretValues(params: Record<string, unknown>, transform: Transform): Record<string, unknown> {
  return mapObject(params, transform, []);
}

function maskAt(value: unknown, kind: SecretKind): unknown {
  return kind === "url" && typeof value === "string" ? maskUrl(value, maskUrlPart) : maskSecret(value);
}

export function maskSecretParams(params: Record<string, unknown>): Record<string, unknown> {
  return mapSecretValues(params, maskAt);
}

function valueAt(root: unknown, path: SecretPath): unknown {
  let current = root;
  for (const step of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/**
 * Callers often send back what they read: where a secret arrives exactly as we masked it, keep the stored value
 * instead of storing the mask, at every position (a header value, a part of api_base, an item of a list).
 */
export function restoreMaskedSecrets(
  incoming: Record<string, unknown>,
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return mapSecretValues(incoming, (value, kind, path) => {
    const previous = valueAt(stored, path);
    if (isEmpty(previous)) return value;
    if (kind === "url") {
      return typeof value === "string" && typeof previous === "string"
        ? restoreUrl(value, previous, maskUrlPart)
        : value;
    }
    return value === maskSecret(previous) ? previous : value;
  });
}
