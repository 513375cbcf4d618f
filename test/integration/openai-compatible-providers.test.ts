import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";

// Providers of the OpenAI-compatible table, each pointed at the fake OpenAI server through api_base: the config
// loads, calls go to the provider's path with its key, and its replies come back as they were sent.

const GROQ_KEY = "gsk-groq-upstream-secret-0123456789";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;
let client: OpenAI;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: llama
    litellm_params: { model: groq/llama-3.1-8b-instant, api_base: "${url}/v1", api_key: os.environ/GROQ_KEY }
    model_info: { id: groq-1 }
  - model_name: mistral-embed
    litellm_params: { model: mistral/mistral-embed, api_base: "${url}/v1", api_key: sk-mistral-0123456789 }
  - model_name: local-llama
    litellm_params: { model: ollama_chat/llama3, api_base: "${url}" }
  - model_name: together
    litellm_params: { model: meta-llama/Llama-3-8b-hf, custom_llm_provider: together_ai, api_base: "${url}/v1", api_key: tg-0123456789abc }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { GROQ_KEY } });
  ({ upstream, proxy } = fixture);
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
});

afterAll(() => fixture.close());

describe("a config naming OpenAI-compatible providers", () => {
  it("answers a groq/ deployment with the provider's model name, key and price", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "llama", messages: [{ role: "user", content: "hola" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: hola");
    expect(data.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
    expect(response.headers.get("x-litellm-model-id")).toBe("groq-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${GROQ_KEY}`);
    expect(sent.body.model).toBe("llama-3.1-8b-instant");
  });

  it("relays a stream as it came, ending in [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "stream" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("echo: stream");
  });

  it("serves embeddings where the provider does, and refuses them where it does not", async () => {
    const res = await proxy.post("/v1/embeddings", { model: "mistral-embed", input: "x" }).expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(upstream.requests.at(-1)!.body.model).toBe("mistral-embed");
    const refused = await proxy.post("/v1/embeddings", { model: "llama", input: "x" }).expect(400);
    expect(refused.body.error).toMatchObject({ code: "unsupported_operation", param: "model" });
  });

  it("calls Ollama's OpenAI-compatible endpoint under /v1 of its api_base, without a key", async () => {
    await client.chat.completions.create({ model: "local-llama", messages: [{ role: "user", content: "x" }] });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.model).toBe("llama3");
  });

  it("takes the provider from custom_llm_provider, as LiteLLM does", async () => {
    const res = await proxy.post("/v1/completions", { model: "together", prompt: "once" }).expect(200);
    expect(res.body.choices[0].text).toBe("echo: once");
    expect(upstream.requests.at(-1)!.body.model).toBe("meta-llama/Llama-3-8b-hf");
  });

  it("names the provider in upstream errors, in OpenAI's envelope", async () => {
    upstream.script("llama-3.1-8b-instant", { kind: "status", status: 401 }, 1);
    const res = await proxy.post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "x" }],
    });
    expect(res.status).toBe(401);
    // The upstream's own type is kept (Groq, like the fake, says invalid_request_error for a bad key); clients pick
    // their error class from the status.
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param: null });
    expect(res.body.error.message).toContain("GroqException - fake 401");
  });

  it("lists them as callable", async () => {
    const info = await proxy.get("/model/info?litellm_model_id=groq-1").expect(200);
    expect(info.body.data[0].model_info).toMatchObject({ callable: true });
    expect(info.body.data[0].model_info).not.toHaveProperty("not_callable_reason");
  });
});

describe("/model/new with OpenAI-compatible providers", () => {
  it("stores a groq/ deployment that then answers", async () => {
    await proxy
      .post("/model/new", {
        model_name: "groq-db",
        litellm_params: {
          model: "groq/llama-3.3-70b-versatile",
          api_base: `${upstream.url}/v1`,
          api_key: "gsk-db-01234567",
        },
      })
      .expect(200);
    const res = await proxy
      .post("/v1/chat/completions", { model: "groq-db", messages: [{ role: "user", content: "db" }] })
      .expect(200);
    expect(res.body.choices[0].message.content).toBe("echo: db");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer gsk-db-01234567");
  });

  it("refuses openai_like without api_base, naming the field", async () => {
    const res = await proxy
      .post("/model/new", { model_name: "like", litellm_params: { model: "openai_like/some-model" } })
      .expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.api_base", code: "missing_required_field" });
  });
});
