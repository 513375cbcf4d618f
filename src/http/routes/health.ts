import { Router } from "express";
import type { ModelRegistry } from "../../registry/model-registry.js";
import type { HealthProbe } from "../../registry/ports.js";
import type { SyncStatus } from "../../registry/revision-sync.js";

export interface HealthDeps {
  database: HealthProbe;
  registry: ModelRegistry;
  syncStatus: () => SyncStatus;
  isDraining: () => boolean;
}

/**
 * Liveness says the process runs. Readiness says this replica should get traffic: the database answers and
 * the registry is loaded. A lost change feed is reported as degraded but stays ready, because the periodic
 * revision check still keeps the replica converging.
 */
export function healthRoutes(deps: HealthDeps): Router {
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

  return router;
}
