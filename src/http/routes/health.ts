import { z } from "zod";
import { idSchema, nameSchema } from "../../config/names.js";
import { ApiError } from "../../errors/api-error.js";
import type { HealthReport } from "../../health/health-report.js";
import type { HealthService } from "../../health/health-service.js";
import { READINESS_REASON_CODES, readinessVerdict } from "../../health/readiness.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import type { CachedCheck } from "../../health/cached-probe.js";
import type { LimitStatus } from "../../limits/ports.js";
import type { SpendQueueStatus } from "../../spend/ports.js";
import type { BusStatus } from "../../sync/ports.js";
import type { SyncStatus } from "../../sync/revision-sync.js";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";
import { connectionOf } from "../client-connection.js";

export interface HealthDeps {
  /** The database check, cached and single-flight (health/cached-probe.ts): readiness never queries per call. */
  databaseCheck: CachedCheck;
  registry: ModelRegistry;
  syncStatus: () => SyncStatus;
  isDraining: () => boolean;
  health: HealthService;
  /** Where this replica's spend records are: handed to Redis, or buffered in memory while Redis is down. */
  spend: { status(): SpendQueueStatus };
  /** Whether key limits are counted for the cluster (Redis) or by this replica alone. */
  keyLimits: { status(): LimitStatus };
  /** Whether cooldowns and deployment rpm/tpm are shared through Redis (false without Redis, or while it is down). */
  routerState: { status(): { shared: boolean } };
  /** Whether REDIS_URL is set: without it nothing is shared, and that is the configuration, not a degradation. */
  redisConfigured: boolean;
  /** READINESS_REQUIRES_DB: an unreachable database makes readiness 503 instead of 200 degraded. */
  readinessRequiresDb: boolean;
  /** Switchboard's version, reported where LiteLLM reports its own (`litellm_version`). */
  version: string;
}

export const healthQuerySchema = z.object({
  model: nameSchema
    .optional()
    .describe("Only the deployments of this model group (else those whose litellm_params.model it is)"),
  model_id: idSchema.optional().describe("Only this deployment (its model_info.id); an unknown id is a 404"),
});

const livenessSchema = z.object({ status: z.literal("alive") });

const count = z.number().int().nonnegative();

const readinessSchema = z.object({
  status: z
    .enum(["healthy", "degraded", "unhealthy"])
    .describe(
      "`healthy`: ready, every dependency answers. `degraded`: ready (200), serving from memory without PostgreSQL and/or Redis (see `reasons`). `unhealthy`: not ready (503): before the first load, while draining, or without PostgreSQL when READINESS_REQUIRES_DB=true",
    ),
  reasons: z
    .array(z.object({ code: z.enum(READINESS_REASON_CODES), message: z.string() }))
    .describe("Why the replica is not `healthy`, most serious first; empty when healthy"),
  db: z.enum(["connected", "disconnected"]).describe("LiteLLM's name for `database`"),
  litellm_version: z.string().describe("Switchboard's own version, in the field where LiteLLM reports its version"),
  draining: z.boolean(),
  database: z.enum(["connected", "unreachable"]),
  registry: z.object({ loaded: z.boolean(), deployments: count }),
  change_feed: z.object({
    kind: z.enum(["redis", "in-process"] as const satisfies ReadonlyArray<BusStatus["kind"]>),
    state: z.enum(["connected", "degraded"]),
  }),
  spend: z.object({
    queue: z
      .enum(["redis", "memory-buffered", "local"])
      .describe(
        "`redis`: records are handed to Redis; `memory-buffered`: Redis is down, records wait in this replica's memory; `local`: no REDIS_URL, flushed from memory",
      ),
    buffered: count.describe("Records in this replica's memory, not yet handed over or flushed"),
    dropped: count.describe("Records dropped since start because the memory buffer was full"),
  }),
  key_limits: z.object({
    counting: z
      .enum(["cluster", "per-replica"])
      .describe("`per-replica`: Redis is unreachable, each replica enforces its share of every key limit"),
  }),
  routing: z.object({
    state: z
      .enum(["shared", "per-replica"])
      .describe(
        "Cooldowns and deployment rpm/tpm: `shared` through Redis; `per-replica` without REDIS_URL or while Redis is down",
      ),
  }),
  sync: z.object({
    applied_revision: count,
    latest_known_revision: count,
    lag: count,
    catch_ups: count,
    last_check_at: z.iso.datetime().nullable(),
  }),
});

const healthEndpointSchema = z
  .looseObject({
    model: z.string(),
    model_id: z.string().describe("The deployment's model_info.id"),
    error: z
      .string()
      .optional()
      .describe(
        "Unhealthy endpoints: why, as LiteLLM words it (`litellm.AuthenticationError: ...`, `Timeout exceeded`); never a secret",
      ),
  })
  .describe(
    "The deployment's litellm_params with secrets masked (only `model` with health_check_details: false), its id and, when it failed, `error`",
  );

const healthReportSchema = z.object({
  healthy_endpoints: z.array(healthEndpointSchema),
  unhealthy_endpoints: z.array(healthEndpointSchema),
  healthy_count: count,
  unhealthy_count: count,
});

export type HealthReportCheck = Assert<
  Fits<HealthReport, typeof healthReportSchema, "healthy_endpoints" | "unhealthy_endpoints">
>;

export const healthComponents = {
  Liveness: livenessSchema,
  Readiness: readinessSchema,
  HealthReport: healthReportSchema,
};

/**
 * Liveness says the process runs. Readiness says this replica should get traffic: the registry is loaded and it is
 * not draining (see health/readiness.ts). A lost database, Redis or change feed is reported as degraded but stays
 * ready: known models and keys are served from memory, and the periodic revision check catches up once they return.
 * GET /health is LiteLLM's model health check: a real call to each deployment (or, with background checks, the last
 * results), so it needs the master key.
 */
export const healthRoutes = [
  defineRoute({
    method: "get",
    path: "/health/liveliness",
    aliases: ["/health/liveness"],
    summary: "Liveness: the process is running",
    tags: ["health"],
    security: "none",
    ignoresBody: true,
    response: livenessSchema,
    errors: [],
    handler: () => ({ status: "alive" }),
  }),
  defineRoute({
    method: "get",
    path: "/health/readiness",
    summary: "Readiness: this replica should receive traffic",
    description:
      "Ready (200) once the model registry is loaded, unless the replica is draining. Without PostgreSQL or Redis " +
      "it stays ready and reports `degraded` with the reasons, since it still serves every known model and key from " +
      "memory; with READINESS_REQUIRES_DB=true an unreachable PostgreSQL makes it not ready (503). The database " +
      "check is shared and cached for about a second, so polling this never adds load on PostgreSQL.",
    tags: ["health"],
    security: "none",
    ignoresBody: true,
    response: readinessSchema,
    responseDescription: "Ready (`healthy` or `degraded`)",
    errors: [],
    otherResponses: {
      503: { description: "Not ready: the same report, with `status: unhealthy`", schema: readinessSchema },
    },
    handler: async ({ res }, deps: HealthDeps) => {
      const sync = deps.syncStatus();
      const database = (await deps.databaseCheck()) ? "connected" : "unreachable";
      const registryLoaded = deps.registry.isLoaded();
      const draining = deps.isDraining();
      const busState = sync.bus.connected ? "connected" : "degraded";
      const spend = deps.spend.status();
      const limitsShared = deps.keyLimits.status().shared;
      const routingShared = deps.routerState.status().shared;
      const verdict = readinessVerdict({
        registryLoaded,
        draining,
        databaseReachable: database === "connected",
        requiresDatabase: deps.readinessRequiresDb,
        changeFeedConnected: sync.bus.connected,
        redisReachable: spend.redis !== "down" && limitsShared && (routingShared || !deps.redisConfigured),
      });
      res.statusCode = verdict.ready ? 200 : 503;
      return {
        status: verdict.status,
        reasons: verdict.reasons,
        // LiteLLM's names for the same facts, read by its dashboards and scripts.
        db: database === "connected" ? "connected" : "disconnected",
        litellm_version: deps.version,
        draining,
        database,
        registry: { loaded: registryLoaded, deployments: deps.registry.all().length },
        change_feed: { kind: sync.bus.kind, state: busState },
        spend: {
          queue: spend.redis === "ok" ? "redis" : spend.redis === "down" ? "memory-buffered" : "local",
          buffered: spend.buffered,
          dropped: spend.dropped,
        },
        key_limits: { counting: limitsShared ? "cluster" : "per-replica" },
        routing: { state: routingShared ? "shared" : "per-replica" },
        sync: {
          applied_revision: sync.appliedRevision,
          latest_known_revision: sync.latestKnownRevision,
          lag: sync.lag,
          catch_ups: sync.catchUps,
          last_check_at: sync.lastCheckAt,
        },
      } satisfies z.output<typeof readinessSchema>;
    },
  }),
  defineRoute({
    method: "get",
    path: "/health",
    summary: "Model health: a small real call to each deployment",
    description:
      "LiteLLM's model health check: a one-token chat call (a completion or an embedding for `model_info.mode` " +
      "`completion` / `embedding`) to every deployment, a few at a time, each bounded by " +
      "`model_info.health_check_timeout` (seconds, default 60). With `general_settings.background_health_checks` " +
      "the checks run every `health_check_interval` seconds (default 300) and this answers the last results " +
      "without calling any upstream.",
    tags: ["health"],
    security: "master",
    fresh: true,
    ignoresBody: true,
    query: healthQuerySchema,
    response: healthReportSchema,
    errors: [400, 401, 403, 404, 503],
    handler: async ({ query, res }, deps: HealthDeps) => {
      try {
        return await deps.health.report({ model: query.model, modelId: query.model_id }, connectionOf(res));
      } catch (error) {
        if (!(error instanceof ClientGoneError)) throw error;
        // Either the caller left (nothing to answer) or the replica is shutting down and dropped the checks.
        if (!res.destroyed)
          throw ApiError.unavailable("This replica is shutting down; its health checks were cancelled");
        return undefined;
      }
    },
  }),
];
