import type { ApiError } from "./api-error.js";

// LiteLLM's exception classes by HTTP status. Its clients and alerting rules match on the class name at the start
// of an inference error's message ("litellm.RateLimitError: ..."), so inference routes carry the same prefix.
const CLASS_BY_STATUS: Readonly<Record<number, string>> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  403: "PermissionDeniedError",
  404: "NotFoundError",
  408: "Timeout",
  409: "BadRequestError",
  413: "BadRequestError",
  415: "BadRequestError",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
  500: "InternalServerError",
  502: "APIConnectionError",
  503: "ServiceUnavailableError",
  504: "Timeout",
};

export function litellmExceptionClass(status: number): string {
  return CLASS_BY_STATUS[status] ?? (status >= 500 ? "InternalServerError" : "BadRequestError");
}

/** The error as an inference route answers it: `litellm.<Class>: <message>`. */
export function withLiteLLMPrefix(error: ApiError): ApiError {
  // The proxy's own key checks are LiteLLM's proxy errors, not exceptions of its library: no prefix there.
  if (error.isKeyCheck() || error.message.startsWith("litellm.")) return error;
  return error.withMessage(`litellm.${litellmExceptionClass(error.status)}: ${error.message}`);
}
