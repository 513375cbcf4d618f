import { z } from "zod";
import { nameSchema } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { splitCallOptions } from "../../proxy/call-options.js";
import { anthropicErrorShape } from "../../proxy/messages/anthropic-errors.js";
import type { AnthropicMessage } from "../../proxy/messages/from-chat-response.js";
import { countTokens } from "../../proxy/messages/token-count-service.js";
import type { ProxyRequest } from "../../proxy/proxy-service.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import { connectionOf } from "../client-connection.js";
import { writeJsonText } from "../json-reply.js";
import type { Caller } from "../middleware/auth.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import type { ErrorStatus } from "../openapi/error-schema.js";
import { defineRoute, type RouteInput } from "../route.js";
import { admitModelLimits } from "./proxy-limits.js";
import {
  admitCall,
  type CallEdges,
  headersNamed,
  type InferenceBody,
  type ProxyCallDeps,
  serveCall,
  setTraceHeaders,
} from "./proxy-call.js";

const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)]);
const message = z.looseObject({ role: z.enum(["user", "assistant"]), content });

// What routing and the translation need is checked; the rest is the upstream's to judge, as Anthropic's API would.
const countRequestSchema = z.looseObject({
  model: nameSchema,
  messages: z.array(message).min(1),
  system: content.optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  stream: z.boolean().nullish(),
});

export const messagesRequestSchema = countRequestSchema.extend({
  max_tokens: z.number().int().positive(),
});

const usageSchema = z.looseObject({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int().optional(),
});

const messageSchema = z.looseObject({
  id: z.string(),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string(),
  content: z.array(block.describe("text, tool_use, thinking, ... (Anthropic's content blocks)")),
  stop_reason: z.string().nullable().describe("end_turn, max_tokens, stop_sequence, tool_use, refusal, ..."),
  stop_sequence: z.string().nullable(),
  usage: usageSchema,
});

const tokenCountSchema = z.object({ input_tokens: z.number().int() });

export type MessagesTranslationChecks = [Assert<Fits<AnthropicMessage, typeof messageSchema>>];

export const anthropicMessagesComponents = { AnthropicMessage: messageSchema, AnthropicTokenCount: tokenCountSchema };

const MESSAGES_DESCRIPTION =
  "Anthropic's Messages API, routed to any deployment of the model with the key's allow-list, limits and budget. " +
  "An `anthropic/` deployment gets the body as it was sent (its `model` swapped for the deployment's) and its reply, " +
  "streamed or not, comes back as Anthropic sent it; any other deployment gets it as a chat completion, and the " +
  "reply (text, tool_use, stop_reason, usage) is translated back, streamed events included. The key may be sent as " +
  '`x-api-key`. Errors are OpenAI\'s envelope with Anthropic\'s `"type": "error"` beside it and Anthropic\'s ' +
  'vocabulary in `error.type` (`api_error`, `overloaded_error`, ...): `{"type": "error", "error": {"type", ' +
  '"message", "param", "code"}, "request_id"}`; mid-stream, one `event: error` with that body.';

const STREAM_EVENTS =
  'With `"stream": true`: Anthropic\'s server-sent events (`message_start`, `content_block_start`, ' +
  "`content_block_delta`, `content_block_stop`, `message_delta` with the stop reason and usage, `message_stop`).";

const responseHeaders = {
  "x-litellm-call-id": "The request id (the same as x-request-id)",
  "x-litellm-model-id": "The id of the deployment that answered",
  "x-litellm-model-group": "The model group that answered",
  "x-litellm-attempted-retries": "Deployments of the answering group tried before the one that answered",
  "x-litellm-attempted-fallbacks": "Fallback groups tried",
  "x-litellm-overhead-duration-ms": "The proxy's own share of the latency",
  "x-litellm-response-cost": "Cost of the call in USD, when the model's prices are known (JSON responses only)",
};

const errors: readonly ErrorStatus[] = [400, 401, 404, 413, 415, 429, 500, 502, 503, 504];

// Anthropic's `metadata` ({"user_id"}) is its own field here, not LiteLLM's metadata: it goes to the upstream.
// `anthropic-beta` turns on the features the body may use; an anthropic/ deployment gets it (others ignore it).
const MESSAGES_EDGES: CallEdges = {
  forwarded: ["metadata"],
  forwardedHeaders: ["anthropic-beta"],
  errorShape: anthropicErrorShape,
};

export type CountTokensDeps = ProxyCallDeps & { registry: Pick<ModelRegistry, "resolve"> };

/**
 * count_tokens: Anthropic's own count for a group of `anthropic/` deployments, a local tiktoken count otherwise
 * (see token-count-service.ts). Admitted like a call (budget, rpm, parallel); it spends no tokens.
 */
async function serveCountTokens(
  { body, caller, req, res, record }: RouteInput<unknown, InferenceBody, Caller>,
  deps: CountTokensDeps,
): Promise<unknown> {
  record.modelGroup = body.model;
  const { upstreamBody, options } = splitCallOptions(body);
  const admission = caller.kind === "virtual" ? deps.keyLimits.admissionOf(res) : undefined;
  if (admission && admission.limits.models.size > 0) await admitModelLimits(res, admission, [body.model], deps);
  const request: ProxyRequest = {
    model: body.model,
    access: caller.access,
    allowList: caller.kind === "virtual" ? caller.key.models : undefined,
    options,
    op: "count_tokens",
    body: upstreamBody,
    stream: false,
    client: connectionOf(res),
    headers: headersNamed(req.headers, MESSAGES_EDGES.forwardedHeaders ?? []),
  };
  const started = performance.now();
  let counted;
  try {
    counted = await countTokens(request, deps);
  } catch (error) {
    if (error instanceof ClientGoneError) return undefined;
    throw error;
  }
  if (counted.kind === "local") {
    res.setHeader("x-litellm-model-group", body.model);
    return { input_tokens: counted.inputTokens };
  }
  const { outcome } = counted;
  record.deploymentId = outcome.deployment.id;
  deps.metrics.observeProxyCall(body.model, 200, (performance.now() - started) / 1000);
  setTraceHeaders(res, outcome, record.receivedAt);
  if (outcome.kind !== "json") throw ApiError.internal();
  writeJsonText(res, 200, outcome.body);
  return undefined;
}

/** What both routes share: any key, on node:http, LiteLLM's error messages in Anthropic's envelope. */
const shared = {
  tags: ["inference"],
  security: "key",
  responseHeaders,
  errors,
  hotPath: true,
  litellmErrors: true,
  errorShape: anthropicErrorShape,
  admit: admitCall,
  method: "post",
} as const;

/** Anthropic's Messages API; `/anthropic/...` is the path LiteLLM's Anthropic SDK docs give as the base URL. */
export const anthropicMessagesRoutes = [
  defineRoute({
    ...shared,
    path: "/v1/messages",
    aliases: ["/anthropic/v1/messages"],
    summary: "Messages (Anthropic)",
    description: MESSAGES_DESCRIPTION,
    body: messagesRequestSchema,
    response: messageSchema,
    responseDescription: `The message. ${STREAM_EVENTS}`,
    handler: (input, deps: ProxyCallDeps) => serveCall("messages", input, deps, MESSAGES_EDGES),
  }),
  defineRoute({
    ...shared,
    path: "/v1/messages/count_tokens",
    aliases: ["/anthropic/v1/messages/count_tokens"],
    summary: "Count input tokens (Anthropic)",
    description:
      '`{"input_tokens": n}` for a Messages body. A model served only by `anthropic/` deployments is counted by ' +
      "Anthropic (`/v1/messages/count_tokens`, the body as sent); any other model is counted by the proxy with " +
      "tiktoken (the model's own encoding for OpenAI models, cl100k_base otherwise; 3 tokens per message and 3 for " +
      "the reply, as LiteLLM's token counter does; an image counts 1600): an estimate for non-OpenAI models.",
    body: countRequestSchema,
    response: tokenCountSchema,
    handler: serveCountTokens,
  }),
];
