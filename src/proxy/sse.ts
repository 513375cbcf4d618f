/** One Server-Sent Event: `event:` name (default "message") and its joined `data:` lines. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental SSE parser: feed it text as it arrives, get complete events back. Only what the LLM APIs
 * use is handled (event, data; comments and ids are skipped).
 */
export function createSseParser(): (text: string) => SseEvent[] {
  let buffer = "";
  return (text) => {
    buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(buffer);
      if (!match) break;
      const block = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
    }
    return events;
  };
}

/** A reply body framed as Server-Sent Events, as its events. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const parse = createSseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) yield* parse(decoder.decode(chunk, { stream: true }));
}
