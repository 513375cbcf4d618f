import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import type { ErrorShape } from "../../errors/error-shape.js";
import { withLiteLLMPrefix } from "../../errors/litellm-prefix.js";
import type { Admission } from "../../limits/key-limiter.js";
import { assertWithinBudget } from "../../keys/budget-check.js";
import type { SpendService } from "../../spend/spend-service.js";
import type { Metrics } from "../../metrics/metrics.js";
import type { ProxyOperation } from "../../proxy/provider-adapter.js";
import { splitCallOptions } from "../../proxy/call-options.js";
import type { ProxyOutcome, ProxyRequest, ProxyService } from "../../proxy/proxy-service.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import type { Caller } from "../middleware/auth.js";
import type { RequestRecord } from "../middleware/request-log.js";
import type { RouteInput } from "../route.js";
import { relayStream } from "../stream-relay.js";
import { connectionOf } from "../client-connection.js";
import { writeJsonText } from "../json-reply.js";
import type { CapturedCall, SpendCapture } from "../spend-capture.js";
import { admitKeyLimits, admitModelLimits, countTokens, type KeyLimitDeps } from "./proxy-limits.js";

/** A batch call fans out to every model it names; the bound keeps one request from becoming hundreds. */
const MAX_BATCH_MODELS = 10;

export interface ProxyCallDeps extends KeyLimitDeps {
  proxy: ProxyService;
  metrics: Metrics;
  spendCapture: SpendCapture;
  /** The key's cluster-wide spend, for max_budget. */
  spend: Pick<SpendService, "keySpend">;
}

/** What a family of routes changes about an ordinary call (the Anthropic Messages routes). */
export interface CallEdges {
  /** Body fields the proxy would take as LiteLLM's own that this API forwards (Anthropic's `metadata`). */
  forwarded?: readonly string[];
  /** Request headers passed on to the provider's adapter (which decides what it sends). */
  forwardedHeaders?: readonly string[];
  /** How errors are written, mid-stream included. */
  errorShape?: ErrorShape;
}

/** An inference body as its route validated it: only what routing needs is checked. */
export type InferenceBody = Record<string, unknown> & { model: string; stream?: boolean | null };

/** One inference call: routed to one of the model's deployments, its reply relayed as it comes. */
export async function serveCall(
  op: ProxyOperation,
  { body, caller, req, res, record }: RouteInput<unknown, InferenceBody, Caller>,
  deps: ProxyCallDeps,
  edges: CallEdges = {},
): Promise<void> {
  record.modelGroup = body.model;
  const split = splitCallOptions(body);
  const { options } = split;
  const upstreamBody = edges.forwarded ? withForwarded(split.upstreamBody, body, edges.forwarded) : split.upstreamBody;
  const models = batchModels(op, body.model);
  const admission = caller.kind === "virtual" ? deps.keyLimits.admissionOf(res) : undefined;
  const call: ProxyRequest = {
    model: body.model,
    access: caller.access,
    allowList: caller.kind === "virtual" ? caller.key.models : undefined,
    options,
    op,
    body: upstreamBody,
    stream: op !== "embeddings" && body.stream === true,
    client: connectionOf(res),
    // A key with a tpm limit needs a stream's usage even when spend is not recorded.
    recordUsage: deps.spendCapture.enabled || (admission !== undefined && admission.tokenIds.length > 0),
    headers: edges.forwardedHeaders && headersNamed(req.headers, edges.forwardedHeaders),
  };
  if (admission && admission.limits.models.size > 0)
    await admitModelLimits(res, admission, models ?? [body.model], deps);
  const spent: CapturedCall | undefined = deps.spendCapture.enabled
    ? { op, body, caller, record, callId: deps.spendCapture.requestIdOf(req, record) }
    : undefined;
  if (models) return serveBatch(models, call, res, { record, spent }, deps, admission);
  const started = performance.now();
  let outcome: ProxyOutcome;
  try {
    outcome = await deps.proxy.handle(call);
  } catch (error) {
    if (error instanceof ClientGoneError) return;
    if (error instanceof ApiError) {
      if (spent) deps.spendCapture.failed(spent, body.model);
      // Names of models that do not exist come from callers: one label for all of them keeps /metrics bounded.
      const group = error.code === "model_not_found" || error.status === 401 ? "unknown" : body.model;
      deps.metrics.observeProxyCall(group, error.status, (performance.now() - started) / 1000);
    }
    throw error;
  }
  record.deploymentId = outcome.deployment.id;
  record.upstreamMs = Math.round(outcome.trace.upstreamMs * 100) / 100;
  deps.metrics.observeProxyCall(body.model, 200, (performance.now() - started) / 1000);
  setTraceHeaders(res, outcome, record.receivedAt);
  if (outcome.kind === "stream") {
    const completed = await relayStream(res, outcome, edges.errorShape);
    const streamed = outcome.spent();
    if (admission) countTokens(admission, streamed?.usage);
    if (spent) deps.spendCapture.streamed(spent, outcome, completed);
    return;
  }
  if (outcome.kind === "media") {
    // Speech audio (or a transcription as text): its price is known before the bytes are relayed.
    if (outcome.costUsd !== undefined) res.setHeader("x-litellm-response-cost", String(outcome.costUsd));
    if (spent) deps.spendCapture.answered(spent, outcome);
    await relayStream(res, outcome);
    return;
  }
  if (admission) countTokens(admission, outcome.usage);
  if (outcome.costUsd !== undefined) res.setHeader("x-litellm-response-cost", String(outcome.costUsd));
  // The upstream's JSON as it came (or as translated): written directly, no re-encoding.
  // Recorded before the reply is written: the record reaches Redis's socket first, so it survives a kill -9 that
  // follows the reply.
  if (spent) deps.spendCapture.answered(spent, outcome);
  writeJsonText(res, 200, outcome.body);
}

/**
 * LiteLLM's batch completions: `"model": "a,b"` sends the same chat request to each model and answers with the
 * list of their replies, in order; a model that failed has its error object in its place.
 */
async function serveBatch(
  models: string[],
  call: ProxyRequest,
  res: ServerResponse,
  { record, spent }: { record: RequestRecord; spent: CapturedCall | undefined },
  deps: ProxyCallDeps,
  admission: Admission | undefined,
): Promise<void> {
  if (call.stream)
    throw ApiError.badRequest("Batch completions (several models in `model`) cannot be streamed", "stream");
  try {
    for (const model of models) await deps.proxy.assertCallable(call, model);
  } catch (error) {
    // Refused before any model was called: one failure row for the call, as an ordinary call refused gets.
    if (spent && error instanceof ApiError) deps.spendCapture.failed(spent, call.model);
    throw error;
  }
  let slowestUpstreamMs = 0;
  // One spend row per model called: the request id, `:`, and the model's place in the list (ids are unique).
  const spentOn = (index: number) => spent && { ...spent, callId: `${spent.callId}:${index}` };
  const replies = await Promise.all(
    models.map(async (model, index) => {
      try {
        const outcome = await deps.proxy.routeChecked({ ...call, model });
        slowestUpstreamMs = Math.max(slowestUpstreamMs, outcome.trace.upstreamMs);
        if (outcome.kind !== "json") return "null";
        if (admission) countTokens(admission, outcome.usage);
        const row = spentOn(index);
        if (row) deps.spendCapture.answered(row, outcome);
        return outcome.body;
      } catch (error) {
        if (error instanceof ClientGoneError) throw error;
        if (!(error instanceof ApiError)) throw error;
        const row = spentOn(index);
        if (row) deps.spendCapture.failed(row, model);
        return JSON.stringify(withLiteLLMPrefix(error).toBody());
      }
    }),
  ).catch((error: unknown) => {
    if (error instanceof ClientGoneError) return undefined;
    throw error;
  });
  if (!replies) return;
  res.setHeader("x-litellm-model-group", models.join(","));
  // The models are called side by side: the proxy's own share is what the slowest upstream wait does not cover.
  const elapsedMs = performance.now() - record.receivedAt;
  res.setHeader("x-litellm-overhead-duration-ms", Math.max(0, elapsedMs - slowestUpstreamMs).toFixed(3));
  record.upstreamMs = Math.round(slowestUpstreamMs * 100) / 100;
  writeJsonText(res, 200, `[${replies.join(",")}]`);
}

/** The request's headers of these names that were sent (a repeated one joined with commas). */
export function headersNamed(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

/** The caller's own values of `names` put back where splitCallOptions took them out. */
function withForwarded(
  upstream: Record<string, unknown>,
  body: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  let out = upstream;
  for (const name of names) {
    if (body[name] === undefined || body[name] === null || name in upstream) continue;
    if (out === upstream) out = { ...upstream };
    out[name] = body[name];
  }
  return out;
}

/** LiteLLM's x-litellm-* headers: which group answered, after how many retries, and the proxy's own share of the time. */
export function setTraceHeaders(res: ServerResponse, outcome: ProxyOutcome, receivedAt: number): void {
  const { trace } = outcome;
  res.setHeader("x-litellm-model-id", outcome.deployment.id);
  res.setHeader("x-litellm-model-group", trace.group);
  res.setHeader("x-litellm-attempted-retries", String(trace.retries));
  res.setHeader("x-litellm-attempted-fallbacks", String(trace.fallbacks));
  const overhead = Math.max(0, performance.now() - receivedAt - trace.upstreamMs);
  res.setHeader("x-litellm-overhead-duration-ms", overhead.toFixed(3));
}

/** The models of a batch call (`"a,b"`), or undefined for an ordinary one. Only chat completions batch. */
function batchModels(op: ProxyOperation, model: string): string[] | undefined {
  if (op !== "chat" || !model.includes(",")) return undefined;
  const models = model.split(",").map((name) => name.trim());
  if (models.some((name) => name === "")) throw ApiError.badRequest("`model` lists an empty model name", "model");
  if (models.length > MAX_BATCH_MODELS)
    throw ApiError.badRequest(`A batch call names at most ${MAX_BATCH_MODELS} models`, "model");
  return models;
}

/**
 * The inference routes' admission, before the body is read: the key's max_budget first (a refused call holds
 * nothing), then its rpm, tpm and parallel limits.
 */
export function admitCall(caller: Caller, res: ServerResponse, deps: ProxyCallDeps): Promise<void> | undefined {
  if (caller.kind !== "virtual") return undefined;
  assertWithinBudget(caller.key, deps.spend.keySpend);
  return admitKeyLimits(caller, res, deps);
}
