import { type RequestHandler, Router } from "express";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import type { HealthService } from "../../health/health-service.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import type { HealthProbe } from "../../health/ports.js";
import type { SyncStatus } from "../../sync/revision-sync.js";
import { parseQuery } from "../validate.js";
import { connectionOf } from "../client-connection.js";

export interface HealthDeps {
  database: HealthProbe;
  registry: ModelRegistry;
  syncStatus: () => SyncStatus;
  isDraining: () => boolean;
  health: HealthService;
  /** Switchboard's version, reported where LiteLLM reports its own (`litellm_version`). */
  version: string;
}

export const healthQuerySchema = z.object({
  model: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe("Only the deployments of this model group (else those whose litellm_params.model it is)"),
  model_id: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe("Only this deployment (its model_info.id); an unknown id is a 404"),
});

/**
 * Liveness says the process runs. Readiness says this replica should get traffic: the database answers and
 * the registry is loaded. A lost change feed is reported as degraded but stays ready, because the periodic
 * revision check still keeps the replica converging. GET /health is LiteLLM's model health check: a real call to
 * each deployment (or, with background checks, the last results), so it needs the master key.
 */
export function healthRoutes(deps: HealthDeps, admin: RequestHandler[]): Router {
  const router = Router();

  router.get(["/health/liveliness", "/health/liveness"], (_req, res) => {
    res.json({ status: "alive" });
  });

  router.get("/health/readiness", async (_req, res) => {
    const sync = deps.syncStatus();
    let database: "connected" | "unreachable" = "connected";
    try {
      await deps.database.ping();
    } catch {
      database = "unreachable";
    }
    const registryLoaded = deps.registry.isLoaded();
    const draining = deps.isDraining();
    const ready = database === "connected" && registryLoaded && !draining;
    const busState = sync.bus.connected ? "connected" : "degraded";
    res.status(ready ? 200 : 503).json({
      status: !ready ? "unhealthy" : busState === "connected" ? "healthy" : "degraded",
      // LiteLLM's names for the same facts, read by its dashboards and scripts.
      db: database === "connected" ? "connected" : "disconnected",
      litellm_version: deps.version,
      draining,
      database,
      registry: { loaded: registryLoaded, deployments: deps.registry.all().length },
      change_feed: { kind: sync.bus.kind, state: busState },
      sync: {
        applied_revision: sync.appliedRevision,
        latest_known_revision: sync.latestKnownRevision,
        lag: sync.lag,
        catch_ups: sync.catchUps,
        last_check_at: sync.lastCheckAt,
      },
    });
  });

  router.get("/health", ...admin, async (req, res) => {
    const query = parseQuery(healthQuerySchema, req);
    try {
      res.json(await deps.health.report({ model: query.model, modelId: query.model_id }, connectionOf(res)));
    } catch (error) {
      if (!(error instanceof ClientGoneError)) throw error;
      // Either the caller left (nothing to answer) or the replica is shutting down and dropped the checks.
      if (!res.destroyed) throw ApiError.unavailable("This replica is shutting down; its health checks were cancelled");
    }
  });

  return router;
}
