import { Router } from "express";
import { z } from "zod";

/** One served route, in the shape of LiteLLM's GET /routes (FastAPI's route attributes). */
export interface RouteEntry {
  path: string;
  methods: string[];
  name: string;
  endpoint: string;
}

const documentPathsSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ operationId: z.string() }))),
});

/**
 * The route list, read from the OpenAPI document rather than from express's internals: the document is the one
 * list of every route, the inference routes included, and test/integration/openapi.test.ts keeps it equal to what
 * the app serves. One entry per operation; aliases (`/models` beside `/v1/models`) are routes of their own, as in
 * FastAPI.
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

/** GET /routes: public, as in LiteLLM (the same facts /openapi.json publishes). */
export function routeListRoutes(openApiDocument: unknown): Router {
  const body = { routes: routeEntries(openApiDocument) };
  const router = Router();
  router.get("/routes", (_req, res) => {
    res.json(body);
  });
  return router;
}
