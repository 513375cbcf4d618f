/** Placeholder until the OpenAPI builder lands (being written now); replaced in the same session. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return { openapi: "3.1.0", info: { title: "Switchboard", version: "0.1.0" }, paths: {} };
}
