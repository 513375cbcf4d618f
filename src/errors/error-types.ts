// The one list of error types an answer may carry, and the one rule that gives an upstream's failure its type.
// The OpenAPI schema, the ApiError type and the upstream mapping all derive from API_ERROR_TYPES.

export const API_ERROR_TYPES = [
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "rate_limit_error",
  "server_error",
  "service_unavailable",
  /** LiteLLM's type for a virtual key calling a model outside its allow-list; its clients match on it. */
  "key_model_access_denied",
  /** LiteLLM's type for a key at or over its max_budget. */
  "budget_exceeded",
] as const;

export type ApiErrorType = (typeof API_ERROR_TYPES)[number];

/**
 * Types that describe Switchboard's own state (its readiness, a key's allow-list), never an upstream's: an upstream
 * that sends one (another LiteLLM proxy, say) is typed by its status instead.
 */
const OWN_TYPES: ReadonlySet<ApiErrorType> = new Set<ApiErrorType>([
  "service_unavailable",
  "key_model_access_denied",
  "budget_exceeded",
]);

const UPSTREAM_TYPES: ReadonlySet<unknown> = new Set(API_ERROR_TYPES.filter((type) => !OWN_TYPES.has(type)));

function isUpstreamType(value: unknown): value is ApiErrorType {
  return UPSTREAM_TYPES.has(value);
}

/** The type OpenAI's own API gives a reply of this status. */
export function errorTypeForStatus(status: number): ApiErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 400 && status < 500) return "invalid_request_error";
  return "server_error";
}

/** An upstream's failure keeps its own type when it is one of OpenAI's; anything else is typed by the status. */
export function upstreamErrorType(status: number, upstreamType: unknown): ApiErrorType {
  return isUpstreamType(upstreamType) ? upstreamType : errorTypeForStatus(status);
}
