import type { Deployment } from "../../registry/deployment.js";
import {
  describeOpenAiError,
  droppedParamsOf,
  requestHeaders,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  stringParam,
} from "../provider-adapter.js";
import { multipartRequest } from "../media/multipart.js";

const OPENAI_BASE = "https://api.openai.com/v1";
// The Messages operations reach OpenAI-compatible servers as chat completions (see src/proxy/messages/).
/** OpenAI's paths under its base URL; OpenAI-compatible providers use the same ones (those their table row offers). */
export const OPENAI_PATHS: Partial<Record<ProxyOperation, string>> = {
  chat: "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
  responses: "/responses",
  image_generation: "/images/generations",
  audio_speech: "/audio/speech",
  audio_transcription: "/audio/transcriptions",
  moderation: "/moderations",
};

/** Request body for OpenAI-compatible upstreams: the caller's body with our model name swapped for theirs. */
export function openAiBody(body: Record<string, unknown>, deployment: Deployment): string {
  const out: Record<string, unknown> = { ...body, model: deployment.upstreamModel };
  const dropped = droppedParamsOf(deployment);
  if (dropped) for (const name of dropped) delete out[name];
  return JSON.stringify(out);
}

/** OpenAI and every OpenAI-compatible server (vLLM, Ollama, LM Studio, ...) through `api_base`. */
export const openAiAdapter: ProviderAdapter = {
  name: "openai",
  exceptionName: "OpenAIException",
  passthrough: true,
  supports: (op) => OPENAI_PATHS[op] !== undefined,
  buildRequest(op, body, deployment) {
    const path = OPENAI_PATHS[op];
    if (path === undefined) throw new Error(`openai adapter: no path for ${op}`);
    const url = joinUrl(stringParam(deployment, "api_base") ?? OPENAI_BASE, path);
    const headers = requestHeaders(deployment, (key) => ({ authorization: `Bearer ${key}` }));
    if (op === "audio_transcription") return multipartRequest(url, headers, body, deployment);
    return { url, headers, body: openAiBody(body, deployment) };
  },
  describeError: describeOpenAiError,
};
