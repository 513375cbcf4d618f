// LiteLLM-compatible model cost map: `model_info` fields (limits, per-token prices, capabilities) for a
// deployment, from bundled package data merged under an optional user file in LiteLLM's JSON format.
import { loadOverrides } from "./override-file.js";
import type { OverrideEntry } from "./override-file.js";
import { catalogModelIds, loadCatalog, packageEntry, splitProvider } from "./package-data.js";

export interface CostMapEntry {
  key: string;
  max_tokens?: number;
  max_input_tokens?: number;
  max_output_tokens?: number;
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  litellm_provider?: string;
  mode?: string;
  supports_function_calling?: boolean;
  supports_vision?: boolean;
  supports_reasoning?: boolean;
  [extra: string]: unknown;
}

export interface CostMap {
  /** First candidate with data wins. Results are cached per candidate list. */
  lookup(candidates: readonly string[]): CostMapEntry | undefined;
  /** USD cost of one call, or undefined when the model has no price. */
  costOf(
    entry: CostMapEntry | undefined,
    usage: { promptTokens: number; completionTokens: number },
  ): number | undefined;
  /** The LiteLLM provider of a bare model name (`gpt-4o` → openai), as LiteLLM infers it from its cost map. */
  providerOf(model: string): string | undefined;
  /** The models known for one LiteLLM provider (`anthropic` → claude-…), named as that provider's callers name them. */
  modelsOf(provider: string): readonly string[];
}

// Lookups are keyed by caller-supplied model names; the bound keeps a stream of distinct names from
// growing the cache without limit. Configured deployments number far fewer.
const MAX_CACHED_LOOKUPS = 10_000;

/**
 * Candidates in LiteLLM's order: model_info.base_model, then litellm_params.model as given (e.g. "openai/gpt-4o"),
 * then without its provider prefix ("gpt-4o"). Deduplicated, empty ones dropped.
 */
export function costLookupCandidates(litellmModel: string, baseModel?: string): string[] {
  const names = [baseModel, litellmModel, splitProvider(litellmModel).model].map((name) => name?.trim() ?? "");
  return [...new Set(names.filter((name) => name !== ""))];
}

/**
 * overridePath: optional path to a user JSON in LiteLLM's model_prices_and_context_window.json format
 * ({"model-name": {max_tokens, input_cost_per_token, ..., litellm_provider, mode}}); its entries override
 * (field by field, merged over) the package data for the same key. A missing/invalid file throws an Error with a
 * clear message naming the path (the app reports it at start).
 */
export async function createCostMap(options: { overridePath?: string } = {}): Promise<CostMap> {
  const { overridePath } = options;
  const overrides = overridePath === undefined ? new Map<string, OverrideEntry>() : await loadOverrides(overridePath);
  const catalog = await loadCatalog();
  const cache = new Map<string, CostMapEntry | undefined>();

  const resolve = (candidates: readonly string[]): CostMapEntry | undefined => {
    for (const key of candidates) {
      const entry = mergeEntry(key, packageEntry(key, catalog, new Date()), overrides.get(key));
      if (entry) return entry;
    }
    return undefined;
  };

  const lookup = (candidates: readonly string[]): CostMapEntry | undefined => {
    // NUL cannot occur in a model name, so joined lists never collide.
    const cacheKey = candidates.join("\u0000");
    if (cache.has(cacheKey)) return cache.get(cacheKey);
    const entry = resolve(candidates);
    if (cache.size >= MAX_CACHED_LOOKUPS) cache.delete(cache.keys().next().value ?? "");
    cache.set(cacheKey, entry);
    return entry;
  };

  const modelsByProvider = new Map<string, string[]>();
  return {
    lookup,
    costOf,
    providerOf(model) {
      const provider = lookup([model])?.litellm_provider;
      // LiteLLM's cost map files bare Gemini names under "vertex_ai-language-models" and the like; its provider
      // inference answers vertex_ai for them.
      return provider?.startsWith("vertex_ai") ? "vertex_ai" : provider;
    },
    modelsOf(provider) {
      // Listings ask once per wildcard deployment on every call; the catalog and overrides never change after start.
      let models = modelsByProvider.get(provider);
      if (!models) {
        const fromFile = [...overrides].filter(([, entry]) => entry.litellm_provider === provider).map(([key]) => key);
        models = [...new Set([...catalogModelIds(catalog, provider), ...fromFile])];
        modelsByProvider.set(provider, models);
      }
      return models;
    },
  };
}

function mergeEntry(
  key: string,
  fromPackages: Omit<CostMapEntry, "key"> | undefined,
  override: OverrideEntry | undefined,
): CostMapEntry | undefined {
  if (!fromPackages && !override) return undefined;
  // Frozen because the same object is handed to every caller from the cache.
  return Object.freeze({ ...fromPackages, ...override, key });
}

/** More tokens than any model takes or writes in one call: a figure past it is an upstream's garbage, not usage. */
export const MAX_TOKENS_PER_CALL = 1e9;

const saneCount = (value: number) => Number.isSafeInteger(value) && value >= 0 && value < MAX_TOKENS_PER_CALL;

/** Usage figures an upstream sent are priced only when they are finite, non-negative integers below the bound. */
export function isSaneUsage(usage: { promptTokens: number; completionTokens: number }): boolean {
  return saneCount(usage.promptTokens) && saneCount(usage.completionTokens);
}

function costOf(
  entry: CostMapEntry | undefined,
  usage: { promptTokens: number; completionTokens: number },
): number | undefined {
  const input = entry?.input_cost_per_token;
  const output = entry?.output_cost_per_token;
  if ((input === undefined && output === undefined) || !isSaneUsage(usage)) return undefined;
  // A side without a price is free, as in LiteLLM (embeddings have no output price).
  const cost = (input ?? 0) * usage.promptTokens + (output ?? 0) * usage.completionTokens;
  return Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}
