import { accessGroupsOf } from "../registry/deployment.js";
import type { ModelRegistry } from "../registry/model-registry.js";
import { allowPatternRegExp, isWildcard } from "../registry/model-pattern.js";
import type { VirtualKey } from "./virtual-key.js";

export const ALL_PROXY_MODELS = "all-proxy-models";

/** Which models a caller may reach; the master key (no key record) reaches all. */
export interface ModelAccess {
  /** A model name as requested: a group, or a name a wildcard deployment serves. */
  allows(model: string): boolean;
  /** Whether an access-group name (`model_info.access_groups`) is the caller's to list. */
  listsAccessGroup(name: string): boolean;
}

export const fullAccess: ModelAccess = { allows: () => true, listsAccessGroup: () => true };

/**
 * LiteLLM's rules (auth_checks.py `_can_object_call_model`): an empty list, `all-proxy-models` or `*` reaches
 * everything; otherwise a model is reachable when its name is listed, when a deployment serving it carries a listed
 * `model_info.access_groups` entry, or when a listed pattern (`openai/*`, `bedrock/anthropic.*`) matches the name,
 * or matches it qualified with its provider (`gpt-4o` as `openai/gpt-4o`).
 */
export function keyAccess(
  key: VirtualKey,
  registry: Pick<ModelRegistry, "resolve" | "providerQualified">,
): ModelAccess {
  if (key.models.length === 0 || key.models.includes(ALL_PROXY_MODELS) || key.models.includes("*")) return fullAccess;
  const listed = new Set(key.models);
  // Compiled once per key: access is checked on every call and for every name a listing shows.
  const patterns = key.models.filter(isWildcard).map(allowPatternRegExp);
  const matchesPattern = (model: string) => {
    if (patterns.length === 0) return false;
    if (patterns.some((pattern) => pattern.test(model))) return true;
    const qualified = registry.providerQualified(model);
    return qualified !== undefined && patterns.some((pattern) => pattern.test(qualified));
  };
  return {
    allows: (model) =>
      listed.has(model) ||
      registry.resolve(model).some((d) => accessGroupsOf(d).some((name) => listed.has(name))) ||
      matchesPattern(model),
    listsAccessGroup: (name) => listed.has(name),
  };
}
