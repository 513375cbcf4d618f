import { z } from "zod";
import type { BusStatus } from "../../registry/ports.js";
import type { OperationSpec } from "./operation.js";

const livenessSchema = z.object({ status: z.literal("alive") });

const count = z.number().int().nonnegative();

const readinessSchema = z.object({
  status: z
    .enum(["healthy", "degraded", "unhealthy"])
    .describe("`degraded`: ready, but the change feed is down and changes arrive by the periodic revision check"),
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

export const healthComponents = { Liveness: livenessSchema, Readiness: readinessSchema };

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
    otherResponses: { 503: { description: "Not ready: the same report, with `status: unhealthy`", schema: readinessSchema } },
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
