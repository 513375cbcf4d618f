import { pipeline, type Readable } from "node:stream";
import { ApiError, type UpstreamFailure } from "../errors/api-error.js";
import { errorTypeForStatus } from "../errors/error-types.js";
import type { Deployment } from "../registry/deployment.js";
import { scrubSecrets } from "../registry/secret-scrub.js";
import type { ProviderAdapter, ProxyOperation, StreamTranslator, UpstreamRequest } from "./provider-adapter.js";
import { AbortSwitch } from "./abort-switch.js";
import { sseEvents } from "./sse.js";
import { secretMasker } from "./secret-mask-stream.js";
import { createUsageScanner } from "./stream-usage.js";
import { type BilledUnits, billedUnitsOf, isMediaReply } from "./media/billed-units.js";
import { completionTokensOf, promptTokensOf } from "./providers/anthropic-response.js";
import type { UpstreamClient, UpstreamResponse } from "./upstream-client.js";

/** The outcome of one call to one deployment. */
export type AttemptResult =
  | { kind: "json"; body: string; usage?: Usage; units?: BilledUnits }
  /** A reply that is not JSON (speech audio, a transcription as text): relayed as it comes, its content type kept. */
  | { kind: "media"; contentType: string; source: Readable; finish: () => void; units?: BilledUnits }
  | {
      kind: "stream";
      source: AsyncIterable<string | Buffer>;
      finish: () => void;
      /** The usage the stream reported so far (complete once it has ended), when it was read. */
      usage?: () => Usage | undefined;
      /** Applied by the relay to each chunk it writes (the secret mask), when no stream stage applies it already. */
      rewrite?: (chunk: Buffer) => Buffer;
    }
  | {
      kind: "failed";
      error: ApiError;
      retryable: boolean;
      /** What went wrong underneath (a socket error, say): for the log line, never for the caller. */
      cause?: string;
      /**
       * Set when the call failed before the upstream was reached (a body that cannot be serialised, a bug of ours):
       * says nothing about the deployment, so it neither cools it down nor counts as an upstream failure.
       */
      beforeCall?: true;
    };

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface AttemptInput {
  op: ProxyOperation;
  body: Record<string, unknown>;
  stream: boolean;
  /** The name the caller asked for: responses carry it, not the upstream's own name. */
  model: string;
  /** The model group being called (the requested one or a fallback): a failure names it, never the deployment. */
  group: string;
  deployment: Deployment;
  adapter: ProviderAdapter;
  timeoutMs: number;
  client: ClientConnection;
  /** Spend is recorded: a stream's usage is read (and requested from OpenAI-compatible upstreams, see usageBody). */
  recordUsage?: boolean;
  /** Caller headers the adapter may forward (see ProxyRequest). */
  headers?: Readonly<Record<string, string>>;
  /** The deployment's secret values, masked wherever a relayed stream quotes them (see secret-mask-stream.ts). */
  secrets?: readonly string[];
}

/** The caller's side of the call: says when the caller has gone, so the upstream call can be dropped too. */
export interface ClientConnection {
  /** Calls `listener` once the caller has gone (at once if it already has); returns a function that stops watching. */
  onGone(listener: () => void): () => void;
}

export class ClientGoneError extends Error {}

/**
 * Calls one deployment. Connection errors, timeouts, 429 and 5xx are retryable (another deployment may
 * answer); other 4xx are the caller's mistake and come back as they are.
 */
export async function attemptDeployment(client: UpstreamClient, input: AttemptInput): Promise<AttemptResult> {
  const { adapter, deployment } = input;
  let request: UpstreamRequest;
  try {
    request = adapter.buildRequest(input.op, usageBody(input), deployment, input.headers);
  } catch (error) {
    return failedBeforeCall(error);
  }
  const controller = new AbortSwitch();
  const stopWatchingClient = input.client.onGone(() => controller.abort(new ClientGoneError()));
  const timer = setTimeout(() => controller.abort(new TimeoutError(input.timeoutMs)), input.timeoutMs);
  const cleanup = () => {
    clearTimeout(timer);
    stopWatchingClient();
  };
  let response: UpstreamResponse;
  try {
    response = await client.send(request, deployment, controller, input.timeoutMs);
  } catch (error) {
    cleanup();
    return connectionFailure(error, controller, input.group);
  }
  let handedOff = false;
  try {
    // undici follows no redirect: a 3xx is as much a failure as a 5xx (and must not reach the caller as a 200).
    if (response.status < 200 || response.status >= 300) return await failedResponse(response, input);
    if (input.stream) {
      clearTimeout(timer); // the timeout covers the wait for the first byte; a stream may then run long
      handedOff = true;
      return { kind: "stream", ...streamSource(response, input, controller), finish: cleanup };
    }
    if (isMediaReply(input.op, response.contentType)) {
      clearTimeout(timer); // as for a stream: the timeout covers the wait for the first byte
      handedOff = true;
      const contentType = response.contentType ?? "application/octet-stream";
      const units = billedUnitsOf(input.op, input.body, undefined);
      return { kind: "media", contentType, source: response.body, finish: cleanup, units };
    }
    const text = await response.body.text();
    return jsonResult(text, input);
  } catch (error) {
    response.body.destroy();
    return connectionFailure(error, controller, input.group);
  } finally {
    if (!handedOff) cleanup();
  }
}

class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/**
 * Building the request failed, so the upstream was never called: JSON.stringify throws a RangeError on a body nested
 * too deeply for its recursion (the caller's doing, 400), an adapter throws an ApiError for a body it cannot map;
 * anything else is a bug of ours (500, detail in the log).
 */
function failedBeforeCall(error: unknown): AttemptResult {
  // An adapter refusing a body it cannot map gives the caller's 4xx itself.
  if (error instanceof ApiError)
    return { kind: "failed", retryable: false, error, cause: error.message, beforeCall: true };
  const cause = messageOf(error) ?? "unknown error";
  // By name: errors thrown by V8 itself may come from another realm (see messageOf).
  const rangeError = (error as { name?: unknown } | null | undefined)?.name === "RangeError";
  const apiError = rangeError ? ApiError.unserialisableBody() : ApiError.internal();
  return { kind: "failed", retryable: false, error: apiError, cause, beforeCall: true };
}

/** The caller learns which model failed; the socket error stays in `cause`, for the log. */
function connectionFailure(error: unknown, signal: AbortSwitch, group: string): AttemptResult {
  const reason: unknown = signal.aborted ? signal.reason : error;
  if (reason instanceof ClientGoneError) throw reason;
  // undici refuses a request it cannot send (a header value with a line break, say) before opening any socket.
  if ((reason as { code?: unknown } | null | undefined)?.code === "UND_ERR_INVALID_ARG")
    return failedBeforeCall(reason);
  if (reason instanceof TimeoutError) {
    return { kind: "failed", retryable: true, error: ApiError.upstreamTimeout(group, reason.ms) };
  }
  const cause = messageOf((reason as { cause?: unknown } | null | undefined)?.cause) ?? messageOf(reason);
  return {
    kind: "failed",
    retryable: true,
    error: ApiError.upstreamUnreachable(group),
    cause: cause ?? "unknown error",
  };
}

/**
 * Read by shape rather than `instanceof Error`: Node's own socket errors (ECONNREFUSED) come from another realm when
 * the code runs inside a VM context, as under jest, and would then read as "unknown error".
 */
function messageOf(value: unknown): string | undefined {
  const message = (value as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message : undefined;
}

async function failedResponse(response: UpstreamResponse, input: AttemptInput): Promise<AttemptResult> {
  const { adapter, deployment } = input;
  const { status } = response;
  if (status < 400) {
    await response.body.dump().catch(() => undefined); // a redirect's page is of no use to anyone
    return { kind: "failed", retryable: true, error: ApiError.upstreamUnexpectedStatus(input.group, status) };
  }
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const retryable = status === 429 || status >= 500;
  const described = adapter.describeError(status, json);
  // The upstream's own words may quote the deployment's credentials (`Incorrect API key provided: sk-...`).
  const failure = { ...described, message: scrubSecrets(described.message, deployment) };
  return { kind: "failed", retryable, error: ApiError.upstreamError(status, adapter.exceptionName, failure) };
}

/** Parsed even when relayed as it came: usage is needed for the cost, and a 200 that is not JSON is the upstream's fault (502). */
function jsonResult(text: string, input: AttemptInput): AttemptResult {
  const json = JSON.parse(text) as unknown;
  const units = billedUnitsOf(input.op, input.body, json);
  if (input.adapter.passthrough) return { kind: "json", body: text, usage: readUsage(json), units };
  const translated = input.adapter.transformResponse!(input.op, json, input.model, input.body);
  return { kind: "json", body: JSON.stringify(translated), usage: readUsage(translated), units };
}

type ReplyUsage = {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
};

/** Chat's prompt/completion tokens, or the Responses API's (and image generation's) input/output tokens. */
function readUsage(json: unknown): Usage | undefined {
  const usage = (json as { usage?: ReplyUsage } | null)?.usage;
  if (!usage) return undefined;
  if (typeof usage.prompt_tokens === "number")
    return {
      promptTokens: usage.prompt_tokens,
      completionTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
    };
  return inputOutputUsage(usage);
}

/**
 * The Responses API's and Anthropic's (the Messages API's replies) input/output tokens; Anthropic's input counts cache
 * reads and writes too, as pricing does (the Responses API has no such fields).
 */
function inputOutputUsage(usage: Record<string, unknown>): Usage | undefined {
  if (typeof usage.input_tokens !== "number") return undefined;
  return { promptTokens: promptTokensOf(usage), completionTokens: completionTokensOf(usage) };
}

/** An error the provider sends inside the stream becomes an OpenAI-shaped error frame with its own message. */
function translateEvent(translator: StreamTranslator, event: string, data: string, input: AttemptInput): string[] {
  try {
    return translator.push(event, data);
  } catch (error) {
    const info = (error as Error & { cause?: Partial<UpstreamFailure> }).cause;
    const message = info?.message ?? (error instanceof Error ? error.message : "upstream stream error");
    throw ApiError.upstreamError(502, input.adapter.exceptionName, {
      message: scrubSecrets(message, input.deployment),
      type: info?.type ?? errorTypeForStatus(502),
      code: info?.code ?? "upstream_stream_error",
    });
  }
}

/**
 * The body sent upstream. For spend, a streamed call to an OpenAI-compatible upstream asks for the usage chunk
 * (`stream_options.include_usage`) when the caller did not; the relay removes it again (see streamSource).
 */
function usageBody(input: AttemptInput): Record<string, unknown> {
  const { body } = input;
  if (!input.recordUsage || !input.stream || !input.adapter.passthrough || wantsUsage(body)) return body;
  // Only chat and text completions take stream_options.include_usage (the Responses API reports usage anyway).
  if (input.op !== "chat" && input.op !== "completions") return body;
  const options = body.stream_options;
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) return body;
  return { ...body, stream_options: { ...options, include_usage: true } };
}

interface StreamSource {
  source: AsyncIterable<string | Buffer>;
  usage?: () => Usage | undefined;
  rewrite?: (chunk: Buffer) => Buffer;
}

/**
 * Passthrough providers are relayed byte for byte (less the usage frame the caller did not ask for); others are
 * parsed, translated and re-framed as OpenAI SSE.
 */
function streamSource(response: UpstreamResponse, input: AttemptInput, controller: AbortSwitch): StreamSource {
  if (input.adapter.passthrough) {
    const secrets = input.secrets ?? [];
    if (!input.recordUsage && secrets.length === 0) return { source: response.body };
    const mask = secrets.length > 0 ? secretMasker(secrets) : undefined;
    // Without spend, no stream stage at all: a stage per stream measured as most of a stream's added CPU, so the
    // relay applies the mask as it writes. With spend, the usage scanner masks what it passes on.
    if (!input.recordUsage) return { source: response.body, rewrite: mask };
    const scanner = createUsageScanner(!wantsUsage(input.body), mask);
    // An upstream failure reaches the relay as the scanner's error; the callback only keeps pipeline from throwing.
    pipeline(response.body, scanner.stream, () => undefined);
    return { source: scanner.stream, usage: scanner.usage };
  }
  const includeUsage = wantsUsage(input.body);
  const translator = input.adapter.createStreamTranslator!(input.model, includeUsage, input.op);
  const body = response.body as AsyncIterable<Buffer>;
  const events = input.adapter.decodeStream?.(body) ?? sseEvents(body);
  const source = (async function* translate() {
    try {
      for await (const event of events) {
        for (const payload of translateEvent(translator, event.event, event.data, input))
          yield translator.framed ? payload : `data: ${payload}\n\n`;
      }
      for (const payload of translator.end?.() ?? []) yield translator.framed ? payload : `data: ${payload}\n\n`;
      if (!translator.framed) yield "data: [DONE]\n\n";
    } finally {
      if (!response.body.destroyed) controller.abort(new ClientGoneError());
    }
  })();
  return { source, usage: translator.usage };
}

/** Whether the caller asked for the usage chunk at the end of a stream (`stream_options.include_usage`). */
export function wantsUsage(body: Readonly<Record<string, unknown>>): boolean {
  return Boolean((body.stream_options as { include_usage?: unknown } | undefined)?.include_usage);
}

/** Node timers overflow past 2^31-1 ms (and then fire at once), so longer timeouts and intervals are capped there. */
export const MAX_TIMER_MS = 2_147_483_647;
