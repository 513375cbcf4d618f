import type { StreamTranslator } from "../provider-adapter.js";
import type { OpenAiChatChunk, OpenAiUsage } from "./anthropic-response.js";

/** A provider's stream translation over parsed events: OpenAI chunks out, and the usage reported so far. */
export interface ChunkTranslator {
  push(event: string, data: unknown): OpenAiChatChunk[];
  usage(): OpenAiUsage | undefined;
}

/** The fields every translated stream's first chunk carries: a fresh chat completion id and the time it began. */
export function streamIdentity(): { id: string; created: number } {
  return { id: `chatcmpl-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000) };
}

/** A chunk translator behind the adapter's text interface: each event's JSON in, chunks' JSON text out. */
export function textStreamTranslator(translator: ChunkTranslator): StreamTranslator {
  return {
    push: (event, data) => translator.push(event, JSON.parse(data)).map((chunk) => JSON.stringify(chunk)),
    usage: () => {
      const usage = translator.usage();
      return usage && { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
    },
  };
}
