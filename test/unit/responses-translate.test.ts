import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../src/errors/api-error.js";
import { toResponse } from "../../src/proxy/responses/responses-reply.js";
import { toChatRequest, untranslatedParams } from "../../src/proxy/responses/responses-request.js";
import { createResponsesStreamTranslator } from "../../src/proxy/responses/responses-stream.js";

function refusal(body: Record<string, unknown>): ApiError {
  try {
    toChatRequest(body, "anthropic");
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** The `data:` JSON of each frame, checking its `event:` line names the same type. */
function events(frames: string[]): Array<Record<string, any>> {
  return frames.map((frame) => {
    const [eventLine, dataLine] = frame.trimEnd().split("\n");
    const data = JSON.parse(dataLine!.slice("data: ".length)) as Record<string, any>;
    expect(eventLine).toBe(`event: ${data.type}`);
    return data;
  });
}

describe("Responses request → chat request", () => {
  it("puts instructions first as a system message and a string input as the user's message", () => {
    expect(toChatRequest({ model: "m", instructions: "Be brief.", input: "hi", max_output_tokens: 50 }, "x")).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      max_tokens: 50,
    });
  });

  it("maps message items, developer role, images, function calls and their outputs", () => {
    const chat = toChatRequest(
      {
        model: "m",
        input: [
          { role: "developer", content: "rules" },
          {
            type: "message",
            role: "user",
            content: [
              { type: "input_text", text: "look" },
              { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
            ],
          },
          { type: "function_call", call_id: "c1", name: "f", arguments: '{"a":1}' },
          { type: "function_call", call_id: "c2", name: "g", arguments: "{}" },
          { type: "function_call_output", call_id: "c1", output: "one" },
          { type: "reasoning", id: "rs_1", summary: [] },
        ],
        tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "f" },
        reasoning: { effort: "low" },
      },
      "x",
    );
    expect(chat.messages).toEqual([
      { role: "system", content: "rules" },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
          { id: "c2", type: "function", function: { name: "g", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "one" },
    ]);
    expect(chat.tools).toEqual([{ type: "function", function: { name: "f", parameters: { type: "object" } } }]);
    expect(chat.tool_choice).toEqual({ type: "function", function: { name: "f" } });
    expect(chat.reasoning_effort).toBe("low");
  });

  it.each([
    [{ previous_response_id: "resp_1", input: "x" }, "previous_response_id"],
    [{ store: true, input: "x" }, "store"],
    [{ input: 5 }, "input"],
    [{ input: [] }, "input"],
    [{ input: [{ role: "robot", content: "x" }] }, "input[0].role"],
    [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] }, "input[0].content[0].type"],
    [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input[0].type"],
    [{ input: "x", tools: [{ type: "file_search" }] }, "tools[0].type"],
    [{ input: "x", text: { format: { type: "json_schema" } } }, "text"],
  ])("refuses %j with a 400 naming %s", (body, param) => {
    const error = refusal({ model: "m", ...body });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
  });

  it("accepts store: false and a null previous_response_id", () => {
    expect(() =>
      toChatRequest({ model: "m", input: "x", store: false, previous_response_id: null }, "x"),
    ).not.toThrow();
  });

  it("lists the parameters it cannot carry, for drop_params", () => {
    expect(untranslatedParams({ model: "m", input: "x", include: [], background: true, top_logprobs: null })).toEqual([
      "include",
      "background",
    ]);
  });
});

describe("chat completion → Responses response", () => {
  it("makes reasoning, message and function_call items, with usage as input/output tokens", () => {
    const response = toResponse(
      {
        created: 1700000000,
        choices: [
          {
            message: {
              content: "done",
              reasoning_content: "hmm",
              tool_calls: [{ id: "call_1", function: { name: "f", arguments: "{}" } }],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
      },
      { model: "claude", request: {} },
    );
    expect(response).toMatchObject({
      object: "response",
      created_at: 1700000000,
      status: "completed",
      model: "claude",
      usage: { input_tokens: 4, output_tokens: 2, total_tokens: 6 },
    });
    expect((response.output as Array<{ type: string }>).map((item) => item.type)).toEqual([
      "reasoning",
      "message",
      "function_call",
    ]);
  });

  it("is incomplete when the token limit cut the reply", () => {
    const response = toResponse(
      { choices: [{ message: { content: "cut" }, finish_reason: "length" }] },
      {
        model: "m",
        request: {},
      },
    );
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });
});

describe("chat chunks → Responses stream events", () => {
  const chunk = (delta: object, finish: string | null = null, usage: object | null = null) => ({
    choices: [{ index: 0, delta, finish_reason: finish }],
    usage,
  });

  it("emits OpenAI's event order for text, with increasing sequence numbers", () => {
    const translator = createResponsesStreamTranslator({ model: "m", request: {} });
    const frames = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
      { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ].flatMap((c) => translator.push(c));
    const all = events(frames);
    expect(all.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all[6]).toMatchObject({ text: "Hello" });
    expect(all.at(-1)!.response).toMatchObject({
      status: "completed",
      usage: { input_tokens: 3, output_tokens: 2 },
      output: [{ type: "message", content: [{ type: "output_text", text: "Hello" }] }],
    });
  });

  it("streams a tool call's arguments and ends incomplete on the token limit", () => {
    const translator = createResponsesStreamTranslator({ model: "m", request: {} });
    const frames = [
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({}, "length"),
      { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } },
    ].flatMap((c) => translator.push(c));
    const all = events(frames);
    expect(all.find((e) => e.type === "response.function_call_arguments.done")).toMatchObject({ arguments: '{"a":1}' });
    expect(all.at(-1)).toMatchObject({ type: "response.incomplete", response: { status: "incomplete" } });
    expect(all.at(-1)!.response.output[0]).toMatchObject({ type: "function_call", call_id: "call_1", name: "f" });
  });
});
