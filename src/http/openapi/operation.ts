import type { z } from "zod";
import { ERROR_COMPONENT, ERROR_DESCRIPTIONS, type ErrorStatus } from "./error-schema.js";
import {
  COMPONENT_SCHEMA_PREFIX,
  type ComponentRegistry,
  type JsonSchema,
  requestJsonSchema,
  responseJsonSchema,
} from "./json-schema.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** A 200 body that is not JSON, e.g. Prometheus text. */
export interface MediaResponse {
  mediaType: string;
  schema: z.ZodType;
}

/** One documented route. Adding a route to the app means adding one of these to a specs-*.ts list. */
export interface OperationSpec {
  method: HttpMethod;
  /** OpenAPI style: `/model/{id}/update`. Every `{param}` becomes a required string path parameter. */
  path: string;
  /** Other paths the app serves the same operation on (`/models` beside `/v1/models`). */
  aliases?: readonly string[];
  summary: string;
  description?: string;
  tags: readonly string[];
  /**
   * Who may call, with the key sent as `Authorization: Bearer`, `x-litellm-api-key` or `api-key`.
   * "key": the master key or a virtual key; "master": the master key only (a virtual key gets 403); "none": anyone.
   */
  security: "key" | "master" | "none";
  /** Path parameter descriptions, by name. */
  params?: Readonly<Record<string, string>>;
  query?: z.ZodObject;
  body?: z.ZodType;
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

export type PathItems = Record<string, Partial<Record<HttpMethod, JsonSchema>>>;

export const REQUEST_ID_HEADER = "#/components/headers/RequestId";

const KEY_SECURITY = [{ bearerAuth: [] }, { litellmApiKey: [] }, { azureApiKey: [] }];

const STREAM_DESCRIPTION =
  'With `"stream": true`: server-sent events, one `data: <JSON>` frame per chunk (the schema below), ending ' +
  'with `data: [DONE]`. An error after the first byte arrives as one `data: {"error": {...}}` frame.';

function isMediaResponse(response: OperationSpec["response"]): response is MediaResponse {
  return "mediaType" in response && "schema" in response;
}

function pathParameters(op: OperationSpec, path: string): JsonSchema[] {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  for (const described of Object.keys(op.params ?? {})) {
    if (!names.includes(described))
      throw new Error(`OpenAPI ${op.method} ${path}: params names "${described}", which is not in the path`);
  }
  return names.map((name) => ({
    name,
    in: "path",
    required: true,
    ...(op.params?.[name] ? { description: op.params[name] } : {}),
    schema: { type: "string" },
  }));
}

/** One query parameter per property of the query object, documented as callers write it. */
function queryParameters(query: z.ZodObject | undefined): JsonSchema[] {
  if (!query) return [];
  const schema = requestJsonSchema(query);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: "query",
    required: required.has(name),
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

function headersFor(extra: Readonly<Record<string, string>> = {}): JsonSchema {
  const headers: JsonSchema = { "x-request-id": { $ref: REQUEST_ID_HEADER } };
  for (const [name, description] of Object.entries(extra)) headers[name] = { description, schema: { type: "string" } };
  return headers;
}

function successResponse(op: OperationSpec, components: ComponentRegistry): JsonSchema {
  const content: JsonSchema = isMediaResponse(op.response)
    ? { [op.response.mediaType]: { schema: responseJsonSchema(op.response.schema, components) } }
    : { "application/json": { schema: responseJsonSchema(op.response, components) } };
  if (op.stream) content["text/event-stream"] = { schema: responseJsonSchema(op.stream, components) };
  const description = op.responseDescription ?? "Success";
  return {
    description: op.stream ? `${description}. ${STREAM_DESCRIPTION}` : description,
    headers: headersFor(op.responseHeaders),
    content,
  };
}

function responses(op: OperationSpec, components: ComponentRegistry): JsonSchema {
  const out: JsonSchema = { "200": successResponse(op, components) };
  for (const [status, other] of Object.entries(op.otherResponses ?? {})) {
    out[status] = {
      description: other.description,
      headers: headersFor(),
      content: { "application/json": { schema: responseJsonSchema(other.schema, components) } },
    };
  }
  for (const status of op.errors) {
    if (String(status) in out) throw new Error(`OpenAPI ${op.method} ${op.path}: status ${status} is listed twice`);
    out[String(status)] = {
      description: ERROR_DESCRIPTIONS[status],
      headers: headersFor(),
      content: { "application/json": { schema: { $ref: `${COMPONENT_SCHEMA_PREFIX}${ERROR_COMPONENT}` } } },
    };
  }
  return out;
}

function operationId(method: HttpMethod, path: string): string {
  return `${method}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+/g, "_")}`.replace(/_$/, "");
}

function assertConsistent(op: OperationSpec): void {
  const where = `OpenAPI ${op.method.toUpperCase()} ${op.path}`;
  if (op.security !== "none" && !op.errors.includes(401)) throw new Error(`${where}: a keyed operation must list 401`);
  if (op.security === "master" && !op.errors.includes(403))
    throw new Error(`${where}: a master-only operation must list 403`);
}

function toOperation(op: OperationSpec, path: string, components: ComponentRegistry): JsonSchema {
  const aliasOf = path === op.path ? undefined : op.path;
  const masterOnly = op.security === "master" ? "Master key only; a virtual key gets 403." : undefined;
  const description = [
    op.description,
    masterOnly,
    aliasOf ? `Same as \`${op.method.toUpperCase()} ${aliasOf}\`.` : undefined,
  ]
    .filter((part): part is string => part !== undefined)
    .join("\n\n");
  const parameters = [...pathParameters(op, path), ...queryParameters(op.query)];
  return {
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: [...op.tags],
    security: op.security === "none" ? [] : KEY_SECURITY,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { "application/json": { schema: requestJsonSchema(op.body) } } } }
      : {}),
    responses: responses(op, components),
  };
}

/** The document's `paths`. A (method, path) pair documented twice is a bug and throws at build time. */
export function buildPaths(operations: readonly OperationSpec[], components: ComponentRegistry): PathItems {
  const paths: PathItems = {};
  const ids = new Set<string>();
  for (const op of operations) {
    assertConsistent(op);
    for (const path of [op.path, ...(op.aliases ?? [])]) {
      const item = (paths[path] ??= {});
      if (item[op.method]) throw new Error(`OpenAPI operation ${op.method.toUpperCase()} ${path} is documented twice`);
      const id = operationId(op.method, path);
      if (ids.has(id)) throw new Error(`OpenAPI operationId ${id} is not unique`);
      ids.add(id);
      item[op.method] = { operationId: id, ...toOperation(op, path, components) };
    }
  }
  return paths;
}
