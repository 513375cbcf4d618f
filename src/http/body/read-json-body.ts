import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { ApiError } from "../../errors/api-error.js";
import type { BodyBudget } from "./body-budget.js";
import { BodyCollector } from "./body-collector.js";
import { inflaterFor } from "./inflate.js";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
const IDENTITY = /^\s*identity\s*$/i;

/** How one kind of route reads its bodies; built once per registrar, never per request. */
export interface BodyPolicy {
  limitBytes: number;
  maxDepth: number;
  maxElements: number;
  acceptCompressed: boolean;
  maxCompressionRatio: number;
  /** The replica's, shared by every policy. */
  budget: BodyBudget;
}

/**
 * Reads and parses a JSON request body within the policy's limits, enforced while the bytes arrive: a declared
 * Content-Length over the size limit is refused before reading, nesting and element count are checked chunk by
 * chunk before JSON.parse runs, compressed bodies are refused unless accepted and then inflated as a stream under
 * the size limit and a ratio, and the bytes held count against the replica's budget (503 with retry-after past it).
 * An empty body or a non-JSON content type gives undefined, so the schema names the first missing field. On any
 * refusal the rest of the body is left unread: the registrar answers with `connection: close` (closeUnlessRead).
 */
export function readJsonBody(req: IncomingMessage, res: ServerResponse, policy: BodyPolicy): Promise<unknown> {
  const type = req.headers["content-type"];
  if (!type || !JSON_TYPE.test(type)) return Promise.resolve(undefined);
  const encoding = req.headers["content-encoding"];
  const compressed = encoding !== undefined && encoding !== "" && !IDENTITY.test(encoding);
  if (compressed && !policy.acceptCompressed) return Promise.reject(ApiError.compressedBodyRefused(encoding));
  const length = req.headers["content-length"];
  const declared = length === undefined ? 0 : Number(length);
  if (declared > policy.limitBytes) return Promise.reject(ApiError.requestTooLarge(policy.limitBytes, declared));
  // A plain body's declared length is reserved at once (node:http stops reading at it); others as they arrive.
  const upfront = compressed ? 0 : declared;
  if (upfront > 0 && !policy.budget.tryReserve(upfront)) return Promise.reject(bufferFull(res));
  const collector = new BodyCollector(policy, upfront);
  if (!compressed) return collect(req, req, collector, res);
  const inflater = inflaterFor(encoding, policy);
  if (!inflater) {
    collector.release();
    return Promise.reject(ApiError.compressedBodyRefused(encoding));
  }
  req.pipe(inflater.stream);
  return collect(req, inflater.stream, collector, res, inflater.tooExpanded).finally(() => {
    req.unpipe(inflater.stream);
    inflater.stream.destroy();
  });
}

/** 503 with retry-after: the budget frees up as soon as the bodies being read are parsed. */
function bufferFull(res: ServerResponse): ApiError {
  if (!res.headersSent) res.setHeader("retry-after", "1");
  return ApiError.bodyBufferFull();
}

/**
 * Feeds `source` (the request, or its inflater) into the collector until it ends, the request aborts or a limit is
 * passed. The reservation is released however it ends.
 */
function collect(
  req: IncomingMessage,
  source: Readable,
  collector: BodyCollector,
  res: ServerResponse,
  tooExpanded?: (inflatedBytes: number) => ApiError | undefined,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: ApiError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      // The error listener stays: an inflater still being fed may yet fail, and an unheard 'error' would throw.
      source.off("data", onData);
      source.off("end", onEnd);
      req.off("close", onClose);
      collector.release();
      if (!error) return resolve(value);
      req.pause(); // leave the rest unread: the answer closes the connection
      if (error.status === 503) res.setHeader("retry-after", "1");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      const problem = collector.add(chunk) ?? tooExpanded?.(collector.size);
      if (problem) settle(problem);
    };
    const onEnd = () => {
      let value: unknown;
      try {
        value = collector.parse();
      } catch {
        return settle(ApiError.invalidJson());
      }
      settle(undefined, value);
    };
    const onError = (error: unknown) => {
      if (error instanceof ApiError) return settle(error);
      settle(source === req ? ApiError.bodyIncomplete() : ApiError.corruptCompressedBody());
    };
    const onClose = () => {
      if (!req.complete) settle(ApiError.bodyIncomplete());
    };
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * Before answering without having read the body (an error, or a route that takes none): when part of a body has yet
 * to arrive, the connection closes after the answer instead of node:http draining the rest (a slow upload would
 * hold it for minutes). A request without a body keeps its connection; one with a body may have sent all of it
 * already (node:http marks it complete only once it is parsed), and closes all the same: it is being refused.
 */
export function closeUnlessRead(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || res.headersSent) return;
  const { headers } = req;
  if (headers["transfer-encoding"] !== undefined || Number(headers["content-length"]) > 0)
    res.setHeader("connection", "close");
}
