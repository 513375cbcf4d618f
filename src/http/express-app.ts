import express, { type Express, type Request, type Response, Router } from "express";
import { ApiError } from "../errors/api-error.js";
import type { RequestPipeline } from "./middleware/pipeline.js";
import type { RequestRecord } from "./middleware/request-log.js";
import { pathsOf, type Route } from "./route.js";
import { parseJson, parseQuery, withPathParams } from "./validate.js";

/** Management bodies are small; a larger one is a mistake or an attack. */
const MANAGEMENT_BODY_LIMIT = "1mb";

/** `/model/{id}/update` → `/model/:id/update`; the rest parameter → `*name` (express 5's wildcard). */
function expressPath(path: string, restParam: string | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => (name === restParam ? `*${name}` : `:${name}`));
}

/** Set by the app's first middleware for every request. */
function recordOf(res: Response): RequestRecord {
  const record = res.locals.record as RequestRecord | undefined;
  if (!record) throw new Error("the request pipeline did not start this request");
  return record;
}

/** Express's params as strings: a rest parameter arrives as its segments. */
function paramsOf(req: Request): Record<string, string> {
  const params = req.params as Record<string, string | string[]>;
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? value.join("/") : value]),
  );
}

function mount<Deps>(router: Router, route: Route<Deps>, deps: Deps, pipeline: RequestPipeline): void {
  const guard = pipeline.guardFor(route.openWhen?.(deps) ? "none" : route.security, route.fresh === true);
  // Logs and metrics name a route by its express pattern, the first path when it has aliases.
  const label = expressPath(route.path, route.restParam);
  const paths = pathsOf(route).map((path) => expressPath(path, route.restParam));
  router[route.method](paths, async (req, res) => {
    const record = recordOf(res);
    record.route = label;
    try {
      const caller = await guard(req.headers);
      const params = paramsOf(req);
      const json: unknown = route.paramsInBody ? withPathParams(req.body, params) : req.body;
      const reply: unknown = await route.handler(
        {
          query: route.query ? parseQuery(route.query, req.query) : undefined,
          body: route.body ? parseJson(route.body, json) : undefined,
          params,
          caller,
          req,
          res,
          record,
        },
        deps,
      );
      if (reply !== undefined) res.json(reply);
    } catch (error) {
      pipeline.fail(res, error, { record, method: req.method, path: req.path }, route.litellmErrors);
    }
  });
}

function routerOf<Deps>(routes: readonly Route<Deps>[], deps: Deps, pipeline: RequestPipeline): Router {
  const router = Router();
  for (const route of routes) mount(router, route, deps, pipeline);
  return router;
}

/**
 * Every route but the hot path's, on express. Routes that ignore bodies come before the JSON parser, the others
 * after it, and so does the 404 of unknown routes: a malformed body is a 400 before anything else is checked.
 */
export function createExpressApp<Deps>(routes: readonly Route<Deps>[], deps: Deps, pipeline: RequestPipeline): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use((req, res, next) => {
    res.locals.record = pipeline.start(req, res, req.path);
    next();
  });
  app.use(
    routerOf(
      routes.filter((route) => route.ignoresBody),
      deps,
      pipeline,
    ),
  );
  app.use(express.json({ limit: MANAGEMENT_BODY_LIMIT }));
  app.use(
    routerOf(
      routes.filter((route) => !route.ignoresBody),
      deps,
      pipeline,
    ),
  );
  app.use((req: Request) => {
    throw ApiError.routeNotFound(req.method, req.path);
  });
  app.use((error: unknown, req: Request, res: Response, _next: express.NextFunction) => {
    pipeline.fail(res, error, { record: recordOf(res), method: req.method, path: req.path });
  });
  return app;
}
