import { z } from "zod";
import type { OpenAiChatChunk, OpenAiChatCompletion } from "../../proxy/providers/anthropic-response.js";
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../routes/proxy.js";
import type { ErrorStatus } from "./error-schema.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";

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
        reasoning_content: z.string().optional().describe("anthropic/ models with extended thinking: the thinking text"),
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
  choices: z.array(
    z.looseObject({ text: z.string(), index: z.number().int(), finish_reason: z.string().nullable() }),
  ),
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
  "x-litellm-model-id": "The id of the deployment that answered",
  "x-litellm-response-cost": "Cost of the call in USD, when the model's prices are known (JSON responses only)",
};

const PROXY_DESCRIPTION =
  "Routed to one of the model's deployments; a failed deployment is retried on another. Fields besides those " +
  "listed are passed to the upstream unchanged. An upstream error keeps the upstream's status and message.";

// 429 is the key's parallel limit or what is left after every deployment was tried, as are the 5xx.
const errors: readonly ErrorStatus[] = [400, 401, 404, 413, 429, 500, 502, 503, 504];

export const proxyOperations: OperationSpec[] = [
  {
    method: "post",
    path: "/v1/chat/completions",
    aliases: ["/chat/completions"],
    summary: "Chat completion (OpenAI)",
    description: PROXY_DESCRIPTION,
    tags,
    security: "key",
    body: chatRequestSchema,
    response: chatCompletionSchema,
    stream: chatCompletionChunkSchema,
    responseHeaders,
    errors,
  },
  {
    method: "post",
    path: "/v1/completions",
    aliases: ["/completions"],
    summary: "Text completion (OpenAI legacy)",
    description: PROXY_DESCRIPTION,
    tags,
    security: "key",
    body: completionRequestSchema,
    response: textCompletionSchema,
    stream: textCompletionSchema, // OpenAI streams text completions as partial text_completion objects
    responseHeaders,
    errors,
  },
  {
    method: "post",
    path: "/v1/embeddings",
    aliases: ["/embeddings"],
    summary: "Embeddings (OpenAI)",
    description: PROXY_DESCRIPTION,
    tags,
    security: "key",
    body: embeddingRequestSchema,
    response: embeddingsSchema,
    responseHeaders,
    errors,
  },
];
