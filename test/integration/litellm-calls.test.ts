import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI, { AzureOpenAI } from "openai";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import type { TestReplica } from "../helpers/replica.js";

// How LiteLLM's clients call the inference routes: its per-call parameters, its error shapes and headers, Azure's
// URL forms and batch completions, against a real replica and fake upstreams.

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let anthropic: FakeUpstream;
let proxy: TestReplica;
let baseUrl: string;

const UPSTREAM_KEY = "sk-upstream-litellm-calls-0123";

function deployment(url: string, group: string, upstreamModel: string, extra = "") {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${upstreamModel}, api_base: "${url}/v1", api_key: ${UPSTREAM_KEY}${extra} }
    model_info: { id: ${upstreamModel} }`;
}

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  const configYaml = (url: string) => `
model_list:
${deployment(url, "gpt-4o-mini", "gpt-4o-mini-up")}
${deployment(url, "embedder", "embed-up")}
${deployment(url, "pair", "pair-down")}
${deployment(url, "pair", "pair-up")}
${deployment(url, "main", "main-up")}
${deployment(url, "spare", "spare-up")}
${deployment(url, "other", "other-up")}
${deployment(url, "slow", "slow-up")}
${deployment(url, "priced", "gpt-4o", ", additional_drop_params: [temperature]")}
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-haiku-20241022, api_base: "${anthropic.url}", api_key: sk-ant-litellm-calls-0123 }
    model_info: { id: claude-1 }
router_settings:
  allowed_fails: 100
  fallbacks: [{ main: [spare] }]
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ upstream, proxy } = fixture);
  baseUrl = await proxy.listen();
});

afterAll(async () => {
  await fixture.close();
  await anthropic.close();
});

const messages = [{ role: "user", content: "hello" }];

function chat(body: Record<string, unknown>) {
  return proxy.post("/v1/chat/completions", { messages, ...body });
}

function lastRequestFor(upstreamModel: string) {
  return [...upstream.requests].reverse().find((request) => request.body?.model === upstreamModel);
}

async function virtualKey(models: string[]): Promise<string> {
  return (await proxy.post("/key/generate", { models }).expect(200)).body.key as string;
}

describe("errors as LiteLLM answers them", () => {
  it("answers an unknown model with 400 on every inference route", async () => {
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "nope", messages }],
      ["/v1/completions", { model: "nope", prompt: "x" }],
      ["/v1/embeddings", { model: "nope", input: "x" }],
      ["/openai/deployments/nope/chat/completions", { messages }],
    ] as const) {
      const res = await proxy.post(path, body).expect(400);
      expect([path, res.body.error]).toEqual([
        path,
        {
          message:
            "litellm.BadRequestError: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.",
          type: "invalid_request_error",
          param: "model",
          code: "model_not_found",
        },
      ]);
    }
  });

  it("names model when the body has none", async () => {
    const res = await proxy.post("/v1/chat/completions", { messages }).expect(400);
    expect(res.body.error).toMatchObject({ param: "model", code: "missing_required_field" });
  });

  it("answers a key's disallowed model with 401 key_model_access_denied, an AuthenticationError for the openai client", async () => {
    const key = await virtualKey(["gpt-4o-mini", "openai/*"]);
    const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: "other", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const denied = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(denied.status).toBe(401);
    expect(denied.error).toEqual({
      message:
        "key not allowed to access model. This key can only access models=['gpt-4o-mini', 'openai/*']. Tried to access other",
      type: "key_model_access_denied",
      param: "model",
      code: "401",
    });
    await expect(
      client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    ).resolves.toMatchObject({
      object: "chat.completion",
    });
  });

  it("starts upstream and routing errors with LiteLLM's exception class, streamed or not", async () => {
    upstream.script("other-up", { kind: "status", status: 429 }, 1);
    const limited = await chat({ model: "other" }).expect(429);
    expect(limited.body.error.message).toMatch(/^litellm\.RateLimitError: OpenAIException - /);
    upstream.script("other-up", { kind: "status", status: 404 }, 1);
    const missing = await chat({ model: "other" }).expect(404);
    expect(missing.body.error.message).toMatch(/^litellm\.NotFoundError: OpenAIException - /);
    upstream.script("other-up", { kind: "status", status: 503 }, 1);
    const down = await chat({ model: "other" }).expect(503);
    expect(down.body.error.message).toMatch(/^litellm\.ServiceUnavailableError: /);
    // The provider's own 401 is an upstream error like any other (only the proxy's key checks go unprefixed).
    upstream.script("other-up", { kind: "status", status: 401 }, 1);
    const rejected = await chat({ model: "other" }).expect(401);
    expect(rejected.body.error.message).toMatch(/^litellm\.AuthenticationError: OpenAIException - /);
    // A stream that stalls after its first chunk ends with an error frame that carries the prefix too.
    upstream.script("slow-up", { kind: "stream-slow", chunkDelayMs: 2000 }, 1);
    const stalled = await chat({ model: "slow", stream: true, timeout: 0.3 }).expect(200);
    const frame = stalled.text.split("\n\n").find((line) => line.startsWith('data: {"error"'));
    expect(JSON.parse(frame!.slice("data: ".length)).error.message).toMatch(/^litellm\.APIConnectionError: /);
  });

  it("refuses bad LiteLLM parameters with 400 naming them", async () => {
    for (const [field, value] of [
      ["num_retries", "many"],
      ["num_retries", -1],
      ["timeout", -5],
      ["fallbacks", "spare"],
      ["drop_params", "yes"],
    ] as const) {
      const res = await chat({ model: "gpt-4o-mini", [field]: value }).expect(400);
      expect([field, res.body.error.param]).toEqual([field, field]);
    }
  });
});

describe("LiteLLM's per-call parameters", () => {
  it("never forwards LiteLLM's own fields or caller-sent credentials, and nulls are fine", async () => {
    await chat({
      model: "gpt-4o-mini",
      metadata: { trace: "t1" },
      tags: ["team-a"],
      caching: false,
      num_retries: null,
      fallbacks: null,
      timeout: null,
      request_timeout: 30,
      api_key: "sk-caller-sent-key-0123456789",
      api_base: "http://127.0.0.1:1/evil",
      extra_headers: { "x-evil": "1" },
      user: "end-user-1",
      temperature: 0.5,
      stream: null,
      max_tokens: null,
    }).expect(200);
    const sent = lastRequestFor("gpt-4o-mini-up")!;
    expect(Object.keys(sent.body).sort()).toEqual(["messages", "model", "temperature", "user"]);
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.headers["x-evil"]).toBeUndefined();
  });

  it("answers mock_response without calling the upstream, with LiteLLM's fake usage and a cost", async () => {
    const before = upstream.requests.length;
    const res = await chat({ model: "priced", mock_response: "mocked hello" }).expect(200);
    expect(upstream.requests.length).toBe(before);
    expect(res.body.choices[0].message).toEqual({ role: "assistant", content: "mocked hello" });
    expect(res.body.usage).toEqual({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 });
    expect(res.headers["x-litellm-model-id"]).toBe("gpt-4o");
    expect(Number(res.headers["x-litellm-response-cost"])).toBeGreaterThan(0);
    const embedded = await proxy
      .post("/v1/embeddings", { model: "embedder", input: "x", mock_response: "ignored" })
      .expect(200);
    expect(embedded.body.data[0].object).toBe("embedding");
  });

  it("streams a mock_response through the openai client", async () => {
    const client = new OpenAI({ apiKey: proxy.masterKey, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    // LiteLLM's parameter is unknown to OpenAI's types; a variable (not a literal) passes it through as LiteLLM's users do.
    const params = {
      model: "gpt-4o-mini",
      messages: [{ role: "user" as const, content: "x" }],
      stream: true as const,
      stream_options: { include_usage: true },
      mock_response: "streamed mock",
    };
    const stream = await client.chat.completions.create(params);
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("streamed mock");
    expect(usage).toEqual({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 });
  });

  it("raises the error a mock_response names, as LiteLLM does", async () => {
    const res = await chat({ model: "gpt-4o-mini", mock_response: "litellm.RateLimitError" }).expect(429);
    expect(res.body.error.message).toMatch(/^litellm\.RateLimitError: /);
  });

  it("falls back with mock_testing_fallbacks and reports it in the x-litellm headers", async () => {
    const before = lastRequestFor("main-up");
    const res = await chat({ model: "main", mock_testing_fallbacks: true }).expect(200);
    expect(lastRequestFor("main-up")).toBe(before);
    expect(res.headers["x-litellm-model-id"]).toBe("spare-up");
    expect(res.headers["x-litellm-model-group"]).toBe("spare");
    expect(res.headers["x-litellm-attempted-fallbacks"]).toBe("1");
  });

  it("uses a call's own fallbacks instead of the configured ones", async () => {
    upstream.script("other-up", { kind: "status", status: 500 }, 1);
    const res = await chat({ model: "other", fallbacks: ["embedder"] }).expect(200);
    expect(res.headers["x-litellm-model-group"]).toBe("embedder");
    upstream.script("other-up", { kind: "status", status: 500 }, 1);
    await chat({ model: "other", fallbacks: [{ model: "no-such-group" }] }).expect(500);
  });

  it("retries num_retries times on other deployments and counts the retries in a header", async () => {
    upstream.script("pair-down", { kind: "status", status: 500 });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await chat({ model: "pair", num_retries: 1 }).expect(200);
        expect(res.headers["x-litellm-model-id"]).toBe("pair-up");
        expect(["0", "1"]).toContain(res.headers["x-litellm-attempted-retries"]);
      }
      const retried = await Promise.all(Array.from({ length: 8 }, () => chat({ model: "pair", num_retries: 1 })));
      expect(retried.some((res) => res.headers["x-litellm-attempted-retries"] === "1")).toBe(true);
    } finally {
      upstream.reset();
    }
  });

  it("bounds the wait by a call's own timeout", async () => {
    upstream.script("slow-up", { kind: "slow", delayMs: 3000 }, 1);
    const started = Date.now();
    const res = await chat({ model: "slow", timeout: 0.2 }).expect(504);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(res.body.error.message).toMatch(/^litellm\.Timeout: /);
  });

  it("refuses OpenAI parameters a provider cannot express unless drop_params is set", async () => {
    const refused = await chat({ model: "claude", logit_bias: { "1": 1 }, seed: 3 }).expect(400);
    expect(refused.body.error).toMatchObject({ param: "logit_bias", code: "unsupported_params" });
    expect(refused.body.error.message).toContain("anthropic does not support parameters: ['logit_bias', 'seed']");
    await chat({ model: "claude", logit_bias: { "1": 1 }, seed: 3, drop_params: true }).expect(200);
    const sent = anthropic.requests.at(-1)!;
    expect(sent.body.logit_bias).toBeUndefined();
    expect(sent.body.drop_params).toBeUndefined();
  });

  it("never sends a deployment's additional_drop_params", async () => {
    await chat({ model: "priced", temperature: 0.3, top_p: 0.9 }).expect(200);
    const sent = lastRequestFor("gpt-4o")!;
    expect(sent.body.temperature).toBeUndefined();
    expect(sent.body.top_p).toBe(0.9);
  });
});

describe("batch completions", () => {
  it('fans `model: "a,b"` out and answers the list of replies in order', async () => {
    const res = await chat({ model: "gpt-4o-mini,other" }).expect(200);
    expect(res.body).toHaveLength(2);
    expect(res.body.map((reply: { object: string }) => reply.object)).toEqual(["chat.completion", "chat.completion"]);
    expect(lastRequestFor("gpt-4o-mini-up")).toBeDefined();
    expect(lastRequestFor("other-up")).toBeDefined();
  });

  it("puts a failed model's error in its place", async () => {
    upstream.script("other-up", { kind: "status", status: 500 }, 1);
    const res = await chat({ model: "gpt-4o-mini,other" }).expect(200);
    expect(res.body[0].object).toBe("chat.completion");
    expect(res.body[1].error.message).toMatch(/^litellm\.InternalServerError: /);
  });

  it("refuses an unknown or disallowed model, and streaming, before calling anything", async () => {
    const before = upstream.requests.length;
    await chat({ model: "gpt-4o-mini,nope" }).expect(400);
    await chat({ model: "gpt-4o-mini,other", stream: true }).expect(400);
    const key = await virtualKey(["gpt-4o-mini"]);
    await proxy
      .anonymous()
      .post("/v1/chat/completions")
      .set("Authorization", `Bearer ${key}`)
      .send({ model: "gpt-4o-mini,other", messages })
      .expect(401);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("Azure's URL forms", () => {
  it("serves the AzureOpenAI client: the model comes from the path, api-version is accepted", async () => {
    const azure = new AzureOpenAI({
      endpoint: baseUrl,
      apiKey: proxy.masterKey,
      apiVersion: "2024-10-21",
      maxRetries: 0,
    });
    const reply = await azure.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(reply.object).toBe("chat.completion");
    const embedded = await azure.embeddings.create({ model: "embedder", input: "hi" });
    expect(embedded.data[0]!.object).toBe("embedding");
    const completed = await azure.completions.create({ model: "gpt-4o-mini", prompt: "hi" });
    expect(completed.object).toBe("text_completion");
  });

  it("serves /engines/{model}/... and lets the path's model win over the body's", async () => {
    const res = await proxy
      .post("/engines/other/chat/completions?api-version=2024-02-01", { model: "gpt-4o-mini", messages })
      .expect(200);
    expect(res.headers["x-litellm-model-group"]).toBe("other");
    expect(lastRequestFor("other-up")).toBeDefined();
  });
});

describe("x-litellm-* headers", () => {
  it("carries the call id on every response and the routing facts on proxied ones", async () => {
    const res = await chat({ model: "gpt-4o-mini" }).set("x-request-id", "call-abc").expect(200);
    expect(res.headers["x-litellm-call-id"]).toBe("call-abc");
    expect(res.headers["x-litellm-model-group"]).toBe("gpt-4o-mini");
    expect(res.headers["x-litellm-attempted-retries"]).toBe("0");
    expect(Number(res.headers["x-litellm-overhead-duration-ms"])).toBeGreaterThanOrEqual(0);
    for (const path of ["/v1/models", "/no/such/route", "/health/liveliness"]) {
      const other = await proxy.get(path);
      expect([path, other.headers["x-litellm-call-id"]]).toEqual([path, other.headers["x-request-id"]]);
    }
  });

  it("sends them on streamed replies too", async () => {
    const res = await chat({ model: "gpt-4o-mini", stream: true }).expect(200);
    expect(res.headers["x-litellm-model-group"]).toBe("gpt-4o-mini");
    expect(res.headers["x-litellm-model-id"]).toBe("gpt-4o-mini-up");
    expect(Number(res.headers["x-litellm-overhead-duration-ms"])).toBeGreaterThanOrEqual(0);
  });

  it("leaves the upstream's own time out of x-litellm-overhead-duration-ms, for single and batch calls", async () => {
    upstream.script("slow-up", { kind: "slow", delayMs: 600 }, 1);
    const single = await chat({ model: "slow" }).expect(200);
    expect(Number(single.headers["x-litellm-overhead-duration-ms"])).toBeLessThan(400);
    upstream.script("slow-up", { kind: "slow", delayMs: 600 }, 1);
    const batch = await chat({ model: "slow,gpt-4o-mini" }).expect(200);
    expect(Number(batch.headers["x-litellm-overhead-duration-ms"])).toBeLessThan(400);
  });
});
