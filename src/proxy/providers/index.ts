import type { ProviderName } from "../../registry/providers.js";
import type { ProviderAdapter } from "../provider-adapter.js";
import { anthropicAdapter } from "./anthropic.js";
import { azureAdapter } from "./azure.js";
import { createBedrockAdapter } from "./bedrock.js";
import { createGeminiAdapter } from "./gemini.js";
import { createOpenAiCompatibleAdapters, type ProviderEnv } from "./openai-compatible.js";
import { openAiAdapter } from "./openai.js";
import { withResponsesViaChat } from "../responses/via-chat.js";

/**
 * Keyed by the registry's provider table, so a provider added there without an adapter fails to compile. `env` is
 * where a deployment without api_key / api_base finds its provider's variables (GROQ_API_KEY, ...): read on each
 * call, as LiteLLM reads them.
 */
export function createProviderAdapters(env: ProviderEnv): Record<ProviderName, ProviderAdapter> {
  return {
    openai: openAiAdapter,
    azure: azureAdapter,
    anthropic: withResponsesViaChat(anthropicAdapter),
    gemini: withResponsesViaChat(createGeminiAdapter(env)),
    bedrock: withResponsesViaChat(createBedrockAdapter(() => env)),
    ...createOpenAiCompatibleAdapters(env),
  };
}

// The live process environment, looked up at call time (nothing is read here): tests build their own table with
// createProviderAdapters and an env of their choosing.
export const providerAdapters = createProviderAdapters(process.env);
