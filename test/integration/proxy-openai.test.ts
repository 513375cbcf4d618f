import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import { capturedBodies, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";

const UPSTREAM_KEY = "sk-upstream-openai-secret-0123456789";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;
let baseURL: string;
let client: OpenAI;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: mini-1 }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
  - model_name: azure-gpt
    litellm_params: { model: azure/my-gpt-deployment, api_base: "${url}", api_key: os.environ/UPSTREAM_KEY, api_version: "2024-06-01" }
    model_info: { id: azure-1 }
  - model_name: keyless
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: os.environ/NEVER_SET_KEY }
  - model_name: behind-gateway
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url.replace("//", "//gw-user:gw-pass-0123456789@")}/v1?tenant=acme", headers: { X-Gateway-Tenant: acme } }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { UPSTREAM_KEY } });
  ({ upstream, proxy } = fixture);
  baseURL = `${await proxy.listen()}/v1`;
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL, maxRetries: 0 });
});

afterAll(() => fixture.close());

describe("chat completions through the official openai client", () => {
  it("returns the upstream answer with model id, request id and cost headers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: hello");
    expect(response.headers.get("x-litellm-model-id")).toBe("mini-1");
    expect(response.headers.get("x-request-id")).toMatch(/\S/);
    const cost = Number(response.headers.get("x-litellm-response-cost"));
    const info = (await proxy.get("/model/info?litellm_model_id=mini-1")).body.data[0].model_info;
    expect(cost).toBeCloseTo(10 * info.input_cost_per_token + 5 * info.output_cost_per_token, 12);

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.model).toBe("gpt-4o-mini");
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it("sends an api_base's user info as Basic auth, keeps its query string after the path, and sends `headers`", async () => {
    const reply = await proxy.post("/v1/chat/completions", {
      model: "behind-gateway",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(reply.status).toBe(200);
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions?tenant=acme");
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from("gw-user:gw-pass-0123456789").toString("base64")}`);
    expect(sent.headers["x-gateway-tenant"]).toBe("acme");
  });

  it("streams chunk by chunk and ends the stream", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "stream me" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta?.content ?? "");
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join("")).toBe("echo: stream me");
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
  });

  it("relays the raw SSE frames including data: [DONE]", async () => {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TEST_MASTER_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "raw" }], stream: true }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-litellm-model-id")).toBe("mini-1");
    const text = await res.text();
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("serves the route without /v1 too", async () => {
    const res = await proxy
      .post("/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .expect(200);
    expect(res.body.object).toBe("chat.completion");
  });
});

describe("other endpoints", () => {
  it("embeddings.create", async () => {
    const result = await client.embeddings.create({ model: "embedder", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(upstream.requests.at(-1)!.body.model).toBe("text-embedding-3-small");
  });

  it("completions", async () => {
    const res = await proxy.post("/v1/completions", { model: "gpt-4o-mini", prompt: "say hi" }).expect(200);
    expect(res.body.object).toBe("text_completion");
  });

  it("models.list lists the model groups", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(["azure-gpt", "behind-gateway", "embedder", "gpt-4o-mini", "keyless"]);
  });

  it("azure deployments use Azure's URL form and api-key header", async () => {
    const res = await proxy
      .post("/v1/chat/completions", { model: "azure-gpt", messages: [{ role: "user", content: "az" }] })
      .expect(200);
    expect(res.headers["x-litellm-model-id"]).toBe("azure-1");
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/openai/deployments/my-gpt-deployment/chat/completions?api-version=2024-06-01");
    expect(sent.headers["api-key"]).toBe(UPSTREAM_KEY);
    expect(sent.headers.authorization).toBeUndefined();
  });

  it("a model added with /model/new is routable at once", async () => {
    await proxy
      .post("/model/new", {
        model_name: "fresh",
        litellm_params: {
          model: "openai/fresh-model",
          api_base: `${upstream.url}/v1`,
          api_key: "sk-fresh-key-abcdefghijkl",
        },
      })
      .expect(200);
    const result = await client.chat.completions.create({
      model: "fresh",
      messages: [{ role: "user", content: "new" }],
    });
    expect(result.choices[0]!.message.content).toBe("echo: new");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-fresh-key-abcdefghijkl");
  });
});

describe("response cost", () => {
  it("uses per-token prices set in model_info over the cost map", async () => {
    await proxy
      .post("/model/new", {
        model_name: "priced",
        litellm_params: { model: "openai/gpt-4o-mini", api_base: `${upstream.url}/v1` },
        model_info: { input_cost_per_token: 0.001, output_cost_per_token: 0.002 },
      })
      .expect(200);
    const res = await proxy
      .post("/v1/chat/completions", { model: "priced", messages: [{ role: "user", content: "x" }] })
      .expect(200);
    expect(Number(res.headers["x-litellm-response-cost"])).toBeCloseTo(10 * 0.001 + 5 * 0.002, 12);
  });
});

describe("errors map to the openai client's classes", () => {
  it("401 → AuthenticationError", async () => {
    const bad = new OpenAI({ apiKey: "sk-wrong", baseURL, maxRetries: 0 });
    await expect(
      bad.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("unknown model → BadRequestError with LiteLLM's message", async () => {
    const error = await client.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.code).toBe("model_not_found");
    expect(badRequest.param).toBe("model");
    expect(badRequest.message).toContain(
      "litellm.BadRequestError: Invalid model name passed in model=no-such-model. Call `/v1/models` to view available models for your key.",
    );
  });

  it("upstream 429 → RateLimitError", async () => {
    upstream.script("gpt-4o-mini", { kind: "status", status: 429 }, 1);
    await expect(
      client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("an upstream 400 comes back as it is, in OpenAI's shape", async () => {
    upstream.script(
      "gpt-4o-mini",
      {
        kind: "json",
        status: 400,
        body: {
          error: {
            message: "bad temperature",
            type: "invalid_request_error",
            param: "temperature",
            code: "invalid_value",
          },
        },
      },
      1,
    );
    const res = await proxy
      .post("/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .expect(400);
    expect(res.body.error).toMatchObject({
      message: "litellm.BadRequestError: OpenAIException - bad temperature",
      type: "invalid_request_error",
      code: "invalid_value",
    });
  });

  it("a mock_response needs no credentials: the unset variable does not matter when nothing is called", async () => {
    const res = await proxy
      .post("/v1/chat/completions", {
        model: "keyless",
        messages: [{ role: "user", content: "x" }],
        mock_response: "hi",
      })
      .expect(200);
    expect(res.body.choices[0].message.content).toBe("hi");
  });

  it("an unset os.environ variable fails the call naming it", async () => {
    const res = await proxy
      .post("/v1/chat/completions", { model: "keyless", messages: [{ role: "user", content: "x" }] })
      .expect(500);
    expect(res.body.error.code).toBe("missing_credentials");
    expect(res.body.error.message).toContain("environment variable NEVER_SET_KEY is not set");
  });

  it("answers malformed JSON with 400 and a body over 20 MB with 413", async () => {
    const bad = await proxy
      .post("/v1/chat/completions")
      .set("Content-Type", "application/json")
      .send('{"model": ')
      .expect(400);
    expect(bad.body.error.code).toBe("invalid_json");
    const huge = { model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(21 * 1024 * 1024) }] };
    const res = await proxy.post("/v1/chat/completions", huge).expect(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("answers 400 naming the bad field", async () => {
    const missing = await proxy.post("/v1/chat/completions", { model: "gpt-4o-mini" }).expect(400);
    expect(missing.body.error).toMatchObject({ param: "messages", code: "missing_required_field" });
    const noModel = await proxy.post("/v1/embeddings", { input: "x" }).expect(400);
    expect(noModel.body.error.param).toBe("model");
  });
});

describe("client disconnects", () => {
  it("abort the upstream request", async () => {
    upstream.script("gpt-4o-mini", { kind: "stream-slow", chunkDelayMs: 200, chunks: 20 }, 1);
    const controller = new AbortController();
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TEST_MASTER_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "long" }], stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const aborted = await upstream.waitForAbort("gpt-4o-mini", 5000);
    expect(aborted.aborted).toBe(true);
    await eventually(() => expect(proxy.replica.deps.proxy.inFlight()).toBe(0));
  });
});

describe("secrets", () => {
  it("never sent the upstream key in a response", () => {
    expect(capturedBodies.filter((body) => body.includes(UPSTREAM_KEY))).toEqual([]);
    expect(proxy.logLines.join("")).not.toContain(UPSTREAM_KEY);
  });
});
