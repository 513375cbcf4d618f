import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { ApiError } from "../errors/api-error.js";
import { withLiteLLMPrefix } from "../errors/litellm-prefix.js";

export interface RelayedStream {
  source: AsyncIterable<string | Buffer>;
  /** The model group, named in the error frame should the stream fail. */
  trace: { group: string };
  /** Called once the stream is over, however it ended. */
  finish: () => void;
}

/**
 * Relays a server-sent-events stream chunk by chunk as it arrives, respecting backpressure. A failure after the
 * headers went out travels as one last SSE error frame.
 */
export async function relayStream(res: ServerResponse, stream: RelayedStream): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  try {
    if (stream.source instanceof Readable) await pipeBytes(stream.source, res);
    else await writeFrames(stream.source, res);
    res.end();
  } catch (error) {
    if (res.destroyed) return;
    const failure = error instanceof ApiError ? error : ApiError.upstreamStreamFailed(stream.trace.group);
    res.end(withLiteLLMPrefix(failure).toSseFrame());
  } finally {
    stream.finish();
  }
}

/** OpenAI-compatible upstreams: their bytes, piped (pipe() pauses the upstream while the client is slow). */
function pipeBytes(source: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    source.once("end", resolve);
    source.once("error", reject);
    res.once("close", resolve);
    source.pipe(res, { end: false });
  });
}

/** Translated streams: frames from an async generator, waiting for the client to drain. */
async function writeFrames(source: AsyncIterable<string | Buffer>, res: ServerResponse): Promise<void> {
  for await (const chunk of source) {
    if (!res.write(chunk)) await drainOrClose(res);
    if (res.destroyed) return;
  }
}

/** Waits for the client to take more, or to leave; the listener that did not fire is removed. */
async function drainOrClose(res: ServerResponse): Promise<void> {
  const done = new AbortController();
  try {
    // The loser rejects with AbortError once aborted below; that rejection is expected and ignored.
    const wait = (event: string) => once(res, event, { signal: done.signal }).catch(() => undefined);
    await Promise.race([wait("drain"), wait("close")]);
  } finally {
    done.abort();
  }
}
