import express, { type Express, type Request, type Response, Router } from "express";
import { ApiError } from "../errors/api-error.js";
import { type BodyPolicy, closeUnlessRead, readJsonBody } from "./body/read-json-body.js";
import type { RequestPipeline } from "./middleware/pipeline.js";
import type { RequestRecord } from "./middleware/request-log.js";
import { pathsOf, type Route } from "./route.js";
import { parseJson, parseQuery, withPathParams } from "./validate.js";

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

/** What every express route is mounted with. */
export interface Mounting<Deps> {
  deps: Deps;
  pipeline: RequestPipeline;
  body: BodyPolicy;
}

// Match, guard, admission, then the body (read here, only by routes that take one): a refused caller's body is never read.
function mount<Deps>(router: Router, route: Route<Deps>, { deps, pipeline, body: policy }: Mounting<Deps>): void {
  const guard = pipeline.guardFor(route.openWhen?.(deps) ? "none" : route.security, route.fresh === true);
  // Logs and metrics name a route by its express pattern, the first path when it has aliases.
  const label = expressPath(route.path, route.restParam);
  const paths = pathsOf(route).map((path) => expressPath(path, route.restParam));
  router[route.method](paths, async (req, res) => {
    const record = recordOf(res);
    record.route = label;
    if (!route.body) closeUnlessRead(req, res); // a body it will never read is not awaited either
    try {
      const caller = await guard(req.headers);
      if (route.admit) await route.admit(caller, res, deps);
      const params = paramsOf(req);
      const read = route.body ? await readJsonBody(req, res, policy) : undefined;
      const json: unknown = route.paramsInBody ? withPathParams(read, params) : read;
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
      closeUnlessRead(req, res);
      pipeline.fail(res, error, { record, method: req.method, path: req.path }, route.litellmErrors, route.errorShape);
    }
  });
}

/**
 * Every route but the hot path's, on express. There is no global body parser: a route that takes a body reads it
 * itself after its guard, so an unknown path is a 404 and a keyless request a 401 whatever body comes with them, and
 * an error answered before the body was read closes the connection rather than draining it.
 */
export function createExpressApp<Deps>(routes: readonly Route<Deps>[], mounting: Mounting<Deps>): Express {
  const { pipeline } = mounting;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use((req, res, next) => {
    res.locals.record = pipeline.start(req, res, req.path);
    next();
  });
  // Probes and the document first, as before, so their paths win over any pattern.
  const router = Router();
  for (const route of routes.filter((each) => each.ignoresBody)) mount(router, route, mounting);
  for (const route of routes.filter((each) => !each.ignoresBody)) mount(router, route, mounting);
  app.use(router);
  app.use((req: Request) => {
    throw ApiError.routeNotFound(req.method, req.path);
  });
  app.use((error: unknown, req: Request, res: Response, _next: express.NextFunction) => {
    closeUnlessRead(req, res);
    pipeline.fail(res, error, { record: recordOf(res), method: req.method, path: req.path });
  });
  return app;
}
