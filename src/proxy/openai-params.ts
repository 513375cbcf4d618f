// OpenAI's chat-completion parameters, as LiteLLM lists them. A provider that is not OpenAI-compatible names the ones
// it can express; the rest are refused (LiteLLM's UnsupportedParamsError) unless the caller or the config says
// `drop_params: true`. Fields outside this list are provider-specific and are the provider's to judge.
const OPENAI_CHAT_PARAMS: readonly string[] = [
  "functions",
  "function_call",
  "temperature",
  "top_p",
  "n",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "modalities",
  "prediction",
  "audio",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "user",
  "response_format",
  "seed",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "web_search_options",
  "service_tier",
  "store",
  "safety_identifier",
  "verbosity",
  "prompt_cache_key",
];

/** The OpenAI parameters in `body` (set, not null) that a provider supporting only `supported` cannot express. */
export function unsupportedOpenAiParams(
  body: Readonly<Record<string, unknown>>,
  supported: ReadonlySet<string>,
): string[] {
  const found: string[] = [];
  for (const name of OPENAI_CHAT_PARAMS) {
    if (!supported.has(name) && body[name] !== undefined && body[name] !== null) found.push(name);
  }
  return found;
}
