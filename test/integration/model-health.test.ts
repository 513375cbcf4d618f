import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { healthComponents } from "../../src/http/routes/health.js";
import { maskSecret } from "../../src/registry/secret-fields.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// GET /health on demand: one real call per deployment against the fake upstreams, every answer checked for shape,
// masking, LiteLLM's wording and what reached the upstream.

const OK_KEY = "sk-health-ok-secret-0123456789abcdef";
const BROKEN_KEY = "sk-health-broken-secret-abcdefghijklmn";
const LEAKY_KEY = "sk-health-leaky-secret-zyxwvutsrqponm";
const ANTHROPIC_KEY = "sk-ant-health-secret-0123456789abcd";

let db: TestDatabase;
let openai: FakeUpstream;
let anthropic: FakeUpstream;
let proxy: TestReplica;

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function configYaml(openaiUrl: string, anthropicUrl: string, downPort: number): string {
  const ok = `api_base: "${openaiUrl}/v1", api_key: os.environ/OK_KEY`;
  return `
model_list:
  - model_name: gpt-ok
    litellm_params: { model: openai/up-ok-1, ${ok}, rpm: 10 }
    model_info: { id: ok-1 }
  - model_name: gpt-ok
    litellm_params: { model: openai/up-ok-2, ${ok} }
    model_info: { id: ok-2 }
  - model_name: embedder
    litellm_params: { model: openai/up-embed, ${ok} }
    model_info: { id: embed-1, mode: embedding }
  - model_name: legacy
    litellm_params: { model: openai/up-legacy, ${ok} }
    model_info: { id: legacy-1, mode: completion, health_check_max_tokens: 3 }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-haiku-20241022, api_base: "${anthropicUrl}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-1 }
  - model_name: slow
    litellm_params: { model: openai/up-slow, ${ok} }
    model_info: { id: slow-1, health_check_timeout: 0.3 }
  - model_name: broken
    litellm_params: { model: openai/up-broken, api_base: "${openaiUrl}/v1", api_key: os.environ/BROKEN_KEY }
    model_info: { id: broken-1 }
  - model_name: leaky
    litellm_params: { model: openai/up-leaky, api_base: "${openaiUrl}/v1", api_key: os.environ/LEAKY_KEY }
    model_info: { id: leaky-1 }
  - model_name: down
    litellm_params: { model: openai/up-down, api_base: "http://127.0.0.1:${downPort}/v1", api_key: os.environ/OK_KEY }
    model_info: { id: down-1 }
  - model_name: unset
    litellm_params: { model: openai/up-unset, api_base: "${openaiUrl}/v1", api_key: os.environ/HEALTH_UNSET_VAR }
    model_info: { id: unset-1 }
  - model_name: claude-embed
    litellm_params: { model: anthropic/claude-3-5-haiku-20241022, api_base: "${anthropicUrl}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-embed-1, mode: embedding }
  - model_name: painter
    litellm_params: { model: openai/up-dalle, ${ok} }
    model_info: { id: painter-1, mode: image_generation }
`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml: configYaml(openai.url, anthropic.url, await closedPort()),
    env: { OK_KEY, BROKEN_KEY, LEAKY_KEY, ANTHROPIC_KEY },
  });
});

afterAll(async () => {
  await proxy.close();
  await openai.close();
  await anthropic.close();
  await db.drop();
});

type Endpoint = Record<string, unknown> & { model_id: string; error?: string };
interface Report {
  healthy_endpoints: Endpoint[];
  unhealthy_endpoints: Endpoint[];
  healthy_count: number;
  unhealthy_count: number;
}

function scriptFailures(): void {
  openai.reset();
  anthropic.reset();
  openai.script("up-slow", { kind: "slow", delayMs: 3000 });
  openai.script("up-broken", {
    kind: "status",
    status: 401,
    body: {
      error: {
        message: `Incorrect API key provided: ${BROKEN_KEY}.`,
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    },
  });
  // A key cut short by one character is still a quote of it.
  openai.script("up-leaky", {
    kind: "status",
    status: 403,
    body: { error: { message: `key ${LEAKY_KEY.slice(0, -1)} is blocked` } },
  });
}

async function health(query = ""): Promise<Report> {
  return (await proxy.get(`/health${query}`).expect(200)).body as Report;
}

const byId = (endpoints: Endpoint[]) => Object.fromEntries(endpoints.map((endpoint) => [endpoint.model_id, endpoint]));

describe("GET /health: who may call", () => {
  it("answers 401 without a key and 403 to a virtual key", async () => {
    const anonymous = await supertest(proxy.app).get("/health").expect(401);
    expect(anonymous.body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    const { key } = (await proxy.post("/key/generate", { models: ["gpt-ok"] }).expect(200)).body as { key: string };
    const forbidden = await supertest(proxy.app).get("/health").set("Authorization", `Bearer ${key}`).expect(403);
    expect(forbidden.body.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    expect(openai.requests).toHaveLength(0); // refused before any upstream call
  });
});

describe("GET /health: a real call to every deployment", () => {
  let report: Report;
  let elapsedMs: number;

  beforeAll(async () => {
    scriptFailures();
    const started = Date.now();
    report = await health();
    elapsedMs = Date.now() - started;
  });

  it("answers LiteLLM's shape with matching counts, healthy and unhealthy apart", () => {
    expect(Object.keys(report)).toEqual([
      "healthy_endpoints",
      "unhealthy_endpoints",
      "healthy_count",
      "unhealthy_count",
    ]);
    expect(report.healthy_count).toBe(report.healthy_endpoints.length);
    expect(report.unhealthy_count).toBe(report.unhealthy_endpoints.length);
    expect(report.healthy_endpoints.map((e) => e.model_id)).toEqual([
      "ok-1",
      "ok-2",
      "embed-1",
      "legacy-1",
      "claude-1",
    ]);
    expect(report.unhealthy_endpoints.map((e) => e.model_id)).toEqual([
      "slow-1",
      "broken-1",
      "leaky-1",
      "down-1",
      "unset-1",
      "claude-embed-1",
      "painter-1",
    ]);
    expect(healthComponents.HealthReport.parse(report)).toEqual(report);
  });

  it("shows each deployment's litellm_params with secrets masked, plus model_id", () => {
    expect(byId(report.healthy_endpoints)["ok-1"]).toEqual({
      model: "openai/up-ok-1",
      api_base: `${openai.url}/v1`,
      api_key: maskSecret(OK_KEY),
      rpm: 10,
      model_id: "ok-1",
    });
    expect(byId(report.unhealthy_endpoints)["unset-1"]).toMatchObject({ api_key: "", model_id: "unset-1" });
    expect(JSON.stringify(report)).not.toContain(OK_KEY);
    expect(JSON.stringify(report)).not.toContain(ANTHROPIC_KEY);
  });

  it("probes chat with a one-token prompt, embeddings with an input and completions with a prompt", () => {
    const sent = (model: string) => openai.requests.filter((r) => r.body?.model === model);
    expect(sent("up-ok-1")).toEqual([expect.objectContaining({ path: "/v1/chat/completions" })]);
    expect(sent("up-ok-1")[0]!.body).toEqual({
      model: "up-ok-1",
      messages: [{ role: "user", content: expect.any(String) }],
      max_tokens: 1,
    });
    expect(sent("up-ok-1")[0]!.headers.authorization).toBe(`Bearer ${OK_KEY}`);
    expect(sent("up-embed")).toEqual([
      expect.objectContaining({ path: "/v1/embeddings", body: { model: "up-embed", input: [expect.any(String)] } }),
    ]);
    expect(sent("up-legacy")).toEqual([
      expect.objectContaining({
        path: "/v1/completions",
        body: { model: "up-legacy", prompt: expect.any(String), max_tokens: 3 },
      }),
    ]);
    expect(anthropic.requests.filter((r) => r.path === "/v1/messages")).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ model: "claude-3-5-haiku-20241022", max_tokens: 1 }) }),
    ]);
  });

  it("reports an upstream that outlasts model_info.health_check_timeout as LiteLLM's 'Timeout exceeded', without waiting for it", async () => {
    expect(byId(report.unhealthy_endpoints)["slow-1"]!.error).toBe("Timeout exceeded");
    expect(elapsedMs).toBeLessThan(3000); // the slow upstream answers after 3 s; the check gave up after 0.3 s
    await openai.waitForAbort("up-slow");
  });

  it("words upstream failures as LiteLLM does, with a quoted key masked", () => {
    expect(byId(report.unhealthy_endpoints)["broken-1"]!.error).toBe(
      `litellm.AuthenticationError: OpenAIException - Incorrect API key provided: ${maskSecret(BROKEN_KEY)}.`,
    );
    expect(JSON.stringify(report)).not.toContain(BROKEN_KEY);
  });

  it("withholds an upstream message that quotes part of a key", () => {
    const error = byId(report.unhealthy_endpoints)["leaky-1"]!.error!;
    expect(error).toMatch(/^litellm\.PermissionDeniedError: /);
    expect(error).toContain("withheld");
    expect(JSON.stringify(report)).not.toContain(LEAKY_KEY.slice(0, 16));
  });

  it("reports an unreachable upstream, an unset key variable and calls Switchboard cannot make, without calling them", () => {
    const unhealthy = byId(report.unhealthy_endpoints);
    // The report is the operator's view of the deployment: unlike an inference reply, it keeps the socket error.
    expect(unhealthy["down-1"]!.error).toMatch(
      /^litellm\.APIConnectionError: Could not reach the upstream of model 'down': .*ECONNREFUSED/,
    );
    expect(unhealthy["unset-1"]!.error).toMatch(/^litellm\.AuthenticationError: .*HEALTH_UNSET_VAR/);
    expect(unhealthy["claude-embed-1"]!.error).toBe(
      "litellm.BadRequestError: anthropic deployments do not support embeddings",
    );
    expect(unhealthy["painter-1"]!.error).toMatch(/^litellm\.BadRequestError: Mode image_generation is not supported/);
    expect(openai.requests.filter((r) => ["up-unset", "up-dalle"].includes(r.body?.model))).toEqual([]);
  });
});

describe("GET /health: filters", () => {
  beforeAll(() => scriptFailures());

  it("checks only one model group with ?model=, calling only its deployments", async () => {
    const report = await health("?model=gpt-ok");
    expect(report).toMatchObject({ healthy_count: 2, unhealthy_count: 0 });
    expect(report.healthy_endpoints.map((e) => e.model_id)).toEqual(["ok-1", "ok-2"]);
    expect(new Set(openai.requests.map((r) => r.body?.model))).toEqual(new Set(["up-ok-1", "up-ok-2"]));
    expect(anthropic.requests).toHaveLength(0);
  });

  it("falls back to litellm_params.model, and answers empty lists for a name nothing carries", async () => {
    expect((await health("?model=openai/up-embed")).healthy_endpoints.map((e) => e.model_id)).toEqual(["embed-1"]);
    expect(await health("?model=no-such-model")).toEqual({
      healthy_endpoints: [],
      unhealthy_endpoints: [],
      healthy_count: 0,
      unhealthy_count: 0,
    });
  });

  it("checks one deployment with ?model_id=, and answers 404 for an unknown id", async () => {
    expect((await health("?model_id=ok-2")).healthy_endpoints.map((e) => e.model_id)).toEqual(["ok-2"]);
    const missing = await proxy.get("/health?model_id=nope").expect(404);
    expect(missing.body.error).toMatchObject({
      message: "Model with ID nope not found",
      param: "model_id",
      code: "not_found",
    });
  });

  it("answers 400 naming a malformed parameter", async () => {
    const bad = await proxy.get("/health?model=a&model=b").expect(400);
    expect(bad.body.error.param).toBe("model");
  });

  it("checks a deployment stored a moment ago", async () => {
    await proxy
      .post("/model/new", {
        model_name: "stored",
        litellm_params: {
          model: "openai/up-stored",
          api_base: `${openai.url}/v1`,
          api_key: "sk-stored-health-0123456789",
        },
        model_info: { id: "stored-1" },
      })
      .expect(200);
    const report = await health("?model=stored");
    expect(report.healthy_endpoints).toEqual([
      {
        model: "openai/up-stored",
        api_base: `${openai.url}/v1`,
        api_key: maskSecret("sk-stored-health-0123456789"),
        model_id: "stored-1",
      },
    ]);
  });
});
