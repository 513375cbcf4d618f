// Chat Completions reply → OpenAI Responses API response object: the assistant's text as a message item, tool calls
// as function_call items, reasoning as a reasoning item, usage as input/output tokens.
import { randomUUID } from "node:crypto";
import { isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;

export const newId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, "")}`;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function responsesUsage(chatUsage: unknown): ResponsesUsage {
  const usage = isRecord(chatUsage) ? chatUsage : {};
  const input = typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0;
  const output = typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

export function messageItem(id: string, text: string, status: "in_progress" | "completed"): Json {
  const content = status === "completed" ? [{ type: "output_text", text, annotations: [] }] : [];
  return { id, type: "message", status, role: "assistant", content };
}

export function functionCallItem(
  id: string,
  call: { callId: string; name: string; arguments: string },
  status: "in_progress" | "completed",
): Json {
  return { id, type: "function_call", status, call_id: call.callId, name: call.name, arguments: call.arguments };
}

export function reasoningItem(text: string): Json {
  return { id: newId("rs"), type: "reasoning", summary: [{ type: "summary_text", text }] };
}

/** What the response echoes of its request, as OpenAI's does. */
export interface ResponseEcho {
  model: string;
  request: Readonly<Json>;
}

/** The response object around `output`: status, echoed parameters, usage once known. */
export function responseObject(
  id: string,
  echo: ResponseEcho,
  state: { status: "in_progress" | "completed" | "incomplete"; output: Json[]; usage: ResponsesUsage | null },
  createdAt: number,
): Json {
  const { request } = echo;
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: state.status,
    error: null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: echo.model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: request.reasoning ?? { effort: null, summary: null },
    store: false,
    temperature: request.temperature ?? 1,
    text: { format: { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    usage: state.usage,
    user: request.user ?? null,
    metadata: {},
  };
}

function toolCallsOf(message: Json): Json[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return functionCallItem(
      newId("fc"),
      {
        callId: typeof call.id === "string" ? call.id : newId("call"),
        name: typeof fn.name === "string" ? fn.name : "",
        arguments: typeof fn.arguments === "string" ? fn.arguments : "{}",
      },
      "completed",
    );
  });
}

/** A chat completion (as the chat translation made it) as a Responses API response. */
export function toResponse(completion: unknown, echo: ResponseEcho): Json {
  const chat = isRecord(completion) ? completion : {};
  const choice = Array.isArray(chat.choices) && isRecord(chat.choices[0]) ? chat.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  const output: Json[] = [];
  if (typeof message.reasoning_content === "string" && message.reasoning_content !== "")
    output.push(reasoningItem(message.reasoning_content));
  if (typeof message.content === "string" && message.content !== "")
    output.push(messageItem(newId("msg"), message.content, "completed"));
  output.push(...toolCallsOf(message));
  const status = choice.finish_reason === "length" ? "incomplete" : "completed";
  const created = typeof chat.created === "number" ? chat.created : Math.floor(Date.now() / 1000);
  return responseObject(newId("resp"), echo, { status, output, usage: responsesUsage(chat.usage) }, created);
}
