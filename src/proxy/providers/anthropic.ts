import { streamIdentity, textStreamTranslator } from "./translated-stream.js";
import { unsupportedOpenAiParams } from "../openai-params.js";
import { joinUrl, type ProviderAdapter, requestHeaders, stringParam } from "../provider-adapter.js";
import {
  createAnthropicStreamTranslator,
  fromAnthropicError,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "./anthropic-translate.js";

// What toAnthropicRequest translates; other OpenAI parameters have no Anthropic counterpart here.
const SUPPORTED_PARAMS = new Set([
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "user",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning_effort",
  "thinking",
]);

export const ANTHROPIC_BASE = "https://api.anthropic.com";
export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic's Messages API behind OpenAI's chat completions, both ways, streaming included. */
export const anthropicAdapter: ProviderAdapter = {
  name: "anthropic",
  exceptionName: "AnthropicException",
  passthrough: false,
  supports: (op) => op === "chat",
  buildRequest(_op, body, deployment) {
    return {
      url: joinUrl(stringParam(deployment, "api_base") ?? ANTHROPIC_BASE, "/v1/messages"),
      headers: requestHeaders(deployment, (key) => ({ "x-api-key": key }), {
        "anthropic-version": stringParam(deployment, "api_version") ?? ANTHROPIC_VERSION,
      }),
      body: JSON.stringify(toAnthropicRequest(body, deployment.upstreamModel)),
    };
  },
  transformResponse: (_op, json, model) => fromAnthropicResponse(json, model),
  createStreamTranslator: (model, includeUsage) =>
    textStreamTranslator(createAnthropicStreamTranslator({ model, ...streamIdentity(), includeUsage })),
  describeError: fromAnthropicError,
  unsupportedParams: (_op, body) => unsupportedOpenAiParams(body, SUPPORTED_PARAMS),
};
