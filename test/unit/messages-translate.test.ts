import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../src/errors/api-error.js";
import { anthropicErrorBody, anthropicErrorShape } from "../../src/proxy/messages/anthropic-errors.js";
import { createChatStreamEvents } from "../../src/proxy/messages/chat-stream-events.js";
import { countInputTokens, encodingFor } from "../../src/proxy/messages/count-tokens.js";
import { fromChatResponse } from "../../src/proxy/messages/from-chat-response.js";
import { toChatRequest } from "../../src/proxy/messages/to-chat-request.js";

/** The events of SSE frames, as `{event, data}` with data parsed. */
function parseFrames(frames: string[]): Array<{ event: string; data: Record<string, unknown> }> {
  return frames.map((frame) => {
    const [eventLine, dataLine] = frame.trimEnd().split("\n");
    const data = JSON.parse(dataLine!.slice("data: ".length)) as Record<string, unknown>;
    return { event: eventLine!.slice("event: ".length), data };
  });
}

describe("toChatRequest", () => {
  it("maps content blocks, tools, tool_choice and metadata to chat completions", () => {
    const request = toChatRequest({
      model: "m",
      max_tokens: 10,
      system: [
        { type: "text", text: "One." },
        { type: "text", text: "Two." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "image", source: { type: "url", url: "https://example.test/a.png" } },
          ],
        },
      ],
      tools: [
        { name: "lookup", input_schema: { type: "object", properties: { q: { type: "string" } } } },
        { type: "web_search_20250305", name: "web_search" },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      metadata: { user_id: "u-1" },
      thinking: { type: "enabled", budget_tokens: 1024 },
      top_k: 3,
      stream: true,
    });
    expect(request).toEqual({
      model: "m",
      max_tokens: 10,
      messages: [
        { role: "system", content: "One.\nTwo." },
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://example.test/a.png" } },
          ],
        },
      ],
      tools: [
        {
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        },
      ],
      tool_choice: "required",
      parallel_tool_calls: false,
      user: "u-1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("puts tool results ahead of the user's words and keeps an error result non-empty", () => {
    const request = toChatRequest({
      model: "m",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "next" },
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "42" }] },
            { type: "tool_result", tool_use_id: "t2", is_error: true },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "tool", tool_call_id: "t1", content: "42" },
      { role: "tool", tool_call_id: "t2", content: "error" },
      { role: "user", content: "next" },
    ]);
  });
});

describe("fromChatResponse", () => {
  it("maps finish reasons, tool calls and cached prompt tokens", () => {
    const message = fromChatResponse(
      {
        id: "chatcmpl-1",
        choices: [
          {
            message: {
              content: "partial",
              tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "not json" } }],
            },
            finish_reason: "length",
          },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 60 } },
      },
      "group",
    );
    expect(message).toEqual({
      id: "msg_chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "group",
      content: [
        { type: "text", text: "partial" },
        { type: "tool_use", id: "c1", name: "f", input: { raw_arguments: "not json" } },
      ],
      stop_reason: "max_tokens",
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 7, cache_read_input_tokens: 60 },
    });
  });

  it("reads a malformed reply as an empty message rather than throwing", () => {
    expect(fromChatResponse("nonsense", "g")).toMatchObject({ content: [], stop_reason: "end_turn" });
  });
});

describe("createChatStreamEvents", () => {
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({ id: "c", choices: [{ index: 0, delta, finish_reason: finish }] });

  it("opens one block at a time, in index order, and closes the message on [DONE]", () => {
    const events = createChatStreamEvents("g");
    const frames = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hi" }),
      chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{}" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"x":1}' } }] }),
      chunk({}, "tool_calls"),
      JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } }),
      "[DONE]",
    ].flatMap((data) => events.push(data));
    const parsed = parseFrames(frames);
    expect(parsed.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(parsed.map((e) => e.data.index).filter((i) => i !== undefined)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(parsed[7]!.data.content_block).toEqual({ type: "tool_use", id: "b", name: "g", input: {} });
    expect(parsed[10]!.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 9, output_tokens: 4 },
    });
    expect(events.usage()).toEqual({ promptTokens: 9, completionTokens: 4 });
    expect(events.end()).toEqual([]);
  });

  it("closes a stream that ended without [DONE], and an empty one", () => {
    const events = createChatStreamEvents("g");
    events.push(chunk({ content: "x" }));
    expect(parseFrames(events.end()).map((e) => e.event)).toEqual([
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const empty = createChatStreamEvents("g");
    expect(parseFrames(empty.end()).map((e) => e.event)).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  it("throws on an error frame so that the relay writes the error event", () => {
    const events = createChatStreamEvents("g");
    expect(() => events.push(JSON.stringify({ error: { message: "boom" } }))).toThrow("boom");
  });
});

describe("Anthropic's error shape", () => {
  it("keeps OpenAI's fields and uses Anthropic's type names", () => {
    const error = ApiError.missingField("max_tokens");
    expect(anthropicErrorBody(error, "req-1")).toEqual({
      type: "error",
      error: { ...error.toBody().error, type: "invalid_request_error" },
      request_id: "req-1",
    });
    expect(anthropicErrorBody(ApiError.internal()).error.type).toBe("api_error");
    expect(anthropicErrorBody(ApiError.upstreamTimeout("g", 5)).error.type).toBe("timeout_error");
    expect(anthropicErrorBody(ApiError.noHealthyDeployment("g")).error.type).toBe("rate_limit_error");
    const overloaded = ApiError.upstreamError(529, "AnthropicException", {
      message: "Overloaded",
      type: "server_error",
      code: "overloaded_error",
    });
    expect(anthropicErrorBody(overloaded).error).toMatchObject({ type: "overloaded_error", code: "overloaded_error" });
    expect(anthropicErrorShape.sseFrame(overloaded)).toMatch(/^event: error\ndata: \{"type":"error"/);
  });
});

describe("countInputTokens", () => {
  it("picks o200k_base for OpenAI's newer models and cl100k_base for the rest", () => {
    expect(encodingFor("gpt-4o-mini")).toBe("o200k_base");
    expect(encodingFor("openai/gpt-5")).toBe("o200k_base");
    expect(encodingFor("llama-3-70b")).toBe("cl100k_base");
  });

  it("counts special-token markers as text and images at a fixed estimate", async () => {
    const text = { model: "m", messages: [{ role: "user", content: "<|endoftext|> hi" }] };
    const withImage = {
      model: "m",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "<|endoftext|> hi" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
          ],
        },
      ],
    };
    const plain = await countInputTokens(text, "llama");
    expect(plain).toBeGreaterThan(6);
    expect(await countInputTokens(withImage, "llama")).toBe(plain + 1600);
  });
});
