import type { IncomingMessage } from "node:http";
import type { Request, RequestHandler, Response } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";

/** The matched route pattern (never the raw URL: it may carry `?key=sk-...`, and it would explode metric labels). */
export function routeOf(req: IncomingMessage): string {
  const path = (req as Request).route?.path as unknown;
  if (typeof path === "string") return path;
  if (Array.isArray(path) && typeof path[0] === "string") return path[0];
  return "unmatched";
}

const QUIET_ROUTES = new Set(["/health/liveliness", "/health/liveness", "/health/readiness", "/metrics"]);

/**
 * One info line per request (warn for 4xx, error for 5xx) with request id, method, route, status, duration and,
 * for proxied calls, model group, deployment and upstream latency. No headers and no query strings are logged.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (_req, res) => ((res as unknown as Response).locals?.requestId as string | undefined) ?? "",
    autoLogging: { ignore: (req) => QUIET_ROUTES.has((req.url ?? "").split("?")[0] ?? "") },
    quietReqLogger: true,
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customProps: (req, res) => {
      const locals = (res as unknown as Response).locals ?? {};
      return {
        route: routeOf(req),
        model_group: locals.modelGroup,
        deployment_id: locals.deploymentId,
        upstream_ms: locals.upstreamMs,
      };
    },
  });
}

/** Counts and times every request by route and status. */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on("finish", () => metrics.observeRequest(routeOf(req), req.method, res.statusCode, (performance.now() - started) / 1000));
    next();
  };
}

