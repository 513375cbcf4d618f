import { z } from "zod";
import { nameSchema } from "../../config/names.js";
import type { OpenAiChatChunk, OpenAiChatCompletion } from "../../proxy/providers/anthropic-response.js";
import type { ProxyOperation } from "../../proxy/provider-adapter.js";
import type { ErrorStatus } from "../openapi/error-schema.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute, type RouteDefinition } from "../route.js";
import { admitCall, type InferenceBody, type ProxyCallDeps, serveCall } from "./proxy-call.js";

// Bounded and free of control characters: a caller's model name is echoed in errors and written to the log.
const model = nameSchema;
// LiteLLM's clients send explicit nulls for what they do not set.
const stream = z.boolean().nullish();
const textOrList = z.union([z.string(), z.array(z.unknown()).min(1)]);

// Only what routing needs is checked here; everything else is the upstream's to judge, as with OpenAI.
export const chatRequestSchema = z.looseObject({ model, messages: z.array(z.unknown()).min(1), stream });
export const completionRequestSchema = z.looseObject({ model, prompt: textOrList, stream });
export const embeddingRequestSchema = z.looseObject({ model, input: textOrList });

// Upstream bodies are relayed as they come (Anthropic's are translated to OpenAI's shape), so these
// schemas name the top-level fields OpenAI's clients rely on and let everything else through.

const usageSchema = z.looseObject({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int().optional(),
  total_tokens: z.number().int(),
});

const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string().describe("The model name the caller sent"),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      message: z.looseObject({
        role: z.string(),
        content: z.string().nullable(),
        reasoning_content: z
          .string()
          .optional()
          .describe("anthropic/ models with extended thinking: the thinking text"),
        thinking_blocks: z
          .array(z.looseObject({ type: z.enum(["thinking", "redacted_thinking"]) }))
          .optional()
          .describe("anthropic/ models: the thinking blocks, to send back with this message in later turns"),
      }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageSchema.optional(),
});

const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      delta: z.looseObject({}),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});

const textCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.looseObject({ text: z.string(), index: z.number().int(), finish_reason: z.string().nullable() })),
  usage: usageSchema.optional(),
});

const embeddingsSchema = z.looseObject({
  object: z.literal("list"),
  data: z.array(
    z.looseObject({
      object: z.literal("embedding"),
      index: z.number().int(),
      embedding: z.union([z.array(z.number()), z.string().describe("base64, with encoding_format: base64")]),
    }),
  ),
  model: z.string(),
  usage: usageSchema.optional(),
});

export type AnthropicTranslationChecks = [
  Assert<Fits<OpenAiChatCompletion, typeof chatCompletionSchema>>,
  Assert<Fits<OpenAiChatChunk, typeof chatCompletionChunkSchema>>,
];

export const proxyComponents = {
  ChatCompletion: chatCompletionSchema,
  ChatCompletionChunk: chatCompletionChunkSchema,
  TextCompletion: textCompletionSchema,
  Embeddings: embeddingsSchema,
};

const tags = ["inference"];

const responseHeaders = {
  "x-litellm-call-id": "The request id (the same as x-request-id)",
  "x-litellm-model-id": "The id of the deployment that answered",
  "x-litellm-model-group": "The model group that answered (the requested one, or the fallback that answered)",
  "x-litellm-attempted-retries": "Deployments of the answering group tried before the one that answered",
  "x-litellm-attempted-fallbacks": "Fallback groups tried",
  "x-litellm-overhead-duration-ms":
    "The proxy's own share of the latency: time to the reply's headers minus time spent waiting for upstreams",
  "x-litellm-response-cost": "Cost of the call in USD, when the model's prices are known (JSON responses only)",
  "x-ratelimit-limit-requests": "The key's rpm_limit (or the model's model_rpm_limit), when it has one",
  "x-ratelimit-remaining-requests": "Requests the key has left in the last minute, this one counted",
  "x-ratelimit-limit-tokens": "The key's tpm_limit (or the model's model_tpm_limit), when it has one",
  "x-ratelimit-remaining-tokens": "Tokens the key has left in the last minute, as counted when this call began",
};

const PROXY_DESCRIPTION =
  "Routed to one of the model's deployments; a failed deployment is retried on another. LiteLLM's own parameters " +
  "(`mock_response`, `fallbacks`, `num_retries`, `timeout`/`request_timeout`, `metadata`, `tags`, `caching`, " +
  "`drop_params`, `mock_testing_*`) are acted on by the proxy and never forwarded, nor are `api_key`, `api_base` and " +
  "other credentials a caller sends. Other fields are passed to the upstream unchanged. An upstream error keeps the " +
  "upstream's status; error messages start with LiteLLM's exception class (`litellm.BadRequestError: ...`).";

// 429 is one of the key's limits (rpm, tpm, parallel, per model; with retry-after) or what is left after every deployment was tried, as are the 5xx.
const errors: readonly ErrorStatus[] = [400, 401, 404, 413, 415, 429, 500, 502, 503, 504];

/**
 * Azure OpenAI's URL forms, which LiteLLM serves so that `AzureOpenAI(azure_endpoint=<proxy>)` works: the model is
 * the path's `{model}` and wins over the body's; `api-version` is accepted.
 */
export const azurePaths = (suffix: string) => [`/openai/deployments/{model}/${suffix}`, `/engines/{model}/${suffix}`];

/** What every inference route shares besides POST: any key, on node:http, LiteLLM's error messages. */
const shared = {
  description: PROXY_DESCRIPTION,
  tags,
  security: "key",
  responseHeaders,
  errors,
  hotPath: true,
  paramsInBody: true,
  litellmErrors: true,
  admit: admitCall,
} as const;

export function inferenceRoute<Body extends z.ZodType<InferenceBody>>(
  op: ProxyOperation,
  route: Omit<RouteDefinition<ProxyCallDeps, undefined, Body, "key">, keyof typeof shared | "method" | "handler">,
) {
  return defineRoute({
    ...route,
    ...shared,
    method: "post",
    handler: (input, deps: ProxyCallDeps) => serveCall(op, input, deps),
  });
}

/** OpenAI's inference endpoints. */
export const proxyRoutes = [
  inferenceRoute("chat", {
    path: "/v1/chat/completions",
    aliases: ["/chat/completions", ...azurePaths("chat/completions")],
    summary: "Chat completion (OpenAI)",
    body: chatRequestSchema,
    response: chatCompletionSchema,
    stream: chatCompletionChunkSchema,
  }),
  inferenceRoute("completions", {
    path: "/v1/completions",
    aliases: ["/completions", ...azurePaths("completions")],
    summary: "Text completion (OpenAI legacy)",
    body: completionRequestSchema,
    response: textCompletionSchema,
    stream: textCompletionSchema, // OpenAI streams text completions as partial text_completion objects
  }),
  inferenceRoute("embeddings", {
    path: "/v1/embeddings",
    aliases: ["/embeddings", ...azurePaths("embeddings")],
    summary: "Embeddings (OpenAI)",
    body: embeddingRequestSchema,
    response: embeddingsSchema,
  }),
];
