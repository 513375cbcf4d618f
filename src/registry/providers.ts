// The one table of providers Switchboard can route to. The proxy layer attaches request/response adapters
// to these names; everything that validates a model string reads this table, so a model that cannot be
// routed is never accepted.
export const SUPPORTED_PROVIDERS = ["openai", "azure", "anthropic"] as const;
export type ProviderName = (typeof SUPPORTED_PROVIDERS)[number];

const supported = new Set<string>(SUPPORTED_PROVIDERS);

export function isSupportedProvider(name: string): name is ProviderName {
  return supported.has(name);
}

export interface ParsedModel {
  provider: string;
  /** The model name the upstream expects, without our provider prefix. */
  upstreamModel: string;
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
};

/** The first required param the deployment lacks, if any. */
export function missingRequiredParam(provider: ProviderName, params: Record<string, unknown>): string | undefined {
  return REQUIRED_PARAMS[provider]?.find((name) => params[name] === undefined || params[name] === null || params[name] === "");
}

export function unsupportedProviderMessage(provider: string): string {
  return `Unsupported provider "${provider}". Supported providers: ${SUPPORTED_PROVIDERS.join(", ")}`;
}
