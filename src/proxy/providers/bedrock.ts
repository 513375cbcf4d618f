import { streamIdentity, textStreamTranslator } from "./translated-stream.js";
import type { Deployment } from "../../registry/deployment.js";
import { unsupportedOpenAiParams } from "../openai-params.js";
import {
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  requestHeaders,
  stringParam,
} from "../provider-adapter.js";
import {
  type AwsEnvironment,
  awsCredentialsOf,
  awsRegionOf,
  bedrockEndpointOf,
  signBedrockRequest,
} from "./bedrock-auth.js";
import { fromTitanResponse, toTitanRequest } from "./bedrock-embeddings.js";
import { decodeEventStream } from "./bedrock-eventstream.js";
import { fromBedrockError, fromConverseResponse } from "./bedrock-response.js";
import { createConverseStreamTranslator } from "./bedrock-stream.js";
import { toConverseRequest } from "./bedrock-translate.js";

// What toConverseRequest translates; other OpenAI parameters have no Converse counterpart here.
const SUPPORTED_PARAMS = new Set([
  "temperature",
  "top_p",
  "top_k",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "tools",
  "tool_choice",
  // An end-user id for the caller's own records: Converse has no field for it, so it is accepted and not sent.
  "user",
]);

/** `bedrock/converse/<id>` is LiteLLM's explicit form of the same route; the id is what Bedrock names. */
function modelIdOf(deployment: Deployment): string {
  const id = deployment.upstreamModel;
  return id.startsWith("converse/") ? id.slice("converse/".length) : id;
}

/** The id is one path segment: `:` (in every versioned id) and `/` (in ARNs) are percent-encoded. */
function pathOf(deployment: Deployment, action: "converse" | "converse-stream" | "invoke"): string {
  return `/model/${encodeURIComponent(modelIdOf(deployment))}/${action}`;
}

/** Chat goes to Converse (or ConverseStream), embeddings to InvokeModel with Titan's body. */
function routeOf(op: ProxyOperation, body: Record<string, unknown>, deployment: Deployment) {
  if (op === "embeddings") {
    return { action: "invoke" as const, json: JSON.stringify(toTitanRequest(modelIdOf(deployment), body)) };
  }
  const action = body.stream === true ? ("converse-stream" as const) : ("converse" as const);
  return { action, json: JSON.stringify(toConverseRequest(body)) };
}

/**
 * Bedrock's Converse and ConverseStream APIs behind OpenAI's chat completions (and Titan text embeddings behind
 * OpenAI's embeddings), signed with SigV4. `env` is where credentials and region come from when the deployment sets
 * none (read on each call, as LiteLLM reads os.environ). A deployment with an `api_key` sends it as a Bedrock API key
 * (bearer token) instead of signing.
 */
export function createBedrockAdapter(env: () => AwsEnvironment): ProviderAdapter {
  return {
    name: "bedrock",
    exceptionName: "BedrockException",
    passthrough: false,
    supports: (op) => op === "chat" || op === "embeddings",
    buildRequest(op, body, deployment) {
      const { action, json } = routeOf(op, body, deployment);
      const environment = env();
      const region = awsRegionOf(deployment, environment);
      const url = joinUrl(bedrockEndpointOf(deployment, environment, region), pathOf(deployment, action));
      const headers = requestHeaders(deployment, (key) => ({ authorization: `Bearer ${key}` }));
      const credentials = stringParam(deployment, "api_key") ? undefined : awsCredentialsOf(deployment, environment);
      // Without credentials the call goes unsigned, and Bedrock's own 403 says what is missing.
      if (credentials === undefined) return { url, headers, body: json };
      return { url, headers: signBedrockRequest({ url, headers, body: json, region, credentials }), body: json };
    },
    transformResponse: (op, json, model, body) =>
      op === "embeddings" ? fromTitanResponse(json, model, body) : fromConverseResponse(json, model),
    createStreamTranslator: (model, includeUsage) =>
      textStreamTranslator(createConverseStreamTranslator({ model, ...streamIdentity(), includeUsage })),
    decodeStream: decodeEventStream,
    describeError: fromBedrockError,
    // The list is chat's: an embeddings call's OpenAI fields (input, dimensions, encoding_format, user) all map.
    unsupportedParams: (op, body) => (op === "chat" ? unsupportedOpenAiParams(body, SUPPORTED_PARAMS) : []),
  };
}
