// ConverseStream events → OpenAI chat.completion.chunk objects for one stream. Each translator owns its state, so
// concurrent streams share nothing. Events arrive decoded (name + JSON payload text) by bedrock-eventstream.ts.
import { asRecord, isRecord, type OpenAiChatChunk, type OpenAiUsage } from "./anthropic-response.js";
import { finishReasonOf, fromStreamException, usageOf } from "./bedrock-response.js";

export interface ConverseStreamOptions {
  model: string;
  id: string;
  created: number;
  includeUsage: boolean;
}

export interface ConverseStreamTranslator {
  push(event: string, data: unknown): OpenAiChatChunk[];
  usage(): OpenAiUsage | undefined;
}

interface StreamState {
  /** Set by the metadata event, which comes last: a stream cut before it has no usage to report. */
  usage: OpenAiUsage | undefined;
  /** Converse content block index → OpenAI tool_calls index, for toolUse blocks only. */
  toolIndexByBlock: Map<number, number>;
}

type Delta = Record<string, unknown>;

function onBlockStart(state: StreamState, data: Record<string, unknown>): Delta | undefined {
  const use = asRecord(asRecord(data.start).toolUse);
  if (typeof use.name !== "string" || typeof data.contentBlockIndex !== "number") return undefined;
  const index = state.toolIndexByBlock.size;
  state.toolIndexByBlock.set(data.contentBlockIndex, index);
  return { tool_calls: [{ index, id: use.toolUseId, type: "function", function: { name: use.name, arguments: "" } }] };
}

/** Text, tool arguments (partial JSON text) and reasoning text; other deltas (citations, say) carry nothing here. */
function onBlockDelta(state: StreamState, data: Record<string, unknown>): Delta | undefined {
  const delta = asRecord(data.delta);
  if (typeof delta.text === "string") return { content: delta.text };
  const reasoning = asRecord(delta.reasoningContent);
  if (typeof reasoning.text === "string") return { reasoning_content: reasoning.text };
  const use = delta.toolUse;
  if (!isRecord(use) || typeof use.input !== "string" || typeof data.contentBlockIndex !== "number") return undefined;
  const index = state.toolIndexByBlock.get(data.contentBlockIndex);
  return index === undefined ? undefined : { tool_calls: [{ index, function: { arguments: use.input } }] };
}

/**
 * An `error` event (an exception Bedrock sent inside the stream) throws an Error whose `cause` holds the OpenAI error
 * fields, so the relay writes its error frame.
 */
export function createConverseStreamTranslator(options: ConverseStreamOptions): ConverseStreamTranslator {
  const state: StreamState = { usage: undefined, toolIndexByBlock: new Map() };
  const base = { id: options.id, object: "chat.completion.chunk" as const, created: options.created };
  const usageField = options.includeUsage ? { usage: null } : {};
  const chunk = (delta: Delta, finishReason: string | null): OpenAiChatChunk => ({
    ...base,
    model: options.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...usageField,
  });

  function push(event: string, data: unknown): OpenAiChatChunk[] {
    const payload = asRecord(data);
    let delta: Delta | undefined;
    switch (event) {
      case "error": {
        const fields = fromStreamException(payload);
        throw new Error(fields.message, { cause: fields });
      }
      case "messageStart":
        return [chunk({ role: "assistant", content: "" }, null)];
      case "contentBlockStart":
        delta = onBlockStart(state, payload);
        break;
      case "contentBlockDelta":
        delta = onBlockDelta(state, payload);
        break;
      case "messageStop":
        return [chunk({}, finishReasonOf(payload.stopReason))];
      case "metadata":
        state.usage = usageOf(payload.usage);
        return options.includeUsage ? [{ ...base, model: options.model, choices: [], usage: state.usage }] : [];
      default:
        // contentBlockStop and event types Bedrock may add later carry nothing for the client.
        return [];
    }
    return delta === undefined ? [] : [chunk(delta, null)];
  }

  return { push, usage: () => state.usage };
}
