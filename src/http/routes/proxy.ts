import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import { ParallelRequestLimiter } from "../../keys/parallel-limit.js";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";
import type { ProxyOperation } from "../../proxy/provider-adapter.js";
import type { ProxyOutcome, ProxyService } from "../../proxy/proxy-service.js";
import { type ClientConnection, ClientGoneError } from "../../proxy/upstream-attempt.js";
import type { Caller } from "../middleware/auth.js";
import { sendError } from "../middleware/error-handler.js";
import { requestIdFor } from "../middleware/request-id.js";
import { type RequestRecord, watchRequest } from "../middleware/request-log.js";
import { readJsonBody } from "../read-json-body.js";
import { relayStream } from "../stream-relay.js";
import { parseJson } from "../validate.js";

/** Chat requests may carry images; nginx's client_max_body_size matches. */
export const PROXY_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const model = z.string().trim().min(1);
const stream = z.boolean().optional();
const textOrList = z.union([z.string(), z.array(z.unknown()).min(1)]);

// Only what routing needs is checked here; everything else is the upstream's to judge, as with OpenAI.
export const chatRequestSchema = z.looseObject({ model, messages: z.array(z.unknown()).min(1), stream });
export const completionRequestSchema = z.looseObject({ model, prompt: textOrList, stream });
export const embeddingRequestSchema = z.looseObject({ model, input: textOrList });

interface ProxyRoute {
  op: ProxyOperation;
  /** The first is the route's name in logs and metrics. */
  paths: [string, ...string[]];
  schema: z.ZodType<Record<string, unknown> & { model: string; stream?: boolean }>;
}

/** OpenAI's inference endpoints, all POST. */
export const PROXY_ROUTES: readonly ProxyRoute[] = [
  { op: "chat", paths: ["/v1/chat/completions", "/chat/completions"], schema: chatRequestSchema },
  { op: "completions", paths: ["/v1/completions", "/completions"], schema: completionRequestSchema },
  { op: "embeddings", paths: ["/v1/embeddings", "/embeddings"], schema: embeddingRequestSchema },
];

const ROUTE_BY_PATH = new Map(PROXY_ROUTES.flatMap((route) => route.paths.map((path) => [path, route] as const)));

/** The request's path without its query string or one trailing slash. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
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

  async function serve(route: ProxyRoute, req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const caller = await deps.authenticate(req.headers);
    const body = parseJson(route.schema, await readJsonBody(req, PROXY_BODY_LIMIT_BYTES));
    record.modelGroup = body.model;
    holdParallelSlot(res, caller, limiter);
    const started = performance.now();
    let outcome: ProxyOutcome;
    try {
      outcome = await deps.proxy.handle({
        access: caller.access,
        op: route.op,
        model: body.model,
        body,
        stream: route.op !== "embeddings" && body.stream === true,
        client: connectionOf(res),
      });
    } catch (error) {
      if (error instanceof ClientGoneError) return;
      if (error instanceof ApiError) {
        // Names of models that do not exist come from callers: one label for all of them keeps /metrics bounded.
        const group = error.code === "model_not_found" ? "unknown" : body.model;
        deps.metrics.observeProxyCall(group, error.status, (performance.now() - started) / 1000);
      }
      throw error;
    }
    res.setHeader("x-litellm-model-id", outcome.deployment.id);
    record.deploymentId = outcome.deployment.id;
    record.upstreamMs = Math.round((performance.now() - started) * 100) / 100;
    deps.metrics.observeProxyCall(body.model, 200, (performance.now() - started) / 1000);
    if (outcome.kind === "stream") return relayStream(res, outcome);
    if (outcome.costUsd !== undefined) res.setHeader("x-litellm-response-cost", String(outcome.costUsd));
    // The upstream's JSON as it came (or as translated): written directly, no re-encoding.
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(outcome.body) });
    res.end(outcome.body);
  }

  return (req, res) => {
    if (req.method !== "POST") return false;
    const path = pathOf(req);
    const route = ROUTE_BY_PATH.get(path) ?? ROUTE_BY_PATH.get(path.toLowerCase());
    if (!route) return false;
    const record: RequestRecord = { requestId: requestIdFor(req) };
    res.setHeader("x-request-id", record.requestId);
    watchRequest(deps, req, res, { path, record, route: () => route.paths[0] });
    serve(route, req, res, record).catch((error: unknown) => {
      sendError(res, error, deps.logger, { requestId: record.requestId, method: req.method, path });
    });
    return true;
  };
}

/** The caller has gone when the response closes before it was finished. */
function connectionOf(res: ServerResponse): ClientConnection {
  return {
    onGone(listener) {
      if (res.destroyed && !res.writableFinished) {
        listener();
        return () => undefined;
      }
      const onClose = () => {
        if (!res.writableFinished) listener();
      };
      res.once("close", onClose);
      return () => res.off("close", onClose);
    },
  };
}

/** `max_parallel_requests` of the calling key, released when the response ends however it ends. */
function holdParallelSlot(res: ServerResponse, caller: Caller, limiter: ParallelRequestLimiter): void {
  if (caller.kind !== "virtual" || caller.key.maxParallelRequests === null) return;
  const release = limiter.tryAcquire(caller.key.token, caller.key.maxParallelRequests);
  if (!release) {
    throw new ApiError(429, "rate_limit_error", "max_parallel_requests", `This key allows ${caller.key.maxParallelRequests} parallel requests`);
  }
  res.on("close", release);
}
