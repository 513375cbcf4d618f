// OpenAI chat.completion.chunk stream → Anthropic Messages stream events, for one streamed reply. Each translator
// owns its state, so concurrent streams share nothing. Anthropic's contract: message_start, then each content block
// as content_block_start / content_block_delta... / content_block_stop (one block open at a time, indexes in order),
// then message_delta with the stop reason and usage, then message_stop.
import { asRecord, isRecord } from "../providers/anthropic-response.js";
import { anthropicUsageOf, messageIdOf, stopReasonOf } from "./from-chat-response.js";

type Json = Record<string, unknown>;

/** One named SSE event, written as Anthropic writes them: `event:` line, then `data:` with the same `type`. */
export function sseEvent(name: string, data: Json): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
}

export interface ChatStreamEvents {
  /** One upstream `data:` payload in (JSON text, or `[DONE]`), whole SSE frames out. */
  push(data: string): string[];
  /** The upstream ended: whatever is still owed (the open block, message_delta, message_stop). */
  end(): string[];
  usage(): { promptTokens: number; completionTokens: number } | undefined;
}

interface State {
  started: boolean;
  finished: boolean;
  /** Anthropic index of the open block, and what it holds; undefined when none is open. */
  open: { index: number; kind: "text" | "tool"; toolIndex?: number } | undefined;
  nextIndex: number;
  /** OpenAI tool_calls index → Anthropic block index, for argument pieces that name only the index. */
  toolBlocks: Map<number, number>;
  finishReason: unknown;
  usage: Json | undefined;
}

export function createChatStreamEvents(model: string): ChatStreamEvents {
  const state: State = {
    started: false,
    finished: false,
    open: undefined,
    nextIndex: 0,
    toolBlocks: new Map(),
    finishReason: undefined,
    usage: undefined,
  };

  function start(id: unknown): string[] {
    if (state.started) return [];
    state.started = true;
    // Input tokens are only known from OpenAI's closing usage chunk: message_delta reports them.
    const message = {
      id: messageIdOf(id),
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return [sseEvent("message_start", { message })];
  }

  function close(): string[] {
    if (!state.open) return [];
    const { index } = state.open;
    state.open = undefined;
    return [sseEvent("content_block_stop", { index })];
  }

  function openBlock(kind: "text" | "tool", contentBlock: Json, toolIndex?: number): string[] {
    const out = close();
    const index = state.nextIndex++;
    state.open = { index, kind, toolIndex };
    out.push(sseEvent("content_block_start", { index, content_block: contentBlock }));
    return out;
  }

  function text(piece: string): string[] {
    const out = state.open?.kind === "text" ? [] : openBlock("text", { type: "text", text: "" });
    const index = state.open!.index;
    out.push(sseEvent("content_block_delta", { index, delta: { type: "text_delta", text: piece } }));
    return out;
  }

  function toolCall(call: Json): string[] {
    const toolIndex = typeof call.index === "number" ? call.index : state.toolBlocks.size;
    const fn = asRecord(call.function);
    const out: string[] = [];
    if (!state.toolBlocks.has(toolIndex)) {
      const id = typeof call.id === "string" && call.id !== "" ? call.id : `toolu_${state.nextIndex}`;
      const name = typeof fn.name === "string" ? fn.name : "";
      out.push(...openBlock("tool", { type: "tool_use", id, name, input: {} }, toolIndex));
      state.toolBlocks.set(toolIndex, state.open!.index);
    }
    if (typeof fn.arguments === "string" && fn.arguments !== "") {
      const index = state.toolBlocks.get(toolIndex)!;
      out.push(
        sseEvent("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: fn.arguments } }),
      );
    }
    return out;
  }

  function chunk(payload: Json): string[] {
    if (isRecord(payload.error)) {
      // An OpenAI-compatible server's error inside the stream: the relay turns it into the error event.
      const message = typeof payload.error.message === "string" ? payload.error.message : "upstream stream error";
      throw new Error(message, { cause: { message, code: "upstream_stream_error" } });
    }
    const out = start(payload.id);
    if (isRecord(payload.usage)) state.usage = payload.usage;
    const choice = asRecord(Array.isArray(payload.choices) ? payload.choices[0] : undefined);
    const delta = asRecord(choice.delta);
    if (typeof delta.content === "string" && delta.content !== "") out.push(...text(delta.content));
    if (Array.isArray(delta.tool_calls))
      for (const call of delta.tool_calls.filter(isRecord)) out.push(...toolCall(call));
    if (typeof choice.finish_reason === "string") state.finishReason = choice.finish_reason;
    return out;
  }

  function end(): string[] {
    if (state.finished) return [];
    state.finished = true;
    const out = [...start(undefined), ...close()];
    const usage = anthropicUsageOf(state.usage);
    out.push(
      sseEvent("message_delta", {
        delta: { stop_reason: stopReasonOf(state.finishReason), stop_sequence: null },
        usage,
      }),
      sseEvent("message_stop", {}),
    );
    return out;
  }

  return {
    push(data) {
      if (data.trim() === "[DONE]") return end();
      if (state.finished) return [];
      return chunk(asRecord(JSON.parse(data)));
    },
    end,
    usage() {
      if (!state.usage) return undefined;
      const usage = anthropicUsageOf(state.usage);
      return {
        promptTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0),
        completionTokens: usage.output_tokens,
      };
    },
  };
}
