// The machinery shared by the fake LLM providers: a real HTTP server on 127.0.0.1:0 that records every request,
// applies scripted behaviors and notices when the client (our proxy) hangs up. Each provider supplies a Dialect
// that knows its routes, its error shape and its default replies.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path including the query string, as sent (e.g. `/openai/deployments/gpt/chat/completions?api-version=2024-06-01`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; `undefined` when empty; the raw text when it was not valid JSON. */
  body: any;
  receivedAt: number;
  /** true when the client (our proxy) closed the connection before the reply finished */
  aborted: boolean;
}

export type Behavior =
  | { kind: "default" }
  | { kind: "status"; status: number; body?: unknown }
  | { kind: "slow"; delayMs: number }
  | { kind: "drop" }
  | { kind: "stream-slow"; chunkDelayMs: number; chunks?: number }
  | { kind: "json"; body: unknown; status?: number }
  /** A body that is not JSON, as a misconfigured gateway in front of a provider sends (an HTML page). */
  | { kind: "text"; body: string; status?: number }
  /** These SSE frames as they are (an error event, say), then the end of the stream. */
  | { kind: "sse"; frames: string[] }
  /** OpenAI chunks of about `frameBytes` each, `frameDelayMs` apart (or as fast as taken), until the client hangs up. */
  | { kind: "stream-forever"; frameBytes?: number; frameDelayMs?: number };

export interface FakeUpstream {
  /** e.g. http://127.0.0.1:PORT (no trailing slash); the OpenAI base URL for clients is `${url}/v1` */
  url: string;
  requests: RecordedRequest[];
  /** Behavior for requests whose model equals `model` (every request for "*"); `times` limits how many requests it applies to. Later calls take precedence. */
  script(model: string, behavior: Behavior, times?: number): void;
  reset(): void;
  /** Resolves once a request for this model (any model for "*") was aborted by the client; rejects after timeoutMs. */
  waitForAbort(model: string, timeoutMs?: number): Promise<RecordedRequest>;
  /** Closes the server and destroys every open socket. */
  close(): Promise<void>;
}

/** How to stream: `chunks` content pieces with `chunkDelayMs` between consecutive SSE frames. */
export interface StreamPlan {
  chunks: number;
  chunkDelayMs: number;
}

export const DEFAULT_STREAM: StreamPlan = { chunks: 3, chunkDelayMs: 0 };
const STREAM_SLOW_CHUNKS = 10;

export interface ReplyWriter {
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Writes pre-formatted SSE frames: the first at once, then one every delayMs; stops when the client goes away. */
  sse(frames: readonly string[], delayMs: number): Promise<void>;
}

export interface Dialect {
  /** The route name a request is served by, or undefined for a 404. */
  route(method: string, pathname: string): string | undefined;
  /** A rejection that comes before any scripted behavior, as a real provider would (e.g. missing auth headers). */
  reject?(request: RecordedRequest): { status: number; message: string } | undefined;
  errorBody(status: number, message: string): unknown;
  /** The default reply; `forced` is set by a stream-slow behavior and means "stream, whatever the body says". */
  reply(
    route: string,
    request: RecordedRequest,
    out: ReplyWriter,
    forced: StreamPlan | undefined,
  ): void | Promise<void>;
}

const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\//;

/** body.model, or for Azure's path form (whose body carries no model) the deployment name. */
export function requestModel(request: RecordedRequest): string | undefined {
  const body: unknown = request.body;
  if (typeof body === "object" && body !== null && "model" in body && typeof body.model === "string") {
    return body.model;
  }
  const deployment = AZURE_DEPLOYMENT.exec(request.path.split("?")[0] ?? "")?.[1];
  return deployment === undefined ? undefined : decodeURIComponent(deployment);
}

/** Splits text into exactly n non-empty pieces, padding the text with "." when it is shorter than n. */
export function splitInto(text: string, n: number): string[] {
  const padded = text.padEnd(n, ".");
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    pieces.push(padded.slice(Math.floor((i * padded.length) / n), Math.floor(((i + 1) * padded.length) / n)));
  }
  return pieces;
}

interface Script {
  model: string;
  behavior: Behavior;
  remaining: number | undefined;
}

interface AbortWaiter {
  model: string;
  resolve(request: RecordedRequest): void;
  reject(error: Error): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    req.on("end", done);
    req.on("close", done);
  });
}

function parseBody(raw: string): { body: unknown; valid: boolean } {
  if (raw === "") return { body: undefined, valid: true };
  try {
    return { body: JSON.parse(raw), valid: true };
  } catch {
    return { body: raw, valid: false };
  }
}

/** Writes the same chunk for ever, waiting for drain when the client is slow, until the client goes away. */
async function streamForever(
  res: ServerResponse,
  frames: { bytes: number; delayMs: number },
  wait: (ms: number) => Promise<void>,
  gone: Promise<void>,
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = {
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: { content: "x".repeat(frames.bytes) } }],
  };
  const frame = `data: ${JSON.stringify(chunk)}\n\n`;
  let closed = false;
  void gone.then(() => (closed = true));
  while (!closed && !res.destroyed) {
    if (!res.write(frame)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), gone]);
    if (frames.delayMs > 0) await wait(frames.delayMs);
  }
}

const matches = (pattern: string, model: string | undefined) => pattern === "*" || pattern === model;

export async function startFakeServer(dialect: Dialect): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  let scripts: Script[] = [];
  const abortWaiters = new Set<AbortWaiter>();
  const sockets = new Set<Socket>();
  let closing = false;

  function nextBehavior(model: string | undefined): Behavior {
    for (let i = scripts.length - 1; i >= 0; i--) {
      const script = scripts[i];
      if (script === undefined || !matches(script.model, model)) continue;
      if (script.remaining === undefined) return script.behavior;
      if (script.remaining > 0) {
        script.remaining -= 1;
        return script.behavior;
      }
    }
    return { kind: "default" };
  }

  function notifyAbort(request: RecordedRequest): void {
    const model = requestModel(request);
    for (const waiter of abortWaiters) {
      if (matches(waiter.model, model)) waiter.resolve(request);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Filled in once the body is read; the close listener below may fire before or after that.
    const seen: { request?: RecordedRequest } = {};
    let clientGone = false;
    let dropped = false;
    const gone = new Promise<void>((resolve) => {
      res.once("close", () => {
        // The invariant tests rely on: aborted means the client hung up, not that we dropped or shut down.
        clientGone = !res.writableEnded && !dropped && !closing;
        if (clientGone && seen.request !== undefined) {
          seen.request.aborted = true;
          notifyAbort(seen.request);
        }
        resolve();
      });
    });
    const wait = async (ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
    };
    const finished = () => res.writableEnded || res.destroyed;
    const out: ReplyWriter = {
      json(status, body, headers = {}) {
        if (finished()) return;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      },
      async sse(frames, delayMs) {
        if (finished()) return;
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
        for (const [i, frame] of frames.entries()) {
          if (i > 0 && delayMs > 0) await wait(delayMs);
          if (finished()) return;
          res.write(frame);
        }
        res.end();
      },
    };

    const raw = await readBody(req);
    const { body, valid } = parseBody(raw);
    const path = req.url ?? "/";
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      body,
      receivedAt: Date.now(),
      aborted: clientGone,
    };
    seen.request = request;
    requests.push(request);
    if (clientGone) {
      notifyAbort(request);
      return;
    }

    const route = dialect.route(request.method, path.split("?")[0] ?? "/");
    if (route === undefined)
      return out.json(404, dialect.errorBody(404, `fake: no route for ${request.method} ${path}`));
    if (!valid) return out.json(400, dialect.errorBody(400, "fake: request body is not valid JSON"));
    const rejection = dialect.reject?.(request);
    if (rejection !== undefined)
      return out.json(rejection.status, dialect.errorBody(rejection.status, rejection.message));

    const behavior = nextBehavior(requestModel(request));
    switch (behavior.kind) {
      case "default":
        return dialect.reply(route, request, out, undefined);
      case "status": {
        const headers: Record<string, string> = behavior.status === 429 ? { "retry-after": "1" } : {};
        return out.json(
          behavior.status,
          behavior.body ?? dialect.errorBody(behavior.status, `fake ${behavior.status}`),
          headers,
        );
      }
      case "slow":
        await wait(behavior.delayMs);
        return dialect.reply(route, request, out, undefined);
      case "drop":
        dropped = true;
        req.socket.destroy();
        return;
      case "stream-slow":
        return dialect.reply(route, request, out, {
          chunks: behavior.chunks ?? STREAM_SLOW_CHUNKS,
          chunkDelayMs: behavior.chunkDelayMs,
        });
      case "json":
        return out.json(behavior.status ?? 200, behavior.body);
      case "sse":
        return out.sse(behavior.frames, 0);
      case "stream-forever":
        return streamForever(
          res,
          { bytes: behavior.frameBytes ?? 16_384, delayMs: behavior.frameDelayMs ?? 0 },
          wait,
          gone,
        );
      case "text":
        if (finished()) return;
        res.writeHead(behavior.status ?? 200, { "content-type": "text/html" });
        res.end(behavior.body);
        return;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A bug in the fake itself: fail the request loudly rather than hang the test.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(model, behavior, times) {
      scripts.push({ model, behavior, remaining: times });
    },
    reset() {
      scripts = [];
      requests.length = 0;
    },
    waitForAbort(model, timeoutMs = 5000) {
      const already = requests.find((r) => r.aborted && matches(model, requestModel(r)));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const settle = () => {
          clearTimeout(timer);
          abortWaiters.delete(waiter);
        };
        const waiter: AbortWaiter = {
          model,
          resolve: (request) => (settle(), resolve(request)),
          reject: (error) => (settle(), reject(error)),
        };
        const timer = setTimeout(
          () =>
            waiter.reject(new Error(`fake upstream: no aborted request for model "${model}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        abortWaiters.add(waiter);
      });
    },
    close() {
      closing = true;
      for (const waiter of abortWaiters) waiter.reject(new Error("fake upstream closed"));
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
