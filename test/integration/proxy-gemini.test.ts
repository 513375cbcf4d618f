import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import {
  FAKE_GEMINI_SIGNATURE,
  FAKE_GEMINI_TOOL_ARGS,
  fakeGeminiVector,
  startFakeGemini,
} from "../fakes/fake-gemini.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { drainChatStream } from "../helpers/chat-stream.js";

const GEMINI_KEY = "gemini-upstream-secret-0123456789";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let backup: FakeUpstream;
let proxy: TestReplica;
let client: OpenAI;

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

beforeAll(async () => {
  backup = await startFakeOpenAI();
  const configYaml = (url: string) => `
model_list:
  - model_name: gem
    litellm_params: { model: gemini/gemini-2.0-flash, api_base: "${url}", api_key: os.environ/GEMINI_KEY }
    model_info: { id: gem-1 }
  - model_name: gem-embed
    litellm_params: { model: gemini/text-embedding-004, api_base: "${url}", api_key: os.environ/GEMINI_KEY }
  - model_name: gem-keyless
    litellm_params: { model: gemini/gemini-2.0-flash, api_base: "${url}" }
  - model_name: gem-flaky
    litellm_params: { model: gemini/gemini-flaky, api_base: "${url}", api_key: os.environ/GEMINI_KEY }
    model_info: { id: gem-flaky-1 }
  - model_name: groq-backup
    litellm_params: { model: groq/llama-3.1-8b-instant, api_base: "${backup.url}/v1", api_key: gsk-backup-key-0123456789 }
    model_info: { id: groq-backup-1 }
router_settings:
  num_retries: 0
  fallbacks: [{ gem-flaky: [groq-backup] }]
`;
  try {
    fixture = await startProxyFixture({ fake: startFakeGemini, configYaml, env: { GEMINI_KEY } });
  } catch (error) {
    await backup.close();
    throw error;
  }
  ({ upstream, proxy } = fixture);
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await fixture?.close();
  await backup?.close();
});

describe("gemini/ deployments behind chat completions", () => {
  it("translate a plain call both ways, system instruction, usage and cost included", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: "gem",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "bonjour" },
        ],
        max_tokens: 100,
        temperature: 0.2,
      })
      .withResponse();
    expect(data).toMatchObject({
      object: "chat.completion",
      model: "gem",
      choices: [{ index: 0, message: { role: "assistant", content: "echo: bonjour" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(response.headers.get("x-litellm-model-id")).toBe("gem-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe(GEMINI_KEY);
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "bonjour" }] }],
      generationConfig: { temperature: 0.2, maxOutputTokens: 100 },
    });
  });

  it("stream as OpenAI chunks ending in [DONE], with the usage chunk when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { text, finish, usage } = await drainChatStream(stream);
    expect(text).toBe("echo: stream please");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  });

  it("round-trips tool calls, plain and streamed", async () => {
    const first = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "please use tool for the weather" }],
      tools: [weatherTool],
    });
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(FAKE_GEMINI_TOOL_ARGS);
    expect(upstream.requests.at(-1)!.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather for a city",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        ],
      },
    ]);

    const second = await client.chat.completions.create({
      model: "gem",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "please use tool for the weather" },
        first.choices[0]!.message,
        { role: "tool", tool_call_id: call.id, content: "sunny" },
        { role: "user", content: "thanks" },
      ],
    });
    expect(second.choices[0]!.message.content).toBe("echo: thanks");
    expect(upstream.requests.at(-1)!.body.contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "get_weather", args: FAKE_GEMINI_TOOL_ARGS },
            thoughtSignature: FAKE_GEMINI_SIGNATURE,
          },
        ],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { content: "sunny" } } }, { text: "thanks" }],
      },
    ]);

    const stream = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "use tool now" }],
      tools: [weatherTool],
      stream: true,
    });
    let name = "";
    let args = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.tool_calls?.[0];
      name += delta?.function?.name ?? "";
      args += delta?.function?.arguments ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual(FAKE_GEMINI_TOOL_ARGS);
    expect(finish).toBe("tool_calls");
  });

  it("sends a data: URL image as inlineData", async () => {
    await client.chat.completions.create({
      model: "gem",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is it" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
      ],
    });
    expect(upstream.requests.at(-1)!.body.contents[0].parts).toEqual([
      { text: "what is it" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
    ]);
  });

  it("asks for JSON with response_format and returns it", async () => {
    const reply = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "json please" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "echo", schema: { type: "object", properties: { echo: { type: "string" } } } },
      },
    });
    expect(JSON.parse(reply.choices[0]!.message.content!)).toEqual({ echo: "json please" });
    expect(upstream.requests.at(-1)!.body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: { type: "object", properties: { echo: { type: "string" } } },
    });
  });

  it("refuses a parameter Gemini cannot express unless drop_params is set", async () => {
    const res = await proxy
      .post("/v1/chat/completions", { model: "gem", messages: [{ role: "user", content: "x" }], logit_bias: { 1: 1 } })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: "unsupported_params", param: "logit_bias" });
  });
});

describe("gemini/ embeddings", () => {
  it("embed through batchEmbedContents, as floats and as the OpenAI client's base64", async () => {
    const floats = await proxy
      .post("/v1/embeddings", { model: "gem-embed", input: ["alpha", "beta"], encoding_format: "float" })
      .expect(200);
    expect(floats.body).toMatchObject({ object: "list", model: "gem-embed" });
    expect(floats.body.data.map((d: { embedding: number[] }) => d.embedding)).toEqual([
      fakeGeminiVector("alpha"),
      fakeGeminiVector("beta"),
    ]);
    expect(floats.body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/text-embedding-004:batchEmbedContents");

    const viaClient = await client.embeddings.create({ model: "gem-embed", input: "alpha" });
    const vector = viaClient.data[0]!.embedding;
    fakeGeminiVector("alpha").forEach((value, i) => expect(vector[i]).toBeCloseTo(value, 5));
  });
});

describe("gemini/ errors", () => {
  it("map 401, 403, 429 and 5xx onto OpenAI's error classes and envelope", async () => {
    const ask = () => client.chat.completions.create({ model: "gem", messages: [{ role: "user", content: "x" }] });
    upstream.script("*", { kind: "status", status: 401 }, 1);
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    upstream.script("*", { kind: "status", status: 403 }, 1);
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    upstream.script("*", { kind: "status", status: 503 }, 1);
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.InternalServerError);

    upstream.script("*", { kind: "status", status: 429 }, 1);
    const res = await proxy.post("/v1/chat/completions", { model: "gem", messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: {
        message: "litellm.RateLimitError: GeminiException - fake 429",
        type: "rate_limit_error",
        param: null,
        code: "RESOURCE_EXHAUSTED",
      },
    });
  });

  it("pass on Gemini's refusal of a call without a key", async () => {
    const res = await proxy
      .post("/v1/chat/completions", { model: "gem-keyless", messages: [{ role: "user", content: "x" }] })
      .expect(403);
    expect(res.body.error).toMatchObject({ type: "permission_error", code: "PERMISSION_DENIED" });
    expect(res.body.error.message).toContain("GeminiException - Method doesn't allow unregistered callers");
  });

  it("end a stream with an OpenAI error frame when Gemini sends one", async () => {
    const error = { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } };
    upstream.script("*", { kind: "sse", frames: [`data: ${JSON.stringify(error)}\r\n\r\n`] }, 1);
    const stream = await client.chat.completions.create({
      model: "gem",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const read = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(read()).rejects.toThrow("The model is overloaded.");
  });

  it("fall back from a failing gemini deployment to an OpenAI-compatible one", async () => {
    upstream.script("*", { kind: "status", status: 500 }, 1);
    const { data, response } = await client.chat.completions
      .create({ model: "gem-flaky", messages: [{ role: "user", content: "rescue me" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: rescue me");
    expect(response.headers.get("x-litellm-model-id")).toBe("groq-backup-1");
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/gemini-flaky:generateContent");
    const sent = backup.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer gsk-backup-key-0123456789");
    expect(sent.body.model).toBe("llama-3.1-8b-instant");
  });
});
