import { LITELLM_PROVIDERS } from "./litellm-providers.js";
import { OPENAI_COMPATIBLE_NAMES, type OpenAiCompatibleName } from "./openai-compatible-providers.js";

// Two tables decide what a deployment's provider means. SUPPORTED_PROVIDERS are the ones Switchboard can call:
// the proxy attaches request/response adapters to exactly these names. LITELLM_PROVIDERS are every name LiteLLM
// knows: a deployment naming one of those that we cannot call is still loaded and listed (a LiteLLM config must
// start unchanged) but answers 400 when called. Any other name is a typo and is refused where it is written.
// Providers with an adapter of their own; OpenAI-compatible ones are a table (openai-compatible-providers.ts).
const OWN_ADAPTER_PROVIDERS = ["openai", "azure", "anthropic", "gemini", "bedrock"] as const;
export type ProviderName = (typeof OWN_ADAPTER_PROVIDERS)[number] | OpenAiCompatibleName;
export const SUPPORTED_PROVIDERS: readonly ProviderName[] = [...OWN_ADAPTER_PROVIDERS, ...OPENAI_COMPATIBLE_NAMES];

const supported = new Set<string>(SUPPORTED_PROVIDERS);
const known = new Set<string>(LITELLM_PROVIDERS);

/** A provider Switchboard can call (has an adapter for). */
export function isSupportedProvider(name: string): name is ProviderName {
  return supported.has(name);
}

/** A provider name LiteLLM knows, callable here or not. */
export function isLiteLlmProvider(name: string): boolean {
  return known.has(name);
}

export interface ParsedModel {
  provider: string;
  /** The model name the upstream expects, without our provider prefix. */
  upstreamModel: string;
}

/** `custom_llm_provider` when set (it wins over the prefix, as in LiteLLM), else the prefix of `model`. */
function customProviderOf(params: Readonly<Record<string, unknown>>): string | undefined {
  const custom = params.custom_llm_provider;
  return typeof custom === "string" && custom !== "" ? custom : undefined;
}

/**
 * "openai/gpt-4o" → openai + gpt-4o; "gpt-4o" → openai (LiteLLM's default); an explicit
 * `custom_llm_provider` wins over the prefix, as in LiteLLM.
 */
export function parseModelString(model: string, customProvider?: unknown): ParsedModel {
  if (typeof customProvider === "string" && customProvider !== "") {
    const prefix = `${customProvider}/`;
    return {
      provider: customProvider,
      upstreamModel: model.startsWith(prefix) ? model.slice(prefix.length) : model,
    };
  }
  const slash = model.indexOf("/");
  if (slash <= 0) return { provider: "openai", upstreamModel: model };
  return { provider: model.slice(0, slash), upstreamModel: model.slice(slash + 1) };
}

/** Params a provider cannot be called without; checked when a deployment is written or loaded. */
const REQUIRED_PARAMS: Partial<Record<ProviderName, readonly string[]>> = {
  azure: ["api_base"],
  openai_like: ["api_base"],
  custom_openai: ["api_base"],
};

/** The first required param the deployment lacks, if any. */
function missingRequiredParam(provider: ProviderName, params: Record<string, unknown>): string | undefined {
  return REQUIRED_PARAMS[provider]?.find(
    (name) => params[name] === undefined || params[name] === null || params[name] === "",
  );
}

/**
 * Edit distance where swapping two neighbours counts once (optimal string alignment): "opnai" → "openai" is 1,
 * "antrhopic" → "anthropic" is 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The LiteLLM provider a mistyped name most likely meant, compared case-insensitively; undefined when nothing
 * is close enough to be a typo (a third of the name's length, at least 1), so "madeup" gets no wild guess.
 */
export function closestLiteLlmProvider(name: string): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of LITELLM_PROVIDERS) {
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const tolerance = Math.max(1, Math.floor(Math.max(wanted.length, best?.length ?? 0) / 3));
  return bestDistance <= tolerance ? best : undefined;
}

/** What is wrong with a deployment's provider, naming the litellm_params field it came from. */
export type ProviderProblem =
  | { kind: "unknown_provider"; field: "model" | "custom_llm_provider"; provider: string; message: string }
  | { kind: "missing_param"; field: string; provider: ProviderName };

/**
 * Checks done wherever a deployment is written or loaded: a provider LiteLLM does not know is refused with a
 * suggestion; a callable provider must have its required params. A LiteLLM provider we cannot call passes:
 * it is stored and listed, and only a call to it fails.
 */
export function providerProblem(params: Readonly<Record<string, unknown>>): ProviderProblem | undefined {
  const model = typeof params.model === "string" ? params.model : "";
  const custom = customProviderOf(params);
  const { provider } = parseModelString(model, custom);
  if (isSupportedProvider(provider)) {
    const missing = missingRequiredParam(provider, params);
    return missing ? { kind: "missing_param", field: missing, provider } : undefined;
  }
  if (isLiteLlmProvider(provider)) return undefined;
  const field = custom === undefined ? "model" : "custom_llm_provider";
  const where = field === "model" ? `model "${model}"` : "custom_llm_provider";
  return { kind: "unknown_provider", field, provider, message: unknownProviderMessage(provider, where) };
}

function unknownProviderMessage(provider: string, where: string): string {
  const suggestion = closestLiteLlmProvider(provider);
  const hint = suggestion
    ? `Did you mean "${suggestion}"?`
    : "See https://docs.litellm.ai/docs/providers for the provider names LiteLLM uses.";
  return `Unsupported provider "${provider}" in ${where}: it is not a LiteLLM provider. ${hint}`;
}

/** Why a deployment of a LiteLLM provider without an adapter here cannot be called; undefined when it can. */
export function notCallableReason(provider: string): string | undefined {
  if (isSupportedProvider(provider)) return undefined;
  return `Switchboard cannot call provider "${provider}" yet (callable providers: ${SUPPORTED_PROVIDERS.join(", ")})`;
}

/** The 400 a call to such a deployment answers: names the model group, the deployment's model and its provider. */
export function notCallableMessage(deployment: {
  modelName: string;
  provider: string;
  litellmParams: Readonly<Record<string, unknown>>;
}): string {
  const model =
    typeof deployment.litellmParams.model === "string" ? deployment.litellmParams.model : deployment.provider;
  return `Model '${deployment.modelName}' (${model}) cannot be called: ${notCallableReason(deployment.provider) ?? "its provider has no adapter"}`;
}
