import { type RequestHandler, Router } from "express";
import type { Metrics } from "../../metrics/metrics.js";

/** Prometheus scrape endpoint; behind the master key unless METRICS_PUBLIC=true. */
export function metricsRoutes(deps: { metrics: Metrics }, guard: RequestHandler[]): Router {
  const router = Router();
  router.get("/metrics", ...guard, async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
