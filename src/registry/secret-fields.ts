// Which litellm_params hold secrets. Used both to encrypt at rest and to mask in every response, so the two
// can never disagree about what a secret is.
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
  "credential",
  "credentials",
  "auth",
  "authorization",
  "private",
  "certificate",
]);

const SECRET_FRAGMENTS = ["secret", "password", "passwd", "credential"];

/** Matched on whole words (`max_tokens` is not a secret, `my_api_token` is); cost fields never are. */
export function isSecretField(name: string): boolean {
  const lower = name.toLowerCase();
  if (NAMED_SECRETS.has(lower)) return true;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[_\-.\s]+/);
  if (words.some((word) => word.includes("cost"))) return false;
  return words.some(
    (word) =>
      SECRET_WORDS.has(word) ||
      // Run-together names: apikey, accesstoken, clientsecret, dbpassword. `tokens` (max_tokens) stays a count.
      word.endsWith("key") ||
      word.endsWith("token") ||
      SECRET_FRAGMENTS.some((fragment) => word.includes(fragment)),
  );
}

/** `sk-1****cdef`: enough to recognise which key is set, never enough to use it. */
export function maskSecret(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  if (text.length <= 12) return "*".repeat(Math.max(text.length, 4));
  return `${text.slice(0, 4)}****${text.slice(-4)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Applies `transform` to the value of every secret-named key, at any depth (a secret header inside
 * `extra_headers` counts too). Empty values are left alone so an unset env var stays visible as "".
 */
export function mapSecretValues(
  params: Record<string, unknown>,
  transform: (value: unknown, key: string) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === "" || value === null || value === undefined) out[key] = value;
    else if (isSecretField(key)) out[key] = transform(value, key);
    else if (isPlainObject(value)) out[key] = mapSecretValues(value, transform);
    else out[key] = value;
  }
  return out;
}

export function maskSecretParams(params: Record<string, unknown>): Record<string, unknown> {
  return mapSecretValues(params, maskSecret);
}

/**
 * Callers often send back what they read: where a secret arrives exactly as we masked it, keep the stored
 * value instead of storing the mask (at any depth, e.g. a header inside `extra_headers`).
 */
export function restoreMaskedSecrets(
  incoming: Record<string, unknown>,
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(incoming)) {
    const previous = stored[key];
    if (isSecretField(key) && previous !== undefined && previous !== "" && value === maskSecret(previous)) {
      out[key] = previous;
    } else if (isPlainObject(value) && isPlainObject(previous)) {
      out[key] = restoreMaskedSecrets(value, previous);
    } else {
      out[key] = value;
    }
  }
  return out;
}
