// A stand-in for Anthropic's Messages API: text and tool_use replies, as JSON or as Anthropic's named SSE events.
import {
  DEFAULT_STREAM,
  requestModel,
  splitInto,
  startFakeServer,
  type Dialect,
  type FakeUpstream,
  type RecordedRequest,
  type ReplyWriter,
  type StreamPlan,
} from "./fake-upstream-common.js";

export type { Behavior, FakeUpstream, RecordedRequest } from "./fake-upstream-common.js";

export const FAKE_ANTHROPIC_USAGE = { input_tokens: 10, output_tokens: 5 } as const;
/** What /v1/messages/count_tokens answers: a count no local tokenizer would land on by chance. */
export const FAKE_COUNTED_TOKENS = 4242;
export const FAKE_TOOL_INPUT = { city: "Paris" } as const;
/** With `thinking` enabled, every reply starts with this thinking block. */
export const FAKE_THINKING = { type: "thinking", thinking: "Thinking it over.", signature: "fake-signature" } as const;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Text of the last user turn only, so a follow-up carrying tool_result blocks does not trigger the tool again. */
function lastUserText(body: any): string {
  const messages: unknown = body?.messages;
  if (!Array.isArray(messages)) return "";
  const content: unknown = messages.filter((m: any) => m?.role === "user").at(-1)?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: any) => (block?.type === "text" && typeof block.text === "string" ? block.text : ""))
    .join("");
}

function holdsToolBlocks(body: any): boolean {
  const messages: unknown = body?.messages;
  if (!Array.isArray(messages)) return false;
  return messages.some(
    (m: any) =>
      Array.isArray(m?.content) && m.content.some((b: any) => b?.type === "tool_use" || b?.type === "tool_result"),
  );
}

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: object };

function answerFor(body: any): { block: Block; stopReason: "end_turn" | "tool_use" } {
  const text = lastUserText(body);
  const firstTool: unknown = Array.isArray(body?.tools) ? body.tools[0]?.name : undefined;
  if (typeof firstTool === "string" && text.includes("use tool")) {
    return {
      block: { type: "tool_use", id: "toolu_1", name: firstTool, input: FAKE_TOOL_INPUT },
      stopReason: "tool_use",
    };
  }
  return { block: { type: "text", text: `echo: ${text}` }, stopReason: "end_turn" };
}

const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

function thinks(body: any): boolean {
  return body?.thinking?.type === "enabled";
}

/** The thinking block as Anthropic streams it: empty start, thinking deltas, the signature, stop. */
function thinkingFrames(plan: StreamPlan): string[] {
  return [
    event("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
    ...splitInto(FAKE_THINKING.thinking, plan.chunks).map((thinking) =>
      event("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking } }),
    ),
    event("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: FAKE_THINKING.signature } }),
    event("content_block_stop", { index: 0 }),
  ];
}

function streamFrames(
  id: string,
  model: string,
  block: Block,
  stopReason: string,
  plan: StreamPlan,
  thinking: boolean,
): string[] {
  const index = thinking ? 1 : 0;
  const start = block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} };
  const deltas =
    block.type === "text"
      ? splitInto(block.text, plan.chunks).map((text) => ({ type: "text_delta", text }))
      : splitInto(JSON.stringify(block.input), plan.chunks).map((partial_json) => ({
          type: "input_json_delta",
          partial_json,
        }));
  const message = {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // Anthropic reports a token or so here and the cumulative output count in message_delta.
    usage: { input_tokens: FAKE_ANTHROPIC_USAGE.input_tokens, output_tokens: 1 },
  };
  return [
    event("message_start", { message }),
    ...(thinking ? thinkingFrames(plan) : []),
    event("content_block_start", { index, content_block: start }),
    event("ping", {}),
    ...deltas.map((delta) => event("content_block_delta", { index, delta })),
    event("content_block_stop", { index }),
    event("message_delta", {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: FAKE_ANTHROPIC_USAGE.output_tokens },
    }),
    event("message_stop", {}),
  ];
}

function createAnthropicDialect(): Dialect {
  let counter = 0;

  function reply(request: RecordedRequest, out: ReplyWriter, forced: StreamPlan | undefined): Promise<void> | void {
    const id = `msg_fake_${++counter}`;
    const model = requestModel(request) ?? "unknown";
    const { block, stopReason } = answerFor(request.body);
    if (forced === undefined && request.body?.stream !== true) {
      return out.json(200, {
        id,
        type: "message",
        role: "assistant",
        model,
        content: thinks(request.body) ? [FAKE_THINKING, block] : [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: FAKE_ANTHROPIC_USAGE,
      });
    }
    const plan = forced ?? DEFAULT_STREAM;
    return out.sse(streamFrames(id, model, block, stopReason, plan, thinks(request.body)), plan.chunkDelayMs);
  }

  return {
    route(method, pathname) {
      if (method !== "POST") return undefined;
      if (/^\/v1\/messages\/?$/.test(pathname)) return "messages";
      return /^\/v1\/messages\/count_tokens\/?$/.test(pathname) ? "count_tokens" : undefined;
    },
    reject(request) {
      if (!header(request, "x-api-key")) return { status: 401, message: "fake: x-api-key header is required" };
      if (!header(request, "anthropic-version")) {
        return { status: 401, message: "fake: anthropic-version header is required" };
      }
      // Anthropic's own rule, which OpenAI does not have.
      if (holdsToolBlocks(request.body) && !(Array.isArray(request.body?.tools) && request.body.tools.length > 0)) {
        return { status: 400, message: "Requests which include `tool_use` or `tool_result` blocks must define tools." };
      }
      return undefined;
    },
    errorBody: (status, message) => ({ type: "error", error: { type: errorType(status), message } }),
    reply: (route, request, out, forced) =>
      route === "count_tokens" ? out.json(200, { input_tokens: FAKE_COUNTED_TOKENS }) : reply(request, out, forced),
  };
}

export function startFakeAnthropic(): Promise<FakeUpstream> {
  return startFakeServer(createAnthropicDialect());
}
