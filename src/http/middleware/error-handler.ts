import type { ServerResponse } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import type { ErrorShape } from "../../errors/error-shape.js";
import { DatabaseUnavailableError } from "../../errors/database-unavailable.js";
import { apiErrorFromZod } from "../../errors/zod-error.js";
import type { Logger } from "../../logging/logger.js";
import { ZodError } from "zod";
import { writeJsonText } from "../json-reply.js";

/** What express's own stack throws for a request it cannot take (bodies are read by src/http/body/, not express). */
interface ExpressError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodError) return apiErrorFromZod(error, undefined);
  const parser = error as ExpressError;
  // Client errors from express's stack carry a 4xx status and a message meant for the client (`expose`); the router
  // throws a URIError for a malformed %-escape in the path.
  const status = parser?.status ?? parser?.statusCode;
  const clientFacing = parser?.expose === true || error instanceof URIError;
  if (typeof status === "number" && status >= 400 && status < 500 && clientFacing) {
    const message = error instanceof Error ? error.message : "Bad request";
    return ApiError.unreadableRequest(status, parser?.type?.replace(/\./g, "_") ?? "bad_request", message);
  }
  return undefined;
}

/** Prisma prefixes a driver's reason with the call site and the source around it; the reason is the last line. */
function lastLine(text: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}

/**
 * The one place an error becomes a response. Unknown errors are logged in full and answered generically.
 * Mid-stream (headers already sent) the status line is gone, so the error travels as one last SSE frame.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  logger: Logger,
  where: { requestId?: string; method?: string; path: string },
  shape?: ErrorShape,
): void {
  let apiError = toApiError(error);
  if (error instanceof DatabaseUnavailableError) {
    // Expected during an outage, and not this request's fault: one warn line with the driver's reason (host and
    // port at most, never the URL's password), no stack.
    const reason = lastLine(error.cause instanceof Error ? error.cause.message : String(error.cause));
    logger.warn({ requestId: where.requestId, method: where.method, path: where.path, reason }, "database unavailable");
    apiError = ApiError.databaseUnavailable();
  }
  if (!apiError) {
    logger.error({ err: error, requestId: where.requestId, method: where.method, path: where.path }, "unhandled error");
    apiError = ApiError.internal();
  }
  if (res.headersSent) {
    res.end(shape ? shape.sseFrame(apiError) : apiError.toSseFrame());
    return;
  }
  if (apiError.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(apiError.retryAfterSeconds));
  const body = shape ? shape.body(apiError, where.requestId) : apiError.toBody();
  writeJsonText(res, apiError.status, JSON.stringify(body));
}
