import { streamIdentity, textStreamTranslator } from "./translated-stream.js";
import type { Deployment } from "../../registry/deployment.js";
import { unsupportedOpenAiParams } from "../openai-params.js";
import { joinUrl, type ProviderAdapter, type ProxyOperation, stringParam } from "../provider-adapter.js";
import { embeddingInputsOf, toGeminiEmbedRequest, toGeminiRequest } from "./gemini-request.js";
import { fromGeminiEmbeddings, fromGeminiError, fromGeminiResponse } from "./gemini-response.js";
import { createGeminiStreamTranslator } from "./gemini-stream.js";
import { keyedHeaders, type ProviderEnv, withoutEnvKeys } from "./openai-compatible.js";

// What toGeminiRequest translates; other OpenAI chat parameters have no Gemini counterpart here.
const SUPPORTED_PARAMS = new Set([
  "temperature",
  "top_p",
  "n",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "response_format",
  "seed",
  "tools",
  "tool_choice",
  "reasoning_effort",
  "user",
  // Accepted and left to Gemini, which decides itself whether to call several functions in one turn.
  "parallel_tool_calls",
]);

const GEMINI_BASE = "https://generativelanguage.googleapis.com";
const API_VERSION = "/v1beta";
const KEY_ENV = ["GEMINI_API_KEY"];

/** The API root: the deployment's api_base (Google's by default), with `/v1beta` unless it names a version itself. */
function apiRoot(deployment: Deployment): string {
  const base = stringParam(deployment, "api_base") ?? GEMINI_BASE;
  const path = (base.split("?")[0] ?? "").replace(/\/+$/, "");
  return /\/v1(beta|alpha)?\d*$/.test(path) ? base : joinUrl(base, API_VERSION);
}

function methodPath(op: ProxyOperation, stream: boolean, model: string): string {
  const name = `/models/${encodeURIComponent(model)}`;
  if (op === "embeddings") return `${name}:batchEmbedContents`;
  return stream ? `${name}:streamGenerateContent?alt=sse` : `${name}:generateContent`;
}

/** Token-id inputs (numbers, or lists of them) cannot be embedded by Gemini, which takes text only. */
function textOnlyInput(input: unknown): boolean {
  if (typeof input === "string") return true;
  return Array.isArray(input) && input.every((item) => typeof item === "string");
}

/**
 * Google AI Studio's Gemini API (`gemini/<model>`) behind chat completions and embeddings, both ways, streaming
 * included. The key goes in `x-goog-api-key`: the deployment's api_key, else GEMINI_API_KEY.
 */
export function createGeminiAdapter(env: ProviderEnv): ProviderAdapter {
  return {
    name: "gemini",
    exceptionName: "GeminiException",
    passthrough: false,
    supports: (op) => op === "chat" || op === "embeddings",
    buildRequest(op, body, deployment) {
      const payload =
        op === "embeddings" ? toGeminiEmbedRequest(body, deployment.upstreamModel) : toGeminiRequest(body);
      return {
        url: joinUrl(apiRoot(deployment), methodPath(op, body.stream === true, deployment.upstreamModel)),
        headers: keyedHeaders(deployment, env, KEY_ENV, (key) => ({ "x-goog-api-key": key })),
        body: JSON.stringify(payload),
      };
    },
    transformResponse(op, json, model, body) {
      if (op !== "embeddings") return fromGeminiResponse(json, model);
      const request = { inputs: embeddingInputsOf(body.input), base64: body.encoding_format === "base64" };
      return fromGeminiEmbeddings(json, model, request);
    },
    createStreamTranslator(model, includeUsage) {
      const translator = createGeminiStreamTranslator({ model, ...streamIdentity(), includeUsage });
      return textStreamTranslator({ push: (_event, data) => translator.push(data), usage: () => translator.usage() });
    },
    describeError: (status, body) => withoutEnvKeys(fromGeminiError(status, body), env, KEY_ENV),
    unsupportedParams(op, body) {
      if (op === "embeddings") return textOnlyInput(body.input) ? [] : ["input"];
      return unsupportedOpenAiParams(body, SUPPORTED_PARAMS);
    },
  };
}
