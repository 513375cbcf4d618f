import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { BodyPolicy } from "./body/read-json-body.js";
import type { ErrorShape } from "../errors/error-shape.js";
import type { Caller } from "./middleware/auth.js";
import type { RequestRecord } from "./middleware/request-log.js";
import type { ErrorStatus } from "./openapi/error-schema.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/**
 * Who may call, with the key sent as `Authorization: Bearer`, `x-litellm-api-key`, `api-key` or `x-api-key`.
 * "key": the master key or a virtual key; "master": the master key only (a virtual key gets 403); "none": anyone.
 */
export type Security = "none" | "key" | "master";

/** A 200 body that is not JSON, e.g. Prometheus text. */
export interface MediaResponse {
  mediaType: string;
  schema: z.ZodType;
}

/** What /openapi.json says about a route; the registrars act on the same fields. */
export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI style: `/model/{id}/update`. Every `{param}` is a required string path parameter. */
  path: string;
  /** Other paths the same operation is served on (`/models` beside `/v1/models`). */
  aliases?: readonly string[];
  summary: string;
  description?: string;
  tags: readonly string[];
  security: Security;
  /** Path parameter descriptions, by name. */
  params?: Readonly<Record<string, string>>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The request body's media type when it is not JSON (`multipart/form-data`); read by the route's `readBody`. */
  bodyMediaType?: string;
  response: z.ZodType | MediaResponse;
  responseDescription?: string;
  /** Set when `"stream": true` answers text/event-stream; the schema is one `data:` frame's JSON. */
  stream?: z.ZodType;
  /** Headers the 200 response carries besides x-request-id, name → description. */
  responseHeaders?: Readonly<Record<string, string>>;
  /** Error statuses, each answered with the shared error envelope. */
  errors: readonly ErrorStatus[];
  /** Non-2xx answers that are not the error envelope (readiness answers 503 with its report). */
  otherResponses?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
}

type Parsed<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;
type CallerFor<S extends Security> = S extends "none" ? undefined : Caller;

/** What a handler gets: the request already authenticated and validated. */
export interface RouteInput<Query, Body, C> {
  query: Query;
  body: Body;
  /** Path parameters, decoded. */
  params: Readonly<Record<string, string>>;
  caller: C;
  req: IncomingMessage;
  res: ServerResponse;
  /** The request's log line, which a handler may add to (model group, deployment, upstream latency). */
  record: RequestRecord;
}

/**
 * One route: its OpenAPI description, how it is guarded and parsed, and its handler. The express and node:http
 * registrars serve it and the OpenAPI document describes it from this one object.
 */
export interface RouteDefinition<
  Deps,
  Query extends z.ZodObject | undefined = z.ZodObject | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
  S extends Security = Security,
> extends RouteDoc {
  security: S;
  query?: Query;
  body?: Body;
  /**
   * Reads a body that is not JSON (a multipart upload) within the route's body policy; what it returns is validated
   * by `body` as parsed JSON would be. Only on node:http routes.
   */
  readBody?(req: IncomingMessage, res: ServerResponse, policy: BodyPolicy): Promise<unknown>;
  /** Catch this replica up with PostgreSQL first: the answer reflects writes made through another replica. */
  fresh?: boolean;
  /** Probes and the document: listed first on express, and whatever body comes with them is never read. */
  ignoresBody?: boolean;
  /** The path parameter that takes the rest of the path, slashes included (`openai/gpt-4o`). */
  restParam?: string;
  /** Path parameters that are also body fields, the path's value winning (Azure's URL names the deployment). */
  paramsInBody?: boolean;
  /**
   * Served on node:http ahead of express (see node-routes.ts): the inference routes, where express's per-request
   * set-up was the largest share of the proxy's own CPU.
   */
  hotPath?: boolean;
  /** Errors start with LiteLLM's exception class (`litellm.BadRequestError: ...`), as its inference routes answer. */
  litellmErrors?: boolean;
  /** Errors written in this shape rather than OpenAI's bare envelope (the Anthropic Messages routes). */
  errorShape?: ErrorShape;
  /** When this is true for a replica, the route needs no key there (and its handler gets no caller). */
  openWhen?: (deps: Deps) => boolean;
  /**
   * Admission, after the guard and before the body is read: takes what the caller may hold (the key's parallel
   * slot; later rate limits and budgets) or throws (429). Whatever it takes is released when the response closes.
   * A refused caller's body is never read.
   */
  admit?(caller: CallerFor<S>, res: ServerResponse, deps: Deps): void | Promise<void>;
  /**
   * Answers the request. A returned value is the JSON body (with the status the handler set, else 200);
   * undefined means the handler wrote the response itself, or the caller has gone. Method syntax on purpose: its
   * parameters compare bivariantly, so one list holds routes whose handlers are typed for their own schemas and deps.
   */
  handler(input: RouteInput<Parsed<Query>, Parsed<Body>, CallerFor<S>>, deps: Deps): unknown;
}

/** Any route, as the registrars and the document builder take them. */
export type Route<Deps> = RouteDefinition<Deps>;

/** Checks a definition against its own schemas: the handler's input is typed from `query`, `body` and `security`. */
export function defineRoute<
  Deps,
  Query extends z.ZodObject | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
  S extends Security = Security,
>(route: RouteDefinition<Deps, Query, Body, S>): RouteDefinition<Deps, Query, Body, S> {
  return route;
}

/** `[path, ...aliases]`. */
export function pathsOf(route: RouteDoc): string[] {
  return [route.path, ...(route.aliases ?? [])];
}

/** The params of a path without any: one frozen object, so a static path's match allocates nothing. */
export const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
