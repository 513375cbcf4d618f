import type { ModelRegistry } from "../registry/model-registry.js";
import type { VirtualKey } from "./virtual-key.js";

export const ALL_PROXY_MODELS = "all-proxy-models";

/** Which model groups a caller may reach; the master key (no key record) reaches all. */
export interface ModelAccess {
  allows(group: string): boolean;
}

export const fullAccess: ModelAccess = { allows: () => true };

function accessGroupsOf(modelInfo: Readonly<Record<string, unknown>>): unknown[] {
  return Array.isArray(modelInfo.access_groups) ? modelInfo.access_groups : [];
}

/**
 * LiteLLM's rules: an empty list or `all-proxy-models` reaches everything; otherwise a group is reachable when
 * its name is listed, or when any of its deployments carries a listed `model_info.access_groups` entry.
 */
export function keyAccess(key: VirtualKey, registry: ModelRegistry): ModelAccess {
  if (key.models.length === 0 || key.models.includes(ALL_PROXY_MODELS)) return fullAccess;
  const listed = new Set(key.models);
  return {
    allows: (group) =>
      listed.has(group) ||
      registry.group(group).some((d) => accessGroupsOf(d.modelInfo).some((name) => typeof name === "string" && listed.has(name))),
  };
}
