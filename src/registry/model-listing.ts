import { accessGroupsOf, type Deployment } from "./deployment.js";
import type { ModelRegistry } from "./model-registry.js";
import { expandWildcardName, isWildcard } from "./model-pattern.js";

/** What a caller may reach; the keys module implements it (ModelAccess), passed in to keep the folders acyclic. */
export interface ListingAccess {
  allows(model: string): boolean;
  listsAccessGroup(name: string): boolean;
}

/** LiteLLM's `/v1/models` query flags (proxy_server.py `model_list`, auth/model_checks.py). */
export interface ListingOptions {
  /** List the wildcard routes themselves (`openai/*`) beside the models they expand to. */
  returnWildcardRoutes?: boolean;
  /** List access-group names (`model_info.access_groups`) as entries too. */
  includeAccessGroups?: boolean;
  /** Only access-group names; as in LiteLLM, these are only there when includeAccessGroups is set too. */
  onlyAccessGroups?: boolean;
}

export interface ListedModel {
  id: string;
  /** The deployments the name resolves to; [] for an access-group name. */
  deployments: readonly Deployment[];
  kind: "model" | "access_group" | "wildcard_route";
}

export interface ListingSources {
  registry: Pick<ModelRegistry, "all" | "groupNames" | "group" | "resolve">;
  /** Known model ids of one provider (the cost map's); what a `provider/*` deployment is listed as. */
  modelsOf(provider: string): readonly string[];
}

/**
 * The model names a caller sees, in LiteLLM's order: model groups, then access groups (when asked for), then what
 * each wildcard deployment expands to (`openai/*` → `openai/gpt-4o`, …). A wildcard route itself is listed only
 * with returnWildcardRoutes: LiteLLM lists it always (its issue #13752), which sends clients calling `openai/*`.
 * Every name is one the caller can call; each appears once.
 */
export function listModels(
  sources: ListingSources,
  access: ListingAccess,
  options: ListingOptions = {},
): ListedModel[] {
  const { registry } = sources;
  const groups = registry.groupNames();
  const accessGroups = options.includeAccessGroups
    ? accessGroupNames(registry.all()).filter((g) => access.listsAccessGroup(g))
    : [];
  const accessGroupEntries = accessGroups.map((id): ListedModel => ({ id, deployments: [], kind: "access_group" }));
  if (options.onlyAccessGroups) return accessGroupEntries;

  const listed: ListedModel[] = [];
  for (const name of groups) {
    if (!isWildcard(name) && access.allows(name))
      listed.push({ id: name, deployments: registry.group(name), kind: "model" });
  }
  listed.push(...accessGroupEntries);
  for (const wildcard of groups.filter(isWildcard)) {
    const members = registry.group(wildcard);
    if (options.returnWildcardRoutes && access.allows(wildcard))
      listed.push({ id: wildcard, deployments: members, kind: "wildcard_route" });
    for (const name of expandWildcard(wildcard, members, (provider) => sources.modelsOf(provider))) {
      const deployments = registry.resolve(name);
      if (deployments.length > 0 && access.allows(name)) listed.push({ id: name, deployments, kind: "model" });
    }
  }
  return uniqueById(listed);
}

/** The concrete names one wildcard group stands for, from the provider of each of its deployments. */
function expandWildcard(
  wildcard: string,
  members: readonly Deployment[],
  modelsOf: (provider: string) => readonly string[],
): string[] {
  return [...new Set(members.flatMap((d) => expandWildcardName(wildcard, modelsOf(d.provider))))];
}

function accessGroupNames(deployments: readonly Deployment[]): string[] {
  return [...new Set(deployments.flatMap(accessGroupsOf))];
}

function uniqueById(models: readonly ListedModel[]): ListedModel[] {
  const seen = new Set<string>();
  return models.filter((model) => !seen.has(model.id) && seen.add(model.id));
}
