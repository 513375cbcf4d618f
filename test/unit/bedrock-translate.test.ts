import { describe, expect, it } from "@jest/globals";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { ApiError } from "../../src/errors/api-error.js";
import { fromTitanResponse, toTitanRequest } from "../../src/proxy/providers/bedrock-embeddings.js";
import { decodeEventStream } from "../../src/proxy/providers/bedrock-eventstream.js";
import { fromBedrockError, fromConverseResponse } from "../../src/proxy/providers/bedrock-response.js";
import { createConverseStreamTranslator } from "../../src/proxy/providers/bedrock-stream.js";
import { toConverseRequest } from "../../src/proxy/providers/bedrock-translate.js";
import type { StreamEvent } from "../../src/proxy/provider-adapter.js";

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

describe("toConverseRequest", () => {
  it("moves system messages to `system`, text to content blocks, and sampling to inferenceConfig", () => {
    const request = toConverseRequest({
      model: "claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Hi" }] },
        { role: "developer", content: "In French." },
      ],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: "END",
      top_k: 5,
      stream: true,
      user: "u-1",
    });
    expect(request).toEqual({
      messages: [{ role: "user", content: [{ text: "Hi" }] }],
      system: [{ text: "Be brief." }, { text: "In French." }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ["END"] },
      additionalModelRequestFields: { top_k: 5 },
    });
  });

  it("maps tools, tool_choice, tool calls and tool results, merging the results into one user turn", () => {
    const request = toConverseRequest({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "t1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "t2", type: "function", function: { name: "get_weather", arguments: "not json" } },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
        { role: "tool", tool_call_id: "t2", content: "" },
        { role: "user", content: "thanks" },
      ],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    expect(request.messages).toEqual([
      { role: "user", content: [{ text: "weather?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "t2", name: "get_weather", input: {} } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "t1", content: [{ text: "sunny" }] } },
          { toolResult: { toolUseId: "t2", content: [{ text: "" }] } },
          { text: "thanks" },
        ],
      },
    ]);
    expect(request.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: "get_weather",
            description: "Weather for a city",
            inputSchema: { json: weatherTool.function.parameters },
          },
        },
      ],
      toolChoice: { tool: { name: "get_weather" } },
    });
  });

  it("declares the tools a history calls when the caller sends none (Bedrock requires a toolConfig then)", () => {
    const request = toConverseRequest({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          tool_calls: [{ id: "t1", type: "function", function: { name: "lookup", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "t1", content: "done" },
      ],
      tools: [weatherTool],
      tool_choice: "none",
    });
    expect(request.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "lookup", inputSchema: { json: { type: "object" } } } }],
    });
  });

  it("maps required and auto tool_choice, and data-URL images to image blocks", () => {
    expect(toConverseRequest({ messages: [], tools: [weatherTool], tool_choice: "required" }).toolConfig).toMatchObject(
      {
        toolChoice: { any: {} },
      },
    );
    const request = toConverseRequest({
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "data:image/jpg;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "user", content: [{ image: { format: "jpeg", source: { bytes: "AAAA" } } }] },
    ]);
  });
});

describe("fromConverseResponse", () => {
  it("joins text, maps tool use, stop reason and usage (cache tokens counted in the prompt)", () => {
    const reply = fromConverseResponse(
      {
        output: {
          message: {
            role: "assistant",
            content: [
              { text: "Let me " },
              { text: "check." },
              { toolUse: { toolUseId: "tu1", name: "get_weather", input: { city: "Paris" } } },
            ],
          },
        },
        stopReason: "tool_use",
        usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 3, totalTokens: 18 },
      },
      "my-model",
    );
    expect(reply).toMatchObject({
      object: "chat.completion",
      model: "my-model",
      choices: [
        {
          message: {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [
              { id: "tu1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 },
    });
  });

  it("reads a malformed reply as empty rather than throwing", () => {
    const reply = fromConverseResponse("nonsense", "m");
    expect(reply.choices[0]).toMatchObject({ message: { content: "" }, finish_reason: "stop" });
    expect(reply.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe("fromBedrockError", () => {
  it("keeps Bedrock's message, types by status and names the exception in code", () => {
    expect(fromBedrockError(429, { message: "Too many requests, please wait before trying again." })).toEqual({
      message: "Too many requests, please wait before trying again.",
      type: "rate_limit_error",
      code: "ThrottlingException",
    });
    expect(fromBedrockError(403, { Message: "denied" })).toEqual({
      type: "permission_error",
      message: "denied",
      code: null,
    });
    expect(fromBedrockError(502, "<html>bad gateway</html>")).toEqual({
      message: "Bedrock returned HTTP 502",
      type: "server_error",
      code: null,
    });
  });
});

describe("createConverseStreamTranslator", () => {
  const options = { model: "m", id: "chatcmpl-1", created: 1, includeUsage: true };

  it("turns ConverseStream events into OpenAI chunks with a final usage chunk", () => {
    const translator = createConverseStreamTranslator(options);
    const chunks = [
      ["messageStart", { role: "assistant" }],
      ["contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tu1", name: "get_weather" } } }],
      ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }],
      ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } }],
      ["contentBlockStop", { contentBlockIndex: 0 }],
      ["messageStop", { stopReason: "tool_use" }],
      ["metadata", { usage: { inputTokens: 10, outputTokens: 5 } }],
    ].flatMap(([event, data]) => translator.push(event as string, data));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "" },
      { tool_calls: [{ index: 0, id: "tu1", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {},
      undefined,
    ]);
    expect(chunks[4]?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks[5]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(translator.usage()).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it("throws an exception sent inside the stream with OpenAI's error fields as its cause", () => {
    const translator = createConverseStreamTranslator({ ...options, includeUsage: false });
    expect(translator.push("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "hi" } })).toHaveLength(1);
    expect(() => translator.push("error", { type: "throttlingException", message: "Too many tokens" })).toThrow(
      expect.objectContaining({
        cause: { message: "Too many tokens", type: "rate_limit_error", code: "ThrottlingException" },
      }),
    );
  });
});

describe("decodeEventStream", () => {
  const encoder = new TextEncoder();
  const codec = new EventStreamCodec(
    (b: Uint8Array) => new TextDecoder().decode(b),
    (s: string) => encoder.encode(s),
  );
  const message = (headers: Record<string, string>, body: object): Uint8Array => {
    const tagged: MessageHeaders = {};
    for (const [name, value] of Object.entries(headers)) tagged[name] = { type: "string", value };
    return codec.encode({ headers: tagged, body: encoder.encode(JSON.stringify(body)) });
  };
  /** Arrives in pieces of `size` bytes, one per tick, as a socket delivers it. */
  async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += size) {
      await Promise.resolve();
      yield bytes.subarray(at, at + size);
    }
  }
  async function collect(source: AsyncIterable<Uint8Array>): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    for await (const event of decodeEventStream(source)) events.push(event);
    return events;
  }

  it("reassembles messages split across reads and names events and exceptions", async () => {
    const bytes = Buffer.concat([
      message({ ":message-type": "event", ":event-type": "messageStart" }, { role: "assistant" }),
      message({ ":message-type": "event", ":event-type": "contentBlockDelta" }, { delta: { text: "hi" } }),
      message({ ":message-type": "exception", ":exception-type": "throttlingException" }, { message: "slow down" }),
    ]);
    const events = await collect(chunksOf(bytes, 7));
    expect(events).toEqual([
      { event: "messageStart", data: '{"role":"assistant"}' },
      { event: "contentBlockDelta", data: '{"delta":{"text":"hi"}}' },
      { event: "error", data: '{"type":"throttlingException","message":"slow down"}' },
    ]);
  });

  it("fails with a 502 on a bad checksum, an absurd length or a stream cut inside a message", async () => {
    const good = message({ ":message-type": "event", ":event-type": "messageStart" }, {});
    const broken = Uint8Array.from(good);
    broken[broken.length - 1] = (broken.at(-1) ?? 0) ^ 0xff;
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setUint32(0, 0x7fffffff);
    for (const bytes of [broken, huge, good.subarray(0, good.length - 2)]) {
      const failure = await collect(chunksOf(bytes, 64)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApiError);
      expect(failure).toMatchObject({ status: 502 });
    }
  });
});

describe("Titan embeddings", () => {
  const titan = "amazon.titan-embed-text-v2:0";

  it("sends one text (a string or a list of one) with its dimensions, and refuses what Titan cannot take", () => {
    expect(toTitanRequest(titan, { input: "hello", dimensions: 256, encoding_format: "float" })).toEqual({
      inputText: "hello",
      dimensions: 256,
    });
    expect(toTitanRequest(`us.${titan}`, { input: ["hello"] })).toEqual({ inputText: "hello" });
    for (const input of [["a", "b"], [1, 2, 3], undefined]) {
      expect(() => toTitanRequest(titan, { input })).toThrow(expect.objectContaining({ status: 400, param: "input" }));
    }
    expect(() => toTitanRequest("cohere.embed-english-v3", { input: "x" })).toThrow(
      expect.objectContaining({ status: 400, param: "model" }),
    );
  });

  it("answers OpenAI's list with usage, as floats or as OpenAI's base64 float32", () => {
    const reply = { embedding: [0.25, -0.5, 1], inputTextTokenCount: 4 };
    expect(fromTitanResponse(reply, "emb", {})).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5, 1] }],
      model: "emb",
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    const encoded = fromTitanResponse(reply, "emb", { encoding_format: "base64" }) as { data: [{ embedding: string }] };
    const bytes = Buffer.from(encoded.data[0].embedding, "base64");
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual([0.25, -0.5, 1]);
  });
});
