// Bedrock Converse → OpenAI Chat Completions: the JSON reply, errors, and the ConverseStream events of one stream.
import { randomUUID } from "node:crypto";
import type { UpstreamFailure } from "../../errors/api-error.js";
import { errorTypeForStatus, type ApiErrorType } from "../../errors/error-types.js";
import {
  asRecord,
  isRecord,
  openAiUsage,
  type OpenAiChatCompletion,
  type OpenAiToolCall,
  type OpenAiUsage,
} from "./anthropic-response.js";

// A Map so a stop reason like "constructor" cannot hit Object.prototype; unknown future reasons read as "stop".
const FINISH_REASONS = new Map<string, string>([
  ["end_turn", "stop"],
  ["stop_sequence", "stop"],
  ["max_tokens", "length"],
  ["model_context_window_exceeded", "length"],
  ["tool_use", "tool_calls"],
  ["guardrail_intervened", "content_filter"],
  ["content_filtered", "content_filter"],
]);

export function finishReasonOf(stopReason: unknown): string {
  return (typeof stopReason === "string" ? FINISH_REASONS.get(stopReason) : undefined) ?? "stop";
}

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/** OpenAI's prompt_tokens covers the whole prompt: Bedrock reports cache reads and writes apart from inputTokens. */
export function usageOf(value: unknown): OpenAiUsage {
  const usage = asRecord(value);
  const prompt =
    tokenCount(usage.inputTokens) + tokenCount(usage.cacheReadInputTokens) + tokenCount(usage.cacheWriteInputTokens);
  return openAiUsage(prompt, tokenCount(usage.outputTokens));
}

function toolCallOf(use: Record<string, unknown>): OpenAiToolCall {
  return {
    id: typeof use.toolUseId === "string" ? use.toolUseId : `call_${randomUUID()}`,
    type: "function",
    function: { name: typeof use.name === "string" ? use.name : "", arguments: JSON.stringify(use.input ?? {}) },
  };
}

/** Text blocks join into one content; toolUse blocks become tool_calls; reasoning becomes reasoning_content. */
export function fromConverseResponse(response: unknown, model: string): OpenAiChatCompletion {
  const reply = asRecord(response);
  const message = asRecord(asRecord(reply.output).message);
  const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
  const text = blocks.map((b) => (typeof b.text === "string" ? b.text : "")).join("");
  const toolCalls = blocks.flatMap((b) => (isRecord(b.toolUse) ? [toolCallOf(b.toolUse)] : []));
  const reasoning = blocks
    .map((b) => asRecord(asRecord(b.reasoningContent).reasoningText).text)
    .filter((t): t is string => typeof t === "string")
    .join("");
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text !== "" || toolCalls.length === 0 ? text : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning !== "" ? { reasoning_content: reasoning } : {}),
        },
        finish_reason: finishReasonOf(reply.stopReason),
      },
    ],
    usage: usageOf(reply.usage),
  };
}

// Bedrock's exception names by status, for `code`: its JSON error body carries only {"message"} (the name travels in
// the x-amzn-ErrorType header, which describeError does not see). A 403 is left out: it may be AccessDenied,
// UnrecognizedClient, InvalidSignature, ExpiredToken or MissingAuthenticationToken, and only the message tells.
const EXCEPTIONS = new Map<number, string>([
  [400, "ValidationException"],
  [404, "ResourceNotFoundException"],
  [408, "ModelTimeoutException"],
  [424, "ModelErrorException"],
  [429, "ThrottlingException"],
  [500, "InternalServerException"],
  [503, "ServiceUnavailableException"],
]);

/** A body that is not Bedrock's `{"message": ...}` (a gateway's HTML page, say) is never echoed to the client. */
export function fromBedrockError(status: number, body: unknown): UpstreamFailure {
  const fields = asRecord(body);
  const raw = fields.message ?? fields.Message;
  const message = typeof raw === "string" && raw.trim() !== "" ? raw : `Bedrock returned HTTP ${status}`;
  return { message, type: errorTypeForStatus(status), code: EXCEPTIONS.get(status) ?? null };
}

// Exceptions sent inside a stream, by their `:exception-type`: what status each would have had as a reply.
const STREAM_EXCEPTION_TYPES = new Map<string, ApiErrorType>([
  ["throttlingException", "rate_limit_error"],
  ["validationException", "invalid_request_error"],
  ["accessDeniedException", "permission_error"],
]);

/** A stream exception ({type, message}, see bedrock-eventstream.ts) as OpenAI error fields. */
export function fromStreamException(data: Record<string, unknown>): UpstreamFailure {
  const name = typeof data.type === "string" ? data.type : "internalServerException";
  const message = typeof data.message === "string" && data.message !== "" ? data.message : `Bedrock sent ${name}`;
  const code = name.charAt(0).toUpperCase() + name.slice(1);
  return { message, type: STREAM_EXCEPTION_TYPES.get(name) ?? "server_error", code };
}
