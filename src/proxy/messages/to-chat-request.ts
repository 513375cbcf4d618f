// Anthropic Messages request → OpenAI Chat Completions request, for deployments that speak OpenAI's format.
// Pure functions of their arguments. Fields with no chat-completions counterpart (top_k, thinking, service tiers,
// server tools, container, mcp_servers) are left out by construction: the body is built from an allow-list.
import { isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;

/** Anthropic's text, image and document blocks as OpenAI content parts; other blocks have no part. */
function partOf(block: Json): Json | undefined {
  if (block.type === "text" && typeof block.text === "string") return { type: "text", text: block.text };
  const source = isRecord(block.source) ? block.source : {};
  const dataUrl =
    source.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string"
      ? `data:${source.media_type};base64,${source.data}`
      : undefined;
  if (block.type === "image") {
    const url = dataUrl ?? (source.type === "url" && typeof source.url === "string" ? source.url : undefined);
    return url === undefined ? undefined : { type: "image_url", image_url: { url } };
  }
  if (block.type === "document" && dataUrl !== undefined) return { type: "file", file: { file_data: dataUrl } };
  if (block.type === "document" && source.type === "text" && typeof source.data === "string")
    return { type: "text", text: source.data };
  return undefined;
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** A plain string when the content is text only (what every OpenAI-compatible server accepts), else parts. */
function contentOf(blocks: Json[]): string | Json[] {
  const parts = blocks.flatMap((block): Json[] => {
    const part = partOf(block);
    return part === undefined ? [] : [part];
  });
  if (parts.every((part) => part.type === "text")) return parts.map((part) => String(part.text)).join("");
  return parts;
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .flatMap((block) => (block.type === "text" && typeof block.text === "string" ? [block.text] : []))
    .join("\n");
}

/** A tool_result's content may be a string or text/image blocks; OpenAI's tool message takes text. */
function toolMessage(block: Json): Json {
  const text = textOf(block.content);
  return {
    role: "tool",
    tool_call_id: block.tool_use_id,
    content: block.is_error === true && text === "" ? "error" : text,
  };
}

function toolCallOf(block: Json): Json {
  return {
    id: block.id,
    type: "function",
    function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
  };
}

function assistantMessage(blocks: Json[]): Json {
  const text = blocks
    .flatMap((block) => (block.type === "text" && typeof block.text === "string" ? [block.text] : []))
    .join("");
  const calls = blocks.filter((block) => block.type === "tool_use").map(toolCallOf);
  return {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}

/** tool_result blocks answer the previous turn's calls, so they become tool messages ahead of the user's own words. */
function userMessages(blocks: Json[]): Json[] {
  const results = blocks.filter((block) => block.type === "tool_result").map(toolMessage);
  const rest = blocks.filter((block) => block.type !== "tool_result");
  const content = contentOf(rest);
  return content.length === 0 ? results : [...results, { role: "user", content }];
}

function messagesOf(system: unknown, messages: unknown[]): Json[] {
  const out: Json[] = [];
  const systemText = textOf(system);
  if (systemText !== "") out.push({ role: "system", content: systemText });
  for (const message of messages.filter(isRecord)) {
    const blocks = blocksOf(message.content);
    if (message.role === "assistant") out.push(assistantMessage(blocks));
    else out.push(...userMessages(blocks));
  }
  return out;
}

/** Client tools only: Anthropic's server tools (web search, code execution, ...) have a versioned `type`. */
function toolsOf(tools: unknown): Json[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).flatMap((tool) => {
    if ((tool.type !== undefined && tool.type !== "custom") || typeof tool.name !== "string") return [];
    const description = typeof tool.description === "string" ? { description: tool.description } : {};
    const parameters = isRecord(tool.input_schema) ? tool.input_schema : { type: "object", properties: {} };
    return [{ type: "function", function: { name: tool.name, ...description, parameters } }];
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (!isRecord(choice)) return undefined;
  if (choice.type === "auto") return "auto";
  if (choice.type === "any") return "required";
  if (choice.type === "none") return "none";
  if (choice.type === "tool" && typeof choice.name === "string")
    return { type: "function", function: { name: choice.name } };
  return undefined;
}

function toolFieldsOf(body: Json): Json {
  const tools = toolsOf(body.tools);
  if (tools.length === 0) return {};
  const out: Json = { tools };
  const choice = toolChoiceOf(body.tool_choice);
  if (choice !== undefined) out.tool_choice = choice;
  if (isRecord(body.tool_choice) && body.tool_choice.disable_parallel_tool_use === true)
    out.parallel_tool_calls = false;
  return out;
}

/**
 * The chat request for an Anthropic Messages body. A streamed call asks for the usage chunk: Anthropic's closing
 * message_delta carries the token counts, and spend and tpm limits need them.
 */
export function toChatRequest(body: Json): Json {
  const request: Json = {
    model: body.model,
    messages: messagesOf(body.system, Array.isArray(body.messages) ? body.messages : []),
  };
  if (typeof body.max_tokens === "number") request.max_tokens = body.max_tokens;
  for (const key of ["temperature", "top_p"] as const) if (typeof body[key] === "number") request[key] = body[key];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (typeof metadata.user_id === "string" && metadata.user_id !== "") request.user = metadata.user_id;
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  return { ...request, ...toolFieldsOf(body) };
}
