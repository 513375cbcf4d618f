// A stand-in for Google AI Studio's Gemini API (v1beta): generateContent, streamGenerateContent (SSE with ?alt=sse,
// else a JSON array), batchEmbedContents and embedContent, with Google's error shape. Requests are checked the way
// Gemini checks them (key, known fields, roles), so a translation that drifts from the wire format fails here.
import {
  DEFAULT_STREAM,
  splitInto,
  startFakeServer,
  type Dialect,
  type FakeUpstream,
  type RecordedRequest,
  type ReplyWriter,
  type StreamPlan,
} from "./fake-upstream-common.js";

export type { Behavior, FakeUpstream, RecordedRequest } from "./fake-upstream-common.js";

export const FAKE_GEMINI_USAGE = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 } as const;
export const FAKE_GEMINI_TOOL_ARGS = { city: "Paris" } as const;
export const FAKE_GEMINI_DIMENSIONS = 4;
/** Sent with every function call, and required back on it in later turns, as Gemini's thinking models do. */
export const FAKE_GEMINI_SIGNATURE = "ZmFrZS1zaWduYXR1cmU=";

const METHOD = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|embedContent)$/;

// Google's canonical status names for the HTTP statuses its APIs answer.
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const GENERATE_FIELDS = new Set([
  "contents",
  "systemInstruction",
  "generationConfig",
  "tools",
  "toolConfig",
  "safetySettings",
  "cachedContent",
]);

function pathParts(request: RecordedRequest): { model: string; method: string; query: URLSearchParams } | undefined {
  const [pathname = "", query = ""] = request.path.split("?");
  const match = METHOD.exec(pathname);
  if (!match) return undefined;
  return { model: decodeURIComponent(match[1]!), method: match[2]!, query: new URLSearchParams(query) };
}

function apiKeyOf(request: RecordedRequest): string | undefined {
  const header = request.headers["x-goog-api-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value ?? pathParts(request)?.query.get("key") ?? undefined;
}

function generateProblem(body: any): string | undefined {
  if (typeof body !== "object" || body === null) return "Invalid JSON payload received.";
  const unknown = Object.keys(body).find((key) => !GENERATE_FIELDS.has(key));
  if (unknown !== undefined) return `Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`;
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    return "* GenerateContentRequest.contents: contents is not specified";
  }
  if (body.contents.some((c: any) => c?.role !== "user" && c?.role !== "model")) {
    return "Please use a valid role: user, model.";
  }
  if (body.contents.some((c: any) => !Array.isArray(c?.parts) || c.parts.length === 0)) {
    return "* GenerateContentRequest.contents.parts: contents.parts must not be empty.";
  }
  const unsigned = body.contents.some((c: any) =>
    c.parts.some((p: any) => p?.functionCall !== undefined && p.thoughtSignature !== FAKE_GEMINI_SIGNATURE),
  );
  if (unsigned) return "Function call is missing a thought_signature in functionCall parts.";
  return undefined;
}

function embedProblem(method: string, model: string, body: any): string | undefined {
  const requests: unknown[] = method === "embedContent" ? [{ model: `models/${model}`, ...body }] : body?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return "* BatchEmbedContentsRequest.requests: is empty";
  const wrong = requests.find((r: any) => r?.model !== `models/${model}`);
  if (wrong !== undefined) {
    return `* BatchEmbedContentsRequest.requests: model mismatch, expected models/${model}`;
  }
  return undefined;
}

function lastUserText(body: any): string {
  const contents: unknown = body?.contents;
  if (!Array.isArray(contents)) return "";
  const last = contents.filter((c: any) => c?.role === "user" && c.parts?.some((p: any) => "text" in p)).at(-1);
  return (last?.parts ?? []).map((p: any) => (typeof p.text === "string" ? p.text : "")).join("");
}

type Part = { text: string } | { functionCall: { name: string; args: object }; thoughtSignature: string };

function answerFor(body: any): Part {
  const text = lastUserText(body);
  const firstTool: unknown = body?.tools?.[0]?.functionDeclarations?.[0]?.name;
  if (typeof firstTool === "string" && text.includes("use tool")) {
    return { functionCall: { name: firstTool, args: FAKE_GEMINI_TOOL_ARGS }, thoughtSignature: FAKE_GEMINI_SIGNATURE };
  }
  if (body?.generationConfig?.responseMimeType === "application/json") return { text: JSON.stringify({ echo: text }) };
  return { text: `echo: ${text}` };
}

/** Deterministic, so a test can compare the vectors it gets back through the proxy. */
export function fakeGeminiVector(text: string): number[] {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return Array.from({ length: FAKE_GEMINI_DIMENSIONS }, (_, i) => ((hash >>> (i * 3)) % 1000) / 1000);
}

function streamChunks(model: string, part: Part, plan: StreamPlan, candidates: number): object[] {
  const pieces: Part[] = "text" in part ? splitInto(part.text, plan.chunks).map((text) => ({ text })) : [part];
  return pieces.map((piece, i) => {
    const last = i === pieces.length - 1;
    // usageMetadata is cumulative: the last chunk carries the final counts.
    const output = last ? FAKE_GEMINI_USAGE.candidatesTokenCount : i + 1;
    return {
      candidates: Array.from({ length: candidates }, (_, index) => ({
        content: { parts: [piece], role: "model" },
        index,
        ...(last ? { finishReason: "STOP" } : {}),
      })),
      usageMetadata: {
        promptTokenCount: FAKE_GEMINI_USAGE.promptTokenCount,
        candidatesTokenCount: output,
        totalTokenCount: FAKE_GEMINI_USAGE.promptTokenCount + output,
      },
      modelVersion: model,
      responseId: "fake-response-1",
    };
  });
}

function replyGenerate(
  request: RecordedRequest,
  out: ReplyWriter,
  forced: StreamPlan | undefined,
): Promise<void> | void {
  const { model, method, query } = pathParts(request)!;
  const part = answerFor(request.body);
  const candidates = Math.max(1, Number(request.body?.generationConfig?.candidateCount ?? 1));
  if (method === "generateContent" && forced === undefined) {
    return out.json(200, {
      candidates: Array.from({ length: candidates }, (_, index) => ({
        content: { parts: [part], role: "model" },
        finishReason: "STOP",
        index,
      })),
      usageMetadata: FAKE_GEMINI_USAGE,
      modelVersion: model,
      responseId: "fake-response-1",
    });
  }
  const plan = forced ?? DEFAULT_STREAM;
  const chunks = streamChunks(model, part, plan, candidates);
  // Without alt=sse, Gemini streams one JSON array; with it, one `data:` frame per chunk, CRLF-separated.
  if (query.get("alt") !== "sse") return out.json(200, chunks);
  return out.sse(
    chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`),
    plan.chunkDelayMs,
  );
}

function replyEmbed(request: RecordedRequest, out: ReplyWriter): void {
  const { method } = pathParts(request)!;
  const requests: any[] = method === "embedContent" ? [request.body] : request.body.requests;
  const embeddings = requests.map((r) => {
    const text = (r.content?.parts ?? []).map((p: any) => p.text ?? "").join("");
    const values = fakeGeminiVector(text);
    return { values: typeof r.outputDimensionality === "number" ? values.slice(0, r.outputDimensionality) : values };
  });
  out.json(200, method === "embedContent" ? { embedding: embeddings[0] } : { embeddings });
}

function createGeminiDialect(): Dialect {
  return {
    route: (method, pathname) => (method === "POST" ? METHOD.exec(pathname)?.[2] : undefined),
    reject(request) {
      if (!apiKeyOf(request)) {
        return {
          status: 403,
          message:
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        };
      }
      const { model, method } = pathParts(request)!;
      const problem =
        method === "batchEmbedContents" || method === "embedContent"
          ? embedProblem(method, model, request.body)
          : generateProblem(request.body);
      return problem === undefined ? undefined : { status: 400, message: problem };
    },
    errorBody: (status, message) => ({
      error: {
        code: status,
        message,
        status: STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"),
      },
    }),
    reply(route, request, out, forced) {
      if (route === "batchEmbedContents" || route === "embedContent") return replyEmbed(request, out);
      return replyGenerate(request, out, forced);
    },
  };
}

export function startFakeGemini(): Promise<FakeUpstream> {
  return startFakeServer(createGeminiDialect());
}
