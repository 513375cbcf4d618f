import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

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
  /** A key's spend reached its soft_budget (counted once per crossing, by the replica that reported it). */
  softBudgetCrossed(): void;
  /** Fits the proxy's ProxyObserver by shape alone: metrics sits below proxy/ in the layers and never imports it. */
  proxyObserver: {
    upstreamAnswered(deploymentId: string, seconds: number): void;
    upstreamFailed(deploymentId: string, kind: string): void;
  };
}

/**
 * prom-client hashes a label object on every observation; on the request path that is a measurable cost. The
 * child for each label combination is looked up once and kept (label values are bounded: routes, statuses,
 * deployments, model groups).
 */
function childCache<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const cache = new Map<string, T>();
  return (...values) => {
    const key = values.join("\u0000");
    let child = cache.get(key);
    if (!child) {
      child = make(...values);
      cache.set(key, child);
    }
    return child;
  };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One Prometheus registry per replica (never the global one), so several replicas can share a process. */
export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "switchboard_http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: "switchboard_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["route"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const proxySeconds = new Histogram({
    name: "switchboard_proxy_request_duration_seconds",
    help: "Proxied calls, total time (to the first byte for streams)",
    labelNames: ["model_group", "status"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstreamSeconds = new Histogram({
    name: "switchboard_upstream_duration_seconds",
    help: "Upstream calls that answered, by deployment",
    labelNames: ["deployment"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: "switchboard_upstream_errors_total",
    help: "Failed upstream calls by deployment and kind",
    labelNames: ["deployment", "kind"],
    registers: [registry],
  });
  const softBudgetCrossings = new Counter({
    name: "switchboard_soft_budget_crossings_total",
    help: "Keys whose spend reached their soft_budget, once per crossing (sum over replicas for the cluster)",
    registers: [registry],
  });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge("switchboard_deployments", "Deployments in this replica's registry", () => sources.registrySize().deployments);
  gauge("switchboard_model_groups", "Model groups in this replica's registry", () => sources.registrySize().groups);
  gauge(
    "switchboard_applied_revision",
    "Last change-log revision applied on this replica",
    () => sources.sync().appliedRevision,
  );
  gauge("switchboard_catch_ups_total", "Catch-ups from the change log on this replica", () => sources.sync().catchUps);
  gauge("switchboard_redis_connected", "1 when the Redis change feed is connected", () =>
    sources.sync().busConnected ? 1 : 0,
  );
  gauge("switchboard_proxy_in_flight", "Proxied calls in flight on this replica", () => sources.proxy().inFlight);
  gauge(
    "switchboard_deployments_cooling_down",
    "Deployments in cooldown on this replica",
    () => sources.proxy().coolingDown,
  );

  const requestCounter = childCache((route, method, status) => requests.labels({ route, method, status }));
  const requestTimer = childCache((route) => requestSeconds.labels({ route }));
  const proxyTimer = childCache((group, status) => proxySeconds.labels({ model_group: group, status }));
  const upstreamTimer = childCache((deployment) => upstreamSeconds.labels({ deployment }));
  const upstreamErrorCounter = childCache((deployment, kind) => upstreamErrors.labels({ deployment, kind }));

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requestCounter(route, method, String(status)).inc();
      requestTimer(route).observe(seconds);
    },
    observeProxyCall(modelGroup, status, seconds) {
      proxyTimer(modelGroup, String(status)).observe(seconds);
    },
    softBudgetCrossed: () => softBudgetCrossings.inc(),
    proxyObserver: {
      upstreamAnswered: (deployment, seconds) => upstreamTimer(deployment).observe(seconds),
      upstreamFailed: (deployment, kind) => upstreamErrorCounter(deployment, kind).inc(),
    },
  };
}
