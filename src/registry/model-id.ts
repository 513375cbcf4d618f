import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth, so equal content always hashes the same. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Id of a config model without `model_info.id`. Hashed over the params as written in config.yaml (env refs
 * unresolved), so every replica derives the same id and rotating a secret does not change it — unlike
 * LiteLLM, whose ids change with the resolved secret.
 */
export function configModelId(modelName: string, unresolvedLitellmParams: Record<string, unknown>): string {
  return createHash("sha256")
    .update(stableStringify({ model_name: modelName, litellm_params: unresolvedLitellmParams }))
    .digest("hex");
}
