import { isSecretField } from "../../src/registry/secret-fields.js";

// Suite-wide watch for secrets in responses. Every response body any replica of a test file sends is kept here, and
// every secret a test hands to a replica is registered; test/helpers/no-secret-leaks.ts checks them after each file.

/** Every response body any replica in this test file sent. */
export const capturedBodies: string[] = [];

const secrets = new Set<string>();

/** Short values would match by accident, and masked ones (`sk-1****cdef`) are meant to be shown. */
function remember(value: unknown): void {
  if (typeof value === "string" && value.length >= 12 && !value.includes("****")) secrets.add(value);
}

/** Environment values of *_KEY variables (master key, salt, provider keys behind os.environ/ refs). */
export function registerEnvSecrets(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) if (/KEY$/.test(name)) remember(value);
}

/** Every string inside a value (a secret given as JSON credentials holds several). */
function rememberAll(value: unknown): void {
  if (typeof value === "string") remember(value);
  else if (value && typeof value === "object") for (const inner of Object.values(value)) rememberAll(inner);
}

/**
 * A URL's password and query values. Parsed with WHATWG URL on purpose: the replica parses by hand, and the watch
 * must not share its mistakes.
 */
function rememberUrlSecrets(text: string): void {
  if (!text.includes("://")) return;
  try {
    const url = new URL(text);
    remember(decodeURIComponent(url.password));
    for (const [, value] of url.searchParams) remember(value);
  } catch {
    // not a URL
  }
}

/** Header values in every form the replica takes: {Name: value}, [[name, value]], [{name, value}]. */
function rememberHeaderValues(value: unknown): void {
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (Array.isArray(entry)) entry.slice(1).forEach(rememberAll);
      else if (entry && typeof entry === "object") rememberAll((entry as { value?: unknown }).value);
      else rememberAll(entry);
    }
  } else if (value && typeof value === "object") {
    Object.values(value).forEach(rememberAll);
  } else {
    rememberAll(value);
  }
}

/**
 * Secrets inside a request body's `litellm_params`, at any depth: secret-named values, every header value, and the
 * password and query values of any URL.
 */
export function registerBodySecrets(body: unknown): void {
  const params = (body as { litellm_params?: unknown } | null)?.litellm_params;
  const walk = (value: unknown) => {
    if (typeof value === "string") rememberUrlSecrets(value);
    if (!value || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (isSecretField(key)) rememberAll(inner);
      else if (/headers?$/i.test(key)) rememberHeaderValues(inner);
      else walk(inner);
    }
  };
  walk(params);
}

export function leakedSecrets(): Array<{ secret: string; bodies: number }> {
  return [...secrets]
    .map((secret) => ({
      secret: `${secret.slice(0, 6)}…`,
      bodies: capturedBodies.filter((body) => body.includes(secret)).length,
    }))
    .filter((leak) => leak.bodies > 0);
}
