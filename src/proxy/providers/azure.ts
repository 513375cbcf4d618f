import {
  describeOpenAiError,
  requestHeaders,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  stringParam,
} from "../provider-adapter.js";
import type { Deployment } from "../../registry/deployment.js";
import { multipartRequest } from "../media/multipart.js";
import { openAiBody } from "./openai.js";

const DEFAULT_API_VERSION = "2024-10-21";
/** The Responses API came with the preview versions; a deployment that sets none gets one that has it. */
const DEFAULT_RESPONSES_API_VERSION = "2025-03-01-preview";
// Under a deployment. Azure has no moderation endpoint (its content filter is applied to every call), and the
// Messages operations reach it as chat completions (see src/proxy/messages/).
const PATHS: Partial<Record<ProxyOperation, string>> = {
  chat: "chat/completions",
  completions: "completions",
  embeddings: "embeddings",
  image_generation: "images/generations",
  audio_speech: "audio/speech",
  audio_transcription: "audio/transcriptions",
};

/**
 * The Responses API is not under a deployment: `/openai/responses?api-version=…` with the deployment in the body's
 * `model`, or, for `api_version: v1|latest|preview`, the v1 API's `/openai/v1/responses` (as LiteLLM addresses it).
 */
function responsesPath(deployment: Deployment): string {
  const version = stringParam(deployment, "api_version") ?? DEFAULT_RESPONSES_API_VERSION;
  if (version === "v1" || version === "latest") return "/openai/v1/responses";
  if (version === "preview") return "/openai/v1/responses?api-version=preview";
  return `/openai/responses?api-version=${encodeURIComponent(version)}`;
}

function pathOf(op: ProxyOperation, deployment: Deployment): string {
  if (op === "responses") return responsesPath(deployment);
  const path = PATHS[op];
  if (path === undefined) throw new Error(`azure adapter: no path for ${op}`);
  const version = encodeURIComponent(stringParam(deployment, "api_version") ?? DEFAULT_API_VERSION);
  const name = encodeURIComponent(deployment.upstreamModel);
  return `/openai/deployments/${name}/${path}?api-version=${version}`;
}

/** Azure OpenAI: the deployment name is in the URL, the version in the query, the key in `api-key`. */
export const azureAdapter: ProviderAdapter = {
  name: "azure",
  exceptionName: "AzureException",
  passthrough: true,
  supports: (op) => op === "responses" || PATHS[op] !== undefined,
  buildRequest(op, body, deployment) {
    const base = stringParam(deployment, "api_base");
    if (!base) throw new Error(`azure deployment ${deployment.id} has no api_base`);
    const url = joinUrl(base, pathOf(op, deployment));
    const headers = requestHeaders(deployment, (key) => ({ "api-key": key }));
    if (op === "audio_transcription") return multipartRequest(url, headers, body, deployment);
    return { url, headers, body: openAiBody(body, deployment) };
  },
  describeError: describeOpenAiError,
};
