// Gemini streamGenerateContent?alt=sse frames → OpenAI chat.completion.chunk objects for one stream. Every frame is a
// whole GenerateContentResponse holding the new parts only; usageMetadata is cumulative. Each call to
// createGeminiStreamTranslator owns its state, so concurrent streams never share anything.
import { asRecord, isRecord, type OpenAiChatChunk, type OpenAiUsage } from "./anthropic-response.js";
import { fromGeminiError, mapFinishReason, partsOf, textsOf, toolCallOf, usageOf } from "./gemini-response.js";

export interface GeminiStreamOptions {
  model: string;
  id: string;
  created: number;
  includeUsage: boolean;
}

export interface GeminiStreamTranslator {
  push(data: unknown): OpenAiChatChunk[];
  usage(): OpenAiUsage | undefined;
}

interface CandidateState {
  toolCalls: number;
  finished: boolean;
}

/**
 * An error frame throws an Error whose message is Google's and whose `cause` holds the mapped OpenAI error fields, so
 * the caller can write its SSE error frame. Gemini sends no end-of-stream event: the usage chunk follows the frame in
 * which the last candidate finished (that frame carries the final usageMetadata).
 */
export function createGeminiStreamTranslator(options: GeminiStreamOptions): GeminiStreamTranslator {
  const candidates = new Map<number, CandidateState>();
  let usage: OpenAiUsage | undefined;
  let usageSent = false;
  const base = {
    id: options.id,
    object: "chat.completion.chunk" as const,
    created: options.created,
    model: options.model,
  };
  // OpenAI sends usage: null on every chunk but the last when include_usage is on; clients may rely on the key.
  const usageField = options.includeUsage ? { usage: null } : {};

  function chunkFor(candidate: Record<string, unknown>, position: number): OpenAiChatChunk {
    const index = typeof candidate.index === "number" ? candidate.index : position;
    let state = candidates.get(index);
    const delta: Record<string, unknown> = {};
    if (state === undefined) {
      state = { toolCalls: 0, finished: false };
      candidates.set(index, state);
      delta.role = "assistant";
    }
    const parts = partsOf(candidate);
    const { text, thought } = textsOf(parts);
    if (thought !== "") delta.reasoning_content = thought;
    if (text !== "" || delta.role !== undefined) delta.content = text;
    const calls = parts.flatMap((part) => toolCallOf(part) ?? []);
    if (calls.length > 0) {
      const first = state.toolCalls;
      delta.tool_calls = calls.map((call, i) => ({ index: first + i, ...call }));
      state.toolCalls += calls.length;
    }
    const finish = mapFinishReason(candidate.finishReason, state.toolCalls > 0);
    if (finish !== null) state.finished = true;
    return { ...base, choices: [{ index, delta, finish_reason: finish }], ...usageField };
  }

  function push(data: unknown): OpenAiChatChunk[] {
    const frame = asRecord(data);
    if (isRecord(frame.error)) {
      const code = typeof frame.error.code === "number" ? frame.error.code : 500;
      const fields = fromGeminiError(code, frame);
      throw new Error(fields.message, { cause: fields });
    }
    if (frame.usageMetadata !== undefined) usage = usageOf(frame.usageMetadata);
    let list = Array.isArray(frame.candidates) ? frame.candidates.filter(isRecord) : [];
    // A blocked prompt has no candidate, only promptFeedback: it reads as one choice filtered for content.
    if (list.length === 0 && isRecord(frame.promptFeedback) && frame.promptFeedback.blockReason !== undefined) {
      list = [{ index: 0, finishReason: "SAFETY" }];
    }
    const chunks = list.map(chunkFor);
    const done = candidates.size > 0 && [...candidates.values()].every((state) => state.finished);
    if (options.includeUsage && done && !usageSent) {
      usageSent = true;
      chunks.push({ ...base, choices: [], usage: usage ?? usageOf(undefined) });
    }
    return chunks;
  }

  return { push, usage: () => usage };
}
