import type { Deployment } from "../../registry/deployment.js";
import {
  describeOpenAiError,
  requestHeaders,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  stringParam,
} from "../provider-adapter.js";

const OPENAI_BASE = "https://api.openai.com/v1";
const PATHS: Record<ProxyOperation, string> = {
  chat: "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
};

/** Request body for OpenAI-compatible upstreams: the caller's body with our model name swapped for theirs. */
export function openAiBody(body: Record<string, unknown>, deployment: Deployment): string {
  return JSON.stringify({ ...body, model: deployment.upstreamModel });
}

/** OpenAI and every OpenAI-compatible server (vLLM, Ollama, LM Studio, ...) through `api_base`. */
export const openAiAdapter: ProviderAdapter = {
  name: "openai",
  passthrough: true,
  supports: () => true,
  buildRequest(op, body, deployment) {
    return {
      url: joinUrl(stringParam(deployment, "api_base") ?? OPENAI_BASE, PATHS[op]),
      headers: requestHeaders(deployment, (key) => ({ authorization: `Bearer ${key}` })),
      body: openAiBody(body, deployment),
    };
  },
  describeError: describeOpenAiError,
};
