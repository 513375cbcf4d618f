// Chat completion chunks → the Responses API's streaming events, for one stream: response.created and
// response.in_progress first, then per output item its added / delta / done events, then response.completed (or
// response.incomplete when the token limit cut the reply) with the usage. Each call owns its state.
import {
  functionCallItem,
  messageItem,
  newId,
  type ResponseEcho,
  responseObject,
  type ResponsesUsage,
  responsesUsage,
} from "./responses-reply.js";
import { isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;

interface OpenText {
  kind: "text";
  id: string;
  outputIndex: number;
  text: string;
}

interface OpenCall {
  kind: "call";
  id: string;
  outputIndex: number;
  callId: string;
  name: string;
  arguments: string;
}

export interface ResponsesStreamTranslator {
  /** One chat chunk in, zero or more whole SSE frames out. */
  push(chunk: unknown): string[];
}

export function createResponsesStreamTranslator(echo: ResponseEcho): ResponsesStreamTranslator {
  const id = newId("resp");
  const createdAt = Math.floor(Date.now() / 1000);
  const output: Json[] = [];
  let text: OpenText | undefined;
  const calls = new Map<number, OpenCall>(); // chat tool_calls index → its item
  let sequence = 0;
  let started = false;
  let finishReason: string | undefined;
  let ended = false;

  const frame = (type: string, fields: Json) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
  const snapshot = (status: "in_progress" | "completed" | "incomplete", usage: ResponsesUsage | null) =>
    responseObject(id, echo, { status, output: status === "in_progress" ? [] : output, usage }, createdAt);

  function start(frames: string[]): void {
    if (started) return;
    started = true;
    frames.push(frame("response.created", { response: snapshot("in_progress", null) }));
    frames.push(frame("response.in_progress", { response: snapshot("in_progress", null) }));
  }

  function addText(delta: string, frames: string[]): void {
    if (!text) {
      text = { kind: "text", id: newId("msg"), outputIndex: output.length, text: "" };
      output.push(messageItem(text.id, "", "in_progress"));
      const at = { output_index: text.outputIndex };
      frames.push(frame("response.output_item.added", { ...at, item: messageItem(text.id, "", "in_progress") }));
      const part = { type: "output_text", text: "", annotations: [] };
      frames.push(frame("response.content_part.added", { item_id: text.id, ...at, content_index: 0, part }));
    }
    text.text += delta;
    const where = { item_id: text.id, output_index: text.outputIndex, content_index: 0 };
    frames.push(frame("response.output_text.delta", { ...where, delta, logprobs: [] }));
  }

  function addCall(call: Json, frames: string[]): void {
    const index = typeof call.index === "number" ? call.index : 0;
    const fn = isRecord(call.function) ? call.function : {};
    let open = calls.get(index);
    if (!open) {
      const callId = typeof call.id === "string" ? call.id : newId("call");
      const name = typeof fn.name === "string" ? fn.name : "";
      open = { kind: "call", id: newId("fc"), outputIndex: output.length, callId, name, arguments: "" };
      calls.set(index, open);
      const item = functionCallItem(open.id, open, "in_progress");
      output.push(item);
      frames.push(frame("response.output_item.added", { output_index: open.outputIndex, item }));
    }
    if (typeof fn.arguments === "string" && fn.arguments !== "") {
      open.arguments += fn.arguments;
      const where = { item_id: open.id, output_index: open.outputIndex };
      frames.push(frame("response.function_call_arguments.delta", { ...where, delta: fn.arguments }));
    }
  }

  function closeItems(frames: string[]): void {
    if (text) {
      const where = { item_id: text.id, output_index: text.outputIndex, content_index: 0 };
      frames.push(frame("response.output_text.done", { ...where, text: text.text, logprobs: [] }));
      const part = { type: "output_text", text: text.text, annotations: [] };
      frames.push(frame("response.content_part.done", { ...where, part }));
      const item = messageItem(text.id, text.text, "completed");
      output[text.outputIndex] = item;
      frames.push(frame("response.output_item.done", { output_index: text.outputIndex, item }));
    }
    for (const call of calls.values()) {
      const where = { item_id: call.id, output_index: call.outputIndex };
      frames.push(frame("response.function_call_arguments.done", { ...where, arguments: call.arguments }));
      const item = functionCallItem(call.id, call, "completed");
      output[call.outputIndex] = item;
      frames.push(frame("response.output_item.done", { output_index: call.outputIndex, item }));
    }
  }

  function finish(usage: unknown, frames: string[]): void {
    if (ended) return;
    ended = true;
    const status = finishReason === "length" ? "incomplete" : "completed";
    frames.push(frame(`response.${status}`, { response: snapshot(status, responsesUsage(usage)) }));
  }

  function push(chunk: unknown): string[] {
    const frames: string[] = [];
    if (!isRecord(chunk) || ended) return frames;
    start(frames);
    const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : undefined;
    const delta = choice && isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.content === "string" && delta.content !== "") addText(delta.content, frames);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isRecord(call)) addCall(call, frames);
    if (typeof choice?.finish_reason === "string" && finishReason === undefined) {
      finishReason = choice.finish_reason;
      closeItems(frames);
    }
    // The usage comes last, in its own chunk (the chat translation is always asked for it).
    if (finishReason !== undefined && isRecord(chunk.usage)) finish(chunk.usage, frames);
    return frames;
  }

  return { push };
}
