import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ProxyObserver } from "../proxy/proxy-service.js";

/** Live values read at scrape time rather than kept in sync by hand. */
export interface MetricSources {
  registrySize(): { deployments: number; groups: number };
  sync(): { appliedRevision: number; catchUps: number; busConnected: boolean };
  proxy(): { inFlight: number; coolingDown: number };
}

export interface Metrics {
  registry: Registry;
  /** One finished HTTP request. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** One proxied call, end to end, as the caller saw it. */
  observeProxyCall(modelGroup: string, status: number, seconds: number): void;
  proxyObserver: ProxyObserver;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One Prometheus registry per replica (never the global one), so several replicas can share a process. */
export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: "switchboard_http_requests_total", help: "HTTP requests by route, method and status", labelNames: ["route", "method", "status"], registers: [registry] });
  const requestSeconds = new Histogram({ name: "switchboard_http_request_duration_seconds", help: "HTTP request duration", labelNames: ["route"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const proxySeconds = new Histogram({ name: "switchboard_proxy_request_duration_seconds", help: "Proxied calls, total time (to the first byte for streams)", labelNames: ["model_group", "status"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const upstreamSeconds = new Histogram({ name: "switchboard_upstream_duration_seconds", help: "Upstream calls that answered, by deployment", labelNames: ["deployment"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const upstreamErrors = new Counter({ name: "switchboard_upstream_errors_total", help: "Failed upstream calls by deployment and kind", labelNames: ["deployment", "kind"], registers: [registry] });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge("switchboard_deployments", "Deployments in this replica's registry", () => sources.registrySize().deployments);
  gauge("switchboard_model_groups", "Model groups in this replica's registry", () => sources.registrySize().groups);
  gauge("switchboard_applied_revision", "Last change-log revision applied on this replica", () => sources.sync().appliedRevision);
  gauge("switchboard_catch_ups_total", "Catch-ups from the change log on this replica", () => sources.sync().catchUps);
  gauge("switchboard_redis_connected", "1 when the Redis change feed is connected", () => (sources.sync().busConnected ? 1 : 0));
  gauge("switchboard_proxy_in_flight", "Proxied calls in flight on this replica", () => sources.proxy().inFlight);
  gauge("switchboard_deployments_cooling_down", "Deployments in cooldown on this replica", () => sources.proxy().coolingDown);

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    observeProxyCall(modelGroup, status, seconds) {
      proxySeconds.observe({ model_group: modelGroup, status: String(status) }, seconds);
    },
    proxyObserver: {
      upstreamAnswered: (deployment, seconds) => upstreamSeconds.observe({ deployment }, seconds),
      upstreamFailed: (deployment, kind) => upstreamErrors.inc({ deployment, kind }),
    },
  };
}
