import { randomUUID } from "node:crypto";
import { ApiError } from "../errors/api-error.js";
import { createChatStreamEvents } from "./messages/chat-stream-events.js";
import { fromChatResponse } from "./messages/from-chat-response.js";
import type { ProxyOperation } from "./provider-adapter.js";
import { toResponse } from "./responses/responses-reply.js";
import { createResponsesStreamTranslator } from "./responses/responses-stream.js";
import type { AttemptResult, Usage } from "./upstream-attempt.js";

// LiteLLM's `mock_response`: the call is routed as usual (a deployment is picked, its prices apply) but the upstream
// is never called. The usage is LiteLLM's fixed fake, so cost headers and (later) spend behave as for a real call.
const MOCK_USAGE: Usage = { promptTokens: 10, completionTokens: 20 };
const MOCK_EMBEDDING_SIZE = 8;

/** `mock_response: "litellm.RateLimitError"` raises that error instead, as LiteLLM does; retryable ones count as failures. */
const MOCK_ERRORS: Readonly<Record<string, { status: number; retryable: boolean }>> = {
  "litellm.RateLimitError": { status: 429, retryable: true },
  "litellm.InternalServerError": { status: 500, retryable: true },
  "litellm.ServiceUnavailableError": { status: 503, retryable: true },
  "litellm.Timeout": { status: 504, retryable: true },
  "litellm.BadRequestError": { status: 400, retryable: false },
  "litellm.ContextWindowExceededError": { status: 400, retryable: false },
  "litellm.ContentPolicyViolationError": { status: 400, retryable: false },
};

function usageJson() {
  const { promptTokens, completionTokens } = MOCK_USAGE;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function textOf(mock: unknown): string {
  return typeof mock === "string" ? mock : JSON.stringify(mock);
}

function chatCompletion(content: string, model: string, created: number) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: usageJson(),
  };
}

function mockBody(op: ProxyOperation, content: string, model: string): unknown {
  const created = Math.floor(Date.now() / 1000);
  if (op === "embeddings") {
    return {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: new Array<number>(MOCK_EMBEDDING_SIZE).fill(0) }],
      model,
      usage: { prompt_tokens: MOCK_USAGE.promptTokens, total_tokens: MOCK_USAGE.promptTokens },
    };
  }
  if (op === "completions") {
    return {
      id: `cmpl-${randomUUID()}`,
      object: "text_completion",
      created,
      model,
      choices: [{ index: 0, text: content, finish_reason: "stop", logprobs: null }],
      usage: usageJson(),
    };
  }
  if (op === "responses") return toResponse(chatCompletion(content, model, created), { model, request: {} });
  return chatCompletion(content, model, created);
}

/** A streamed Responses API mock: the chat mock's chunks as the Responses API's events. */
function mockResponseEvents(content: string, model: string): string[] {
  const translator = createResponsesStreamTranslator({ model, request: {} });
  const chunk = (delta: object, finish: string | null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
  return [chunk({ role: "assistant", content }, null), chunk({}, "stop"), { choices: [], usage: usageJson() }].flatMap(
    (payload) => translator.push(payload),
  );
}

/** Images, audio and moderations have no mock reply: a mock_response there is refused rather than answered as chat. */
const UNMOCKED: ReadonlySet<ProxyOperation> = new Set([
  "image_generation",
  "audio_speech",
  "audio_transcription",
  "moderation",
]);

/** A streamed mock: the content in one chunk, then the finish chunk, usage when asked for, and [DONE]. */
function* mockFrames(content: string, model: string, includeUsage: boolean): Generator<string> {
  const base = {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const frame = (payload: object) => `data: ${JSON.stringify({ ...base, ...payload })}\n\n`;
  yield frame({ choices: [{ index: 0, delta: { role: "assistant", content }, finish_reason: null }] });
  yield frame({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  if (includeUsage) yield frame({ choices: [], usage: usageJson() });
  yield "data: [DONE]\n\n";
}

/** Streams are async iterables; a mock's frames are all known at once. */
function toAsync(frames: Iterable<string>): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = frames[Symbol.iterator]();
      return { next: () => Promise.resolve(iterator.next()) };
    },
  };
}

export interface MockInput {
  op: ProxyOperation;
  mock: unknown;
  model: string;
  stream: boolean;
  includeUsage: boolean;
}

export function mockAttempt({ op, mock, model, stream, includeUsage }: MockInput): AttemptResult {
  const content = textOf(mock);
  const error = MOCK_ERRORS[content];
  if (error) {
    return { kind: "failed", retryable: error.retryable, error: ApiError.mockException(error.status, model, content) };
  }
  if (UNMOCKED.has(op)) {
    const refusal = ApiError.badRequest(`mock_response is not supported on ${op} calls`, "mock_response");
    return { kind: "failed", retryable: false, error: refusal };
  }
  if (op === "messages") return mockMessages(content, model, stream);
  if (stream && op !== "embeddings") {
    if (op === "responses")
      return {
        kind: "stream",
        source: toAsync(mockResponseEvents(content, model)),
        finish: () => undefined,
        usage: () => MOCK_USAGE,
      };
    if (op === "chat")
      return {
        kind: "stream",
        source: toAsync(mockFrames(content, model, includeUsage)),
        finish: () => undefined,
        usage: () => MOCK_USAGE,
      };
    const body = JSON.stringify(mockBody(op, content, model));
    return {
      kind: "stream",
      source: toAsync([`data: ${body}\n\n`, "data: [DONE]\n\n"]),
      finish: () => undefined,
      usage: () => MOCK_USAGE,
    };
  }
  return { kind: "json", body: JSON.stringify(mockBody(op, content, model)), usage: MOCK_USAGE };
}

/** A Messages call's mock: the chat mock in Anthropic's shape, as any translated reply is. */
function mockMessages(content: string, model: string, stream: boolean): AttemptResult {
  const created = Math.floor(Date.now() / 1000);
  if (!stream) {
    const body = JSON.stringify(fromChatResponse(chatCompletion(content, model, created), model));
    return { kind: "json", body, usage: MOCK_USAGE };
  }
  const events = createChatStreamEvents(model);
  const frames = [...mockFrames(content, model, true)].flatMap((frame) => events.push(frame.slice("data: ".length)));
  return { kind: "stream", source: toAsync(frames), finish: () => undefined, usage: () => MOCK_USAGE };
}

/** LiteLLM's `mock_testing_*` switches: the failure the requested group reports so that fallbacks or retries run. */
export function mockTestingFailure(kind: "fallbacks" | "rate_limit", model: string): AttemptResult {
  const error = kind === "rate_limit" ? ApiError.mockRateLimit(model) : ApiError.mockFallbackTrigger(model);
  return { kind: "failed", retryable: true, error };
}
