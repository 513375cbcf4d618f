import type { UpstreamFailure } from "../errors/api-error.js";
import { upstreamErrorType } from "../errors/error-types.js";
import type { Deployment } from "../registry/deployment.js";
import type { ProviderName } from "../registry/providers.js";

/** OpenAI's operations, and Anthropic's Messages API (`messages`, `count_tokens`; see src/proxy/messages/). */
export type ProxyOperation =
  | "chat"
  | "completions"
  | "embeddings"
  | "responses"
  | "image_generation"
  | "audio_speech"
  | "audio_transcription"
  | "moderation"
  | "messages"
  | "count_tokens";

export interface UpstreamRequest {
  /** Absolute URL; the client keeps one connection pool per origin. */
  url: string;
  headers: Record<string, string>;
  /** JSON text; bytes for a multipart upload (audio transcriptions). */
  body: string | Buffer;
}

/** One event of a streamed reply, as its framing delivers it: a name and its payload text. */
export interface StreamEvent {
  event: string;
  data: string;
}

export interface StreamTranslator {
  /** One upstream event in (SSE, or the adapter's own framing), zero or more OpenAI `data:` payloads (JSON text) out. */
  push(event: string, data: string): string[];
  /** The usage reported so far (prompt tokens known once the stream started), for spend. */
  usage?(this: void): { promptTokens: number; completionTokens: number } | undefined;
  /**
   * push() returns whole SSE frames (`event:` and `data:` lines: the Responses API's, Anthropic's named events) and
   * the stream ends without OpenAI's `data: [DONE]`.
   */
  framed?: boolean;
  /** The upstream stream ended: frames still owed (a translation that closes on `[DONE]` and got none). */
  end?(this: void): string[];
}

/**
 * A provider as data: how to address it, authenticate, and map OpenAI's formats to and from its own.
 * OpenAI-compatible providers need no body mapping (`passthrough`), so their replies are relayed byte for byte.
 */
export interface ProviderAdapter {
  name: ProviderName;
  /** LiteLLM's name for the provider's errors (`OpenAIException`): upstream error messages start with it. */
  exceptionName: string;
  supports(op: ProxyOperation): boolean;
  buildRequest(
    op: ProxyOperation,
    body: Record<string, unknown>,
    deployment: Deployment,
    /** Caller headers meant for the provider (Anthropic's `anthropic-beta`), when the route forwards any. */
    callerHeaders?: Readonly<Record<string, string>>,
  ): UpstreamRequest;
  passthrough: boolean;
  /** Non-passthrough only: upstream JSON → OpenAI JSON; `body` is the caller's request (e.g. its encoding_format). */
  transformResponse?(
    op: ProxyOperation,
    json: unknown,
    model: string,
    body: Readonly<Record<string, unknown>>,
  ): unknown;
  /** Non-passthrough only: a translator for one streamed reply. */
  createStreamTranslator?(model: string, includeUsage: boolean, op: ProxyOperation): StreamTranslator;
  /**
   * Non-passthrough only: the reply body's framing, as events for the translator. Unset means Server-Sent Events;
   * a provider with another framing (Bedrock's binary event stream) brings its decoder.
   */
  decodeStream?(body: AsyncIterable<Uint8Array>): AsyncIterable<StreamEvent>;
  /** What the adapter knows about a failed upstream reply, in OpenAI's error vocabulary. */
  describeError(status: number, body: unknown): UpstreamFailure;
  /** Non-passthrough only: OpenAI parameters in the body this provider cannot express (dropped or refused). */
  unsupportedParams?(op: ProxyOperation, body: Readonly<Record<string, unknown>>): string[];
}

/** LiteLLM's `additional_drop_params` on a deployment: body fields never sent to it. */
export function droppedParamsOf(deployment: Deployment): readonly string[] | undefined {
  const value = deployment.litellmParams.additional_drop_params;
  return Array.isArray(value) && value.length > 0
    ? value.filter((name): name is string => typeof name === "string")
    : undefined;
}

export function stringParam(deployment: Deployment, name: string): string | undefined {
  const value = deployment.litellmParams[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Headers configured on the deployment, e.g. an org id or a gateway token: LiteLLM's `headers` and `extra_headers`
 * (object form; `extra_headers` wins where both name a header).
 */
function extraHeaders(deployment: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of ["headers", "extra_headers"]) {
    const value = deployment.litellmParams[field];
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    for (const [key, inner] of Object.entries(value)) if (typeof inner === "string") out[key] = inner;
  }
  return out;
}

/**
 * Every upstream call's headers: JSON, the provider's fixed headers, its way of sending the key (only when one is
 * set), then the deployment's own `extra_headers`, which win.
 */
export function requestHeaders(
  deployment: Deployment,
  auth: (apiKey: string) => Record<string, string>,
  fixed: Record<string, string> = {},
): Record<string, string> {
  const apiKey = stringParam(deployment, "api_key");
  return { "content-type": "application/json", ...fixed, ...(apiKey ? auth(apiKey) : {}), ...extraHeaders(deployment) };
}

/**
 * `base` + `path`, where the base may carry its own query string (a gateway's `?api-key=...`): the path goes before
 * it, and a query on the path is appended to the base's.
 */
export function joinUrl(base: string, path: string): string {
  const baseQueryAt = base.indexOf("?");
  if (baseQueryAt === -1) return `${base.replace(/\/+$/, "")}${path}`;
  const pathQueryAt = path.indexOf("?");
  const pathOnly = pathQueryAt === -1 ? path : path.slice(0, pathQueryAt);
  const pathQuery = pathQueryAt === -1 ? "" : `&${path.slice(pathQueryAt + 1)}`;
  return `${base.slice(0, baseQueryAt).replace(/\/+$/, "")}${pathOnly}${base.slice(baseQueryAt)}${pathQuery}`;
}

/** OpenAI's own error shape, when an OpenAI-compatible upstream sent one. */
export function describeOpenAiError(status: number, body: unknown): UpstreamFailure {
  const error = (body as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined)?.error;
  const message = typeof error?.message === "string" ? error.message : `Upstream returned HTTP ${status}`;
  const code = typeof error?.code === "string" ? error.code : null;
  return { message, type: upstreamErrorType(status, error?.type), code };
}
