import type { RequestListener } from "node:http";
import express, { type Express, type RequestHandler } from "express";
import type { CostMap } from "./cost/cost-map.js";
import type { Logger } from "./logging/logger.js";
import type { ModelRegistry } from "./registry/model-registry.js";
import type { ModelService } from "./registry/model-service.js";
import type { HealthProbe } from "./health/ports.js";
import type { ChangeLog } from "./sync/ports.js";
import type { SyncStatus } from "./sync/revision-sync.js";
import { authenticate, createAuthenticator, requireAdmin } from "./http/middleware/auth.js";
import { errorHandler, notFoundHandler } from "./http/middleware/error-handler.js";
import { requestId } from "./http/middleware/request-id.js";
import { healthRoutes } from "./http/routes/health.js";
import { modelInfoRoutes } from "./http/routes/model-info.js";
import { modelManagementRoutes } from "./http/routes/model-management.js";
import { modelsRoutes } from "./http/routes/models.js";
import { createProxyRoutes } from "./http/routes/proxy.js";
import { buildOpenApiDocument } from "./http/openapi/document.js";
import type { ProxyService } from "./proxy/proxy-service.js";
import { keyRoutes } from "./http/routes/keys.js";
import type { KeyRegistry } from "./keys/key-registry.js";
import type { KeyService } from "./keys/key-service.js";
import { requestLog } from "./http/middleware/request-log.js";
import { metricsRoutes } from "./http/routes/metrics.js";
import { routeListRoutes } from "./http/routes/route-list.js";
import type { HealthService } from "./health/health-service.js";
import type { Metrics } from "./metrics/metrics.js";

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
  /** Switchboard's version (package.json), read once at start. */
  version: string;
}

/** Management bodies are small; a larger one is a mistake or an attack. */
export const MANAGEMENT_BODY_LIMIT = "1mb";

/**
 * The HTTP app. No I/O here: everything it touches arrives in deps, so tests can build several at once.
 * The inference routes are the hot path and are served on node:http directly (see createProxyRoutes); every other
 * route is express's.
 */
export function createApp(deps: AppDeps): RequestListener {
  const proxyRoutes = createProxyRoutes({ ...deps, authenticate: createAuthenticator(deps) });
  const rest = createExpressApp(deps);
  return (req, res) => {
    if (!proxyRoutes(req, res)) rest(req, res);
  };
}

/** Every route but the inference routes. */
export function createExpressApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use(requestId());
  app.use(requestLog(deps.logger, deps.metrics));

  const authenticated = [authenticate(deps)];
  const admin = [...authenticated, requireAdmin()];
  // Listings reflect every committed write, even one made through another replica a moment ago.
  const fresh: RequestHandler = async (_req, _res, next) => {
    await deps.ensureFresh();
    next();
  };
  app.use(healthRoutes(deps, [...admin, fresh]));
  const openApi = buildOpenApiDocument();
  app.get("/openapi.json", (_req, res) => {
    res.json(openApi);
  });
  app.use(routeListRoutes(openApi));
  app.use(express.json({ limit: MANAGEMENT_BODY_LIMIT }));
  app.use(modelsRoutes(deps, [...authenticated, fresh]));
  app.use(modelInfoRoutes(deps, [...authenticated, fresh]));
  app.use(modelManagementRoutes(deps, admin));
  app.use(keyRoutes(deps, { caller: [...authenticated, fresh], admin: [...admin, fresh] }));
  app.use(metricsRoutes(deps, deps.metricsPublic ? [] : admin));

  app.use(notFoundHandler());
  app.use(errorHandler(deps.logger));
  return app;
}
