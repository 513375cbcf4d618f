import { once } from "node:events";
import { Readable } from "node:stream";
import { type RequestHandler, type Response, Router } from "express";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import type { ProxyOperation } from "../../proxy/provider-adapter.js";
import type { ProxyOutcome, ProxyService } from "../../proxy/proxy-service.js";
import { ClientGoneError } from "../../proxy/upstream-attempt.js";
import { ParallelRequestLimiter } from "../../keys/parallel-limit.js";
import type { Metrics } from "../../metrics/metrics.js";
import { callerOf } from "../middleware/auth.js";
import { jsonBody } from "../middleware/json-body.js";
import { parseBody } from "../validate.js";

/** Chat requests may carry images; nginx's client_max_body_size matches. */
export const PROXY_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const model = z.string().trim().min(1);
const stream = z.boolean().optional();
const textOrList = z.union([z.string(), z.array(z.unknown()).min(1)]);

// Only what routing needs is checked here; everything else is the upstream's to judge, as with OpenAI.
export const chatRequestSchema = z.looseObject({ model, messages: z.array(z.unknown()).min(1), stream });
export const completionRequestSchema = z.looseObject({ model, prompt: textOrList, stream });
export const embeddingRequestSchema = z.looseObject({ model, input: textOrList });

const ROUTES: Array<{ op: ProxyOperation; paths: string[]; schema: z.ZodType<Record<string, unknown> & { model: string; stream?: boolean }> }> = [
  { op: "chat", paths: ["/v1/chat/completions", "/chat/completions"], schema: chatRequestSchema },
  { op: "completions", paths: ["/v1/completions", "/completions"], schema: completionRequestSchema },
  { op: "embeddings", paths: ["/v1/embeddings", "/embeddings"], schema: embeddingRequestSchema },
];

/** `max_parallel_requests` of the calling key, released when the response ends however it ends. */
function holdParallelSlot(res: Response, limiter: ParallelRequestLimiter): void {
  const caller = callerOf(res);
  if (caller.kind !== "virtual" || caller.key.maxParallelRequests === null) return;
  const release = limiter.tryAcquire(caller.key.token, caller.key.maxParallelRequests);
  if (!release) {
    throw new ApiError(429, "rate_limit_error", "max_parallel_requests", `This key allows ${caller.key.maxParallelRequests} parallel requests`);
  }
  res.on("close", release);
}

/** OpenAI's inference endpoints, routed to the registry's deployments. */
export function proxyRoutes(deps: { proxy: ProxyService; metrics: Metrics }, guard: RequestHandler[]): Router {
  const router = Router();
  const json = jsonBody(PROXY_BODY_LIMIT_BYTES);
  const limiter = new ParallelRequestLimiter();
  for (const { op, paths, schema } of ROUTES) {
    router.post(paths, ...guard, json, async (req, res) => {
      const body = parseBody(schema, req);
      res.locals.modelGroup = body.model;
      holdParallelSlot(res, limiter);
      const started = performance.now();
      const disconnected = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) disconnected.abort();
      });
      let outcome: ProxyOutcome;
      try {
        outcome = await deps.proxy.handle({
          access: callerOf(res).access,
          op,
          model: body.model,
          body,
          stream: op !== "embeddings" && body.stream === true,
          clientSignal: disconnected.signal,
        });
      } catch (error) {
        if (error instanceof ClientGoneError) return;
        if (error instanceof ApiError) {
          // Names of models that do not exist come from callers: one label for all of them keeps /metrics bounded.
          const group = error.code === "model_not_found" ? "unknown" : body.model;
          deps.metrics.observeProxyCall(group, error.status, (performance.now() - started) / 1000);
        }
        throw error;
      }
      res.setHeader("x-litellm-model-id", outcome.deployment.id);
      res.locals.deploymentId = outcome.deployment.id;
      res.locals.upstreamMs = Math.round((performance.now() - started) * 100) / 100;
      deps.metrics.observeProxyCall(body.model, 200, (performance.now() - started) / 1000);
      if (outcome.kind === "json") {
        if (outcome.costUsd !== undefined) res.setHeader("x-litellm-response-cost", String(outcome.costUsd));
        // The upstream's JSON as it came (or as translated): written directly, no re-encoding or ETag.
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(outcome.body) });
        res.end(outcome.body);
        return;
      }
      await relayStream(res, outcome);
    });
  }
  return router;
}

/** Waits for the client to take more, or to leave; the listener that did not fire is removed. */
async function drainOrClose(res: Response): Promise<void> {
  const done = new AbortController();
  try {
    // The loser rejects with AbortError once aborted below; that rejection is expected and ignored.
    const wait = (event: string) => once(res, event, { signal: done.signal }).catch(() => undefined);
    await Promise.race([wait("drain"), wait("close")]);
  } finally {
    done.abort();
  }
}

/** Relays chunks as they arrive, waiting for the client to drain; the upstream is aborted if the client leaves. */
async function relayStream(res: Response, outcome: Extract<ProxyOutcome, { kind: "stream" }>): Promise<void> {
  res.status(200);
  res.setHeader("content-type", "text/event-stream; charset=utf-8");
  res.setHeader("cache-control", "no-cache");
  res.setHeader("x-accel-buffering", "no");
  try {
    if (outcome.source instanceof Readable) await pipeBytes(outcome.source, res);
    else await writeFrames(outcome.source, res);
    res.end();
  } catch (error) {
    if (res.destroyed) return;
    const failure =
      error instanceof ApiError ? error : new ApiError(502, "server_error", "upstream_stream_error", "The upstream stream failed before it finished");
    res.end(`data: ${JSON.stringify(failure.toBody())}\n\n`);
  } finally {
    outcome.finish();
  }
}

/** OpenAI-compatible upstreams: their bytes, piped (pipe() pauses the upstream while the client is slow). */
function pipeBytes(source: Readable, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    source.once("end", resolve);
    source.once("error", reject);
    res.once("close", resolve);
    source.pipe(res, { end: false });
  });
}

/** Translated streams: frames from an async generator, waiting for the client to drain. */
async function writeFrames(source: AsyncIterable<string | Buffer>, res: Response): Promise<void> {
  for await (const chunk of source) {
    if (!res.write(chunk)) await drainOrClose(res);
    if (res.destroyed) return;
  }
}
