// OpenAI Chat Completions / Embeddings request → Google AI Studio (Gemini API v1beta) request. Pure functions of
// their arguments: no I/O, no shared state.
import { isRecord } from "./anthropic-response.js";
import { THOUGHT_SIGNATURE_SEPARATOR } from "./gemini-response.js";

type Part = Record<string, unknown>;
interface Content {
  role: "user" | "model";
  parts: Part[];
}

/** Splits a base64 data URL without running a regex over the (possibly megabytes of) payload. */
function inlineData(url: string): Part | undefined {
  const comma = url.indexOf(",");
  const header = url.slice(0, Math.max(comma, 0));
  if (!url.startsWith("data:") || !header.endsWith(";base64")) return undefined;
  const mimeType = header.slice("data:".length).split(";")[0] ?? "";
  return { inlineData: { mimeType, data: url.slice(comma + 1) } };
}

const MIME_BY_EXTENSION = new Map([
  ["png", "image/png"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["webp", "image/webp"],
  ["gif", "image/gif"],
  ["pdf", "application/pdf"],
]);

/** Any other URL (a Files API URI, gs://, https) goes as fileData; Gemini refuses what it cannot read. */
function fileData(url: string): Part {
  const extension = (url.split("?")[0] ?? "").split(".").pop()?.toLowerCase() ?? "";
  const mimeType = MIME_BY_EXTENSION.get(extension);
  return { fileData: { ...(mimeType ? { mimeType } : {}), fileUri: url } };
}

function mediaPart(url: unknown): Part | undefined {
  if (typeof url !== "string" || url === "") return undefined;
  return inlineData(url) ?? fileData(url);
}

/** Empty text parts are dropped (Gemini rejects them), as are parts it has no counterpart for. */
function partOf(part: unknown): Part | undefined {
  if (!isRecord(part)) return undefined;
  if (part.type === "text") return typeof part.text === "string" && part.text !== "" ? { text: part.text } : undefined;
  if (part.type === "image_url") {
    const image = part.image_url;
    return mediaPart(typeof image === "string" ? image : isRecord(image) ? image.url : undefined);
  }
  if (part.type === "file" && isRecord(part.file)) return mediaPart(part.file.file_data ?? part.file.file_id);
  return undefined;
}

function partsOf(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return Array.isArray(content)
    ? content.flatMap((part): Part[] => {
        const mapped = partOf(part);
        return mapped === undefined ? [] : [mapped];
      })
    : [];
}

/** Gemini's functionCall.args must be an object; arguments that are not one (a malformed earlier call) become {}. */
function argsOf(args: unknown): Record<string, unknown> {
  if (typeof args !== "string" || args.trim() === "") return isRecord(args) ? args : {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function functionCallParts(message: Record<string, unknown>, names: Map<string, string>): Part[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  return calls.map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    const name = typeof fn.name === "string" ? fn.name : "";
    const id = typeof call.id === "string" ? call.id : "";
    names.set(id, name);
    const at = id.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
    const signature = at === -1 ? {} : { thoughtSignature: id.slice(at + THOUGHT_SIGNATURE_SEPARATOR.length) };
    return { functionCall: { name, args: argsOf(fn.arguments) }, ...signature };
  });
}

/** A tool result answers the call it names; Gemini matches results to calls by function name. */
function functionResponsePart(message: Record<string, unknown>, names: Map<string, string>): Part {
  const id = typeof message.tool_call_id === "string" ? message.tool_call_id : "";
  const name = names.get(id) ?? (typeof message.name === "string" ? message.name : id);
  const text = partsOf(message.content)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .join("");
  return { functionResponse: { name, response: { content: text } } };
}

function contentOf(message: Record<string, unknown>, names: Map<string, string>): Content | undefined {
  if (message.role === "user") return { role: "user", parts: partsOf(message.content) };
  if (message.role === "assistant") {
    return { role: "model", parts: [...partsOf(message.content), ...functionCallParts(message, names)] };
  }
  if (message.role === "tool") return { role: "user", parts: [functionResponsePart(message, names)] };
  return undefined; // system/developer become systemInstruction
}

/** Neighbours with the same role merge: several tool results answer one turn of parallel calls together. */
function mergeConsecutive(contents: Content[]): Content[] {
  const merged: Content[] = [];
  for (const content of contents) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && previous.role === content.role) previous.parts.push(...content.parts);
    else merged.push({ role: content.role, parts: [...content.parts] });
  }
  return merged;
}

function contentsOf(messages: Record<string, unknown>[]): Content[] {
  const names = new Map<string, string>();
  const contents = messages.flatMap((m) => contentOf(m, names) ?? []);
  return mergeConsecutive(contents.filter((c) => c.parts.length > 0));
}

function systemInstructionOf(messages: Record<string, unknown>[]): { parts: Part[] } | undefined {
  const parts = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .flatMap((m) => partsOf(m.content));
  return parts.length > 0 ? { parts } : undefined;
}

// JSON Schema keywords Gemini's OpenAPI-subset Schema does not accept.
const UNSUPPORTED_SCHEMA_KEYS = new Set(["additionalProperties", "$schema", "strict", "$id", "$defs", "definitions"]);

/** A JSON schema as Gemini's Schema accepts it: the keywords it rejects are removed, at every depth. */
export function geminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiSchema);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (UNSUPPORTED_SCHEMA_KEYS.has(key)) continue;
    // Under `properties` the keys are property names, not keywords: only their values are schemas.
    out[key] = key === "properties" && isRecord(value) ? mapValues(value, geminiSchema) : geminiSchema(value);
  }
  return out;
}

function mapValues(record: Record<string, unknown>, fn: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

function functionDeclarationOf(tool: unknown): Part[] {
  if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function)) return [];
  const fn = tool.function;
  if (typeof fn.name !== "string") return [];
  return [
    {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      ...(isRecord(fn.parameters) ? { parameters: geminiSchema(fn.parameters) } : {}),
    },
  ];
}

function toolConfigOf(choice: unknown): Record<string, unknown> | undefined {
  const mode = (value: string, names?: string[]) => ({
    functionCallingConfig: { mode: value, ...(names ? { allowedFunctionNames: names } : {}) },
  });
  if (choice === "none") return mode("NONE");
  if (choice === "auto") return mode("AUTO");
  if (choice === "required") return mode("ANY");
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return mode("ANY", [choice.function.name]);
  }
  return undefined;
}

function toolFieldsOf(body: Record<string, unknown>): Record<string, unknown> {
  const declarations = Array.isArray(body.tools) ? body.tools.flatMap(functionDeclarationOf) : [];
  if (declarations.length === 0) return {};
  const toolConfig = toolConfigOf(body.tool_choice);
  return { tools: [{ functionDeclarations: declarations }], ...(toolConfig ? { toolConfig } : {}) };
}

/** response_format → responseMimeType (+ responseSchema for json_schema); text leaves both unset. */
function responseFormatOf(format: unknown): Record<string, unknown> {
  if (!isRecord(format)) return {};
  if (format.type === "json_object") return { responseMimeType: "application/json" };
  if (format.type !== "json_schema") return {};
  const spec = isRecord(format.json_schema) ? format.json_schema : {};
  const schema = isRecord(spec.schema) ? { responseSchema: geminiSchema(spec.schema) } : {};
  return { responseMimeType: "application/json", ...schema };
}

/** OpenAI's reasoning_effort as a Gemini thinking budget, as LiteLLM maps it. */
const THINKING_BUDGETS = new Map<unknown, number>([
  ["minimal", 128],
  ["low", 1024],
  ["medium", 2048],
  ["high", 4096],
]);

function thinkingConfigOf(effort: unknown): Record<string, unknown> {
  if (effort === "none" || effort === "disable") return { thinkingConfig: { thinkingBudget: 0 } };
  const budget = THINKING_BUDGETS.get(effort);
  return budget === undefined ? {} : { thinkingConfig: { thinkingBudget: budget, includeThoughts: true } };
}

function stopSequencesOf(stop: unknown): string[] {
  if (typeof stop === "string") return stop === "" ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

/** OpenAI sampling parameters → generationConfig, under Gemini's names. */
function generationConfigOf(body: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const numbers: Array<[string, string]> = [
    ["temperature", "temperature"],
    ["top_p", "topP"],
    ["top_k", "topK"],
    ["n", "candidateCount"],
    ["presence_penalty", "presencePenalty"],
    ["frequency_penalty", "frequencyPenalty"],
    ["seed", "seed"],
  ];
  for (const [from, to] of numbers) if (typeof body[from] === "number") config[to] = body[from];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === "number") config.maxOutputTokens = maxTokens;
  const stop = stopSequencesOf(body.stop);
  if (stop.length > 0) config.stopSequences = stop;
  return { ...config, ...responseFormatOf(body.response_format), ...thinkingConfigOf(body.reasoning_effort) };
}

/** The generateContent body; the model and streaming are in the URL, not the body. */
export function toGeminiRequest(body: Record<string, unknown>): Record<string, unknown> {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const contents = contentsOf(messages);
  const system = systemInstructionOf(messages);
  // Gemini refuses a request without contents; a conversation of system messages alone is asked as the user's turn.
  if (contents.length === 0 && system !== undefined) contents.push({ role: "user", parts: system.parts });
  const request: Record<string, unknown> = { contents };
  if (system !== undefined && contents[0]?.parts !== system.parts) request.systemInstruction = system;
  const generationConfig = generationConfigOf(body);
  if (Object.keys(generationConfig).length > 0) request.generationConfig = generationConfig;
  return { ...request, ...toolFieldsOf(body) };
}

/** The texts to embed: a string or a list of strings (token-id inputs have no Gemini counterpart, see gemini.ts). */
export function embeddingInputsOf(input: unknown): string[] {
  if (typeof input === "string") return [input];
  return Array.isArray(input) ? input.map((item) => (typeof item === "string" ? item : JSON.stringify(item))) : [];
}

/** The batchEmbedContents body: one request per input, each naming the model as Gemini requires. */
export function toGeminiEmbedRequest(body: Record<string, unknown>, upstreamModel: string): Record<string, unknown> {
  const dimensions = typeof body.dimensions === "number" ? { outputDimensionality: body.dimensions } : {};
  return {
    requests: embeddingInputsOf(body.input).map((text) => ({
      model: `models/${upstreamModel}`,
      content: { parts: [{ text }] },
      ...dimensions,
    })),
  };
}
