// Local input-token count of an Anthropic Messages body, for deployments whose provider has no counting endpoint.
// LiteLLM's way (token_counter): tiktoken, with the model's own encoding for OpenAI models and cl100k_base for the
// rest, plus OpenAI's per-message overhead. For non-OpenAI models it is an estimate, as LiteLLM's is.
import type { TiktokenBPE } from "js-tiktoken/lite";
import { Tiktoken } from "js-tiktoken/lite";
import { isRecord } from "../providers/anthropic-response.js";

type Json = Record<string, unknown>;
type EncodingName = "cl100k_base" | "o200k_base";

/** OpenAI's chat format: each message costs 3 tokens besides its content, and the reply is primed with 3 more. */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/**
 * An image's tokens depend on its pixel size, which the proxy does not decode: each counts as Anthropic's documented
 * ceiling for an image within its size limits, so a client budgeting its context errs on the safe side.
 */
const TOKENS_PER_IMAGE = 1600;

/** Models that tiktoken encodes with o200k_base; every other model is counted with cl100k_base. */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o1|o3|o4)/;

export function encodingFor(upstreamModel: string): EncodingName {
  return O200K_MODELS.test(upstreamModel.replace(/^.*\//, "")) ? "o200k_base" : "cl100k_base";
}

// The rank tables are megabytes of JavaScript: loaded on the first count that needs one, then kept.
const encoders = new Map<EncodingName, Promise<Tiktoken>>();

async function loadRanks(name: EncodingName): Promise<TiktokenBPE> {
  const module =
    name === "o200k_base"
      ? await import("js-tiktoken/ranks/o200k_base")
      : await import("js-tiktoken/ranks/cl100k_base");
  return module.default;
}

function encoderFor(name: EncodingName): Promise<Tiktoken> {
  let encoder = encoders.get(name);
  if (!encoder) {
    encoder = loadRanks(name).then((ranks) => new Tiktoken(ranks));
    encoders.set(name, encoder);
  }
  return encoder;
}

/** The text a block puts in front of the model; images are counted apart. */
function blockText(block: Json): string {
  if (block.type === "text" && typeof block.text === "string") return block.text;
  if (block.type === "tool_use") return `${String(block.name)}${JSON.stringify(block.input ?? {})}`;
  if (block.type === "tool_result") return contentText(block.content);
  if (block.type === "thinking" && typeof block.thinking === "string") return block.thinking;
  if (block.type === "document" && isRecord(block.source) && typeof block.source.data === "string")
    return block.source.type === "text" ? block.source.data : "";
  return "";
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function contentText(content: unknown): string {
  return blocksOf(content)
    .map(blockText)
    .filter((text) => text !== "")
    .join("\n");
}

function imagesIn(content: unknown): number {
  return blocksOf(content).reduce(
    (sum, block) => sum + (block.type === "image" ? 1 : block.type === "tool_result" ? imagesIn(block.content) : 0),
    0,
  );
}

/** What is counted: the system prompt, each message (role and content), and the tool definitions as JSON. */
function partsOf(body: Json): { texts: string[]; messages: number; images: number } {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const texts = messages.flatMap((message) => [String(message.role), contentText(message.content)]);
  const system = contentText(body.system);
  if (system !== "") texts.push("system", system);
  if (Array.isArray(body.tools)) texts.push(...body.tools.filter(isRecord).map((tool) => JSON.stringify(tool)));
  const images = messages.reduce((sum, message) => sum + imagesIn(message.content), 0);
  return { texts, messages: messages.length + (system === "" ? 0 : 1), images };
}

/** `input_tokens` of an Anthropic count_tokens answer, counted here with the deployment's upstream model's tokenizer. */
export async function countInputTokens(body: Json, upstreamModel: string): Promise<number> {
  const encoder = await encoderFor(encodingFor(upstreamModel));
  const { texts, messages, images } = partsOf(body);
  // Special-token markers in a caller's text are counted as the text they are, never refused.
  const textTokens = texts.reduce((sum, text) => sum + encoder.encode(text, [], []).length, 0);
  return textTokens + messages * TOKENS_PER_MESSAGE + REPLY_PRIMING + images * TOKENS_PER_IMAGE;
}
