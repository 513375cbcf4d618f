// OpenAI Chat Completions request → Bedrock Converse request. Pure functions of their arguments: no I/O, no state.
import { isRecord } from "./anthropic-response.js";
import { toolArguments } from "./tool-arguments.js";

type Block = Record<string, unknown>;
interface ConverseMessage {
  role: "user" | "assistant";
  content: Block[];
}

const IMAGE_FORMATS = new Set(["png", "jpeg", "gif", "webp"]);

/** Converse takes images as raw bytes only (base64 in JSON): a data URL maps, a remote URL cannot be fetched here. */
function imageBlock(part: Record<string, unknown>): Block | undefined {
  const imageUrl = part.image_url;
  const url = typeof imageUrl === "string" ? imageUrl : isRecord(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== "string" || !url.startsWith("data:image/")) return undefined;
  const comma = url.indexOf(",");
  const header = url.slice("data:image/".length, Math.max(comma, 0));
  if (comma === -1 || !header.endsWith(";base64")) return undefined;
  const subtype = header.split(";")[0] ?? "";
  const format = subtype === "jpg" ? "jpeg" : subtype;
  if (!IMAGE_FORMATS.has(format)) return undefined;
  return { image: { format, source: { bytes: url.slice(comma + 1) } } };
}

function partToBlock(part: unknown): Block | undefined {
  if (!isRecord(part)) return undefined;
  if (part.type === "text") return typeof part.text === "string" && part.text !== "" ? { text: part.text } : undefined;
  if (part.type === "image_url") return imageBlock(part);
  return undefined;
}

/** Converse rejects empty text blocks, so empty content is no block at all. */
function blocksOf(content: unknown): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part): Block[] => {
    const block = partToBlock(part);
    return block === undefined ? [] : [block];
  });
}

/** System and developer messages, wherever they stand, become Converse's top-level `system` list. */
function systemOf(messages: Record<string, unknown>[]): Block[] {
  return messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .flatMap((m) => blocksOf(m.content).filter((b) => typeof b.text === "string"));
}

function toolUseBlock(call: Record<string, unknown>): Block {
  const fn = isRecord(call.function) ? call.function : {};
  return { toolUse: { toolUseId: call.id, name: fn.name, input: toolArguments(fn.arguments) } };
}

function toolResultBlock(message: Record<string, unknown>): Block {
  const content = blocksOf(message.content).filter((b) => typeof b.text === "string");
  // A tool result must hold content: an empty one says so rather than leaving the list empty.
  return { toolResult: { toolUseId: message.tool_call_id, content: content.length > 0 ? content : [{ text: "" }] } };
}

function messageOf(message: Record<string, unknown>): ConverseMessage | undefined {
  if (message.role === "user") return { role: "user", content: blocksOf(message.content) };
  if (message.role === "tool") return { role: "user", content: [toolResultBlock(message)] };
  if (message.role !== "assistant") return undefined;
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  return { role: "assistant", content: [...blocksOf(message.content), ...calls.map(toolUseBlock)] };
}

/**
 * Converse wants user and assistant turns to alternate: neighbours of one role merge (several tool results, or
 * tool results and a user remark), tool results first within a user turn.
 */
function mergeConsecutive(messages: ConverseMessage[]): ConverseMessage[] {
  const merged: ConverseMessage[] = [];
  for (const message of messages) {
    const previous = merged.at(-1);
    if (previous === undefined || previous.role !== message.role) {
      merged.push(message);
      continue;
    }
    const blocks = [...previous.content, ...message.content];
    const ordered =
      message.role === "user"
        ? [...blocks.filter((b) => b.toolResult), ...blocks.filter((b) => !b.toolResult)]
        : blocks;
    merged[merged.length - 1] = { role: message.role, content: ordered };
  }
  return merged;
}

export function conversationOf(messages: Record<string, unknown>[]): ConverseMessage[] {
  const translated = messages.flatMap((m) => messageOf(m) ?? []);
  return mergeConsecutive(translated.filter((m) => m.content.length > 0));
}

function toolSpecOf(tool: unknown): Block[] {
  if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function)) return [];
  const fn = tool.function;
  if (typeof fn.name !== "string") return [];
  const schema = isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} };
  const description =
    typeof fn.description === "string" && fn.description !== "" ? { description: fn.description } : {};
  return [{ toolSpec: { name: fn.name, ...description, inputSchema: { json: schema } } }];
}

function toolChoiceOf(choice: unknown): Block | undefined {
  if (choice === "required") return { any: {} };
  if (choice === "auto") return { auto: {} };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { tool: { name: choice.function.name } };
  }
  return undefined;
}

/**
 * Bedrock refuses a conversation holding toolUse or toolResult blocks without a toolConfig; OpenAI does not. When the
 * caller defined no tools, the ones the history calls are declared with an open schema.
 */
function historyTools(conversation: ConverseMessage[]): Block[] {
  const names = new Set<string>();
  for (const message of conversation) {
    for (const block of message.content) {
      const use = block.toolUse;
      if (isRecord(use) && typeof use.name === "string") names.add(use.name);
    }
  }
  return [...names].map((name) => ({ toolSpec: { name, inputSchema: { json: { type: "object" } } } }));
}

/**
 * Converse has no tool_choice "none": the caller's tools are then left out, and only the ones the history needs are
 * declared.
 */
function toolConfigOf(body: Record<string, unknown>, conversation: ConverseMessage[]): Block | undefined {
  const offered: unknown = body.tool_choice === "none" ? undefined : body.tools;
  const declared = Array.isArray(offered) ? offered.flatMap(toolSpecOf) : [];
  const tools = declared.length > 0 ? declared : historyTools(conversation);
  if (tools.length === 0) return undefined;
  const choice = declared.length > 0 ? toolChoiceOf(body.tool_choice) : undefined;
  return choice === undefined ? { tools } : { tools, toolChoice: choice };
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function stopSequencesOf(stop: unknown): string[] {
  if (typeof stop === "string") return stop === "" ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

function inferenceConfigOf(body: Record<string, unknown>): Block {
  const config: Block = {};
  const maxTokens = positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (typeof body.temperature === "number") config.temperature = body.temperature;
  if (typeof body.top_p === "number") config.topP = body.top_p;
  const stopSequences = stopSequencesOf(body.stop);
  if (stopSequences.length > 0) config.stopSequences = stopSequences;
  return config;
}

/**
 * The Converse body, built from an allow-list (Bedrock rejects unknown fields). The model id travels in the URL, not
 * the body; `stream` is the choice of endpoint (converse or converse-stream). top_k has no Converse field and goes in
 * additionalModelRequestFields, as LiteLLM sends it.
 */
export function toConverseRequest(body: Record<string, unknown>): Record<string, unknown> {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const conversation = conversationOf(messages);
  const request: Record<string, unknown> = { messages: conversation };
  const system = systemOf(messages);
  if (system.length > 0) request.system = system;
  const inference = inferenceConfigOf(body);
  if (Object.keys(inference).length > 0) request.inferenceConfig = inference;
  const toolConfig = toolConfigOf(body, conversation);
  if (toolConfig !== undefined) request.toolConfig = toolConfig;
  if (typeof body.top_k === "number") request.additionalModelRequestFields = { top_k: body.top_k };
  return request;
}
