import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import { withLiteLLMPrefix } from "../../errors/litellm-prefix.js";
import { ParallelRequestLimiter } from "../../keys/parallel-limit.js";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";
import type { ProxyOperation } from "../../proxy/provider-adapter.js";
import { splitCallOptions } from "../../proxy/call-options.js";
import type { ProxyOutcome, ProxyRequest, ProxyService } from "../../proxy/proxy-service.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import type { Caller } from "../middleware/auth.js";
import { sendError } from "../middleware/error-handler.js";
import { requestIdFor } from "../middleware/request-id.js";
import { type RequestRecord, watchRequest } from "../middleware/request-log.js";
import { readJsonBody } from "../read-json-body.js";
import { relayStream } from "../stream-relay.js";
import { parseJson } from "../validate.js";
import { connectionOf } from "../client-connection.js";

/** A batch call fans out to every model it names; the bound keeps one request from becoming hundreds. */
const MAX_BATCH_MODELS = 10;

/** Chat requests may carry images; nginx's client_max_body_size matches. */
export const PROXY_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const model = z.string().trim().min(1);
// LiteLLM's clients send explicit nulls for what they do not set.
const stream = z.boolean().nullish();
const textOrList = z.union([z.string(), z.array(z.unknown()).min(1)]);

// Only what routing needs is checked here; everything else is the upstream's to judge, as with OpenAI.
export const chatRequestSchema = z.looseObject({ model, messages: z.array(z.unknown()).min(1), stream });
export const completionRequestSchema = z.looseObject({ model, prompt: textOrList, stream });
export const embeddingRequestSchema = z.looseObject({ model, input: textOrList });

interface ProxyRoute {
  op: ProxyOperation;
  /** The first is the route's name in logs and metrics. Azure-style paths carry the model as `{model}`. */
  paths: [string, ...string[]];
  schema: z.ZodType<Record<string, unknown> & { model: string; stream?: boolean | null }>;
}

/** Azure OpenAI's URL forms, which LiteLLM serves so that `AzureOpenAI(azure_endpoint=<proxy>)` works. */
const azurePaths = (suffix: string) => [`/openai/deployments/{model}/${suffix}`, `/engines/{model}/${suffix}`];

/** OpenAI's inference endpoints, all POST. */
export const PROXY_ROUTES: readonly ProxyRoute[] = [
  {
    op: "chat",
    paths: ["/v1/chat/completions", "/chat/completions", ...azurePaths("chat/completions")],
    schema: chatRequestSchema,
  },
  {
    op: "completions",
    paths: ["/v1/completions", "/completions", ...azurePaths("completions")],
    schema: completionRequestSchema,
  },
  {
    op: "embeddings",
    paths: ["/v1/embeddings", "/embeddings", ...azurePaths("embeddings")],
    schema: embeddingRequestSchema,
  },
];

interface ProxyRecord extends RequestRecord {
  receivedAt: number;
}

interface MatchedRoute {
  route: ProxyRoute;
  /** The matched pattern, for logs and metrics (never the raw path: it may hold anything). */
  pattern: string;
  /** From an Azure-style path: the model, which wins over the body's. */
  pathModel?: string;
}

const ROUTE_BY_PATH = new Map(
  PROXY_ROUTES.flatMap((route) =>
    route.paths.filter((path) => !path.includes("{")).map((path) => [path, route] as const),
  ),
);
const MODEL_IN_PATH = /^\/(openai\/deployments|engines)\/([^/]+)\/(chat\/completions|completions|embeddings)$/i;

/** The request's path without its query string or one trailing slash. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function matchRoute(path: string): MatchedRoute | undefined {
  const route = ROUTE_BY_PATH.get(path) ?? ROUTE_BY_PATH.get(path.toLowerCase());
  if (route) return { route, pattern: route.paths[0] };
  const azure = MODEL_IN_PATH.exec(path);
  if (!azure) return undefined;
  const suffix = azure[3]!.toLowerCase();
  const pattern = `/${azure[1]!.toLowerCase()}/{model}/${suffix}`;
  const found = PROXY_ROUTES.find((candidate) => candidate.paths.includes(pattern));
  let pathModel: string;
  try {
    pathModel = decodeURIComponent(azure[2]!);
  } catch {
    return undefined; // a malformed %-escape: express's 400 answers it
  }
  return found && { route: found, pattern, pathModel };
}

export interface ProxyRouteDeps {
  proxy: ProxyService;
  metrics: Metrics;
  logger: Logger;
  authenticate: (headers: IncomingMessage["headers"]) => Promise<Caller>;
}

/**
 * The inference routes, served on node:http directly rather than through express: express's per-request set-up
 * alone (re-prototyping req and res, the router walk) measured more CPU than everything else a proxied call does.
 * Same contract as the express routes: x-request-id, one log line and metrics per request, the master key or a
 * virtual key, OpenAI-shaped errors. Matching follows express's defaults (case-insensitive, optional trailing
 * slash). Returns false for any other request.
 */
export function createProxyRoutes(deps: ProxyRouteDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const limiter = new ParallelRequestLimiter();

  async function serve(
    matched: MatchedRoute,
    req: IncomingMessage,
    res: ServerResponse,
    record: ProxyRecord,
  ): Promise<void> {
    const { route } = matched;
    const caller = await deps.authenticate(req.headers);
    const json = await readJsonBody(req, PROXY_BODY_LIMIT_BYTES);
    // Azure's URL names the deployment; its body carries no model (or one the path overrides).
    if (matched.pathModel !== undefined && isRecord(json)) json.model = matched.pathModel;
    const parsed = parseJson(
      route.schema,
      json ?? (matched.pathModel === undefined ? undefined : { model: matched.pathModel }),
    );
    record.modelGroup = parsed.model;
    const { upstreamBody, options } = splitCallOptions(parsed);
    holdParallelSlot(res, caller, limiter);
    const models = batchModels(route, parsed.model);
    const call: ProxyRequest = {
      model: parsed.model,
      access: caller.access,
      allowList: caller.kind === "virtual" ? caller.key.models : undefined,
      options,
      op: route.op,
      body: upstreamBody,
      stream: route.op !== "embeddings" && parsed.stream === true,
      client: connectionOf(res),
    };
    if (models) return serveBatch(models, call, res, record);
    const started = performance.now();
    let outcome: ProxyOutcome;
    try {
      outcome = await deps.proxy.handle(call);
    } catch (error) {
      if (error instanceof ClientGoneError) return;
      if (error instanceof ApiError) {
        // Names of models that do not exist come from callers: one label for all of them keeps /metrics bounded.
        const group = error.code === "model_not_found" || error.status === 401 ? "unknown" : parsed.model;
        deps.metrics.observeProxyCall(group, error.status, (performance.now() - started) / 1000);
      }
      throw error;
    }
    record.deploymentId = outcome.deployment.id;
    record.upstreamMs = Math.round(outcome.trace.upstreamMs * 100) / 100;
    deps.metrics.observeProxyCall(parsed.model, 200, (performance.now() - started) / 1000);
    setTraceHeaders(res, outcome, record.receivedAt);
    if (outcome.kind === "stream") return relayStream(res, outcome);
    if (outcome.costUsd !== undefined) res.setHeader("x-litellm-response-cost", String(outcome.costUsd));
    // The upstream's JSON as it came (or as translated): written directly, no re-encoding.
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(outcome.body),
    });
    res.end(outcome.body);
  }

  /**
   * LiteLLM's batch completions: `"model": "a,b"` sends the same chat request to each model and answers with the
   * list of their replies, in order; a model that failed has its error object in its place.
   */
  async function serveBatch(
    models: string[],
    call: ProxyRequest,
    res: ServerResponse,
    record: ProxyRecord,
  ): Promise<void> {
    if (call.stream)
      throw ApiError.badRequest("Batch completions (several models in `model`) cannot be streamed", "stream");
    for (const model of models) await deps.proxy.assertCallable(call, model);
    const replies = await Promise.all(
      models.map(async (model) => {
        try {
          const outcome = await deps.proxy.handle({ ...call, model });
          return outcome.kind === "json" ? outcome.body : "null";
        } catch (error) {
          if (error instanceof ClientGoneError) throw error;
          if (!(error instanceof ApiError)) throw error;
          return JSON.stringify(withLiteLLMPrefix(error).toBody());
        }
      }),
    ).catch((error: unknown) => {
      if (error instanceof ClientGoneError) return undefined;
      throw error;
    });
    if (!replies) return;
    const body = `[${replies.join(",")}]`;
    res.setHeader("x-litellm-model-group", models.join(","));
    res.setHeader("x-litellm-overhead-duration-ms", "0");
    record.upstreamMs = Math.round((performance.now() - record.receivedAt) * 100) / 100;
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  }

  return (req, res) => {
    if (req.method !== "POST") return false;
    const path = pathOf(req);
    const matched = matchRoute(path);
    if (!matched) return false;
    const record: ProxyRecord = { requestId: requestIdFor(req), receivedAt: performance.now() };
    res.setHeader("x-request-id", record.requestId);
    res.setHeader("x-litellm-call-id", record.requestId);
    watchRequest(deps, req, res, { path, record, route: () => matched.pattern });
    serve(matched, req, res, record).catch((error: unknown) => {
      // LiteLLM's clients and alerts match on its exception class at the start of the message.
      const answered = error instanceof ApiError ? withLiteLLMPrefix(error) : error;
      sendError(res, answered, deps.logger, { requestId: record.requestId, method: req.method, path });
    });
    return true;
  };
}

/** LiteLLM's x-litellm-* headers: which group answered, after how many retries, and the proxy's own share of the time. */
function setTraceHeaders(res: ServerResponse, outcome: ProxyOutcome, receivedAt: number): void {
  const { trace } = outcome;
  res.setHeader("x-litellm-model-id", outcome.deployment.id);
  res.setHeader("x-litellm-model-group", trace.group);
  res.setHeader("x-litellm-attempted-retries", String(trace.retries));
  res.setHeader("x-litellm-attempted-fallbacks", String(trace.fallbacks));
  const overhead = Math.max(0, performance.now() - receivedAt - trace.upstreamMs);
  res.setHeader("x-litellm-overhead-duration-ms", overhead.toFixed(3));
}

/** The models of a batch call (`"a,b"`), or undefined for an ordinary one. Only chat completions batch. */
function batchModels(route: ProxyRoute, model: string): string[] | undefined {
  if (route.op !== "chat" || !model.includes(",")) return undefined;
  const models = model.split(",").map((name) => name.trim());
  if (models.some((name) => name === "")) throw ApiError.badRequest("`model` lists an empty model name", "model");
  if (models.length > MAX_BATCH_MODELS)
    throw ApiError.badRequest(`A batch call names at most ${MAX_BATCH_MODELS} models`, "model");
  return models;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `max_parallel_requests` of the calling key, released when the response ends however it ends. */
function holdParallelSlot(res: ServerResponse, caller: Caller, limiter: ParallelRequestLimiter): void {
  if (caller.kind !== "virtual" || caller.key.maxParallelRequests === null) return;
  const release = limiter.tryAcquire(caller.key.token, caller.key.maxParallelRequests);
  if (!release) {
    throw ApiError.parallelRequestLimit(caller.key.maxParallelRequests);
  }
  res.on("close", release);
}
