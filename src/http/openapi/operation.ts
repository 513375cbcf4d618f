import { type HttpMethod, type MediaResponse, pathsOf, type RouteDoc } from "../route.js";
import { ERROR_COMPONENT, ERROR_DESCRIPTIONS } from "./error-schema.js";
import {
  COMPONENT_SCHEMA_PREFIX,
  type ComponentRegistry,
  type JsonSchema,
  requestJsonSchema,
  responseJsonSchema,
} from "./json-schema.js";

export type PathItems = Record<string, Partial<Record<HttpMethod, JsonSchema>>>;

export const REQUEST_ID_HEADER = "#/components/headers/RequestId";

const KEY_SECURITY = [{ bearerAuth: [] }, { litellmApiKey: [] }, { azureApiKey: [] }, { anthropicApiKey: [] }];

const STREAM_DESCRIPTION =
  'With `"stream": true`: server-sent events, one `data: <JSON>` frame per chunk (the schema below), ending ' +
  'with `data: [DONE]`. An error after the first byte arrives as one `data: {"error": {...}}` frame.';

function isMediaResponse(response: RouteDoc["response"]): response is MediaResponse {
  return "mediaType" in response && "schema" in response;
}

function pathParameters(op: RouteDoc, path: string): JsonSchema[] {
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
function queryParameters(query: RouteDoc["query"]): JsonSchema[] {
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

function successResponse(op: RouteDoc, components: ComponentRegistry): JsonSchema {
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

function responses(op: RouteDoc, components: ComponentRegistry): JsonSchema {
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

function assertConsistent(op: RouteDoc): void {
  const where = `OpenAPI ${op.method.toUpperCase()} ${op.path}`;
  if (op.security !== "none" && !op.errors.includes(401)) throw new Error(`${where}: a keyed operation must list 401`);
  if (op.security === "master" && !op.errors.includes(403))
    throw new Error(`${where}: a master-only operation must list 403`);
}

function toOperation(op: RouteDoc, path: string, components: ComponentRegistry): JsonSchema {
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
      ? {
          requestBody: {
            required: true,
            content: { [op.bodyMediaType ?? "application/json"]: { schema: requestJsonSchema(op.body) } },
          },
        }
      : {}),
    responses: responses(op, components),
  };
}

/** The document's `paths`. A (method, path) pair documented twice is a bug and throws at build time. */
export function buildPaths(operations: readonly RouteDoc[], components: ComponentRegistry): PathItems {
  const paths: PathItems = {};
  const ids = new Set<string>();
  for (const op of operations) {
    assertConsistent(op);
    for (const path of pathsOf(op)) {
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
