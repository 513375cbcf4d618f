import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import { FAKE_THINKING, startFakeAnthropic } from "../fakes/fake-anthropic.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { drainChatStream } from "../helpers/chat-stream.js";

const ANTHROPIC_KEY = "sk-ant-upstream-secret-0123456789";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;
let client: OpenAI;

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: "${url}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-1 }
`;
  fixture = await startProxyFixture({ fake: startFakeAnthropic, configYaml, env: { ANTHROPIC_KEY } });
  ({ upstream, proxy } = fixture);
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
});

afterAll(() => fixture.close());

describe("anthropic/ deployments behind chat completions", () => {
  it("translate a plain call both ways, system message and usage included", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: "claude",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "bonjour" },
        ],
        max_tokens: 100,
        temperature: 0.2,
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("claude");
    expect(data.choices[0]).toMatchObject({
      message: { role: "assistant", content: "echo: bonjour" },
      finish_reason: "stop",
    });
    expect(data.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(response.headers.get("x-litellm-model-id")).toBe("claude-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toMatchObject({
      model: "claude-3-5-sonnet-20241022",
      system: "Be brief.",
      messages: [{ role: "user", content: "bonjour" }],
      max_tokens: 100,
      temperature: 0.2,
    });
  });

  it("stream as OpenAI chunks ending in [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { text, finish, usage } = await drainChatStream(stream);
    expect(text).toBe("echo: stream please");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
  });

  it("asks for extended thinking with reasoning_effort and returns it as reasoning_content, plain and streamed", async () => {
    const plain = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "think" }],
      reasoning_effort: "medium",
    });
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 2048 },
      max_tokens: 2048 + 4096,
    });
    const message = plain.choices[0]!.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string;
      thinking_blocks?: unknown[];
    };
    expect(message.content).toBe("echo: think");
    expect(message.reasoning_content).toBe(FAKE_THINKING.thinking);
    expect(message.thinking_blocks).toEqual([FAKE_THINKING]);

    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "think aloud" }],
      reasoning_effort: "low",
      stream: true,
    });
    let reasoning = "";
    let text = "";
    const signatures: unknown[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        { content?: string; reasoning_content?: string; thinking_blocks?: Array<{ signature?: string }> } | undefined;
      reasoning += delta?.reasoning_content ?? "";
      text += delta?.content ?? "";
      for (const block of delta?.thinking_blocks ?? []) signatures.push(block.signature);
    }
    expect(reasoning).toBe(FAKE_THINKING.thinking);
    expect(signatures).toEqual([FAKE_THINKING.signature]);
    expect(text).toBe("echo: think aloud");
  });

  it("round-trips tool calls", async () => {
    const first = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "please use tool for the weather" }],
      tools: [weatherTool],
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ id: "toolu_1", type: "function", function: { name: "get_weather" } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ city: "Paris" });
    expect(upstream.requests.at(-1)!.body.tools).toEqual([
      { name: "get_weather", description: "Weather for a city", input_schema: weatherTool.function.parameters },
    ]);

    const second = await client.chat.completions.create({
      model: "claude",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "please use tool for the weather" },
        first.choices[0]!.message,
        { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    const sent = upstream.requests.at(-1)!.body.messages;
    expect(sent[1]).toMatchObject({
      role: "assistant",
      content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
    });
    expect(sent[2]).toMatchObject({ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1" }] });
  });

  it("continues a conversation with tool calls in its history when the caller sends no tools", async () => {
    const reply = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "user", content: "weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "toolu_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_9", content: "sunny" },
        { role: "user", content: "thanks, summarise" },
      ],
    });
    expect(reply.choices[0]!.message.content).toBe("echo: thanks, summarise");
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      tools: [{ name: "get_weather" }],
      tool_choice: { type: "none" },
    });
  });

  it("streams tool calls with their arguments", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "use tool now" }],
      tools: [weatherTool],
      stream: true,
    });
    let name = "";
    let args = "";
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta?.tool_calls?.[0];
      name += call?.function?.name ?? "";
      args += call?.function?.arguments ?? "";
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: "Paris" });
  });

  it("maps Anthropic errors onto OpenAI's error classes", async () => {
    upstream.script("claude-3-5-sonnet-20241022", { kind: "status", status: 400 }, 1);
    await expect(
      client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    upstream.script("claude-3-5-sonnet-20241022", { kind: "status", status: 429 }, 1);
    await expect(
      client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("refuses embeddings for an anthropic model with a clear 400", async () => {
    const res = await proxy.post("/v1/embeddings", { model: "claude", input: "x" }).expect(400);
    expect(res.body.error).toMatchObject({ code: "unsupported_operation", param: "model" });
  });
});
