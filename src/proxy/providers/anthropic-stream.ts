// Anthropic SSE events → OpenAI chat.completion.chunk objects for one stream. Each call to
// createAnthropicStreamTranslator owns its state, so concurrent streams never share anything.
import {
  asRecord,
  completionTokensOf,
  fromAnthropicError,
  mapStopReason,
  openAiUsage,
  promptTokensOf,
  type OpenAiChatChunk,
  type OpenAiUsage,
} from "./anthropic-response.js";

export interface StreamTranslatorOptions {
  model: string;
  id: string;
  created: number;
  includeUsage: boolean;
}

export interface AnthropicStreamTranslator {
  push(event: string, data: unknown): OpenAiChatChunk[];
  usage(): OpenAiUsage | undefined;
}

interface StreamState {
  /** undefined until message_start: a stream that never started has no usage to report. */
  promptTokens: number | undefined;
  completionTokens: number;
  /**
   * Anthropic block index → OpenAI tool_calls index. Only client tool_use blocks get an entry, so
   * input_json_delta events of server_tool_use blocks (which OpenAI clients cannot run) are skipped.
   */
  toolIndexByBlock: Map<number, number>;
}

type Step = { delta: Record<string, unknown>; finishReason: string | null } | undefined;

function onMessageStart(state: StreamState, data: Record<string, unknown>): Step {
  const usage = asRecord(asRecord(data.message).usage);
  state.promptTokens = promptTokensOf(usage);
  state.completionTokens = completionTokensOf(usage);
  return { delta: { role: "assistant", content: "" }, finishReason: null };
}

function onBlockStart(state: StreamState, data: Record<string, unknown>): Step {
  const block = asRecord(data.content_block);
  if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
    return { delta: { content: block.text }, finishReason: null };
  }
  if (block.type === "redacted_thinking" && typeof block.data === "string") {
    return { delta: { thinking_blocks: [{ type: "redacted_thinking", data: block.data }] }, finishReason: null };
  }
  if (block.type !== "tool_use" || typeof data.index !== "number") return undefined;
  const toolIndex = state.toolIndexByBlock.size;
  state.toolIndexByBlock.set(data.index, toolIndex);
  const call = { index: toolIndex, id: block.id, type: "function", function: { name: block.name, arguments: "" } };
  return { delta: { tool_calls: [call] }, finishReason: null };
}

/**
 * Thinking streams as reasoning_content; its signature, which closes a thinking block, as a thinking_blocks entry
 * with empty text (a client keeping the reply for a later turn joins the two). Citation deltas are skipped.
 */
function onBlockDelta(state: StreamState, data: Record<string, unknown>): Step {
  const delta = asRecord(data.delta);
  if (delta.type === "text_delta" && typeof delta.text === "string") {
    return { delta: { content: delta.text }, finishReason: null };
  }
  if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
    return { delta: { reasoning_content: delta.thinking }, finishReason: null };
  }
  if (delta.type === "signature_delta" && typeof delta.signature === "string") {
    return {
      delta: { thinking_blocks: [{ type: "thinking", thinking: "", signature: delta.signature }] },
      finishReason: null,
    };
  }
  if (delta.type !== "input_json_delta" || typeof data.index !== "number") return undefined;
  const toolIndex = state.toolIndexByBlock.get(data.index);
  if (toolIndex === undefined || typeof delta.partial_json !== "string") return undefined;
  const call = { index: toolIndex, function: { arguments: delta.partial_json } };
  return { delta: { tool_calls: [call] }, finishReason: null };
}

/** message_delta usage is cumulative, so it replaces what message_start reported rather than adding to it. */
function onMessageDelta(state: StreamState, data: Record<string, unknown>): Step {
  const usage = asRecord(data.usage);
  if (typeof usage.output_tokens === "number") state.completionTokens = completionTokensOf(usage);
  if (typeof usage.input_tokens === "number") state.promptTokens = promptTokensOf(usage);
  return { delta: {}, finishReason: mapStopReason(asRecord(data.delta).stop_reason) ?? "stop" };
}

function stepFor(state: StreamState, event: string, data: Record<string, unknown>): Step {
  switch (event) {
    case "message_start":
      return onMessageStart(state, data);
    case "content_block_start":
      return onBlockStart(state, data);
    case "content_block_delta":
      return onBlockDelta(state, data);
    case "message_delta":
      return onMessageDelta(state, data);
    default:
      // ping, content_block_stop and event types Anthropic may add later carry nothing for the client.
      return undefined;
  }
}

/**
 * An `error` event throws an Error whose message is Anthropic's and whose `cause` holds the mapped
 * OpenAI error fields ({message, type, code}), so the caller can write its SSE error frame.
 */
export function createAnthropicStreamTranslator(options: StreamTranslatorOptions): AnthropicStreamTranslator {
  const state: StreamState = { promptTokens: undefined, completionTokens: 0, toolIndexByBlock: new Map() };
  const { id, created, model } = options;
  const base = { id, object: "chat.completion.chunk" as const, created, model };
  // OpenAI sends usage: null on every chunk but the last when include_usage is on; clients may rely on the key.
  const usageField = options.includeUsage ? { usage: null } : {};
  const usage = (): OpenAiUsage | undefined =>
    state.promptTokens === undefined ? undefined : openAiUsage(state.promptTokens, state.completionTokens);

  function push(event: string, data: unknown): OpenAiChatChunk[] {
    const payload = asRecord(data);
    // SSE parsers that drop the event line report "message"; Anthropic repeats the name in data.type.
    const name = event === "" || event === "message" ? (typeof payload.type === "string" ? payload.type : "") : event;
    if (name === "error") {
      const fields = fromAnthropicError(500, payload);
      throw new Error(fields.message, { cause: fields });
    }
    if (name === "message_stop") {
      return options.includeUsage ? [{ ...base, choices: [], usage: usage() ?? openAiUsage(0, 0) }] : [];
    }
    const step = stepFor(state, name, payload);
    if (step === undefined) return [];
    return [{ ...base, choices: [{ index: 0, delta: step.delta, finish_reason: step.finishReason }], ...usageField }];
  }

  return { push, usage };
}
