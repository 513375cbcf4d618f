// OpenAI Responses API request → Chat Completions request, for providers that only speak chat (anthropic). Only the
// stateless subset translates: input as a string or message/function-call items, instructions, function tools,
// max_output_tokens, temperature, top_p, tool_choice, reasoning effort, streaming. What needs OpenAI's stored
// state (previous_response_id, store) is refused, naming the parameter.
import { ApiError } from "../../errors/api-error.js";
import { isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;

/** Responses parameters a chat-only provider can be given; others are unsupported (refused, or dropped). */
export const TRANSLATED_PARAMS: ReadonlySet<string> = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "max_output_tokens",
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "user",
  "reasoning",
  "text",
  "truncation",
  // Refused in toChatRequest with their own message whatever drop_params says: they change what the call means.
  "previous_response_id",
  "store",
]);

/** The parameters of `body` a chat-only provider cannot take (LiteLLM's drop_params applies to them). */
export function untranslatedParams(body: Readonly<Json>): string[] {
  return Object.keys(body).filter((name) => !TRANSLATED_PARAMS.has(name) && body[name] !== null);
}

const stateful = (param: string, provider: string) =>
  ApiError.badRequest(
    `${param} is not supported for ${provider} models: the proxy translates the Responses API to chat completions ` +
      "for them and stores no responses (send the whole conversation in `input`, with store: false)",
    param,
  );

function contentPart(part: unknown, param: string): Json {
  if (!isRecord(part)) throw ApiError.badRequest(`${param} must be an object`, param);
  switch (part.type) {
    case "input_text":
    case "output_text":
    case "text":
      if (typeof part.text !== "string") throw ApiError.badRequest(`${param}.text must be a string`, `${param}.text`);
      return { type: "text", text: part.text };
    case "input_image": {
      const url = part.image_url;
      if (typeof url !== "string") {
        const message = `${param}.image_url must be a URL or data URL (file_id needs OpenAI's file storage)`;
        throw ApiError.badRequest(message, `${param}.image_url`);
      }
      return { type: "image_url", image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
    }
    default:
      throw ApiError.badRequest(`${param}.type ${JSON.stringify(part.type)} is not supported`, `${param}.type`);
  }
}

function messageContent(content: unknown, param: string): string | Json[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw ApiError.badRequest(`${param} must be a string or a list of parts`, param);
  return content.map((part, i) => contentPart(part, `${param}[${i}]`));
}

const ROLES = new Map([
  ["user", "user"],
  ["assistant", "assistant"],
  ["system", "system"],
  ["developer", "system"],
]);

/** One input item; function calls next to each other become one assistant message with several tool calls. */
function addItem(messages: Json[], item: unknown, param: string): void {
  if (!isRecord(item)) throw ApiError.badRequest(`${param} must be an object`, param);
  const type = item.type ?? "message";
  if (type === "message") {
    const role = typeof item.role === "string" ? ROLES.get(item.role) : undefined;
    if (!role) throw ApiError.badRequest(`${param}.role must be user, assistant, system or developer`, `${param}.role`);
    messages.push({ role, content: messageContent(item.content, `${param}.content`) });
    return;
  }
  if (type === "function_call") {
    if (typeof item.call_id !== "string" || typeof item.name !== "string")
      throw ApiError.badRequest(`${param} needs call_id and name`, `${param}.call_id`);
    const call = {
      id: item.call_id,
      type: "function",
      function: { name: item.name, arguments: typeof item.arguments === "string" ? item.arguments : "{}" },
    };
    const last = messages.at(-1);
    if (last?.role === "assistant" && Array.isArray(last.tool_calls)) (last.tool_calls as Json[]).push(call);
    else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    return;
  }
  if (type === "function_call_output") {
    if (typeof item.call_id !== "string") throw ApiError.badRequest(`${param}.call_id is required`, `${param}.call_id`);
    const output = typeof item.output === "string" ? item.output : JSON.stringify(item.output ?? "");
    messages.push({ role: "tool", tool_call_id: item.call_id, content: output });
    return;
  }
  // A reasoning item from an earlier reply carries nothing a chat provider can be sent back.
  if (type === "reasoning") return;
  throw ApiError.badRequest(`${param}.type ${JSON.stringify(type)} is not supported`, `${param}.type`);
}

function messagesOf(body: Readonly<Json>): Json[] {
  const messages: Json[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "")
    messages.push({ role: "system", content: body.instructions });
  const { input } = body;
  if (typeof input === "string") messages.push({ role: "user", content: input });
  else if (Array.isArray(input)) input.forEach((item, i) => addItem(messages, item, `input[${i}]`));
  else throw ApiError.badRequest("input must be a string or a list of items", "input");
  if (!messages.some((m) => m.role !== "system")) throw ApiError.badRequest("input has no message", "input");
  return messages;
}

function toolsOf(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw ApiError.badRequest("tools must be a list", "tools");
  return tools.map((tool, i) => {
    if (!isRecord(tool) || tool.type !== "function" || typeof tool.name !== "string") {
      const type = isRecord(tool) ? JSON.stringify(tool.type) : "non-object";
      throw ApiError.badRequest(`tools[${i}]: only function tools are supported (got ${type})`, `tools[${i}].type`);
    }
    const fn: Json = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    if (isRecord(tool.parameters)) fn.parameters = tool.parameters;
    return { type: "function", function: fn };
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (choice === undefined || choice === null || typeof choice === "string") return choice;
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string")
    return { type: "function", function: { name: choice.name } };
  throw ApiError.badRequest("tool_choice must be auto, none, required or a function", "tool_choice");
}

function assertStateless(body: Readonly<Json>, provider: string): void {
  if (body.previous_response_id !== undefined && body.previous_response_id !== null)
    throw stateful("previous_response_id", provider);
  if (body.store === true) throw stateful("store", provider);
  const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format.type : undefined;
  if (format !== undefined && format !== "text")
    throw ApiError.badRequest(`text.format ${JSON.stringify(format)} is not supported for ${provider} models`, "text");
}

/** The chat completions body for a Responses API body; throws a 400 naming the parameter it cannot translate. */
export function toChatRequest(body: Readonly<Json>, provider: string): Json {
  assertStateless(body, provider);
  const chat: Json = { model: body.model, messages: messagesOf(body) };
  const tools = toolsOf(body.tools);
  if (tools && tools.length > 0) chat.tools = tools;
  const toolChoice = toolChoiceOf(body.tool_choice);
  if (toolChoice !== undefined && toolChoice !== null && tools) chat.tool_choice = toolChoice;
  if (typeof body.parallel_tool_calls === "boolean" && tools) chat.parallel_tool_calls = body.parallel_tool_calls;
  if (typeof body.max_output_tokens === "number") chat.max_tokens = body.max_output_tokens;
  for (const name of ["temperature", "top_p", "user"] as const) if (body[name] != null) chat[name] = body[name];
  const effort = isRecord(body.reasoning) ? body.reasoning.effort : undefined;
  if (typeof effort === "string") chat.reasoning_effort = effort;
  if (body.stream === true) chat.stream = true;
  return chat;
}
