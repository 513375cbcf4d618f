import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeGemini } from "../fakes/fake-gemini.js";
import { FAKE_RESPONSES_USAGE, type FakeOpenAiExtras, startFakeOpenAiExtras } from "../fakes/fake-openai-extras.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const OPENAI_KEY = "sk-openai-upstream-secret-0123456789";
const AZURE_KEY = "azure-upstream-secret-0123456789";
const ANTHROPIC_KEY = "sk-ant-upstream-secret-0123456789";
const GEMINI_KEY = "gemini-upstream-secret-0123456789";

let db: TestDatabase;
let openai: FakeOpenAiExtras;
let anthropic: FakeUpstream;
let gemini: FakeUpstream;
let proxy: TestReplica;
let client: OpenAI;

beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startFakeOpenAiExtras();
  anthropic = await startFakeAnthropic();
  gemini = await startFakeGemini();
  const configYaml = `
model_list:
  - model_name: gpt-resp
    litellm_params: { model: openai/gpt-4.1, api_base: "${openai.url}/v1", api_key: os.environ/OPENAI_KEY }
    model_info: { id: gpt-resp-1, mode: responses, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
  - model_name: azure-resp
    litellm_params: { model: azure/my-gpt, api_base: "${openai.url}", api_key: os.environ/AZURE_KEY, api_version: 2025-04-01-preview }
  - model_name: azure-v1
    litellm_params: { model: azure/my-gpt, api_base: "${openai.url}", api_key: os.environ/AZURE_KEY, api_version: v1 }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: "${anthropic.url}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-1 }
  - model_name: gemini
    litellm_params: { model: gemini/gemini-2.0-flash, api_base: "${gemini.url}", api_key: os.environ/GEMINI_KEY }
general_settings:
  proxy_batch_write_at: 0.05
`;
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml,
    env: { OPENAI_KEY, AZURE_KEY, ANTHROPIC_KEY, GEMINI_KEY },
  });
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await proxy?.close();
  await openai?.close();
  await anthropic?.close();
  await gemini?.close();
  await db?.drop();
});

describe("POST /v1/responses passed through to OpenAI-compatible deployments", () => {
  it("relays an openai/ deployment's response with the upstream model name swapped in, priced from its usage", async () => {
    const { data, response } = await client.responses
      .create({ model: "gpt-resp", input: "hello there", store: false })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.output_text).toBe("echo: hello there");
    expect(data.usage).toMatchObject(FAKE_RESPONSES_USAGE);
    expect(response.headers.get("x-litellm-model-id")).toBe("gpt-resp-1");
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-resp");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(7 * 0.000001 + 3 * 0.000002, 12);
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(sent.json).toEqual({ model: "gpt-4.1", input: "hello there", store: false });
  });

  it("streams the upstream's events through unchanged, stream_options left alone", async () => {
    const stream = await client.responses.create({ model: "gpt-resp", input: "stream it", stream: true });
    const types: string[] = [];
    let text = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(text).toBe("echo: stream it");
    expect(completed?.usage).toMatchObject(FAKE_RESPONSES_USAGE);
    expect(openai.requests.at(-1)!.json).toEqual({ model: "gpt-4.1", input: "stream it", stream: true });
  });

  it("addresses Azure at /openai/responses with the api-version, or /openai/v1/responses for api_version v1", async () => {
    const dated = await client.responses.create({ model: "azure-resp", input: "hi azure" });
    expect(dated.output_text).toBe("echo: hi azure");
    let sent = openai.requests.at(-1)!;
    expect(sent.path).toBe("/openai/responses?api-version=2025-04-01-preview");
    expect(sent.headers["api-key"]).toBe(AZURE_KEY);
    expect(sent.json.model).toBe("my-gpt");

    await client.responses.create({ model: "azure-v1", input: "hi v1" });
    sent = openai.requests.at(-1)!;
    expect(sent.path).toBe("/openai/v1/responses");
  });

  it("maps an upstream 429 to a RateLimitError with the error envelope", async () => {
    openai.failNext(429);
    const error = await client.responses.create({ model: "gpt-resp", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: "rate_limit_error" });
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("litellm.RateLimitError");
  });
});

describe("POST /v1/responses translated to chat for anthropic/ deployments", () => {
  it("turns instructions and input into a Messages call and the reply into a response object", async () => {
    const { data, response } = await client.responses
      .create({
        model: "claude",
        instructions: "Be brief.",
        input: [{ role: "user", content: [{ type: "input_text", text: "bonjour" }] }],
        max_output_tokens: 100,
        temperature: 0.2,
      })
      .withResponse();
    expect(data).toMatchObject({ object: "response", status: "completed", model: "claude" });
    expect(data.id).toMatch(/^resp_/);
    expect(data.output_text).toBe("echo: bonjour");
    expect(data.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(data.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
    expect(response.headers.get("x-litellm-model-id")).toBe("claude-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
    expect(anthropic.requests.at(-1)!.body).toMatchObject({
      model: "claude-3-5-sonnet-20241022",
      system: "Be brief.",
      messages: [{ role: "user", content: [{ type: "text", text: "bonjour" }] }],
      max_tokens: 100,
      temperature: 0.2,
    });
  });

  it("streams response.created, output_text deltas, output_text.done and response.completed with usage", async () => {
    const stream = await client.responses.create({ model: "claude", input: "stream please", stream: true });
    const types: string[] = [];
    let text = "";
    let done: string | undefined;
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.output_text.done") done = event.text;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.at(-1)).toBe("response.completed");
    expect(text).toBe("echo: stream please");
    expect(done).toBe(text);
    expect(completed?.output_text ?? completed?.output).toBeTruthy();
    expect(completed?.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
  });

  it("translates function tools and function_call items both ways", async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [
      {
        type: "function",
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: false,
      },
    ];
    const first = await client.responses.create({ model: "claude", input: "please use tool for the weather", tools });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather" });
    expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({ city: "Paris" });
    expect(anthropic.requests.at(-1)!.body.tools[0]).toMatchObject({ name: "get_weather" });

    const second = await client.responses.create({
      model: "claude",
      tools,
      input: [
        { role: "user", content: "please use tool for the weather" },
        call as OpenAI.Responses.ResponseFunctionToolCall,
        {
          type: "function_call_output",
          call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id,
          output: "sunny",
        },
      ],
    });
    expect(second.status).toBe("completed");
    const messages = anthropic.requests.at(-1)!.body.messages;
    expect(messages[1]).toMatchObject({ role: "assistant", content: [{ type: "tool_use", name: "get_weather" }] });
    expect(messages[2]).toMatchObject({ role: "user", content: [{ type: "tool_result", content: "sunny" }] });
  });

  it.each([
    ["previous_response_id", { previous_response_id: "resp_123" }],
    ["store", { store: true }],
  ])("refuses %s with a 400 naming it", async (param, extra) => {
    const before = anthropic.requests.length;
    const res = await proxy.post("/v1/responses", { model: "claude", input: "hi", ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(res.body.error.message).toContain(param);
    expect(anthropic.requests.length).toBe(before);
  });

  it("refuses a tool that is not a function, naming it", async () => {
    const res = await proxy.post("/v1/responses", { model: "claude", input: "hi", tools: [{ type: "web_search" }] });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("tools[0].type");
  });

  it("refuses parameters the translation cannot carry unless drop_params is set", async () => {
    const refused = await proxy.post("/v1/responses", { model: "claude", input: "hi", include: ["x"] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("include");
    const dropped = await proxy.post("/v1/responses", {
      model: "claude",
      input: "hi",
      include: ["x"],
      drop_params: true,
    });
    expect(dropped.status).toBe(200);
    expect(dropped.body.output[0].content[0].text).toBe("echo: hi");
  });

  it("answers 400 naming model for a missing or unknown model", async () => {
    const missing = await proxy.post("/v1/responses", { input: "hi" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe("model");
    const unknown = await proxy.post("/v1/responses", { model: "nope", input: "hi" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("Invalid model name");
  });
});

describe("mock_response on /v1/responses", () => {
  it("answers a response object, plain and streamed, without calling the upstream", async () => {
    const before = openai.requests.length;
    const plain = await proxy.post("/v1/responses", { model: "gpt-resp", input: "x", mock_response: "mocked" });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ object: "response", output: [{ content: [{ text: "mocked" }] }] });
    const stream = await client.responses.create({
      model: "gpt-resp",
      input: "x",
      stream: true,
      mock_response: "streamed mock",
    } as OpenAI.Responses.ResponseCreateParamsStreaming);
    let text = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
    expect(text).toBe("streamed mock");
    expect(openai.requests.length).toBe(before);
  });
});

describe("spend of Responses API calls", () => {
  it.each([
    ["an OpenAI deployment, streamed through", "gpt-resp", { input_tokens: 7, output_tokens: 3 }],
    ["an anthropic deployment, translated", "claude", { input_tokens: 10, output_tokens: 5 }],
  ])("records the tokens of %s as an aresponses call", async (_, model, usage) => {
    const generated = await proxy.post("/key/generate", { models: [model] });
    const { key, token } = generated.body as { key: string; token: string };
    const keyed = new OpenAI({ apiKey: key, baseURL: client.baseURL, maxRetries: 0 });
    for await (const event of await keyed.responses.create({ model, input: "count me", stream: true })) void event;
    await keyed.responses.create({ model, input: "and me" });
    const rows = await eventually(async () => {
      const found = (await proxy.get(`/spend/logs?api_key=${token}`).expect(200)).body as Array<Record<string, any>>;
      expect(found).toHaveLength(2);
      return found;
    });
    for (const row of rows)
      expect(row).toMatchObject({
        call_type: "aresponses",
        prompt_tokens: usage.input_tokens,
        completion_tokens: usage.output_tokens,
        status: "success",
      });
  });
});

describe("POST /v1/responses on another chat-only provider (gemini/), translated the same way", () => {
  it("answers a response object from Gemini's generateContent", async () => {
    const data = await client.responses.create({ model: "gemini", instructions: "Be brief.", input: "salut" });
    expect(data).toMatchObject({ object: "response", status: "completed", model: "gemini" });
    expect(data.output_text).toBe("echo: salut");
    expect(data.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
    const sent = gemini.requests.at(-1)!;
    expect(sent.path).toContain(":generateContent");
    expect(sent.body).toMatchObject({ systemInstruction: { parts: [{ text: "Be brief." }] } });
  });

  it("streams Responses events from Gemini's SSE stream", async () => {
    const stream = await client.responses.create({ model: "gemini", input: "stream please", stream: true });
    let text = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(text).toBe("echo: stream please");
    expect(completed?.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    expect(gemini.requests.at(-1)!.path).toContain(":streamGenerateContent");
  });
});
