import type { IncomingMessage, ServerResponse } from "node:http";
import type { Guard, RequestPipeline } from "./middleware/pipeline.js";
import type { RequestRecord } from "./middleware/request-log.js";
import { type BodyPolicy, closeUnlessRead, readJsonBody } from "./body/read-json-body.js";
import { NO_PARAMS, pathsOf, type Route } from "./route.js";
import { parseJson, withPathParams } from "./validate.js";
import { writeJsonText } from "./json-reply.js";

interface Matched<Deps> {
  route: Route<Deps>;
  guard: Guard;
  /** The matched pattern, for logs and metrics (never the raw path: it may hold anything). */
  label: string;
  params: Readonly<Record<string, string>>;
}

interface Pattern<Deps> {
  /** What a match answers, but for its params. */
  matched: Matched<Deps>;
  regex: RegExp;
  names: string[];
}

/** The routes of one method: exact paths (lower-cased) and paths with parameters. */
interface MethodTable<Deps> {
  exact: Map<string, Matched<Deps>>;
  patterns: Pattern<Deps>[];
}

/** The request's path without its query string or one trailing slash. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** `/engines/{model}/embeddings` → a case-insensitive regex with one group per parameter (no slash in a value). */
function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split(/\{(\w+)\}/)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      names.push(part);
      return "([^/]+)";
    })
    .join("");
  return { regex: new RegExp(`^${source}$`, "i"), names };
}

function matchPattern<Deps>(pattern: Pattern<Deps>, path: string): Matched<Deps> | undefined {
  const groups = pattern.regex.exec(path);
  if (!groups) return undefined;
  const params: Record<string, string> = {};
  try {
    pattern.names.forEach((name, i) => (params[name] = decodeURIComponent(groups[i + 1]!)));
  } catch {
    return undefined; // a malformed %-escape: express's 400 answers it
  }
  return { ...pattern.matched, params };
}

function buildTables<Deps>(routes: readonly Route<Deps>[], pipeline: RequestPipeline): Map<string, MethodTable<Deps>> {
  const tables = new Map<string, MethodTable<Deps>>();
  for (const route of routes) {
    if (route.query || route.restParam || route.openWhen)
      throw new Error(`${route.method.toUpperCase()} ${route.path}: node:http routes take no query, rest or openWhen`);
    const method = route.method.toUpperCase();
    const table: MethodTable<Deps> = tables.get(method) ?? { exact: new Map(), patterns: [] };
    tables.set(method, table);
    const guard = pipeline.guardFor(route.security, route.fresh === true);
    for (const path of pathsOf(route)) {
      // An alias is logged under the route's first path; a path with parameters under its own pattern.
      if (!path.includes("{"))
        table.exact.set(path.toLowerCase(), { route, guard, label: route.path, params: NO_PARAMS });
      else table.patterns.push({ matched: { route, guard, label: path, params: NO_PARAMS }, ...compile(path) });
    }
  }
  return tables;
}

/** Finds a route as express would: any case, one optional trailing slash (stripped by pathOf), any query string. */
function match<Deps>(table: MethodTable<Deps>, path: string): Matched<Deps> | undefined {
  const found = table.exact.get(path) ?? table.exact.get(path.toLowerCase());
  if (found) return found;
  for (const pattern of table.patterns) {
    const matched = matchPattern(pattern, path);
    if (matched) return matched;
  }
  return undefined;
}

function writeJson(res: ServerResponse, body: unknown): void {
  writeJsonText(res, res.statusCode, JSON.stringify(body));
}

/**
 * The hot path's routes (`hotPath: true`), served on node:http directly rather than through express: express's
 * per-request set-up alone (re-prototyping req and res, the router walk) measured more CPU than everything else a
 * proxied call does. They go through the same request pipeline as express's routes and match paths as express
 * does. A static path answers with an object built once, so matching allocates nothing. Returns false for any
 * other request.
 */
export function createNodeRoutes<Deps>(
  routes: readonly Route<Deps>[],
  deps: Deps,
  pipeline: RequestPipeline,
  options: { body: BodyPolicy },
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const tables = buildTables(routes, pipeline);

  // Match, guard, admission, then the body: a refused caller's body is never read.
  async function serve(matched: Matched<Deps>, req: IncomingMessage, res: ServerResponse, record: RequestRecord) {
    const { route, params } = matched;
    const caller = await matched.guard(req.headers);
    if (route.admit) {
      const admitted = route.admit(caller, res, deps);
      if (admitted) await admitted;
    }
    let body: unknown;
    if (route.body) {
      const json = route.readBody
        ? await route.readBody(req, res, options.body)
        : await readJsonBody(req, res, options.body);
      body = parseJson(route.body, route.paramsInBody && params !== NO_PARAMS ? withPathParams(json, params) : json);
    }
    const reply: unknown = await route.handler({ query: undefined, body, params, caller, req, res, record }, deps);
    if (reply !== undefined) writeJson(res, reply);
  }

  return (req, res) => {
    const table = tables.get(req.method ?? "");
    if (!table) return false;
    const path = pathOf(req);
    const matched = match(table, path);
    if (!matched) return false;
    const record = pipeline.start(req, res, path, matched.label);
    serve(matched, req, res, record).catch((error: unknown) => {
      closeUnlessRead(req, res);
      const { litellmErrors, errorShape } = matched.route;
      pipeline.fail(res, error, { record, method: req.method, path }, litellmErrors, errorShape);
    });
    return true;
  };
}
