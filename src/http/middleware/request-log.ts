import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, RequestHandler } from "express";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";

/** What the log line of one request says beyond method, path and status; handlers fill it in as they go. */
export interface RequestRecord {
  requestId: string;
  modelGroup?: string;
  deploymentId?: string;
  upstreamMs?: number;
}

/** The matched route pattern (never the raw URL: it may carry `?key=sk-...`, and it would explode metric labels). */
export function routeOf(req: IncomingMessage): string {
  const route = (req as Request).route as { path?: unknown } | undefined;
  const path = route?.path;
  if (typeof path === "string") return path;
  if (Array.isArray(path) && typeof path[0] === "string") return path[0];
  return "unmatched";
}

const QUIET_PATHS = new Set(["/health/liveliness", "/health/liveness", "/health/readiness", "/metrics"]);

/**
 * When the response closes: one log line (info; warn for 4xx; error for 5xx) with request id, method, route,
 * status, duration and, for proxied calls, model group, deployment and upstream latency (no headers, no query
 * strings), and its count and duration in the metrics. One listener for both, written with one log call: pino-http
 * builds a child logger per request, which measured 0.12 ms of CPU per request here, more than half of the proxy's
 * budget. `route` is asked for at the end because express knows it only once a route has matched.
 */
export function watchRequest(
  observers: { logger: Logger; metrics: Metrics },
  req: IncomingMessage,
  res: ServerResponse,
  request: { path: string; record: RequestRecord; route: () => string },
): void {
  const { logger, metrics } = observers;
  const started = performance.now();
  res.on("close", () => {
    const status = res.statusCode;
    const route = request.route();
    const elapsedMs = performance.now() - started;
    metrics.observeRequest(route, req.method ?? "", status, elapsedMs / 1000);
    if (QUIET_PATHS.has(request.path)) return;
    const { record } = request;
    const line = {
      req: { id: record.requestId, method: req.method, path: request.path },
      res: { status },
      route,
      responseTime: Math.round(elapsedMs * 100) / 100,
      model_group: record.modelGroup,
      deployment_id: record.deploymentId,
      upstream_ms: record.upstreamMs,
      aborted: res.writableFinished ? undefined : true,
    };
    const message = `${req.method} ${route} ${status}`;
    if (status >= 500) logger.error(line, message);
    else if (status >= 400) logger.warn(line, message);
    else logger.info(line, message);
  });
}

/** watchRequest for express routes; runs after requestId(), whose id it logs. */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    watchRequest({ logger, metrics }, req, res, {
      path: req.path,
      record: res.locals as RequestRecord,
      route: () => routeOf(req),
    });
    next();
  };
}
