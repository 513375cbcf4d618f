// Anthropic Messages API → OpenAI Chat Completions: the non-streaming response, errors, and the small
// mapping tables the stream translator shares. Provider differences live here as data, not in the proxy core.
import { randomUUID } from "node:crypto";
import type { UpstreamFailure } from "../../errors/api-error.js";
import { type ApiErrorType, upstreamErrorType } from "../../errors/error-types.js";

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface OpenAiChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      tool_calls?: OpenAiToolCall[];
      /** Extended thinking, as LiteLLM returns it: the text, and the blocks to send back in later turns. */
      reasoning_content?: string;
      thinking_blocks?: ThinkingBlock[];
    };
    finish_reason: string | null;
  }>;
  usage: OpenAiUsage;
}

export type ThinkingBlock =
  { type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string };

export interface OpenAiChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: OpenAiUsage | null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Upstream JSON is untrusted: a missing or malformed object reads as empty rather than throwing. */
export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Anthropic reports cache reads and cache writes apart from `input_tokens`; OpenAI's `prompt_tokens`
 * covers the whole prompt, so all three are summed.
 */
export function promptTokensOf(usage: Record<string, unknown>): number {
  return (
    tokenCount(usage.input_tokens) +
    tokenCount(usage.cache_read_input_tokens) +
    tokenCount(usage.cache_creation_input_tokens)
  );
}

export function completionTokensOf(usage: Record<string, unknown>): number {
  return tokenCount(usage.output_tokens);
}

export function openAiUsage(promptTokens: number, completionTokens: number): OpenAiUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

// A Map, not an object literal, so stop reasons like "constructor" cannot hit Object.prototype.
// refusal → content_filter is OpenAI's name for "the model declined"; pause_turn (a server-tool loop hit its
// iteration limit) has no OpenAI equivalent and reads as a normal stop.
const FINISH_REASONS = new Map<string, string>([
  ["end_turn", "stop"],
  ["stop_sequence", "stop"],
  ["pause_turn", "stop"],
  ["max_tokens", "length"],
  ["model_context_window_exceeded", "length"],
  ["tool_use", "tool_calls"],
  ["refusal", "content_filter"],
]);

/** null while Anthropic has not decided yet (stream in progress); unknown future reasons read as "stop". */
export function mapStopReason(stopReason: unknown): string | null {
  if (stopReason === null || stopReason === undefined) return null;
  return (typeof stopReason === "string" ? FINISH_REASONS.get(stopReason) : undefined) ?? "stop";
}

function toolCallOf(block: Record<string, unknown>): OpenAiToolCall {
  return {
    id: typeof block.id === "string" ? block.id : `call_${randomUUID()}`,
    type: "function",
    function: {
      name: typeof block.name === "string" ? block.name : "",
      arguments: JSON.stringify(block.input ?? {}),
    },
  };
}

/**
 * A thinking block in the one shape both directions use: Anthropic's reply, and thinking_blocks a client sends back.
 * Without its signature Anthropic would refuse the block in a later turn, so such a block is no block.
 */
export function thinkingBlockOf(block: Record<string, unknown>): ThinkingBlock[] {
  if (block.type === "thinking" && typeof block.thinking === "string" && typeof block.signature === "string") {
    return [{ type: "thinking", thinking: block.thinking, signature: block.signature }];
  }
  if (block.type === "redacted_thinking" && typeof block.data === "string")
    return [{ type: "redacted_thinking", data: block.data }];
  return [];
}

/** reasoning_content and thinking_blocks when the reply thought; nothing otherwise. */
function thinkingFieldsOf(blocks: Record<string, unknown>[]): {
  reasoning_content?: string;
  thinking_blocks?: ThinkingBlock[];
} {
  const thinking = blocks.flatMap(thinkingBlockOf);
  if (thinking.length === 0) return {};
  const text = thinking.map((b) => (b.type === "thinking" ? b.thinking : "")).join("");
  return { reasoning_content: text, thinking_blocks: thinking };
}

/**
 * The id keeps Anthropic's message id behind OpenAI's "chatcmpl-" prefix, so a client-side id can still be
 * matched against Anthropic's logs. Thinking becomes reasoning_content and thinking_blocks (LiteLLM's fields);
 * server-tool and other blocks with no OpenAI field are dropped.
 */
export function fromAnthropicResponse(response: unknown, model: string): OpenAiChatCompletion {
  const message = asRecord(response);
  const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
  // Anthropic may split one answer into several text blocks (e.g. around citations); they read as one text.
  const texts = blocks.flatMap((b) => (b.type === "text" && typeof b.text === "string" ? [b.text] : []));
  const text = texts.join("");
  const toolCalls = blocks.filter((b) => b.type === "tool_use").map(toolCallOf);
  const usage = asRecord(message.usage);
  const content = text !== "" || toolCalls.length === 0 ? text : null;
  return {
    id: `chatcmpl-${typeof message.id === "string" ? message.id : randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...thinkingFieldsOf(blocks),
        },
        finish_reason: mapStopReason(message.stop_reason) ?? "stop",
      },
    ],
    usage: openAiUsage(promptTokensOf(usage), completionTokensOf(usage)),
  };
}

// Anthropic's names for types OpenAI calls otherwise (its other types are OpenAI's own names); overloaded and api
// errors are both the provider's fault.
const OWN_NAMES: ReadonlyMap<string, ApiErrorType> = new Map<string, ApiErrorType>([
  ["request_too_large", "invalid_request_error"],
  ["api_error", "server_error"],
  ["overloaded_error", "server_error"],
  ["timeout_error", "server_error"],
]);

function parseJsonText(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * `code` carries Anthropic's own error type (e.g. "overloaded_error") because the OpenAI type alone loses it.
 * A body that is not Anthropic's error JSON (an HTML page from a gateway, say) is never echoed to the client.
 */
export function fromAnthropicError(status: number, body: unknown): UpstreamFailure {
  const error = asRecord(asRecord(parseJsonText(body)).error);
  const anthropicType = typeof error.type === "string" && error.type !== "" ? error.type : null;
  const message =
    typeof error.message === "string" && error.message.trim() !== ""
      ? error.message
      : `Anthropic returned HTTP ${status}`;
  const type =
    (anthropicType !== null ? OWN_NAMES.get(anthropicType) : undefined) ?? upstreamErrorType(status, anthropicType);
  return { message, type, code: anthropicType };
}
