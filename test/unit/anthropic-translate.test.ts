import { describe, expect, it } from "@jest/globals";
import {
  createAnthropicStreamTranslator,
  fromAnthropicError,
  fromAnthropicResponse,
  toAnthropicRequest,
  type OpenAiChatChunk,
} from "../../src/proxy/providers/anthropic-translate.js";

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("toAnthropicRequest", () => {
  it("moves system and developer messages to the top-level system, joined by blank lines", () => {
    const request = toAnthropicRequest(
      {
        model: "claude",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Hi" },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        ],
      },
      "claude-sonnet-4-5",
    );
    expect(request.model).toBe("claude-sonnet-4-5");
    expect(request.system).toBe("You are terse.\n\nAnswer in French.");
    expect(request.messages).toEqual([{ role: "user", content: "Hi" }]);
  });

  it("keeps system as blocks when a part carries cache_control", () => {
    const cacheControl = { type: "ephemeral" };
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "system", content: [{ type: "text", text: "Long context", cache_control: cacheControl }] },
          { role: "user", content: "Hi" },
        ],
      },
      "m",
    );
    expect(request.system).toEqual([{ type: "text", text: "Long context", cache_control: cacheControl }]);
  });

  it("merges consecutive same-role messages so user and assistant turns alternate", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "user", content: "First" },
          { role: "user", content: [{ type: "text", text: "Second" }] },
          { role: "assistant", content: "Reply" },
          { role: "assistant", content: null },
          { role: "user", content: "Third" },
        ],
      },
      "m",
    );
    expect(request.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "First" },
          { type: "text", text: "Second" },
        ],
      },
      { role: "assistant", content: "Reply" },
      { role: "user", content: "Third" },
    ]);
  });

  it("translates tools, assistant tool_calls and tool results into tool_use and tool_result blocks", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "user", content: "Weather in Paris and the time?" },
          {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "18°C, cloudy" },
          { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "14:05" }] },
          { role: "user", content: "Thanks!" },
        ],
        tools: [weatherTool, { type: "function", function: { name: "get_time" } }],
        tool_choice: "required",
      },
      "m",
    );
    expect(request.tools).toEqual([
      { name: "get_weather", description: "Current weather for a city", input_schema: weatherTool.function.parameters },
      { name: "get_time", input_schema: { type: "object", properties: {} } },
    ]);
    expect(request.tool_choice).toEqual({ type: "any" });
    expect(request.messages).toEqual([
      { role: "user", content: "Weather in Paris and the time?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18°C, cloudy" },
          { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "14:05" }] },
          { type: "text", text: "Thanks!" },
        ],
      },
    ]);
  });

  it("puts tool_result blocks first when a user remark and tool results merge into one turn", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "assistant", content: null, tool_calls: [{ id: "c", function: { name: "f", arguments: "{}" } }] },
          { role: "user", content: "Also, hurry." },
          { role: "tool", tool_call_id: "c", content: "" },
        ],
      },
      "m",
    );
    expect(request.messages).toEqual([
      { role: "assistant", content: [{ type: "tool_use", id: "c", name: "f", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "c" },
          { type: "text", text: "Also, hurry." },
        ],
      },
    ]);
  });

  it("declares the history's tools with tool_choice none when the caller defines no tools (Anthropic requires them)", () => {
    const history = [
      { role: "user", content: "Weather and time in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          { id: "c2", type: "function", function: { name: "get_time", arguments: "{}" } },
          { id: "c3", type: "function", function: { name: "get_weather", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "18°C" },
      { role: "tool", tool_call_id: "c2", content: "14:05" },
      { role: "tool", tool_call_id: "c3", content: "18°C" },
    ];
    const request = toAnthropicRequest({ messages: history }, "m");
    expect(request.tools).toEqual([
      { name: "get_weather", input_schema: { type: "object" } },
      { name: "get_time", input_schema: { type: "object" } },
    ]);
    expect(request.tool_choice).toEqual({ type: "none" });
    // The caller's own tools, when there are any, are sent as they are.
    const withTools = toAnthropicRequest(
      { messages: history, tools: [{ type: "function", function: { name: "get_weather" } }] },
      "m",
    );
    expect(withTools.tools).toEqual([{ name: "get_weather", input_schema: { type: "object", properties: {} } }]);
    expect(withTools.tool_choice).toBeUndefined();
    // No tool calls in the history, no tools: nothing is declared.
    const plain = toAnthropicRequest({ messages: [{ role: "user", content: "hi" }] }, "m");
    expect(plain).not.toHaveProperty("tools");
    expect(plain).not.toHaveProperty("tool_choice");
  });

  it("sends tool_use input {} when the recorded arguments are not a JSON object", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "user", content: "Go" },
          { role: "assistant", content: null, tool_calls: [{ id: "c", function: { name: "f", arguments: '{"a":' } }] },
          { role: "tool", tool_call_id: "c", content: "error: bad arguments" },
        ],
        tools: [{ type: "function", function: { name: "f" } }],
      },
      "m",
    );
    expect(request.messages).toEqual([
      { role: "user", content: "Go" },
      { role: "assistant", content: [{ type: "tool_use", id: "c", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "c", content: "error: bad arguments" }] },
    ]);
  });

  it.each([
    ["auto", undefined, { type: "auto" }],
    ["none", undefined, { type: "none" }],
    [{ type: "function", function: { name: "get_weather" } }, undefined, { type: "tool", name: "get_weather" }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    [undefined, undefined, undefined],
  ])("maps tool_choice %j with parallel_tool_calls %j", (toolChoice, parallel, expected) => {
    const request = toAnthropicRequest(
      {
        messages: [{ role: "user", content: "x" }],
        tools: [weatherTool],
        tool_choice: toolChoice,
        parallel_tool_calls: parallel,
      },
      "m",
    );
    expect(request.tool_choice).toEqual(expected);
  });

  it("maps reasoning_effort to a thinking budget, raising the default max_tokens above it", () => {
    const messages = [{ role: "user", content: "Think first." }];
    expect(toAnthropicRequest({ messages, reasoning_effort: "high" }, "m")).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 4096 },
      max_tokens: 4096 + 4096,
    });
    expect(toAnthropicRequest({ messages, reasoning_effort: "low", max_tokens: 3000 }, "m")).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 1024 },
      max_tokens: 3000,
    });
    // Anthropic's own thinking object wins and passes as it is.
    const own = { type: "enabled", budget_tokens: 16000 };
    expect(toAnthropicRequest({ messages, thinking: own, reasoning_effort: "low" }, "m")).toMatchObject({
      thinking: own,
      max_tokens: 16000 + 4096,
    });
    const plain = toAnthropicRequest({ messages, reasoning_effort: "minimal" }, "m");
    expect(plain).not.toHaveProperty("thinking");
    expect(plain.max_tokens).toBe(4096);
  });

  it("sends an earlier reply's thinking_blocks back first in that assistant turn, signature included", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          { role: "user", content: "weather?" },
          {
            role: "assistant",
            content: null,
            reasoning_content: "I should call the tool.",
            thinking_blocks: [
              { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
              { type: "redacted_thinking", data: "opaque" },
              { type: "thinking", thinking: "no signature: dropped" },
            ],
            tool_calls: [{ id: "t1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "t1", content: "sunny" },
        ],
        tools: [weatherTool],
      },
      "m",
    );
    expect((request.messages as Array<{ content: unknown }>)[1]?.content).toEqual([
      { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "tool_use", id: "t1", name: "get_weather", input: {} },
    ]);
  });

  it("omits tools and tool_choice when no tools are given", () => {
    const request = toAnthropicRequest({ messages: [{ role: "user", content: "x" }], tool_choice: "auto" }, "m");
    expect(request).not.toHaveProperty("tools");
    expect(request).not.toHaveProperty("tool_choice");
  });

  it("turns base64 data URLs and http URLs into image blocks", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare these" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
            ],
          },
        ],
      },
      "m",
    );
    expect(request.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
    ]);
  });

  it("turns an inline PDF file part into a document block", () => {
    const request = toAnthropicRequest(
      {
        messages: [
          {
            role: "user",
            content: [{ type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }],
          },
        ],
      },
      "m",
    );
    expect(request.messages).toEqual([
      {
        role: "user",
        content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } }],
      },
    ]);
  });

  it.each([
    [{}, 4096],
    [{ max_tokens: 256 }, 256],
    [{ max_completion_tokens: 512, max_tokens: 256 }, 512],
    [{ max_tokens: 0 }, 4096],
  ])("sets max_tokens from %j to %d", (fields, expected) => {
    const request = toAnthropicRequest({ messages: [{ role: "user", content: "x" }], ...fields }, "m");
    expect(request.max_tokens).toBe(expected);
  });

  it("passes sampling fields through, maps stop and user, and drops OpenAI-only fields", () => {
    const request = toAnthropicRequest(
      {
        model: "claude",
        messages: [{ role: "user", content: "x" }],
        temperature: 0.2,
        top_p: 0.9,
        stop: "END",
        stream: true,
        user: "user-42",
        n: 2,
        presence_penalty: 1,
        frequency_penalty: 1,
        logit_bias: { "50256": -100 },
        response_format: { type: "json_object" },
        stream_options: { include_usage: true },
        seed: 7,
      },
      "claude-haiku-4-5",
    );
    expect(request).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 4096,
      messages: [{ role: "user", content: "x" }],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ["END"],
      stream: true,
      metadata: { user_id: "user-42" },
    });
    expect(toAnthropicRequest({ messages: [], stop: ["a", "b"] }, "m").stop_sequences).toEqual(["a", "b"]);
  });
});

const anthropicUsage = {
  input_tokens: 100,
  cache_read_input_tokens: 20,
  cache_creation_input_tokens: 5,
  output_tokens: 30,
};

describe("fromAnthropicResponse", () => {
  it("joins text blocks and maps usage, counting cached prompt tokens", () => {
    const before = Math.floor(Date.now() / 1000);
    const completion = fromAnthropicResponse(
      {
        id: "msg_01",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [
          { type: "text", text: "Hello, " },
          { type: "text", text: "world." },
        ],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: anthropicUsage,
      },
      "claude",
    );
    expect(completion).toMatchObject({
      id: "chatcmpl-msg_01",
      object: "chat.completion",
      model: "claude",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello, world." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 125, completion_tokens: 30, total_tokens: 155 },
    });
    expect(completion.choices[0]?.message).not.toHaveProperty("tool_calls");
    expect(completion.created).toBeGreaterThanOrEqual(before);
  });

  it("returns thinking as reasoning_content and thinking_blocks, as LiteLLM does", () => {
    const completion = fromAnthropicResponse(
      {
        id: "msg_t",
        content: [
          { type: "thinking", thinking: "Let me see. ", signature: "sig-a" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "thinking", thinking: "Yes.", signature: "sig-b" },
          { type: "text", text: "42" },
        ],
        stop_reason: "end_turn",
        usage: { input_tokens: 10, output_tokens: 50 },
      },
      "claude",
    );
    expect(completion.choices[0]?.message).toEqual({
      role: "assistant",
      content: "42",
      reasoning_content: "Let me see. Yes.",
      thinking_blocks: [
        { type: "thinking", thinking: "Let me see. ", signature: "sig-a" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "thinking", thinking: "Yes.", signature: "sig-b" },
      ],
    });
    // A block a later turn could not send back (no signature) is not returned as one.
    const unsigned = fromAnthropicResponse(
      {
        content: [
          { type: "thinking", thinking: "hm" },
          { type: "text", text: "ok" },
        ],
      },
      "claude",
    );
    expect(unsigned.choices[0]?.message).toEqual({ role: "assistant", content: "ok" });
  });

  it("turns tool_use blocks into tool_calls with content null when there is no text", () => {
    const completion = fromAnthropicResponse(
      {
        id: "msg_02",
        content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }],
        stop_reason: "tool_use",
        usage: { input_tokens: 10, output_tokens: 5 },
      },
      "claude",
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["model_context_window_exceeded", "length"],
    ["pause_turn", "stop"],
    ["something_new", "stop"],
    ["constructor", "stop"],
  ])("maps stop_reason %s to finish_reason %s", (stopReason, finishReason) => {
    const completion = fromAnthropicResponse({ id: "m", content: [], stop_reason: stopReason }, "claude");
    expect(completion.choices[0]?.finish_reason).toBe(finishReason);
  });
});

type StreamEvent = [event: string, data: unknown];

function runStream(events: StreamEvent[], includeUsage = false) {
  const options = { model: "claude", id: "chatcmpl-1", created: 1700000000, includeUsage };
  const translator = createAnthropicStreamTranslator(options);
  const chunks: OpenAiChatChunk[] = events.flatMap(([event, data]) => translator.push(event, data));
  return { chunks, translator };
}

const messageStart: StreamEvent = [
  "message_start",
  {
    type: "message_start",
    message: {
      id: "msg_01",
      type: "message",
      role: "assistant",
      content: [],
      model: "claude-sonnet-4-5-20250929",
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, cache_read_input_tokens: 5, output_tokens: 1 },
    },
  },
];

const textEvents: StreamEvent[] = [
  messageStart,
  ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
  ["ping", { type: "ping" }],
  ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }],
  ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "!" } }],
  ["content_block_stop", { type: "content_block_stop", index: 0 }],
  [
    "message_delta",
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 15 } },
  ],
  ["message_stop", { type: "message_stop" }],
];

describe("createAnthropicStreamTranslator", () => {
  it("translates a text stream into role, content and finish chunks", () => {
    const { chunks, translator } = runStream(textEvents);
    const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "claude" };
    expect(chunks).toEqual([
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "Hello" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "!" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ]);
    expect(translator.usage()).toEqual({ prompt_tokens: 30, completion_tokens: 15, total_tokens: 45 });
  });

  it("numbers tool calls from 0 and streams their arguments", () => {
    const toolStart = (index: number, id: string, name: string): StreamEvent => [
      "content_block_start",
      { type: "content_block_start", index, content_block: { type: "tool_use", id, name, input: {} } },
    ];
    const json = (index: number, partial: string): StreamEvent => [
      "content_block_delta",
      { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: partial } },
    ];
    const text = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } };
    const { chunks } = runStream([
      messageStart,
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", text],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      toolStart(1, "toolu_a", "get_weather"),
      json(1, ""),
      json(1, '{"city": '),
      json(1, '"Paris"}'),
      ["content_block_stop", { type: "content_block_stop", index: 1 }],
      toolStart(2, "toolu_b", "get_time"),
      json(2, "{}"),
      ["content_block_stop", { type: "content_block_stop", index: 2 }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 60 } }],
      ["message_stop", { type: "message_stop" }],
    ]);
    const deltas = chunks.map((c) => c.choices[0]?.delta);
    expect(deltas[2]).toEqual({
      tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "get_weather", arguments: "" } }],
    });
    expect(deltas[4]).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] });
    expect(deltas[6]).toEqual({
      tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "get_time", arguments: "" } }],
    });
    const argumentsOf = (toolIndex: number) =>
      deltas
        .flatMap((d) => (d?.tool_calls ?? []) as Array<{ index: number; function: { arguments: string } }>)
        .filter((call) => call.index === toolIndex)
        .map((call) => call.function.arguments)
        .join("");
    expect(JSON.parse(argumentsOf(0))).toEqual({ city: "Paris" });
    expect(JSON.parse(argumentsOf(1))).toEqual({});
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("streams thinking as reasoning_content and its signature as a thinking_blocks entry", () => {
    const block = (delta: object): StreamEvent => [
      "content_block_delta",
      { type: "content_block_delta", index: 0, delta },
    ];
    const { chunks } = runStream([
      messageStart,
      [
        "content_block_start",
        { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      ],
      block({ type: "thinking_delta", thinking: "Let me " }),
      block({ type: "thinking_delta", thinking: "see." }),
      block({ type: "signature_delta", signature: "sig-a" }),
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      [
        "content_block_start",
        { type: "content_block_start", index: 1, content_block: { type: "redacted_thinking", data: "opaque" } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 1 }],
      ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "42" } }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 60 } }],
      ["message_stop", { type: "message_stop" }],
    ]);
    expect(chunks.map((c) => c.choices[0]?.delta).slice(1)).toEqual([
      { reasoning_content: "Let me " },
      { reasoning_content: "see." },
      { thinking_blocks: [{ type: "thinking", thinking: "", signature: "sig-a" }] },
      { thinking_blocks: [{ type: "redacted_thinking", data: "opaque" }] },
      { content: "42" },
      {},
    ]);
  });

  it("ends with a usage chunk with empty choices when includeUsage is set", () => {
    const { chunks } = runStream(textEvents, true);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-1)).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "claude",
      choices: [],
      usage: { prompt_tokens: 30, completion_tokens: 15, total_tokens: 45 },
    });
  });

  it("reports no usage before message_start", () => {
    expect(runStream([["ping", { type: "ping" }]]).translator.usage()).toBeUndefined();
  });

  it("throws the upstream message on an error event, with OpenAI error fields as the cause", () => {
    const translator = createAnthropicStreamTranslator({ model: "claude", id: "x", created: 0, includeUsage: false });
    translator.push(...messageStart);
    const push = () =>
      translator.push("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    let thrown: unknown;
    try {
      push();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({
      message: "Overloaded",
      cause: { message: "Overloaded", type: "server_error", code: "overloaded_error" },
    });
  });
});

describe("fromAnthropicError", () => {
  it.each([
    [400, "invalid_request_error", "invalid_request_error"],
    [401, "authentication_error", "authentication_error"],
    [403, "permission_error", "permission_error"],
    [404, "not_found_error", "not_found_error"],
    [413, "request_too_large", "invalid_request_error"],
    [429, "rate_limit_error", "rate_limit_error"],
    [500, "api_error", "server_error"],
    [529, "overloaded_error", "server_error"],
  ])("maps HTTP %d %s to %s", (status, anthropicType, openAiType) => {
    const body = { type: "error", error: { type: anthropicType, message: "upstream says no" } };
    const expected = { message: "upstream says no", type: openAiType, code: anthropicType };
    expect(fromAnthropicError(status, body)).toEqual(expected);
  });

  it("parses a JSON error body given as text", () => {
    const body = '{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}';
    const expected = { message: "Slow down", type: "rate_limit_error", code: "rate_limit_error" };
    expect(fromAnthropicError(429, body)).toEqual(expected);
  });

  it("falls back to the status for bodies that are not Anthropic errors, without echoing them", () => {
    expect(fromAnthropicError(502, "<html>Bad Gateway</html>")).toEqual({
      message: "Anthropic returned HTTP 502",
      type: "server_error",
      code: null,
    });
    expect(fromAnthropicError(429, { error: { type: "brand_new_error" } })).toEqual({
      message: "Anthropic returned HTTP 429",
      type: "rate_limit_error",
      code: "brand_new_error",
    });
    expect(fromAnthropicError(400, undefined).type).toBe("invalid_request_error");
  });
});
