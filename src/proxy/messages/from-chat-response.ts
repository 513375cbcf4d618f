// OpenAI Chat Completions reply → Anthropic Messages reply (the non-streamed half; the stream is in
// chat-stream-events.ts). Upstream JSON is untrusted: missing or malformed fields read as empty.
import { randomUUID } from "node:crypto";
import { asRecord, isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
}

export type AnthropicBlock =
  { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Json };

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// A Map so that a finish reason like "constructor" cannot reach Object.prototype.
const STOP_REASONS = new Map<string, string>([
  ["stop", "end_turn"],
  ["length", "max_tokens"],
  ["tool_calls", "tool_use"],
  ["function_call", "tool_use"],
  ["content_filter", "refusal"],
]);

/** OpenAI's finish_reason in Anthropic's words; an unknown one reads as a normal end of turn. */
export function stopReasonOf(finishReason: unknown): string {
  return (typeof finishReason === "string" ? STOP_REASONS.get(finishReason) : undefined) ?? "end_turn";
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * OpenAI's prompt_tokens include cached tokens; Anthropic reports cache reads apart from input_tokens, so they are
 * taken out (and the two still add up to the prompt).
 */
export function anthropicUsageOf(usage: unknown): AnthropicUsage {
  const record = asRecord(usage);
  const cached = count(asRecord(record.prompt_tokens_details).cached_tokens);
  const prompt = count(record.prompt_tokens);
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: count(record.completion_tokens),
  };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/** Arguments a model wrote as JSON text; Anthropic's input must be an object, so anything else wraps as-is. */
export function parseToolInput(args: unknown): Json {
  if (isRecord(args)) return args;
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : { value: parsed };
  } catch {
    return { raw_arguments: args };
  }
}

function toolUseOf(call: Json): AnthropicBlock {
  const fn = asRecord(call.function);
  return {
    type: "tool_use",
    id: typeof call.id === "string" && call.id !== "" ? call.id : `toolu_${randomUUID()}`,
    name: typeof fn.name === "string" ? fn.name : "",
    input: parseToolInput(fn.arguments),
  };
}

/** A message id in Anthropic's form; an OpenAI id is kept behind the prefix so logs can still be matched. */
export function messageIdOf(upstreamId: unknown): string {
  return `msg_${typeof upstreamId === "string" && upstreamId !== "" ? upstreamId : randomUUID()}`;
}

/** The first choice as an Anthropic message, named by the model the caller asked for. */
export function fromChatResponse(response: unknown, model: string): AnthropicMessage {
  const completion = asRecord(response);
  const choice = asRecord(Array.isArray(completion.choices) ? completion.choices[0] : undefined);
  const message = asRecord(choice.message);
  const content: AnthropicBlock[] = [];
  if (typeof message.content === "string" && message.content !== "")
    content.push({ type: "text", text: message.content });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  content.push(...calls.map(toolUseOf));
  return {
    id: messageIdOf(completion.id),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReasonOf(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage),
  };
}
