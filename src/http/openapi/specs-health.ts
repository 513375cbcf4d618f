import { z } from "zod";
import type { HealthReport } from "../../health/health-report.js";
import type { BusStatus } from "../../sync/ports.js";
import { healthQuerySchema } from "../routes/health.js";
import type { RouteEntry } from "../routes/route-list.js";
import type { Assert, Fits } from "./json-schema.js";
import type { OperationSpec } from "./operation.js";

const livenessSchema = z.object({ status: z.literal("alive") });

const count = z.number().int().nonnegative();

const readinessSchema = z.object({
  status: z
    .enum(["healthy", "degraded", "unhealthy"])
    .describe("`degraded`: ready, but the change feed is down and changes arrive by the periodic revision check"),
  db: z.enum(["connected", "disconnected"]).describe("LiteLLM's name for `database`"),
  litellm_version: z.string().describe("Switchboard's own version, in the field where LiteLLM reports its version"),
  draining: z.boolean(),
  database: z.enum(["connected", "unreachable"]),
  registry: z.object({ loaded: z.boolean(), deployments: count }),
  change_feed: z.object({
    kind: z.enum(["redis", "in-process"] as const satisfies ReadonlyArray<BusStatus["kind"]>),
    state: z.enum(["connected", "degraded"]),
  }),
  sync: z.object({
    applied_revision: count,
    latest_known_revision: count,
    lag: count,
    catch_ups: count,
    last_check_at: z.iso.datetime().nullable(),
  }),
});

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
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

const routeListSchema = z.object({
  routes: z.array(
    z.object({
      path: z.string().describe("OpenAPI style: `/model/{id}/update`"),
      methods: z.array(z.string()),
      name: z.string().describe("The operation's id in /openapi.json"),
      endpoint: z.string().describe("The same id, where LiteLLM names its handler function"),
    }),
  ),
});

export type HealthReportChecks = [
  Assert<Fits<HealthReport, typeof healthReportSchema, "healthy_endpoints" | "unhealthy_endpoints">>,
  Assert<Fits<{ routes: RouteEntry[] }, typeof routeListSchema>>,
];

export const healthComponents = {
  Liveness: livenessSchema,
  Readiness: readinessSchema,
  HealthReport: healthReportSchema,
  RouteList: routeListSchema,
};

export const healthOperations: OperationSpec[] = [
  {
    method: "get",
    path: "/health/liveliness",
    aliases: ["/health/liveness"],
    summary: "Liveness: the process is running",
    tags: ["health"],
    security: "none",
    response: livenessSchema,
    errors: [],
  },
  {
    method: "get",
    path: "/health/readiness",
    summary: "Readiness: this replica should receive traffic",
    description: "Ready when the database answers, the model registry is loaded and the replica is not draining.",
    tags: ["health"],
    security: "none",
    response: readinessSchema,
    responseDescription: "Ready (`healthy` or `degraded`)",
    errors: [],
    otherResponses: {
      503: { description: "Not ready: the same report, with `status: unhealthy`", schema: readinessSchema },
    },
  },
  {
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
    query: healthQuerySchema,
    response: healthReportSchema,
    errors: [400, 401, 403, 404, 503],
  },
  {
    method: "get",
    path: "/routes",
    summary: "Every route this server answers (LiteLLM's route list)",
    description: "One entry per operation of this OpenAPI document.",
    tags: ["meta"],
    security: "none",
    response: routeListSchema,
    errors: [],
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This OpenAPI document",
    tags: ["meta"],
    security: "none",
    response: openApiDocumentSchema,
    responseDescription: "An OpenAPI 3.1 document generated from the schemas that validate requests",
    errors: [],
  },
];
