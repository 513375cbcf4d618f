import { z } from "zod";
import type { Metrics } from "../../metrics/metrics.js";
import { defineRoute } from "../route.js";

export interface MetricsDeps {
  metrics: Metrics;
  metricsPublic: boolean;
}

/** Prometheus scrape endpoint; behind the master key unless METRICS_PUBLIC=true. */
export const metricsRoutes = [
  defineRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics of this replica",
    description: "Open without a key when METRICS_PUBLIC=true.",
    tags: ["operations"],
    security: "master",
    openWhen: (deps: MetricsDeps) => deps.metricsPublic,
    response: { mediaType: "text/plain", schema: z.string() },
    errors: [401, 403, 500],
    handler: async ({ res }, deps: MetricsDeps) => {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, {
        "Content-Type": deps.metrics.registry.contentType,
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
      return undefined;
    },
  }),
];
