// Gemini API (v1beta) → OpenAI: generateContent responses, usage, finish reasons, errors and embeddings. Pure
// functions of their arguments.
import { randomUUID } from "node:crypto";
import type { UpstreamFailure } from "../../errors/api-error.js";
import { upstreamErrorType } from "../../errors/error-types.js";
import {
  asRecord,
  isRecord,
  type OpenAiChatCompletion,
  type OpenAiToolCall,
  openAiUsage,
  type OpenAiUsage,
} from "./anthropic-response.js";

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/** usageMetadata → OpenAI usage; thinking tokens are output the caller pays for, so they count as completion. */
export function usageOf(metadata: unknown): OpenAiUsage {
  const usage = asRecord(metadata);
  const completion = tokenCount(usage.candidatesTokenCount) + tokenCount(usage.thoughtsTokenCount);
  return openAiUsage(tokenCount(usage.promptTokenCount), completion);
}

// A Map, so finish reasons like "constructor" cannot hit Object.prototype. The safety family is OpenAI's
// content_filter; unknown future reasons read as "stop".
const FINISH_REASONS = new Map<string, string>([
  ["STOP", "stop"],
  ["MAX_TOKENS", "length"],
  ["SAFETY", "content_filter"],
  ["RECITATION", "content_filter"],
  ["BLOCKLIST", "content_filter"],
  ["PROHIBITED_CONTENT", "content_filter"],
  ["SPII", "content_filter"],
  ["IMAGE_SAFETY", "content_filter"],
  ["LANGUAGE", "content_filter"],
]);

/** null while Gemini has not finished the candidate (a stream in progress). */
export function mapFinishReason(reason: unknown, calledTools: boolean): string | null {
  if (typeof reason !== "string" || reason === "" || reason === "FINISH_REASON_UNSPECIFIED") return null;
  const mapped = FINISH_REASONS.get(reason) ?? "stop";
  return mapped === "stop" && calledTools ? "tool_calls" : mapped;
}

/**
 * LiteLLM's separator for a thought signature carried in a tool call's id: Gemini's thinking models need the signature
 * of each function call back in the next turn, and the id is the one field every OpenAI client returns untouched.
 */
export const THOUGHT_SIGNATURE_SEPARATOR = "__thought__";

/** Gemini gives calls no id unless it has one; OpenAI clients need one to answer the call. */
export function toolCallOf(part: Record<string, unknown>): OpenAiToolCall | undefined {
  if (!isRecord(part.functionCall)) return undefined;
  const call = part.functionCall;
  const id = typeof call.id === "string" && call.id !== "" ? call.id : `call_${randomUUID()}`;
  const signature =
    typeof part.thoughtSignature === "string" && part.thoughtSignature !== "" ? part.thoughtSignature : "";
  return {
    id: signature === "" ? id : `${id}${THOUGHT_SIGNATURE_SEPARATOR}${signature}`,
    type: "function",
    function: { name: typeof call.name === "string" ? call.name : "", arguments: JSON.stringify(call.args ?? {}) },
  };
}

export function partsOf(candidate: Record<string, unknown>): Record<string, unknown>[] {
  const parts = asRecord(candidate.content).parts;
  return Array.isArray(parts) ? parts.filter(isRecord) : [];
}

/** Text parts marked `thought` are the model's reasoning (LiteLLM's reasoning_content), the others its answer. */
export function textsOf(parts: Record<string, unknown>[]): { text: string; thought: string } {
  let text = "";
  let thought = "";
  for (const part of parts) {
    if (typeof part.text !== "string") continue;
    if (part.thought === true) thought += part.text;
    else text += part.text;
  }
  return { text, thought };
}

function choiceOf(candidate: Record<string, unknown>, position: number): OpenAiChatCompletion["choices"][number] {
  const parts = partsOf(candidate);
  const { text, thought } = textsOf(parts);
  const toolCalls = parts.flatMap((part) => toolCallOf(part) ?? []);
  return {
    index: typeof candidate.index === "number" ? candidate.index : position,
    message: {
      role: "assistant",
      content: text !== "" || toolCalls.length === 0 ? text : null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      ...(thought !== "" ? { reasoning_content: thought } : {}),
    },
    finish_reason: mapFinishReason(candidate.finishReason, toolCalls.length > 0) ?? "stop",
  };
}

/**
 * A prompt Gemini blocked has no candidate, only promptFeedback.blockReason: it reads as one empty choice filtered
 * for content, as LiteLLM answers it.
 */
export function fromGeminiResponse(response: unknown, model: string): OpenAiChatCompletion {
  const json = asRecord(response);
  const candidates = Array.isArray(json.candidates) ? json.candidates.filter(isRecord) : [];
  const choices =
    candidates.length > 0
      ? candidates.map(choiceOf)
      : [{ index: 0, message: { role: "assistant" as const, content: null }, finish_reason: "content_filter" }];
  return {
    id: `chatcmpl-${typeof json.responseId === "string" ? json.responseId : randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    usage: usageOf(json.usageMetadata),
  };
}

function base64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/**
 * batchEmbedContents → OpenAI's embedding list. Gemini reports no token count for embeddings; the prompt tokens are
 * estimated at four characters a token so the call is not priced as free.
 */
export function fromGeminiEmbeddings(
  response: unknown,
  model: string,
  request: { inputs: readonly string[]; base64: boolean },
): Record<string, unknown> {
  const embeddings = asRecord(response).embeddings;
  const list = Array.isArray(embeddings) ? embeddings.filter(isRecord) : [];
  const data = list.map((embedding, index) => {
    const values = Array.isArray(embedding.values) ? embedding.values.filter((v) => typeof v === "number") : [];
    return { object: "embedding", index, embedding: request.base64 ? base64Floats(values) : values };
  });
  const promptTokens = request.inputs.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  return { object: "list", data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}

function parseJsonText(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Google's error shape `{"error": {"code", "message", "status"}}`: `code` carries Google's status name
 * ("RESOURCE_EXHAUSTED"), the type follows the HTTP status. A body that is not Google's error JSON is never echoed.
 */
export function fromGeminiError(status: number, body: unknown): UpstreamFailure {
  const parsed = parseJsonText(body);
  // A stream may end in an error frame; a JSON array reply wraps its error in a one-element list.
  const error = asRecord(asRecord(Array.isArray(parsed) ? parsed[0] : parsed).error);
  const googleStatus = typeof error.status === "string" && error.status !== "" ? error.status : null;
  const message =
    typeof error.message === "string" && error.message.trim() !== "" ? error.message : `Gemini returned HTTP ${status}`;
  return { message, type: upstreamErrorType(status, undefined), code: googleStatus };
}
