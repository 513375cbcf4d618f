// OpenAI embeddings ↔ Amazon Titan text embeddings through Bedrock's InvokeModel (one text per call, as Titan takes it).
import { ApiError } from "../../errors/api-error.js";
import { asRecord } from "./anthropic-response.js";

/** Titan text embedding models (`amazon.titan-embed-text-v2:0`, `amazon.titan-embed-text-v1`): the ones mapped here. */
export function isTitanTextEmbedding(modelId: string): boolean {
  return /(^|\.)amazon\.titan-embed-text-/.test(modelId);
}

/** A string, or a list holding one: Titan embeds one text per call, and token-id input has no Titan form. */
function singleText(input: unknown): string {
  const text = Array.isArray(input) && input.length === 1 ? (input[0] as unknown) : input;
  if (typeof text === "string") return text;
  throw ApiError.badRequest(
    "Bedrock Titan embedding models take one text per call: send `input` as a string or a list of one string",
    "input",
  );
}

/** The InvokeModel body; thrown ApiErrors are the caller's 400, raised before any upstream call. */
export function toTitanRequest(modelId: string, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isTitanTextEmbedding(modelId)) {
    throw ApiError.badRequest(
      `Bedrock embeddings are mapped for Amazon Titan text embedding models only, not '${modelId}'`,
      "model",
    );
  }
  const request: Record<string, unknown> = { inputText: singleText(body.input) };
  if (typeof body.dimensions === "number") request.dimensions = body.dimensions;
  return request;
}

/** OpenAI's base64 form: the vector's float32 values, little-endian, as its own clients decode them. */
function base64Of(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString("base64");
}

export function fromTitanResponse(
  response: unknown,
  model: string,
  request: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const reply = asRecord(response);
  const vector = Array.isArray(reply.embedding)
    ? reply.embedding.filter((v): v is number => typeof v === "number")
    : [];
  const tokens = typeof reply.inputTextTokenCount === "number" ? reply.inputTextTokenCount : 0;
  const embedding = request.encoding_format === "base64" ? base64Of(vector) : vector;
  return {
    object: "list",
    data: [{ object: "embedding", index: 0, embedding }],
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
