import type { ProviderName } from "../../registry/providers.js";
import type { ProviderAdapter } from "../provider-adapter.js";
import { anthropicAdapter } from "./anthropic.js";
import { azureAdapter } from "./azure.js";
import { openAiAdapter } from "./openai.js";
import { withResponsesViaChat } from "../responses/via-chat.js";

/** Keyed by the registry's provider table, so a provider added there without an adapter fails to compile. */
export const providerAdapters: Record<ProviderName, ProviderAdapter> = {
  openai: openAiAdapter,
  azure: azureAdapter,
  anthropic: withResponsesViaChat(anthropicAdapter),
};
