import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import type { ErrorShape } from "../../errors/error-shape.js";
import { withLiteLLMPrefix } from "../../errors/litellm-prefix.js";
import type { Logger } from "../../logging/logger.js";
import type { Metrics } from "../../metrics/metrics.js";
import type { Security } from "../route.js";
import { assertMaster, type AuthDeps, type Caller, createAuthenticator } from "./auth.js";
import { sendError } from "./error-handler.js";
import { requestIdFor } from "./request-id.js";
import { forLog, type RequestRecord, watchRequest } from "./request-log.js";

export interface PipelineDeps extends AuthDeps {
  logger: Logger;
  metrics: Metrics;
}

/** Who is calling a route, or a thrown 401/403; undefined for an open route. */
export type Guard = (headers: IncomingHttpHeaders) => Promise<Caller | undefined>;

/**
 * What every request goes through, whichever server answers it (node:http for the inference routes, express for
 * the rest): its id, its log line and metrics, who is calling, and how an error is answered. A new header or a new
 * check is written here, once.
 */
export interface RequestPipeline {
  /**
   * A request has arrived: it gets its id (x-request-id, and LiteLLM's x-litellm-call-id) and, when it closes, its
   * log line and metrics. `path` is what the log line shows; `route` the matched pattern, when already known.
   */
  start(req: IncomingMessage, res: ServerResponse, path: string, route?: string): RequestRecord;
  /** The guard of a route, chosen once when the route is mounted. */
  guardFor(security: Security, fresh: boolean): Guard;
  /** The one way an error becomes a response (see sendError). */
  fail(
    res: ServerResponse,
    error: unknown,
    where: { record: RequestRecord | undefined; method: string | undefined; path: string },
    litellmErrors?: boolean,
    shape?: ErrorShape,
  ): void;
}

export function createRequestPipeline(deps: PipelineDeps): RequestPipeline {
  const identify = createAuthenticator(deps);
  const open: Guard = () => Promise.resolve(undefined);
  return {
    start(req, res, path, route) {
      const record: RequestRecord = { requestId: requestIdFor(req), receivedAt: performance.now(), route };
      res.setHeader("x-request-id", record.requestId);
      res.setHeader("x-litellm-call-id", record.requestId);
      // Replies carry keys' data, completions and errors that no shared cache or browser cache may keep. Set on
      // every reply, open ones too (probes, the OpenAPI document lose nothing by it): the route is not known yet.
      res.setHeader("cache-control", "no-store");
      watchRequest(deps, req, res, path, record);
      return record;
    },

    guardFor(security, fresh) {
      // The inference routes take this first branch: the authenticator itself, no wrapper on the hot path.
      if (security === "key" && !fresh) return identify;
      if (security === "none" && !fresh) return open;
      return async (headers) => {
        const caller = security === "none" ? undefined : await identify(headers);
        if (security === "master" && caller) assertMaster(caller);
        // After the key checks, so a refused caller never makes the replica catch up.
        if (fresh) await deps.ensureFresh();
        return caller;
      };
    },

    fail(res, error, where, litellmErrors = false, shape) {
      // LiteLLM's clients and alerts match on its exception class at the start of an inference error's message.
      const answered = litellmErrors && error instanceof ApiError ? withLiteLLMPrefix(error) : error;
      const place = { requestId: where.record?.requestId, method: where.method, path: forLog(where.path) };
      sendError(res, answered, deps.logger, place, shape);
    },
  };
}
