import type { RequestListener } from "node:http";
import type { CorsSettings } from "./config/cors-settings.js";
import type { CostMap } from "./cost/cost-map.js";
import type { Logger } from "./logging/logger.js";
import type { ModelRegistry } from "./registry/model-registry.js";
import type { ModelService } from "./registry/model-service.js";
import type { HealthProbe } from "./health/ports.js";
import type { ChangeLog } from "./sync/ports.js";
import type { SyncStatus } from "./sync/revision-sync.js";
import type { ProxyService } from "./proxy/proxy-service.js";
import type { KeyRegistry } from "./keys/key-registry.js";
import type { KeyService } from "./keys/key-service.js";
import type { HealthService } from "./health/health-service.js";
import type { Metrics } from "./metrics/metrics.js";
import { cachedProbe } from "./health/cached-probe.js";
import type { SpendService } from "./spend/spend-service.js";
import { hashKey } from "./keys/virtual-key.js";
import { createSpendCapture } from "./http/spend-capture.js";
import type { KeyLimiter } from "./limits/key-limiter.js";
import { createExpressApp } from "./http/express-app.js";
import { createCors } from "./http/middleware/cors.js";
import { createRequestPipeline } from "./http/middleware/pipeline.js";
import { createNodeRoutes } from "./http/node-routes.js";
import { buildOpenApiDocument } from "./http/openapi/document.js";
import { API_COMPONENTS, API_ROUTES, PAGE_ROUTES, type RouteDeps } from "./http/routes/index.js";
import type { RequestLimits } from "./config/request-limits.js";
import { BodyBudget } from "./http/body/body-budget.js";
import type { BodyPolicy } from "./http/body/read-json-body.js";
import { type RouteEntry, routeEntries } from "./http/routes/route-list.js";
import type { RouterState } from "./http/routes/cooldowns.js";
import { createUiKit } from "./ui/ui-kit.js";

export interface AppDeps {
  logger: Logger;
  masterKey: string;
  registry: ModelRegistry;
  costMap: CostMap;
  models: ModelService;
  changeLog: ChangeLog;
  database: HealthProbe;
  syncStatus: () => SyncStatus;
  isDraining: () => boolean;
  proxy: ProxyService;
  keys: KeyRegistry;
  keyService: KeyService;
  metrics: Metrics;
  metricsPublic: boolean;
  /** Catches this replica up with PostgreSQL when it is behind (see RevisionSync.ensureFresh). */
  ensureFresh: () => Promise<void>;
  health: HealthService;
  /** Spend of answered calls; `spend.status()` is what readiness should show (buffered records, Redis ok/down). */
  spend: SpendService;
  /** Switchboard's version (package.json), read once at start. */
  version: string;
  /** Which browser origins may call (general_settings.cors_*). */
  cors: CorsSettings;
  /** general_settings' limits on request bodies. */
  requestLimits: RequestLimits;
  /** Keys' rate and parallel limits, counted for the cluster (Redis) or this replica (none, or Redis down). */
  keyLimits: KeyLimiter;
  /** Cooldowns as this replica sees them, and whether they (and deployment rpm/tpm) are shared through Redis. */
  routerState: RouterState;
  /** Whether REDIS_URL is set (readiness tells "no Redis" from "Redis down"). */
  redisConfigured: boolean;
  /** READINESS_REQUIRES_DB: readiness fails while the database is unreachable (else it reports degraded). */
  readinessRequiresDb: boolean;
}

/** The inference and management body policies, sharing one replica-wide buffer budget. */
function bodyPolicies(limits: RequestLimits): { inference: BodyPolicy; management: BodyPolicy } {
  const budget = new BodyBudget(limits.bufferBytes);
  const shared = {
    maxDepth: limits.maxDepth,
    maxElements: limits.maxElements,
    acceptCompressed: limits.acceptCompressed,
    maxCompressionRatio: limits.maxCompressionRatio,
    budget,
  };
  return {
    inference: { ...shared, limitBytes: limits.inferenceBytes },
    management: { ...shared, limitBytes: limits.managementBytes },
  };
}

/** Readiness asks the database at most about once a second (see cachedProbe). */
const READINESS_PROBE = { ttlMs: 1000, timeoutMs: 2000 };

/**
 * The HTTP app. No I/O here: everything it touches arrives in deps, so tests can build several at once.
 * Every route is defined once (src/http/routes/) and goes through one request pipeline; the hot path's routes are
 * served on node:http directly (see createNodeRoutes), every other route by express.
 */
export function createApp(deps: AppDeps): RequestListener {
  let openApiDocument: Record<string, unknown> | undefined;
  let routeList: { routes: RouteEntry[] } | undefined;
  const document = () => (openApiDocument ??= buildOpenApiDocument(API_ROUTES, API_COMPONENTS));
  const ui = createUiKit(deps.masterKey);
  const routeDeps: RouteDeps = {
    ...deps,
    databaseCheck: cachedProbe(deps.database, READINESS_PROBE),
    spendCapture: createSpendCapture({ recorder: deps.spend, masterKeyToken: hashKey(deps.masterKey) }),
    openApiDocument: document,
    routeList: () => (routeList ??= { routes: routeEntries(document()) }),
    ui,
  };
  const pipeline = createRequestPipeline({ ...deps, sessions: ui.signer });
  const bodies = bodyPolicies(deps.requestLimits);
  const hot = createNodeRoutes(
    API_ROUTES.filter((route) => route.hotPath),
    routeDeps,
    pipeline,
    { body: bodies.inference },
  );
  const rest = createExpressApp([...API_ROUTES.filter((route) => !route.hotPath), ...PAGE_ROUTES], {
    deps: routeDeps,
    pipeline,
    body: bodies.management,
  });
  const cors = createCors(deps.cors);
  return (req, res) => {
    // CORS comes before authentication and routing (a preflight carries no key), and costs nothing without Origin.
    if (req.headers.origin !== undefined && cors(req, res)) return;
    if (!hot(req, res)) rest(req, res);
  };
}
