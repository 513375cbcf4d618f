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

/** Secret-named values inside a request body's `litellm_params`, at any depth. */
export function registerBodySecrets(body: unknown): void {
  const params = (body as { litellm_params?: unknown } | null)?.litellm_params;
  const walk = (value: unknown) => {
    if (!value || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (isSecretField(key)) remember(inner);
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
