import type { z } from "zod";
import type { RouteDoc } from "../route.js";
import { ERROR_COMPONENT, errorResponseSchema } from "./error-schema.js";
import { componentSchemas, createComponentRegistry } from "./json-schema.js";
import { buildPaths } from "./operation.js";

const TAGS = [
  {
    name: "health",
    description: "Liveness and readiness probes (no key needed) and the model health check (master key)",
  },
  { name: "meta", description: "This document and the route list" },
  {
    name: "models",
    description: "OpenAI's model list and LiteLLM's model views, merged from config.yaml and the database",
  },
  { name: "model management", description: "LiteLLM's write endpoints for stored deployments; master key only" },
  { name: "keys", description: "Virtual keys; master key only" },
  { name: "inference", description: "OpenAI's inference endpoints, routed to the model's deployments" },
];

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description: "`Authorization: Bearer <key>`: the master key or a virtual key",
  },
  litellmApiKey: {
    type: "apiKey",
    in: "header",
    name: "x-litellm-api-key",
    description: "LiteLLM's header, read when there is no bearer token",
  },
  azureApiKey: { type: "apiKey", in: "header", name: "api-key", description: "Azure OpenAI's header" },
  anthropicApiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "Anthropic's header, read last" },
};

/**
 * The OpenAPI 3.1 document of these routes, from the same definitions (and zod schemas) the app serves them with.
 * `components` names response schemas, which the document then refers to by $ref. Built once per app; a duplicate
 * or malformed operation throws here, at start-up, rather than serving a wrong document.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDoc[],
  components: ReadonlyArray<Readonly<Record<string, z.ZodType>>>,
): Record<string, unknown> {
  const registry = createComponentRegistry([{ [ERROR_COMPONENT]: errorResponseSchema }, ...components]);
  const paths = buildPaths(routes, registry);
  const usedTags = new Set(routes.flatMap((op) => op.tags));
  const declared = new Set(TAGS.map((tag) => tag.name));
  const tags = [
    ...TAGS.filter((tag) => usedTags.has(tag.name)),
    ...[...usedTags].filter((name) => !declared.has(name)).map((name) => ({ name })),
  ];
  return {
    openapi: "3.1.0",
    info: {
      title: "Switchboard",
      version: "0.1.0",
      description:
        'OpenAI-compatible LLM proxy speaking LiteLLM\'s proxy dialect. Every error answers `{"error": {...}}`.',
    },
    tags,
    paths,
    components: {
      schemas: componentSchemas(registry),
      securitySchemes: SECURITY_SCHEMES,
      headers: {
        RequestId: {
          description:
            "The request's id (the caller's x-request-id when it is safe, else a UUID); quote it in bug reports",
          schema: { type: "string" },
        },
      },
    },
  };
}
