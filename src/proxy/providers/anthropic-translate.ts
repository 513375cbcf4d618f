// OpenAI Chat Completions request → Anthropic Messages request, and the entry point the proxy core imports
// for every Anthropic translation. Pure functions of their arguments: no I/O, no shared state.
import { isRecord, thinkingBlockOf } from "./anthropic-response.js";
import { toolArguments } from "./tool-arguments.js";

export {
  fromAnthropicError,
  fromAnthropicResponse,
  type OpenAiChatChunk,
  type OpenAiChatCompletion,
  type OpenAiUsage,
} from "./anthropic-response.js";
export { createAnthropicStreamTranslator, type AnthropicStreamTranslator } from "./anthropic-stream.js";

type Block = Record<string, unknown>;
type Content = string | Block[];
interface AnthropicMessage {
  role: "user" | "assistant";
  content: Content;
}

/** Anthropic requires max_tokens; OpenAI clients usually omit it. */
const DEFAULT_MAX_TOKENS = 4096;

// LiteLLM users mark prompt-cache breakpoints with cache_control on parts and tools; Anthropic reads the same key.
function withCacheControl(block: Block, source: Record<string, unknown>): Block {
  return isRecord(source.cache_control) ? { ...block, cache_control: source.cache_control } : block;
}

function textBlock(text: string, source: Record<string, unknown> = {}): Block {
  return withCacheControl({ type: "text", text }, source);
}

/** Splits a base64 data URL without running a regex over the (possibly megabytes of) payload. */
function base64Source(url: string): Block | undefined {
  const comma = url.indexOf(",");
  const header = url.slice(0, Math.max(comma, 0));
  if (!url.startsWith("data:") || !header.endsWith(";base64")) return undefined;
  const mediaType = header.slice("data:".length).split(";")[0] ?? "";
  return { type: "base64", media_type: mediaType, data: url.slice(comma + 1) };
}

function imageBlock(part: Record<string, unknown>): Block | undefined {
  const imageUrl = part.image_url;
  const url = typeof imageUrl === "string" ? imageUrl : isRecord(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== "string" || url === "") return undefined;
  // Anything that is not a base64 data URL goes as a URL source; Anthropic rejects what it cannot fetch.
  return withCacheControl({ type: "image", source: base64Source(url) ?? { type: "url", url } }, part);
}

/** OpenAI `file` parts with inline data (PDFs) map to Anthropic document blocks. */
function documentBlock(part: Record<string, unknown>): Block | undefined {
  const file = isRecord(part.file) ? part.file : {};
  const source = typeof file.file_data === "string" ? base64Source(file.file_data) : undefined;
  return source === undefined ? undefined : withCacheControl({ type: "document", source }, part);
}

/** Empty text parts are dropped (Anthropic rejects empty text blocks), as are parts it has no block for (audio). */
function partToBlock(part: unknown): Block | undefined {
  if (!isRecord(part)) return undefined;
  if (part.type === "text") {
    return typeof part.text === "string" && part.text !== "" ? textBlock(part.text, part) : undefined;
  }
  if (part.type === "image_url") return imageBlock(part);
  if (part.type === "file") return documentBlock(part);
  return undefined;
}

function contentOf(content: unknown): Content {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.flatMap((part): Block[] => {
    const block = partToBlock(part);
    return block === undefined ? [] : [block];
  });
}

function asBlocks(content: Content): Block[] {
  return typeof content === "string" ? [textBlock(content)] : content;
}

/** The non-empty text blocks of a message's content, whatever its shape. */
function textBlocksOf(content: unknown): Block[] {
  return asBlocks(contentOf(content)).filter((b) => b.type === "text" && b.text !== "");
}

/**
 * All system and developer messages, wherever they sit in the conversation, become the one top-level
 * `system`. It stays a plain string unless a part carries cache_control, which only the block form can hold.
 */
function systemOf(messages: Record<string, unknown>[]): Content | undefined {
  const blocks = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .flatMap((m) => textBlocksOf(m.content));
  if (blocks.length === 0) return undefined;
  if (blocks.some((b) => isRecord(b.cache_control))) return blocks;
  return blocks.map((b) => String(b.text)).join("\n\n");
}

function toolUseBlock(call: Record<string, unknown>): Block {
  const fn = isRecord(call.function) ? call.function : {};
  return { type: "tool_use", id: call.id, name: fn.name, input: toolArguments(fn.arguments) };
}

/**
 * `thinking_blocks` of an earlier assistant reply (as this proxy returned them) go back first in that turn: Anthropic
 * needs them, signature included, to continue a tool-using conversation with extended thinking.
 */
function thinkingBlocksOf(message: Record<string, unknown>): Block[] {
  const blocks = Array.isArray(message.thinking_blocks) ? message.thinking_blocks.filter(isRecord) : [];
  return blocks.flatMap(thinkingBlockOf);
}

function assistantContent(message: Record<string, unknown>): Content {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  const thinking = thinkingBlocksOf(message);
  if (calls.length === 0 && thinking.length === 0) return contentOf(message.content);
  return [...thinking, ...textBlocksOf(message.content), ...calls.map(toolUseBlock)];
}

function toolResultBlock(message: Record<string, unknown>): Block {
  const content = contentOf(message.content);
  const block: Block = { type: "tool_result", tool_use_id: message.tool_call_id };
  // content is optional on tool_result; an empty one is left out rather than sent as an empty text.
  return content.length > 0 ? { ...block, content } : block;
}

function messageOf(message: Record<string, unknown>): AnthropicMessage | undefined {
  if (message.role === "user") return { role: "user", content: contentOf(message.content) };
  if (message.role === "assistant") return { role: "assistant", content: assistantContent(message) };
  if (message.role === "tool") return { role: "user", content: [toolResultBlock(message)] };
  // system/developer go to the top-level system; the deprecated `function` role has no tool_use id to answer.
  return undefined;
}

/**
 * Anthropic requires user and assistant turns to alternate, so neighbours with the same role merge
 * (e.g. several tool results, or tool results followed by a user remark). In a user turn tool_result
 * blocks must come before any other content, so they are moved to the front, keeping their order.
 */
function mergeConsecutive(messages: AnthropicMessage[]): AnthropicMessage[] {
  const merged: AnthropicMessage[] = [];
  for (const message of messages) {
    const previous = merged[merged.length - 1];
    if (previous === undefined || previous.role !== message.role) {
      merged.push(message);
      continue;
    }
    const blocks = [...asBlocks(previous.content), ...asBlocks(message.content)];
    const isResult = (b: Block): boolean => b.type === "tool_result";
    const ordered = [...blocks.filter(isResult), ...blocks.filter((b) => !isResult(b))];
    merged[merged.length - 1] = { role: message.role, content: message.role === "user" ? ordered : blocks };
  }
  return merged;
}

function conversationOf(messages: Record<string, unknown>[]): AnthropicMessage[] {
  const translated = messages.flatMap((m) => messageOf(m) ?? []);
  // Anthropic rejects empty content (e.g. an assistant turn with content null and no tool calls).
  return mergeConsecutive(translated.filter((m) => m.content.length > 0));
}

function toolOf(tool: unknown): Block[] {
  if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function)) return [];
  const fn = tool.function;
  if (typeof fn.name !== "string") return [];
  const schema = isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} };
  const description = typeof fn.description === "string" ? { description: fn.description } : {};
  return [withCacheControl({ name: fn.name, ...description, input_schema: schema }, tool)];
}

/** parallel_tool_calls: false is Anthropic's disable_parallel_tool_use, which lives on tool_choice. */
function toolChoiceOf(choice: unknown, parallelToolCalls: unknown): Block | undefined {
  const parallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...parallel };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { type: "tool", name: choice.function.name, ...parallel };
  }
  if (choice === "auto" || parallelToolCalls === false) return { type: "auto", ...parallel };
  return undefined;
}

/**
 * Anthropic refuses a conversation holding tool_use blocks unless the request defines tools; OpenAI does not. When
 * the caller defined none, the tools the history calls are declared with an open schema and tool_choice none: the
 * history is accepted and the model answers without calling a tool, as it would at OpenAI without tools.
 */
function historyToolsOf(conversation: AnthropicMessage[]): Record<string, unknown> {
  const names = new Set<string>();
  for (const message of conversation) {
    for (const block of asBlocks(message.content)) {
      if (block.type === "tool_use" && typeof block.name === "string") names.add(block.name);
    }
  }
  if (names.size === 0) return {};
  const tools = [...names].map((name) => ({ name, input_schema: { type: "object" } }));
  return { tools, tool_choice: { type: "none" } };
}

/** tool_choice is only sent with tools: Anthropic has nothing to choose from otherwise. */
function toolFieldsOf(body: Record<string, unknown>, conversation: AnthropicMessage[]): Record<string, unknown> {
  const tools = Array.isArray(body.tools) ? body.tools.flatMap(toolOf) : [];
  if (tools.length === 0) return historyToolsOf(conversation);
  const choice = toolChoiceOf(body.tool_choice, body.parallel_tool_calls);
  return choice === undefined ? { tools } : { tools, tool_choice: choice };
}

/** OpenAI's reasoning_effort as an Anthropic thinking budget, as LiteLLM maps it. */
const THINKING_BUDGETS = new Map<unknown, number>([
  ["low", 1024],
  ["medium", 2048],
  ["high", 4096],
]);

/** Anthropic's own `thinking` object passes through (LiteLLM accepts it); else reasoning_effort sets a budget. */
function thinkingOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isRecord(body.thinking)) return body.thinking;
  const budget = THINKING_BUDGETS.get(body.reasoning_effort);
  return budget === undefined ? undefined : { type: "enabled", budget_tokens: budget };
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function stopSequencesOf(stop: unknown): string[] {
  if (typeof stop === "string") return stop === "" ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

/**
 * Builds the body from an allow-list: Anthropic rejects unknown fields, so OpenAI-only ones (n, seed,
 * logit_bias, response_format, stream_options, penalties, ...) are dropped by construction.
 * temperature passes through unclamped (OpenAI allows up to 2, Anthropic 1): Anthropic's 400 says why.
 */
export function toAnthropicRequest(body: Record<string, unknown>, upstreamModel: string): Record<string, unknown> {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const thinking = thinkingOf(body);
  // max_tokens must exceed the thinking budget; when the caller set none, the answer gets the default on top of it.
  const budget = positiveInteger(thinking?.budget_tokens) ?? 0;
  const request: Record<string, unknown> = {
    model: upstreamModel,
    max_tokens:
      positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens) ?? budget + DEFAULT_MAX_TOKENS,
  };
  if (thinking !== undefined) request.thinking = thinking;
  const system = systemOf(messages);
  if (system !== undefined) request.system = system;
  const conversation = conversationOf(messages);
  request.messages = conversation;
  for (const key of ["temperature", "top_p", "top_k"] as const) {
    if (typeof body[key] === "number") request[key] = body[key];
  }
  const stopSequences = stopSequencesOf(body.stop);
  if (stopSequences.length > 0) request.stop_sequences = stopSequences;
  if (typeof body.stream === "boolean") request.stream = body.stream;
  if (typeof body.user === "string" && body.user !== "") request.metadata = { user_id: body.user };
  return { ...request, ...toolFieldsOf(body, conversation) };
}
