// A stand-in for OpenAI (and Azure OpenAI): chat completions, legacy completions and embeddings, as JSON or SSE.
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

export const FAKE_OPENAI_USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } as const;
export const FAKE_EMBEDDING_DIMENSIONS = 8;

type Route = "chat" | "completions" | "embeddings";
const OPERATIONS: Record<string, Route> = {
  "chat/completions": "chat",
  completions: "completions",
  embeddings: "embeddings",
};

/** `/v1/<op>`, `/<op>` and Azure's `/openai/deployments/<deployment>/<op>`. */
function routeOf(method: string, pathname: string): Route | undefined {
  if (method !== "POST") return undefined;
  const operation = /^(?:\/v1|\/openai\/deployments\/[^/]+)?\/(chat\/completions|completions|embeddings)\/?$/.exec(
    pathname,
  )?.[1];
  return operation === undefined ? undefined : OPERATIONS[operation];
}

function errorType(status: number): string {
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) =>
      typeof part === "object" && part !== null && "text" in part && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}

function lastUserText(body: any): string {
  const messages: unknown = body?.messages;
  if (!Array.isArray(messages)) return "";
  const last = messages.filter((m: any) => m?.role === "user").at(-1);
  return textOf(last?.content);
}

function promptText(body: any): string {
  const prompt: unknown = body?.prompt;
  if (Array.isArray(prompt)) return typeof prompt[0] === "string" ? prompt[0] : "";
  return typeof prompt === "string" ? prompt : "";
}

/** One entry per input: a string, a list of strings, a list of token ids, or a list of token-id lists. */
function embeddingInputs(input: unknown): string[] {
  if (!Array.isArray(input)) return [typeof input === "string" ? input : JSON.stringify(input ?? "")];
  if (input.length > 0 && input.every((item) => typeof item === "number")) return [input.join(",")];
  return input.map((item: unknown) => (Array.isArray(item) ? item.join(",") : String(item)));
}

/** Deterministic, so a test can compare the vectors it gets back through the proxy. */
function fakeVector(text: string): number[] {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return Array.from(
    { length: FAKE_EMBEDDING_DIMENSIONS },
    (_, i) => ((((hash >>> i) ^ (i * 7919)) >>> 0) % 1000) / 1000 - 0.5,
  );
}

function base64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

const dataFrame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

function createOpenAIDialect(): Dialect {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}-fake-${++counter}`;
  const created = () => Math.floor(Date.now() / 1000);

  function replyChat(request: RecordedRequest, out: ReplyWriter, forced: StreamPlan | undefined): Promise<void> | void {
    const model = requestModel(request) ?? "unknown";
    const content = `echo: ${lastUserText(request.body)}`;
    const id = nextId("chatcmpl");
    if (forced === undefined && request.body?.stream !== true) {
      return out.json(200, {
        id,
        object: "chat.completion",
        created: created(),
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
        usage: FAKE_OPENAI_USAGE,
      });
    }
    const plan = forced ?? DEFAULT_STREAM;
    const includeUsage = request.body?.stream_options?.include_usage === true;
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    const chunk = (choices: unknown[], usage: unknown = null) => ({
      id,
      object: "chat.completion.chunk",
      created: created(),
      model,
      choices,
      ...(includeUsage ? { usage } : {}),
    });
    const delta = (d: object, finish: string | null = null) => ({
      index: 0,
      delta: d,
      logprobs: null,
      finish_reason: finish,
    });
    const frames = [
      chunk([delta({ role: "assistant", content: "" })]),
      ...splitInto(content, plan.chunks).map((piece) => chunk([delta({ content: piece })])),
      chunk([delta({}, "stop")]),
      ...(includeUsage ? [chunk([], FAKE_OPENAI_USAGE)] : []),
    ].map(dataFrame);
    return out.sse([...frames, "data: [DONE]\n\n"], plan.chunkDelayMs);
  }

  function replyCompletions(
    request: RecordedRequest,
    out: ReplyWriter,
    forced: StreamPlan | undefined,
  ): Promise<void> | void {
    const model = requestModel(request) ?? "unknown";
    const text = `echo: ${promptText(request.body)}`;
    const id = nextId("cmpl");
    const choice = (piece: string, finish: string | null) => ({
      text: piece,
      index: 0,
      logprobs: null,
      finish_reason: finish,
    });
    const completion = (choices: unknown[], usage?: unknown) => ({
      id,
      object: "text_completion",
      created: created(),
      model,
      choices,
      ...(usage === undefined ? {} : { usage }),
    });
    if (forced === undefined && request.body?.stream !== true) {
      return out.json(200, completion([choice(text, "stop")], FAKE_OPENAI_USAGE));
    }
    const plan = forced ?? DEFAULT_STREAM;
    const frames = [
      ...splitInto(text, plan.chunks).map((piece) => completion([choice(piece, null)])),
      completion([choice("", "stop")]),
      ...(request.body?.stream_options?.include_usage === true ? [completion([], FAKE_OPENAI_USAGE)] : []),
    ].map(dataFrame);
    return out.sse([...frames, "data: [DONE]\n\n"], plan.chunkDelayMs);
  }

  // Embeddings never stream; a stream-slow behavior gets the ordinary JSON reply.
  function replyEmbeddings(request: RecordedRequest, out: ReplyWriter): void {
    const base64 = request.body?.encoding_format === "base64";
    const data = embeddingInputs(request.body?.input).map((text, index) => {
      const vector = fakeVector(text);
      return { object: "embedding", index, embedding: base64 ? base64Floats(vector) : vector };
    });
    out.json(200, {
      object: "list",
      data,
      model: requestModel(request) ?? "unknown",
      usage: { prompt_tokens: 10, total_tokens: 10 },
    });
  }

  return {
    route: routeOf,
    errorBody: (status, message) => ({ error: { message, type: errorType(status), param: null, code: null } }),
    reply(route, request, out, forced) {
      if (route === "chat") return replyChat(request, out, forced);
      if (route === "completions") return replyCompletions(request, out, forced);
      return replyEmbeddings(request, out);
    },
  };
}

export function startFakeOpenAI(): Promise<FakeUpstream> {
  return startFakeServer(createOpenAIDialect());
}
