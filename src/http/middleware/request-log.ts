import type { IncomingMessage } from "node:http";
import type { Request, RequestHandler } from "express";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";

/** The matched route pattern (never the raw URL: it may carry `?key=sk-...`, and it would explode metric labels). */
export function routeOf(req: IncomingMessage): string {
  const path = (req as Request).route?.path as unknown;
  if (typeof path === "string") return path;
  if (Array.isArray(path) && typeof path[0] === "string") return path[0];
  return "unmatched";
}

const QUIET_PATHS = new Set(["/health/liveliness", "/health/liveness", "/health/readiness", "/metrics"]);

/**
 * When a request ends: one log line (info; warn for 4xx; error for 5xx) with request id, method, route, status,
 * duration and, for proxied calls, model group, deployment and upstream latency (no headers, no query strings),
 * and its count and duration in the metrics. One listener for both, written with one log call: pino-http builds a
 * child logger per request, which measured 0.12 ms of CPU per request here, more than half of the proxy's budget.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    const quiet = QUIET_PATHS.has(path);
    const started = performance.now();
    res.on("close", () => {
      const status = res.statusCode;
      const route = routeOf(req);
      const elapsedMs = performance.now() - started;
      metrics.observeRequest(route, req.method, status, elapsedMs / 1000);
      if (quiet) return;
      const locals = res.locals;
      const line = {
        req: { id: locals.requestId as string, method: req.method, path },
        res: { status },
        route,
        responseTime: Math.round(elapsedMs * 100) / 100,
        model_group: locals.modelGroup as string | undefined,
        deployment_id: locals.deploymentId as string | undefined,
        upstream_ms: locals.upstreamMs as number | undefined,
        aborted: res.writableFinished ? undefined : true,
      };
      const message = `${req.method} ${route} ${status}`;
      if (status >= 500) logger.error(line, message);
      else if (status >= 400) logger.warn(line, message);
      else logger.info(line, message);
    });
    next();
  };
}
