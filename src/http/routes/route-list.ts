import { z } from "zod";
import type { Assert, Fits } from "../openapi/json-schema.js";
import { defineRoute } from "../route.js";

/** One served route, in the shape of LiteLLM's GET /routes (FastAPI's route attributes). */
export interface RouteEntry {
  path: string;
  methods: string[];
  name: string;
  endpoint: string;
}

/**
 * Built once per app, from the same route definitions the app serves, on first use: generating the document's JSON
 * schemas took ~60 ms of a replica's start, for a page few callers ask for.
 */
export interface MetaDeps {
  openApiDocument: () => Record<string, unknown>;
  routeList: () => { routes: RouteEntry[] };
}

const documentPathsSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ operationId: z.string() }))),
});

/**
 * The route list, read from the OpenAPI document: one entry per operation, the inference routes included; aliases
 * (`/models` beside `/v1/models`) are routes of their own, as in FastAPI.
 */
export function routeEntries(openApiDocument: unknown): RouteEntry[] {
  const { paths } = documentPathsSchema.parse(openApiDocument);
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      path,
      methods: [method.toUpperCase()],
      name: operation.operationId,
      endpoint: operation.operationId,
    })),
  );
}

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

export type RouteListCheck = Assert<Fits<{ routes: RouteEntry[] }, typeof routeListSchema>>;

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

export const routeListComponents = { RouteList: routeListSchema };

/** The route list and the document: public, as in LiteLLM (the same facts either way). */
export const routeListRoutes = [
  defineRoute({
    method: "get",
    path: "/routes",
    summary: "Every route this server answers (LiteLLM's route list)",
    description: "One entry per operation of this OpenAPI document.",
    tags: ["meta"],
    security: "none",
    ignoresBody: true,
    response: routeListSchema,
    errors: [],
    handler: (_input, deps: MetaDeps) => deps.routeList(),
  }),
  defineRoute({
    method: "get",
    path: "/openapi.json",
    summary: "This OpenAPI document",
    tags: ["meta"],
    security: "none",
    ignoresBody: true,
    response: openApiDocumentSchema,
    responseDescription: "An OpenAPI 3.1 document generated from the schemas that validate requests",
    errors: [],
    handler: (_input, deps: MetaDeps) => deps.openApiDocument(),
  }),
];
