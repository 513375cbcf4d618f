import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

/** Named response schemas; an operation answering with one of them gets a $ref instead of a copy. */
export type ComponentRegistry = z.core.$ZodRegistry<{ id: string }>;

/**
 * `true` when every value typed Wire is a valid output of Schema and Wire has no field Schema lacks. Route files assert it for the wire shapes
 * that have a TypeScript type, so a response that drifts from its documented schema fails `tsc`. `Loose`
 * names fields typed `Record<string, unknown>` in code but documented with their known members.
 */
export type Fits<Wire, Schema extends z.ZodType, Loose extends string = never> = [Omit<Wire, Loose>] extends [
  Omit<z.output<Schema>, Loose>,
]
  ? [Exclude<keyof Wire, keyof z.output<Schema>>] extends [never] // and no field goes undocumented
    ? true
    : false
  : false;
export type Assert<Condition extends true> = Condition;

export const COMPONENT_SCHEMA_PREFIX = "#/components/schemas/";

// zod adds these for a standalone document; inside an OpenAPI document they are noise (`$id`) or redundant
// (`$schema`: OpenAPI 3.1's jsonSchemaDialect is already draft 2020-12).
function withoutDocumentKeys(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Requests are documented as callers send them: before defaults, coercion and transforms apply. The
 * conversion is exactly `z.toJSONSchema(schema, { io: "input", unrepresentable: "any" })` minus `$schema`,
 * which the contract test relies on to prove the validating schema is the documented one.
 */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  return withoutDocumentKeys(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
}

/** A response as the server sends it: a $ref for a named component, inline otherwise. */
export function responseJsonSchema(schema: z.ZodType, components: ComponentRegistry): JsonSchema {
  const named = components.get(schema);
  if (named) return { $ref: `${COMPONENT_SCHEMA_PREFIX}${named.id}` };
  return withoutDocumentKeys(z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }));
}

/** Builds the registry from `{ Name: schema }` records; a name used twice is a bug, not an override. */
export function createComponentRegistry(named: ReadonlyArray<Readonly<Record<string, z.ZodType>>>): ComponentRegistry {
  const registry = z.registry<{ id: string }>();
  const seen = new Set<string>();
  for (const record of named) {
    for (const [id, schema] of Object.entries(record)) {
      if (seen.has(id)) throw new Error(`OpenAPI component schema "${id}" is defined twice`);
      if (registry.has(schema))
        throw new Error(`OpenAPI component "${id}" reuses a schema already named ${registry.get(schema)?.id}`);
      seen.add(id);
      registry.add(schema, { id });
    }
  }
  return registry;
}

/** `components.schemas`, with registered schemas nested in one another referring to each other by $ref. */
export function componentSchemas(components: ComponentRegistry): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(components, {
    io: "output",
    unrepresentable: "any",
    uri: (id) => `${COMPONENT_SCHEMA_PREFIX}${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, withoutDocumentKeys(schema as JsonSchema)]),
  );
}
