// Errors on the Anthropic Messages routes: OpenAI's envelope (the project's one error shape) with Anthropic's
// `"type": "error"` beside it and Anthropic's vocabulary in `error.type`, so both kinds of client read it.
// `message`, `param` and `code` are the same as on every other route.
import type { ApiError } from "../../errors/api-error.js";
import type { ErrorShape } from "../../errors/error-shape.js";

const ANTHROPIC_TYPES: ReadonlySet<string> = new Set([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "timeout_error",
  "overloaded_error",
]);

const TYPE_BY_STATUS: ReadonlyMap<number, string> = new Map([
  [401, "authentication_error"],
  [403, "permission_error"],
  [404, "not_found_error"],
  [413, "request_too_large"],
  [429, "rate_limit_error"],
  [504, "timeout_error"],
  [529, "overloaded_error"],
]);

/**
 * An Anthropic upstream's own type (kept in `code`, e.g. overloaded_error) wins; then ours when Anthropic uses the
 * same word; else the status decides, as Anthropic's API and LiteLLM's /v1/messages map it.
 */
export function anthropicErrorType(error: ApiError): string {
  if (ANTHROPIC_TYPES.has(error.code)) return error.code;
  if (ANTHROPIC_TYPES.has(error.type)) return error.type;
  return TYPE_BY_STATUS.get(error.status) ?? (error.status < 500 ? "invalid_request_error" : "api_error");
}

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string; param: string | null; code: string | null };
  request_id?: string;
}

export function anthropicErrorBody(error: ApiError, requestId?: string): AnthropicErrorBody {
  const fields = error.toBody().error;
  const body: AnthropicErrorBody = { type: "error", error: { ...fields, type: anthropicErrorType(error) } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

export const anthropicErrorShape: ErrorShape = {
  body: anthropicErrorBody,
  sseFrame: (error) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`,
};
