import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { errorResponseSchema } from "../../src/http/openapi/error-schema.js";
import { pathsOf, type RouteDoc } from "../../src/http/route.js";
import { historyQuerySchema } from "../../src/http/routes/change-history.js";
import { healthComponents } from "../../src/http/routes/health.js";
import { API_ROUTES } from "../../src/http/routes/index.js";
import { modelInfoComponents } from "../../src/http/routes/model-info.js";
import { managementComponents, modelPatchSchema, newModelBodySchema } from "../../src/http/routes/model-management.js";
import { modelsComponents } from "../../src/http/routes/models.js";
import { chatRequestSchema, embeddingRequestSchema, proxyComponents } from "../../src/http/routes/proxy.js";
import { responsesRequestSchema, transcriptionRequestSchema } from "../../src/http/routes/proxy-extras.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";

// Only the parts of the document these tests read; parsing them is itself a structural check.
const responseObject = z.object({
  description: z.string().min(1),
  content: z.record(z.string(), z.object({ schema: z.record(z.string(), z.unknown()) })).optional(),
});
const operationObject = z.object({
  operationId: z.string(),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  parameters: z.array(z.object({ name: z.string(), in: z.enum(["path", "query"]), required: z.boolean() })).optional(),
  // JSON, or multipart/form-data for uploads (audio transcriptions).
  requestBody: z.object({ content: z.record(z.string(), z.object({ schema: z.unknown() })) }).optional(),
  responses: z.record(z.string(), responseObject),
});
const documentSchema = z.object({
  openapi: z.literal("3.1.0"),
  paths: z.record(z.string(), z.record(z.string(), operationObject)),
  components: z.object({
    schemas: z.record(z.string(), z.unknown()),
    securitySchemes: z.record(z.string(), z.unknown()),
  }),
});
type OpenApiDocument = z.infer<typeof documentSchema>;

const ERROR_REF = { $ref: "#/components/schemas/ErrorResponse" };

let fixture: ProxyFixture;
let proxy: TestReplica;
let rawDocument: unknown;
let doc: OpenApiDocument;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: sk-upstream-0123456789, rpm: 10 }
    model_info: { id: cfg-mini }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ proxy } = fixture);
  rawDocument = (await proxy.anonymous().get("/openapi.json").expect(200).expect("content-type", /json/)).body;
  doc = documentSchema.parse(rawDocument);
});

afterAll(() => fixture.close());

// --- the served side: createApp serves the route definitions of API_ROUTES and nothing else (the hot path's on
// node:http, the rest on express); the document must describe exactly those, and the app must answer each. ------

/** Every (method, path) of the route definitions, aliases included, as `METHOD /openapi/path`. */
function definedRoutes(routes: readonly RouteDoc[] = API_ROUTES): string[] {
  return routes.flatMap((route) => pathsOf(route).map((path) => `${route.method.toUpperCase()} ${path}`));
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function operation(method: string, path: string) {
  const found = doc.paths[path]?.[method];
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return found;
}

/** What the document must hold for a request schema: zod's own conversion, as callers send the input. */
function inputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
}

describe("GET /openapi.json", () => {
  it("serves an OpenAPI 3.1 document without a key", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(["bearerAuth", "litellmApiKey"]),
    );
  });

  it("defines the one error envelope as a component", () => {
    expect(doc.components.schemas.ErrorResponse).toMatchObject({
      type: "object",
      required: ["error"],
      properties: { error: { required: ["message", "type", "param", "code"] } },
    });
  });

  it("documents every route the app serves, naming any that is missing", () => {
    const defined = definedRoutes();
    expect(defined).toContain("GET /openapi.json"); // the list holds the app's own routes
    expect(defined).toContain("PATCH /model/{id}/update"); // the management routes
    expect(defined).toContain("POST /v1/chat/completions"); // and the inference routes served beside express
    expect(defined).toContain("POST /openai/deployments/{model}/chat/completions"); // with their aliases
    const documented = new Set(documentedRoutes(doc));
    expect(defined.filter((route) => !documented.has(route))).toEqual([]);
  });

  it("documents no route the app does not serve", async () => {
    const defined = new Set(definedRoutes());
    const documented = documentedRoutes(doc);
    expect(documented.filter((route) => !defined.has(route))).toEqual([]);
    // And the real app answers each one: without a key, 401 where the document asks for one and 200 where it does
    // not (never the 404 of unknown routes).
    for (const route of documented) {
      const [method = "", path = ""] = route.split(" ");
      const keyed = operation(method.toLowerCase(), path).security.length > 0;
      const res = await proxy
        .anonymous()
        [method.toLowerCase() as "get" | "post" | "patch"](path.replace(/\{\w+\}/g, "x"));
      expect([route, res.status]).toEqual([route, keyed ? 401 : 200]);
    }
  });

  it("documents request bodies with the schemas the routes validate with", () => {
    const body = (method: string, path: string, mediaType = "application/json") =>
      operation(method, path).requestBody?.content[mediaType]?.schema;
    expect(body("post", "/model/new")).toEqual(inputSchema(newModelBodySchema));
    expect(body("patch", "/model/{id}/update")).toEqual(inputSchema(modelPatchSchema));
    expect(body("post", "/v1/chat/completions")).toEqual(inputSchema(chatRequestSchema));
    expect(body("post", "/embeddings")).toEqual(inputSchema(embeddingRequestSchema));
    expect(body("post", "/v1/responses")).toEqual(inputSchema(responsesRequestSchema));
    expect(body("post", "/v1/audio/transcriptions", "multipart/form-data")).toEqual(
      inputSchema(transcriptionRequestSchema),
    );
  });

  it("documents query parameters from the route's query schema, with path parameters from the path", () => {
    const history = operation("get", "/model/history").parameters ?? [];
    expect(history.map((p) => [p.name, p.in, p.required])).toEqual(
      Object.keys(historyQuerySchema.shape).map((name) => [name, "query", false]),
    );
    expect(operation("patch", "/model/{id}/update").parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path", required: true }),
    ]);
    expect(operation("get", "/v1/models/{name}").parameters).toEqual([
      expect.objectContaining({ name: "name", in: "path", required: true }),
    ]);
  });

  it("gives every keyed operation a 401 and every error status the error envelope", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, op.responses["200"]?.content]).toEqual([where, expect.anything()]);
        if (op.security.length > 0)
          expect([where, op.responses["401"]?.content?.["application/json"]?.schema]).toEqual([where, ERROR_REF]);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400 || where === "GET /health/readiness") continue; // readiness answers 503 with its report
          expect([where, status, response.content?.["application/json"]?.schema]).toEqual([where, status, ERROR_REF]);
        }
      }
    }
  });

  it("has unique operation ids and resolves every $ref", () => {
    const ids = documentedRoutes(doc).map((route) => {
      const [method = "", path = ""] = route.split(" ");
      return operation(method.toLowerCase(), path).operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(rawDocument).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const pointer = ref.slice('"$ref":"#/'.length, -1).split("/");
      const target = pointer.reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key],
        rawDocument,
      );
      expect([ref, target]).toEqual([ref, expect.anything()]);
    }
  });
});

// The documented response schemas must accept what the routes really send, with no undocumented field:
// a parse that strips a field changes the value and fails toEqual.
function expectDocumented(schema: z.ZodType, body: unknown): void {
  expect(schema.parse(body)).toEqual(body);
}

describe("documented response schemas match real responses", () => {
  it("for errors", async () => {
    expectDocumented(errorResponseSchema, (await proxy.anonymous().get("/model/info").expect(401)).body);
    expectDocumented(errorResponseSchema, (await proxy.post("/model/new", {}).expect(400)).body);
    expectDocumented(errorResponseSchema, (await proxy.get("/v1/models/nope").expect(404)).body);
  });

  it("for health", async () => {
    expectDocumented(healthComponents.Liveness, (await proxy.anonymous().get("/health/liveness").expect(200)).body);
    expectDocumented(healthComponents.Readiness, (await proxy.anonymous().get("/health/readiness").expect(200)).body);
  });

  it("for model management and the model views", async () => {
    const created = await proxy
      .post("/model/new", {
        model_name: "db-model",
        litellm_params: { model: "openai/gpt-4o", api_key: "sk-stored-0123456789" },
      })
      .expect(200);
    expectDocumented(managementComponents.StoredModel, created.body);
    const id = String(created.body.model_id);
    expectDocumented(
      managementComponents.StoredModel,
      (await proxy.patch(`/model/${id}/update`, { litellm_params: { rpm: 5 } }).expect(200)).body,
    );
    expectDocumented(modelsComponents.ModelList, (await proxy.get("/v1/models").expect(200)).body);
    expectDocumented(modelsComponents.Model, (await proxy.get("/v1/models/db-model").expect(200)).body);
    expectDocumented(modelInfoComponents.ModelInfoList, (await proxy.get("/model/info").expect(200)).body);
    expectDocumented(modelInfoComponents.ModelInfoPage, (await proxy.get("/v2/model/info?size=1").expect(200)).body);
    expectDocumented(modelInfoComponents.ModelGroupInfoList, (await proxy.get("/model_group/info").expect(200)).body);
    expectDocumented(managementComponents.ModelHistory, (await proxy.get("/model/history").expect(200)).body);
    expectDocumented(
      managementComponents.DeleteModelResponse,
      (await proxy.post("/model/delete", { id }).expect(200)).body,
    );
  });

  it("for inference, relayed from an OpenAI upstream", async () => {
    const messages = [{ role: "user", content: "hi" }];
    expectDocumented(
      proxyComponents.ChatCompletion,
      (await proxy.post("/v1/chat/completions", { model: "gpt-4o-mini", messages }).expect(200)).body,
    );
    expectDocumented(
      proxyComponents.TextCompletion,
      (await proxy.post("/v1/completions", { model: "gpt-4o-mini", prompt: "hi" }).expect(200)).body,
    );
    expectDocumented(
      proxyComponents.Embeddings,
      (await proxy.post("/v1/embeddings", { model: "gpt-4o-mini", input: "hi" }).expect(200)).body,
    );
  });

  it("for streamed chat chunks, one per SSE data frame", async () => {
    const res = await proxy
      .post("/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true })
      .buffer(true)
      .expect(200)
      .expect("content-type", /text\/event-stream/);
    const frames = res.text.split("\n").filter((line) => line.startsWith("data: ") && line !== "data: [DONE]");
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames)
      expectDocumented(proxyComponents.ChatCompletionChunk, JSON.parse(frame.slice("data: ".length)));
  });
});
