import type OpenAI from "openai";

/** What a streamed chat completion added up to, as an OpenAI client reads it: text, last finish reason, usage. */
export async function drainChatStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{
  text: string;
  finish: string | null | undefined;
  usage: OpenAI.CompletionUsage | null | undefined;
}> {
  let text = "";
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, finish, usage };
}
