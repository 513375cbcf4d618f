import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";

/** What the log line of one request says beyond method, path and status; handlers fill it in as they go. */
export interface RequestRecord {
  requestId: string;
  /** performance.now() when the request arrived. */
  receivedAt: number;
  /**
   * The matched route's pattern, set once a route matched (never the raw URL: it may carry `?key=sk-...`, and it
   * would explode metric labels).
   */
  route: string | undefined;
  modelGroup?: string;
  deploymentId?: string;
  upstreamMs?: number;
}

/** A log line carries at most this much of any string a caller chose (a path, a model name). */
const LOGGED_TEXT_LIMIT = 256;

/** A caller's string as a log line may carry it: a bounded prefix, and how long the whole was. */
export function forLog(text: string): string;
export function forLog(text: string | undefined): string | undefined;
export function forLog(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= LOGGED_TEXT_LIMIT) return text;
  return `${text.slice(0, LOGGED_TEXT_LIMIT)}…(${text.length} characters)`;
}

const QUIET_PATHS = new Set(["/health/liveliness", "/health/liveness", "/health/readiness", "/metrics"]);

/**
 * When the response closes: one log line (info; warn for 4xx; error for 5xx) with request id, method, route,
 * status, duration and, for proxied calls, model group, deployment and upstream latency (no headers, no query
 * strings), and its count and duration in the metrics. One listener for both, written with one log call: pino-http
 * builds a child logger per request, which measured 0.12 ms of CPU per request here, more than half of the proxy's
 * budget. `route` is read at the end because it is known only once a route has matched.
 */
export function watchRequest(
  observers: { logger: Logger; metrics: Metrics },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  record: RequestRecord,
): void {
  const { logger, metrics } = observers;
  res.on("close", () => {
    const status = res.statusCode;
    const route = record.route ?? "unmatched";
    const elapsedMs = performance.now() - record.receivedAt;
    metrics.observeRequest(route, req.method ?? "", status, elapsedMs / 1000);
    if (QUIET_PATHS.has(path)) return;
    const line = {
      req: { id: record.requestId, method: req.method, path: forLog(path) },
      res: { status },
      route,
      responseTime: Math.round(elapsedMs * 100) / 100,
      model_group: forLog(record.modelGroup),
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
