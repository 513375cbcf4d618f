import type { MissingEnvRef } from "../registry/deployment.js";

// LiteLLM's `os.environ/NAME` indirection: secrets stay out of config.yaml and are read at load.
const ENV_REF_PREFIX = "os.environ/";

export function envRefName(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith(ENV_REF_PREFIX)) return undefined;
  const name = value.slice(ENV_REF_PREFIX.length).trim();
  return name === "" ? undefined : name;
}

/**
 * Resolves every `os.environ/NAME` string inside a JSON-like value. An unset variable becomes "" and is
 * reported, so the model still loads and the failure surfaces when it is called.
 */
export function resolveEnvRefs<T>(value: T, env: NodeJS.ProcessEnv, field: string, missing: MissingEnvRef[]): T {
  const name = envRefName(value);
  if (name !== undefined) {
    const resolved = env[name];
    if (resolved === undefined || resolved === "") missing.push({ field, variable: name });
    return (resolved ?? "") as T;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => resolveEnvRefs(item, env, `${field}[${i}]`, missing)) as T;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = resolveEnvRefs(inner, env, `${field}.${key}`, missing);
    return out as T;
  }
  return value;
}
