import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { ApiError } from "../errors/api-error.js";
import type { ErrorShape } from "../errors/error-shape.js";
import { withLiteLLMPrefix } from "../errors/litellm-prefix.js";

export interface RelayedStream {
  source: AsyncIterable<string | Buffer>;
  /** The model group, named in the error frame should the stream fail. */
  trace: { group: string };
  /** Called once the stream is over, however it ended. */
  finish: () => void;
  /** How long the client may leave written data untaken before it is cut off (`stream_idle_timeout`). */
  idleTimeoutMs: number;
  /** Applied to each chunk of a byte stream as it is written (the deployment's secret mask), when set. */
  rewrite?: (chunk: Buffer) => Buffer;
  /** A media reply's own content type (speech audio); server-sent events when unset. */
  contentType?: string;
}

/**
 * Relays a server-sent-events stream chunk by chunk as it arrives, respecting backpressure. A failure after the
 * headers went out travels as one last SSE error frame. Answers whether the stream ran to its end (the caller did
 * not leave, the upstream did not fail).
 */
export async function relayStream(res: ServerResponse, stream: RelayedStream, shape?: ErrorShape): Promise<boolean> {
  res.writeHead(200, {
    "content-type": stream.contentType ?? "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  const stall = watchStall(res, stream.idleTimeoutMs);
  try {
    if (stream.source instanceof Readable) await pipeBytes(stream.source, res, stall, stream.rewrite);
    else await writeFrames(stream.source, res, stall);
    const completed = !res.destroyed;
    res.end();
    return completed;
  } catch (error) {
    if (res.destroyed) return false;
    // An SSE error frame inside audio would corrupt it: a failed media reply is cut off instead.
    if (stream.contentType !== undefined) {
      res.destroy();
      return false;
    }
    const failure = error instanceof ApiError ? error : ApiError.upstreamStreamFailed(stream.trace.group);
    const answered = withLiteLLMPrefix(failure);
    res.end(shape ? shape.sseFrame(answered) : answered.toSseFrame());
    return false;
  } finally {
    stall.stop();
    stream.finish();
  }
}

interface StallWatch {
  /** The client has not taken what was written: starts the clock unless it is running. */
  arm(this: void): void;
  stop(this: void): void;
}

/**
 * One timer per stream, running only while a write waits for the client to drain. When it fires the response is
 * destroyed: the caller's connection closes, and its close aborts the upstream call (see client-connection.ts).
 */
function watchStall(res: ServerResponse, ms: number): StallWatch {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  res.on("drain", stop);
  return {
    arm() {
      if (res.writableNeedDrain) timer ??= setTimeout(() => res.destroy(), ms);
    },
    stop() {
      stop();
      res.off("drain", stop);
    },
  };
}

/** OpenAI-compatible upstreams: their bytes, piped (pipe() pauses the upstream while the client is slow). */
function pipeBytes(
  source: Readable,
  res: ServerResponse,
  stall: StallWatch,
  rewrite?: (chunk: Buffer) => Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    source.once("end", resolve);
    source.once("error", reject);
    res.once("close", resolve);
    source.on("pause", stall.arm); // pipe() pauses the source when a write to the client returned false
    if (!rewrite) {
      source.pipe(res, { end: false });
      return;
    }
    // What pipe() does, with each chunk rewritten on its way: pause while the client has not taken the last write.
    const resume = () => source.resume();
    source.on("data", (chunk: Buffer) => {
      if (res.write(rewrite(chunk))) return;
      source.pause();
      res.once("drain", resume);
    });
  });
}

/** Translated streams: frames from an async generator, waiting for the client to drain. */
async function writeFrames(
  source: AsyncIterable<string | Buffer>,
  res: ServerResponse,
  stall: StallWatch,
): Promise<void> {
  for await (const chunk of source) {
    if (!res.write(chunk)) {
      stall.arm();
      await drainOrClose(res);
    }
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
