// LiteLLM provider prefixes whose servers speak OpenAI's wire format: only the address and the key differ, so each is
// one line of data here and one generic adapter in proxy/providers/openai-compatible.ts. Defaults and variable names
// are LiteLLM's (`_get_openai_compatible_provider_info` and the providers' `*Config` classes).

/** The operations a provider serves besides chat completions, which all of them serve. */
export type ExtraOperation = "completions" | "embeddings";

export interface OpenAiCompatibleProvider {
  /** Where calls go when neither the deployment's `api_base` nor `apiBaseEnv` says otherwise; none: required. */
  apiBase?: string;
  /** The variable LiteLLM reads for the address when the deployment sets no `api_base`. */
  apiBaseEnv?: string;
  /** The variables LiteLLM reads for the key when the deployment sets no `api_key`, first set wins. */
  keyEnv: readonly string[];
  ops: readonly ExtraOperation[];
  /** The path the OpenAI-compatible API lives under on the server, added when `api_base` lacks it (Ollama's `/v1`). */
  apiPath?: string;
}

const ALL: readonly ExtraOperation[] = ["completions", "embeddings"];

// Self-hosted servers (vLLM, LM Studio, Ollama) default to their own default local address, so a deployment without
// api_base fails as "upstream unreachable" rather than as a configuration error at load.
export const OPENAI_COMPATIBLE_PROVIDERS = {
  groq: { apiBase: "https://api.groq.com/openai/v1", apiBaseEnv: "GROQ_API_BASE", keyEnv: ["GROQ_API_KEY"], ops: [] },
  mistral: {
    apiBase: "https://api.mistral.ai/v1",
    apiBaseEnv: "MISTRAL_API_BASE",
    keyEnv: ["MISTRAL_API_KEY"],
    ops: ["embeddings"],
  },
  deepseek: {
    apiBase: "https://api.deepseek.com/beta",
    apiBaseEnv: "DEEPSEEK_API_BASE",
    keyEnv: ["DEEPSEEK_API_KEY"],
    ops: ["completions"],
  },
  together_ai: {
    apiBase: "https://api.together.xyz/v1",
    apiBaseEnv: "TOGETHER_AI_API_BASE",
    keyEnv: ["TOGETHER_API_KEY", "TOGETHER_AI_API_KEY", "TOGETHERAI_API_KEY", "TOGETHER_AI_TOKEN"],
    ops: ALL,
  },
  fireworks_ai: {
    apiBase: "https://api.fireworks.ai/inference/v1",
    apiBaseEnv: "FIREWORKS_API_BASE",
    keyEnv: ["FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY", "FIREWORKSAI_API_KEY", "FIREWORKS_AI_TOKEN"],
    ops: ALL,
  },
  openrouter: {
    apiBase: "https://openrouter.ai/api/v1",
    apiBaseEnv: "OPENROUTER_API_BASE",
    keyEnv: ["OPENROUTER_API_KEY", "OR_API_KEY"],
    ops: ["completions"],
  },
  xai: { apiBase: "https://api.x.ai/v1", apiBaseEnv: "XAI_API_BASE", keyEnv: ["XAI_API_KEY"], ops: [] },
  perplexity: {
    apiBase: "https://api.perplexity.ai",
    apiBaseEnv: "PERPLEXITY_API_BASE",
    keyEnv: ["PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY"],
    ops: [],
  },
  deepinfra: {
    apiBase: "https://api.deepinfra.com/v1/openai",
    apiBaseEnv: "DEEPINFRA_API_BASE",
    keyEnv: ["DEEPINFRA_API_KEY"],
    ops: ALL,
  },
  cerebras: {
    apiBase: "https://api.cerebras.ai/v1",
    apiBaseEnv: "CEREBRAS_API_BASE",
    keyEnv: ["CEREBRAS_API_KEY"],
    ops: [],
  },
  nvidia_nim: {
    apiBase: "https://integrate.api.nvidia.com/v1",
    apiBaseEnv: "NVIDIA_NIM_API_BASE",
    keyEnv: ["NVIDIA_NIM_API_KEY"],
    ops: ALL,
  },
  hosted_vllm: {
    apiBase: "http://localhost:8000/v1",
    apiBaseEnv: "HOSTED_VLLM_API_BASE",
    keyEnv: ["HOSTED_VLLM_API_KEY"],
    ops: ALL,
  },
  lm_studio: {
    apiBase: "http://localhost:1234/v1",
    apiBaseEnv: "LM_STUDIO_API_BASE",
    keyEnv: ["LM_STUDIO_API_KEY"],
    ops: ALL,
  },
  ollama: {
    apiBase: "http://localhost:11434",
    apiBaseEnv: "OLLAMA_API_BASE",
    keyEnv: ["OLLAMA_API_KEY"],
    ops: ALL,
    apiPath: "/v1",
  },
  ollama_chat: {
    apiBase: "http://localhost:11434",
    apiBaseEnv: "OLLAMA_API_BASE",
    keyEnv: ["OLLAMA_API_KEY"],
    ops: ALL,
    apiPath: "/v1",
  },
  // No default address: LiteLLM requires api_base for these (see REQUIRED_PARAMS in providers.ts).
  // openai_like reads no key variable: an OpenAI key must not reach an arbitrary server unasked. custom_openai shares
  // LiteLLM's OpenAI code path and, as there, falls back to OPENAI_API_KEY.
  openai_like: { keyEnv: [], ops: ALL },
  custom_openai: { keyEnv: ["OPENAI_API_KEY"], ops: ALL },
} as const satisfies Record<string, OpenAiCompatibleProvider>;

export type OpenAiCompatibleName = keyof typeof OPENAI_COMPATIBLE_PROVIDERS;

export const OPENAI_COMPATIBLE_NAMES = Object.keys(OPENAI_COMPATIBLE_PROVIDERS) as OpenAiCompatibleName[];
