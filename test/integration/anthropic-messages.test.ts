import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import Anthropic from "@anthropic-ai/sdk";
import { FAKE_COUNTED_TOKENS, startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const ANTHROPIC_KEY = "sk-ant-upstream-secret-messages-0123";
const OPENAI_KEY = "sk-openai-upstream-secret-messages-4567";

let db: TestDatabase;
let openai: FakeUpstream;
let anthropic: FakeUpstream;
let proxy: TestReplica;
let baseUrl: string;
let client: Anthropic;

const weatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  const configYaml = `
model_list:
  - model_name: gpt-msgs
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${openai.url}/v1", api_key: os.environ/OPENAI_KEY }
    model_info: { id: gpt-1 }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropic.url}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-1 }
`;
  proxy = await startReplica({ databaseUrl: db.url, configYaml, env: { ANTHROPIC_KEY, OPENAI_KEY } });
  baseUrl = await proxy.listen();
  client = new Anthropic({ apiKey: TEST_MASTER_KEY, baseURL: baseUrl, maxRetries: 0 });
});

afterAll(async () => {
  await proxy.close();
  await openai.close();
  await anthropic.close();
  await db.drop();
});

/** A chat completion with one tool call, as OpenAI sends it. */
function toolCallCompletion(model: string) {
  return {
    id: "chatcmpl-tool",
    object: "chat.completion",
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
  };
}

/** The same tool call streamed in OpenAI's chunks, the arguments in two pieces, then the usage chunk. */
function toolCallFrames(model: string): string[] {
  const chunk = (delta: object, finish: string | null = null, usage: object | null = null) =>
    `data: ${JSON.stringify({ id: "chatcmpl-s", object: "chat.completion.chunk", created: 1, model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], usage })}\n\n`;
  return [
    chunk({ role: "assistant", content: "Checking. " }),
    chunk({
      tool_calls: [{ index: 0, id: "call_7", type: "function", function: { name: "get_weather", arguments: "" } }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk({}, "tool_calls"),
    chunk({}, null, { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 }),
    "data: [DONE]\n\n",
  ];
}

describe("POST /v1/messages with an OpenAI-format deployment", () => {
  it("translates a plain call both ways, system prompt and usage included", async () => {
    const { data, response } = await client.messages
      .create(
        {
          model: "gpt-msgs",
          max_tokens: 100,
          system: "Be brief.",
          messages: [{ role: "user", content: "bonjour" }],
          stop_sequences: ["END"],
        },
        { headers: { "anthropic-beta": "some-beta" } },
      )
      .withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: "gpt-msgs",
      content: [{ type: "text", text: "echo: bonjour" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get("x-litellm-model-id")).toBe("gpt-1");
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-msgs");
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(sent.headers["anthropic-beta"]).toBeUndefined();
    expect(sent.body).toEqual({
      model: "gpt-4o-mini",
      max_tokens: 100,
      stop: ["END"],
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "bonjour" },
      ],
    });
  });

  it("streams Anthropic's events, ending with the stop reason and usage", async () => {
    const stream = client.messages.stream({
      model: "gpt-msgs",
      max_tokens: 50,
      messages: [{ role: "user", content: [{ type: "text", text: "stream please" }] }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "echo: stream please" }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    expect(events[0]).toBe("message_start");
    expect(events.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(openai.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("round-trips a tool call: tool_use out, tool_result back in as a tool message", async () => {
    openai.script("gpt-4o-mini", { kind: "json", body: toolCallCompletion("gpt-4o-mini") }, 1);
    const first = await client.messages.create({
      model: "gpt-msgs",
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: "weather in Paris?" }],
    });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([{ type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } }]);
    expect(openai.requests.at(-1)!.body).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", parameters: weatherTool.input_schema } }],
      tool_choice: "auto",
    });

    const second = await client.messages.create({
      model: "gpt-msgs",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1", content: "sunny" },
            { type: "text", text: "and tomorrow?" },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "echo: and tomorrow?" }]);
    expect(openai.requests.at(-1)!.body.messages).toEqual([
      { role: "user", content: "weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
      { role: "user", content: "and tomorrow?" },
    ]);
  });

  it("streams a tool call as a tool_use block with input_json_delta", async () => {
    openai.script("gpt-4o-mini", { kind: "sse", frames: toolCallFrames("gpt-4o-mini") }, 1);
    const stream = client.messages.stream({
      model: "gpt-msgs",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: "user", content: "weather?" }],
    });
    const deltas: string[] = [];
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta" && event.delta.type === "input_json_delta")
        deltas.push(event.delta.partial_json);
    });
    const final = await stream.finalMessage();
    expect(deltas).toEqual(['{"city":', '"Paris"}']);
    expect(final.content).toEqual([
      { type: "text", text: "Checking. " },
      { type: "tool_use", id: "call_7", name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 7 });
  });

  it("answers LiteLLM's mock_response in Anthropic's shape, plain and streamed, without calling the upstream", async () => {
    const before = openai.requests.length;
    const plain = await proxy
      .post("/v1/messages", {
        model: "gpt-msgs",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
        mock_response: "mocked",
      })
      .expect(200);
    expect(plain.body).toMatchObject({
      type: "message",
      content: [{ type: "text", text: "mocked" }],
      stop_reason: "end_turn",
    });
    const streamed = await proxy
      .post("/v1/messages", {
        model: "gpt-msgs",
        max_tokens: 5,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
        mock_response: "mocked",
      })
      .expect(200);
    expect(streamed.text).toMatch(/^event: message_start\n/);
    expect(streamed.text).toContain('"text_delta","text":"mocked"');
    expect(streamed.text).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
    expect(openai.requests.length).toBe(before);
  });

  it("counts tokens locally with tiktoken", async () => {
    const counted = await client.messages.countTokens({
      model: "gpt-msgs",
      system: "Be brief.",
      messages: [{ role: "user", content: "hello world" }],
    });
    // o200k_base: "user" 1 + "hello world" 2 + "system" 1 + "Be brief." 3, 2 messages x 3, reply priming 3.
    expect(counted.input_tokens).toBe(16);
    const longer = await client.messages.countTokens({
      model: "gpt-msgs",
      messages: [{ role: "user", content: "hello world ".repeat(50) }],
      tools: [weatherTool],
    });
    expect(longer.input_tokens).toBeGreaterThan(100);
    expect(openai.requests.some((request) => request.path.includes("count_tokens"))).toBe(false);
  });
});

describe("POST /v1/messages with an anthropic/ deployment", () => {
  it("passes the body through unchanged but for the model, and the reply back as Anthropic sent it", async () => {
    const body = {
      model: "claude",
      max_tokens: 64,
      system: [{ type: "text" as const, text: "Be brief.", cache_control: { type: "ephemeral" as const } }],
      messages: [{ role: "user" as const, content: "bonjour" }],
      metadata: { user_id: "user-42" },
      service_tier: "auto" as const,
    };
    const beta = "interleaved-thinking-2025-05-14";
    const { data, response } = await client.messages
      .create(body, { headers: { "anthropic-beta": beta } })
      .withResponse();
    const sent = anthropic.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(sent.headers["anthropic-beta"]).toBe(beta);
    expect(sent.body).toEqual({ ...body, model: "claude-sonnet-4-5" });
    expect(data).toMatchObject({
      type: "message",
      content: [{ type: "text", text: "echo: bonjour" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    expect(response.headers.get("x-litellm-model-id")).toBe("claude-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
  });

  it("relays the stream's events as they came", async () => {
    const stream = client.messages.stream({
      model: "claude",
      max_tokens: 64,
      tools: [weatherTool],
      messages: [{ role: "user", content: "use tool please" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }]);
    expect(final.stop_reason).toBe("tool_use");
    expect(events).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ stream: true, model: "claude-sonnet-4-5" });
    expect(anthropic.requests.at(-1)!.body.stream_options).toBeUndefined();
  });

  it("round-trips a tool call", async () => {
    const first = await client.messages.create({
      model: "claude",
      max_tokens: 64,
      tools: [weatherTool],
      messages: [{ role: "user", content: "use tool for Paris" }],
    });
    expect(first.content[0]).toMatchObject({ type: "tool_use", id: "toolu_1" });
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "use tool for Paris" },
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }] },
    ];
    const second = await client.messages.create({ model: "claude", max_tokens: 64, tools: [weatherTool], messages });
    expect(second.stop_reason).toBe("end_turn");
    expect(anthropic.requests.at(-1)!.body.messages).toEqual(JSON.parse(JSON.stringify(messages)));
  });

  it("passes count_tokens to Anthropic", async () => {
    const body = { model: "claude", messages: [{ role: "user" as const, content: "count me" }] };
    const counted = await client.messages.countTokens(body);
    expect(counted.input_tokens).toBe(FAKE_COUNTED_TOKENS);
    const sent = anthropic.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages/count_tokens");
    expect(sent.body).toEqual({ ...body, model: "claude-sonnet-4-5" });
  });

  it("turns an error event mid-stream into Anthropic's error event", async () => {
    const error = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    anthropic.script(
      "claude-sonnet-4-5",
      {
        kind: "sse",
        frames: [
          `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "msg_x", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n`,
          `event: error\ndata: ${JSON.stringify(error)}\n\n`,
        ],
      },
      1,
    );
    const stream = client.messages.stream({
      model: "claude",
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    });
    const failure = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "overloaded_error", message: expect.stringContaining("Overloaded") },
    });
  });
});

describe("authentication, allow-lists and bad input on the Messages routes", () => {
  it("accepts the key as x-api-key, as Anthropic's clients send it", async () => {
    const response = await fetch(`${baseUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": TEST_MASTER_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-msgs", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: "text", text: "echo: hi" }] });
  });

  it("answers a missing key with 401 in Anthropic's error shape, OpenAI's fields kept", async () => {
    const response = await fetch(`${baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-msgs", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message: expect.any(String), param: null, code: expect.any(String) },
      request_id: response.headers.get("x-request-id"),
    });
  });

  it("refuses a model outside the key's allow-list with LiteLLM's 401", async () => {
    const generated = await proxy.post("/key/generate", { models: ["claude"] }).expect(200);
    const keyed = new Anthropic({ apiKey: generated.body.key as string, baseURL: baseUrl, maxRetries: 0 });
    const failure = await keyed.messages
      .create({ model: "gpt-msgs", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "authentication_error", param: "model", message: expect.stringContaining("key not allowed") },
    });
    const counted = await keyed.messages
      .countTokens({ model: "gpt-msgs", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(counted).toBeInstanceOf(Anthropic.AuthenticationError);
    const allowed = await keyed.messages.create({
      model: "claude",
      max_tokens: 10,
      messages: [{ role: "user", content: "ok" }],
    });
    expect(allowed.content).toEqual([{ type: "text", text: "echo: ok" }]);
  });

  it("answers bad input with 400 naming the field", async () => {
    const post = (body: object) => proxy.post("/v1/messages", body).expect(400);
    const missing = await post({ model: "gpt-msgs", messages: [{ role: "user", content: "hi" }] });
    expect(missing.body).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", param: "max_tokens" },
    });
    const role = await post({ model: "gpt-msgs", max_tokens: 5, messages: [{ role: "system", content: "hi" }] });
    expect(role.body.error.param).toBe("messages[0].role");
    const count = await proxy.post("/v1/messages/count_tokens", { model: "gpt-msgs" }).expect(400);
    expect(count.body.error.param).toBe("messages");
    const unknown = await post({ model: "no-such-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
    expect(unknown.body.error).toMatchObject({ param: "model", code: "model_not_found" });
  });
});
